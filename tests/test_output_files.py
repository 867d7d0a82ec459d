"""What users open: the IAMC tree adds up, text cannot become a formula, results.xlsx is tidy."""

from __future__ import annotations

import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest

from elt_odym.io.escape import escape_cell, escape_frame
from elt_odym.model import run
from elt_odym.reporting.iamc import aggregate_problems, to_iamc
from elt_odym.reporting.outputs import write_outputs


@pytest.fixture(scope="module")
def iamc(runs) -> pd.DataFrame:
    return to_iamc(runs("paper_calibrated").results, "Trucks", "China", 2023)


def _parents(variables) -> list[str]:
    variables = set(variables)
    return sorted({v.rsplit("|", 1)[0] for v in variables} & variables)


def test_iamc_every_parent_is_the_sum_of_its_children(iamc):
    assert len(_parents(iamc.Variable)) > 100
    assert aggregate_problems(iamc) == []


def test_iamc_check_notices_a_broken_sum(iamc):
    broken = iamc.copy()
    broken.loc[broken.Variable == "Trucks|End of Life Material|Fe|HT", "2030"] *= 1.01
    problems = aggregate_problems(broken)
    assert len(problems) == 1 and "Trucks|End of Life Material|Fe " in problems[0]


def test_iamc_units_in_iamc_style(iamc):
    units = dict(zip(iamc.Variable, iamc.Unit))
    assert units["Trucks|Stock"] == "million vehicles"
    assert units["Trucks|End of Life"] == "million vehicles/yr"
    assert units["Trucks|Stock Mass"] == "Mt"
    assert units["Trucks|End of Life Material|Fe"] == "Mt/yr"
    assert units["Trucks|Recycling Value"] == "billion US$2016/yr"
    assert not iamc.duplicated(["Scenario", "Variable"]).any()


def test_iamc_passes_pyam_check_aggregate(iamc):
    pyam = pytest.importorskip("pyam", reason="pyam (optional, pyam-iamc) is not installed; "
                                              "our own check above applies the same rule")
    df = pyam.IamDataFrame(iamc)
    failing = [v for v in _parents(df.variable) if df.check_aggregate(v) is not None]
    assert failing == []


@pytest.mark.parametrize("text, safe", [
    ("=1+2", "'=1+2"), ("+A1", "'+A1"), ("-cmd", "'-cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("Fe", "Fe"), ("-1.5", "-1.5"), ("", ""),
    (-3.0, -3.0), (7, 7), (None, None)])
def test_escape_cell(text, safe):
    assert escape_cell(text) == safe


def test_escape_frame_leaves_numbers():
    df = pd.DataFrame({"name": ["=HYPERLINK(\"x\")", "ok"], "value": [-1.0, 2.0]})
    out = escape_frame(df)
    assert out["name"].tolist() == ["'=HYPERLINK(\"x\")", "ok"]
    assert out["value"].tolist() == [-1.0, 2.0]


def _rename_item(data_copy, old: str, new: str) -> None:
    """Rename a material item in the master and every workbook of the data copy."""
    for path in list(data_copy.parent.glob("classification/*.xlsx")) + list(
            data_copy.rglob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        changed = False
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value == old:
                        cell.value, changed = new, True
                        cell.data_type = "s"  # text, as a user typing '=1+1 would get
        if changed:
            wb.save(path)


@pytest.fixture(scope="module")
def injected_out(tmp_path_factory, bundled):
    """Outputs of a run whose material 'rubber' is renamed '=cmd|rubber'."""
    root = tmp_path_factory.mktemp("inject")
    for sub in ("classification", "datasets"):
        shutil.copytree(bundled / sub, root / sub)
    _rename_item(root / "datasets", "rubber", "=1+1")
    out = root / "out"
    write_outputs([run(root / "datasets", "literature")], out, figures=False)
    return out


def test_formula_named_item_is_text_in_every_output(injected_out):
    csv = pd.read_csv(injected_out / "results.csv", keep_default_na=False)
    assert "'=1+1" in set(csv.material) and "=1+1" not in set(csv.material)
    iamc = pd.read_csv(injected_out / "results_iamc.csv")
    assert any("=1+1" in v for v in iamc.Variable)
    for name in ("results.xlsx", "results_iamc.xlsx"):
        wb = openpyxl.load_workbook(injected_out / name)
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    assert not (isinstance(v, str) and v.startswith("=")), (name, ws.title, v)


def test_results_xlsx_is_pleasant(injected_out):
    wb = openpyxl.load_workbook(injected_out / "results.xlsx")
    assert wb.sheetnames[0] == "summary"
    for ws in wb.worksheets:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2"), ws.title
        assert ws.auto_filter.ref, ws.title
        assert ws.column_dimensions["A"].width > 8
    header = [c.value for c in wb["summary"][1]]
    assert header[:3] == ["scenario", "quantity", "unit"] and "sum 2025-2050" in header
    units = {r[2] for r in wb["summary"].iter_rows(min_row=2, values_only=True)}
    assert {"Mt", "billion US$2016", "PJ", "million vehicles"} <= units
    for name in ("stock_fits", "negative_inflow_events"):
        assert "truck_type" in [c.value for c in wb[name][1]]
    files = {r[5] for r in wb["sources"].iter_rows(min_row=2, values_only=True)}
    assert all(not str(f).startswith("/") for f in files), files
    cell = wb["fleet"]["F2"]
    assert isinstance(cell.value, (int, float)) and cell.number_format != "General"
    assert np.isfinite(cell.value)
