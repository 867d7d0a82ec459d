"""Shared fixtures: a private copy of the bundled data for every test that edits workbooks."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from elt_odym.paths import bundled_root


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory):
    """The user's cache folder (parsed workbooks, the system diagram) in a temporary folder:
    the tests neither read nor fill the real one."""
    patch = pytest.MonkeyPatch()
    patch.setenv("ELT_ODYM_CACHE_DIR", str(tmp_path_factory.mktemp("user_cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def bundled() -> Path:
    """The bundled root (classification/ and datasets/); never modified by tests."""
    return bundled_root()


@pytest.fixture
def data_copy(tmp_path: Path, bundled: Path) -> Path:
    """A fresh copy of classification/ and datasets/; returns the datasets folder."""
    for sub in ("classification", "datasets"):
        shutil.copytree(bundled / sub, tmp_path / sub)
    return tmp_path / "datasets"


def set_cell(path: Path, sheet: str, cell: str, value) -> None:
    """Edit one cell of a workbook in place (as a user would in Excel)."""
    wb = openpyxl.load_workbook(path)
    wb[sheet][cell] = value
    wb.save(path)


@pytest.fixture(scope="session")
def runs():
    """Runs of the bundled scenarios, computed once per session."""
    from elt_odym.model import run

    cache = {}

    def get(scenario: str):
        if scenario not in cache:
            cache[scenario] = run(scenario=scenario)
        return cache[scenario]

    return get
