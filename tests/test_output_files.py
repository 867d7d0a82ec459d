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


# --- the bulk xlsx writer, the CSV escaping and the printed headline ------------------------

TRICKY = pd.DataFrame({
    "name": ["=1+1", "plain", "ctrl\x01char", "_x0041_ literal", "<&> \"q\"", "", None, "ünï"],
    "value": [0.1 + 0.2, 1e-300, -0.0, 12345.678, np.nan, np.inf, 2.0 ** 60, -7.0],
    "count": [1, 2, 3, 4, 5, 6, 7, 8],
    "flag": [True, False, True, False, True, False, True, False],
})


def _read_back(path, engine):
    from elt_odym.io.safe_open import read_book

    return read_book(path, engine=engine)["t"].rows


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_bulk_xlsx_reads_back_exactly(tmp_path, engine):
    from elt_odym.reporting.xlsx import write_sheets

    write_sheets({"t": TRICKY}, tmp_path / "t.xlsx", {"t": 1})
    rows = _read_back(tmp_path / "t.xlsx", engine)
    assert rows[0] == ["name", "value", "count", "flag"]
    names = [r[0] if r else None for r in rows[1:]]
    # a control character is stored as Excel's escape _x0001_, which calamine (like Excel)
    # decodes and openpyxl shows as it is
    ctrl = "ctrl\x01char" if engine == "calamine" else "ctrl_x0001_char"
    assert names == ["'=1+1", "plain", ctrl, "_x0041_ literal", "<&> \"q\"", None, None, "ünï"]
    values = [r[1] if len(r) > 1 else None for r in rows[1:]]
    assert values[:4] == [0.1 + 0.2, 1e-300, 0, 12345.678]  # every digit kept
    assert values[4] is None and values[6] == 2.0 ** 60 and values[7] == -7
    assert [r[2] for r in rows[1:]] == list(range(1, 9))
    assert [r[3] for r in rows[1:]] == ["True", "False"] * 4  # written as text, as before


def test_bulk_xlsx_layout_and_same_bytes_twice(tmp_path):
    from elt_odym.reporting.xlsx import write_sheets

    sheets = {"a sheet name longer than thirty-one characters": TRICKY, "b": TRICKY.head(0)}
    write_sheets(sheets, tmp_path / "1.xlsx", {"b": 2})
    write_sheets(sheets, tmp_path / "2.xlsx", {"b": 2})
    assert (tmp_path / "1.xlsx").read_bytes() == (tmp_path / "2.xlsx").read_bytes()
    wb = openpyxl.load_workbook(tmp_path / "1.xlsx")
    assert wb.sheetnames == ["a sheet name longer than thirty", "b"]
    first = wb.worksheets[0]
    assert first.freeze_panes == "A2" and first.auto_filter.ref == "A1:D9"
    formats = [first[f"B{r}"].number_format for r in (2, 3, 5, 9)]  # 0.3, 1e-300, 12345.7, -7
    assert formats == ["0.0000", "0.00E+00", "#,##0", "#,##0.00"]
    assert first["A1"].font.b and first["B7"].value == "#NUM!"  # an infinity shows as an error
    assert wb["b"].freeze_panes == "C2" and wb["b"].auto_filter.ref == "A1:D2"


def test_csv_escaping_is_escape_frame_cell_for_cell(runs):
    from elt_odym.reporting.results import escaped_objects

    table = runs("best_estimate").results.head(500).copy()
    table.loc[3, "material"], table.loc[4, "unit"] = "=HYPERLINK(1)", np.nan
    table = table.rename(columns={"unit": "+unit"})
    fast, ref = escaped_objects(table), escape_frame(table)
    assert list(fast.columns) == list(ref.columns) == [*table.columns[:-1], "'+unit"]
    assert fast.to_csv(index=False) == ref.to_csv(index=False)
    assert fast.loc[3, "material"] == "'=HYPERLINK(1)"


@pytest.mark.parametrize("scenario", ["best_estimate", "literature", "electrification_central"])
def test_printed_headline_is_the_model_s_summary(runs, scenario):
    from elt_odym.model import cumulative_summary, summary
    from elt_odym.reporting.results import headline_tables

    r = runs(scenario)
    table, cumulative = headline_tables(r, 2025, 2050)
    pd.testing.assert_frame_equal(table, summary(r), check_exact=True)
    pd.testing.assert_frame_equal(cumulative, cumulative_summary(r, 2025, 2050),
                                  check_exact=True)
    assert len(table) >= 8 and table["2050"].notna().all()
