"""The tutorials of ``examples/notebooks/``: each executes from top to bottom, holds no outputs
(so the repository carries code, not results), and leaves the bundled data untouched.

The notebooks run in their own folder as Jupyter would run them, with a kernel of this Python
(nbclient, which the ``test`` extra brings with nbmake; ``pytest --nbmake examples/notebooks``
runs them the same way).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
TIMEOUT = 300
"""Seconds one cell may take (a cold numba cache compiles the kernel in the first run)."""


def _digest(folder: Path) -> str:
    """One hash over every file of a folder (names and bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def test_there_are_tutorials():
    names = {p.stem for p in NOTEBOOKS}
    assert {"01_quickstart", "02_edit_and_rerun", "03_embed_in_flodym",
            "04_new_product_system", "05_monte_carlo_and_sobol"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_holds_no_outputs(path):
    book = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(book["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, (
                f"{path.name} cell {i} holds outputs: clear them before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="the test extra (nbmake) runs notebooks")
    nbclient = pytest.importorskip("nbclient", reason="the test extra (nbmake) runs notebooks")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = {d: _digest(ROOT / d) for d in ("datasets", "classification", "examples/buses")}
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    after = {d: _digest(ROOT / d) for d in before}
    assert after == before, "a tutorial wrote into the bundled data"
