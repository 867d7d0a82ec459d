"""Where the bundled classification and datasets live, for a checkout and an installed package."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

from .errors import ConfigError


def bundled_root() -> Path:
    """The folder that holds ``classification/`` and ``datasets/``.

    A source checkout or editable install finds them beside the package; a regular
    ``pip install .`` puts them under ``<prefix>/share/elt-odym`` (setup.cfg ``data_files``).
    """
    candidates = [Path(__file__).resolve().parent.parent]
    for prefix in (sys.prefix, sysconfig.get_path("data")):
        candidates.append(Path(prefix) / "share" / "elt-odym")
    for root in candidates:
        if (root / "datasets" / "config.toml").is_file() and (root / "classification").is_dir():
            return root
    raise ConfigError("the bundled datasets were not found; looked in "
                      + ", ".join(str(c) for c in candidates))


def bundled_data_dir() -> Path:
    """The bundled ``datasets/`` folder (holds ``config.toml``)."""
    return bundled_root() / "datasets"
