"""Build step: the top-level ``classification/`` and ``datasets/`` (the source of truth in the
repository) are copied into the wheel as package data, ``elt_odym/_bundled/``, so an installed
package finds them through ``importlib.resources`` wherever it is installed (``--user``,
``--target``, a virtual environment). Everything else is declared in ``setup.cfg``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = ("classification", "datasets")


class BuildPyWithData(build_py):
    """``build_py`` that also copies the bundled data folders into ``elt_odym/_bundled``."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the folders in the checkout
        target = Path(self.build_lib) / "elt_odym" / "_bundled"
        for name in BUNDLED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("~$*", ".~lock*", "__pycache__"))


setup(cmdclass={"build_py": BuildPyWithData})
