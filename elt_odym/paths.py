"""Where the bundled classification and datasets live, for a checkout and an installed package.

An installed package carries them as package data (``elt_odym/_bundled``, copied there by the
build step in ``setup.py``) and finds them through :mod:`importlib.resources`, so ``pip install
--user`` or ``--target`` work as well as a virtual environment; a source checkout or an editable
install reads the top-level folders of the repository, which stay the source of truth.
"""

from __future__ import annotations

import sys
import sysconfig
from importlib import resources
from pathlib import Path

from .errors import ConfigError


def _candidates() -> list[Path]:
    """Folders that may hold ``classification/`` and ``datasets/``, in order of preference."""
    out = []
    try:
        packaged = resources.files("elt_odym") / "_bundled"
        out.append(Path(str(packaged)))
    except (ModuleNotFoundError, TypeError):  # not importable as a package on disk
        pass
    out.append(Path(__file__).resolve().parent.parent)
    for prefix in (sys.prefix, sysconfig.get_path("data")):  # older installs (data_files)
        out.append(Path(prefix) / "share" / "elt-odym")
    return out


def bundled_root() -> Path:
    """The folder that holds ``classification/`` and ``datasets/``.

    Raises
    ------
    ConfigError
        When no candidate folder holds them (a broken install); the message lists where it
        looked.
    """
    candidates = _candidates()
    for root in candidates:
        if (root / "datasets" / "config.toml").is_file() and (root / "classification").is_dir():
            return root
    raise ConfigError("the bundled datasets were not found; looked in "
                      + ", ".join(str(c) for c in candidates)
                      + "; reinstall elt-odym, or pass --data with a folder made by "
                        "'elt-odym init'")


def bundled_data_dir() -> Path:
    """The bundled ``datasets/`` folder (holds ``config.toml``)."""
    return bundled_root() / "datasets"
