"""ODYM round trip: our workbooks in ODYM's layout, ODYM-layout workbooks through our validation,
the ODYM project export, and ODYM's lifetime conventions.

The ODYM-side reading here (:func:`odym_style_read`, :func:`odym_config_blocks`) follows the cell
positions ODYM documents for its readers, written for these tests; ODYM itself is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import flodym as fd
import numpy as np
import openpyxl
import pytest
import scipy.stats
from conftest import set_cell
from fixtures.odym import tutorial_style

from elt_odym.cli import main
from elt_odym.data import load_data, validate_data_dir
from elt_odym.fleet.lifetimes import (
    ODYM_EQUIVALENT_FORM,
    from_odym_lifetime,
    make_lifetime_model,
    odym_lognormal_std,
)
from elt_odym.io import (
    read_classification_master,
    read_parameter_workbook,
    write_parameter_workbook,
)
from elt_odym.io.stats_array import parse_stats_array
from elt_odym.reporting.odym_export import export_odym

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for base in (ROOT / "datasets", ROOT / "examples" / "buses" / "datasets")
                 for p in base.rglob("*.xlsx")
                 if "Cover" in openpyxl.load_workbook(p, read_only=True).sheetnames)
ODYM_LAYERS = ["value", "unit nominator", "unit denominator", "stats_array string", "comment"]


def odym_style_read(path: Path) -> dict:
    """Read a parameter workbook at the positions ODYM's ``ReadParameterXLSX`` uses."""
    cover = openpyxl.load_workbook(path, data_only=True)["Cover"]
    wb = openpyxl.load_workbook(path, data_only=True)
    meta, row = {}, 2
    while cover.cell(row, 1).value not in ("[Empty on purpose]", "Dataset_RecordType"):
        meta[cover.cell(row, 1).value] = cover.cell(row, 2).value
        row += 1
    while cover.cell(row, 1).value != "Dataset_RecordType":
        row += 1
    kind = cover.cell(row, 2).value

    def column(col):
        out, r = [], row + 2
        while cover.cell(r, col).value is not None:
            out.append(cover.cell(r, col).value)
            r += 1
        return out
    values = {}
    if kind == "LIST":
        classes, ws, r = column(1), wb["Values_Master"], 2
        n = len(classes)
        while ws.cell(r, n + 1).value is not None:
            key = tuple(ws.cell(r, c).value for c in range(1, n + 1))
            values[key] = (ws.cell(r, n + 1).value, ws.cell(r, n + 4).value)
            r += 1
        n_rows, n_cols = cover.cell(row, 4).value, None
    else:
        rows, cols = column(1), column(3)
        classes, ws = rows + cols, wb[column(5)[0]]
        n_rows, n_cols = int(cover.cell(row, 4).value), int(cover.cell(row, 6).value)
        n, k = len(rows), len(cols)
        for i in range(n_rows):
            for j in range(n_cols):
                key = tuple(ws.cell(k + 1 + i, c).value for c in range(1, n + 1)) + tuple(
                    ws.cell(r, n + 1 + j).value for r in range(1, k + 1))
                values[key] = (ws.cell(k + 1 + i, n + 1 + j).value, None)
    return dict(meta=meta, kind=kind, classes=classes, values=values, n_rows=n_rows,
                n_cols=n_cols, record_row=row)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_workbook_reads_as_odym_reads_it(path):
    odym = odym_style_read(path)
    ours = read_parameter_workbook(path)
    root = next(p for p in path.parents if (p / "classification").is_dir())
    master = read_classification_master(next((root / "classification").glob("*.xlsx")))
    assert odym["record_row"] == 21
    assert odym["meta"]["Dataset_Classification_version_number"] == master.version
    assert all(c in master for c in odym["classes"])
    classes = [c for _, c in ours.aspects] or ["Unity"]
    assert odym["classes"] == classes  # classification in column A, in the file's order
    expected = {(rec.index or (1,)): rec.value for rec in ours.records}
    assert {k: v for k, (v, _) in odym["values"].items()} == expected
    assert len(expected) == len(ours.records) > 0  # nothing dropped, no duplicates
    if odym["kind"] == "LIST":
        assert odym["n_rows"] == len(ours.records)
        header = [c.value for c in openpyxl.load_workbook(path)["Values_Master"][1]]
        assert header[len(classes):len(classes) + 5] == ODYM_LAYERS
        assert [s or "" for _, s in odym["values"].values()] == [r.stats_array
                                                                  for r in ours.records]
    else:
        assert odym["n_rows"] * odym["n_cols"] == len(ours.records)


def test_scalar_has_odyms_unity_aspect(bundled):
    path = bundled / "datasets" / "factor_range.xlsx"
    ws = openpyxl.load_workbook(path)["Cover"]
    assert [ws["A23"].value, ws["B23"].value] == ["Unity", "Unity"]
    assert openpyxl.load_workbook(path)["Values_Master"]["A2"].value == 1
    pw = read_parameter_workbook(path)
    assert pw.aspects == [] and pw.records[0].index == () and pw.records[0].value == 0.2


def test_master_is_named_by_its_file_as_in_odym(bundled, tmp_path):
    path = bundled / "classification" / "ELT_Classification_Master.xlsx"
    ws = openpyxl.load_workbook(path)["MAIN_Table"]
    assert [ws.cell(r, 1).value for r in range(1, 11)] == tutorial_style.MASTER_LABELS
    master = read_classification_master(path)
    assert master.version == "ELT_Classification_Master"
    assert master["Unity"].items == [1]
    copy = tmp_path / "Renamed_Master.xlsx"
    shutil.copy(path, copy)
    with pytest.raises(Exception) as exc:
        read_classification_master(copy)
    problem = exc.value.problems[0]
    assert (problem.sheet, problem.cell, problem.rule) == ("Info", "B1", "version-mismatch")


@pytest.mark.parametrize("name", ["unit_weight", "collection_rate", "factor_range",
                                  "material_composition", "stock_history"])
def test_read_write_read_is_equal(bundled, tmp_path, name):
    first = read_parameter_workbook(bundled / "datasets" / f"{name}.xlsx")
    write_parameter_workbook(first, tmp_path / f"{name}.xlsx")
    second = read_parameter_workbook(tmp_path / f"{name}.xlsx")
    assert second.cover == first.cover and second.aspects == first.aspects
    assert [(r.index, r.value, r.stats_array, r.comment) for r in second.records] == [
        (r.index, r.value, r.stats_array, r.comment) for r in first.records]
    assert second.refs == first.refs and second.log == first.log


def test_earlier_layout_is_still_read(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Cover"
    for row in [["Key", "Value"], ["Dataset_Name", "x"], ["Table_Sheet", "Values_Table"],
                ["Table_Row_Aspects", "Product"], ["Table_Column_Aspect", "Time"],
                ["Dataset_RecordType", "TABLE"], ["Aspect", "Classification"],
                ["Time", "Time"], ["Product", "Truck_type"], ["Layer", "Meaning"], ["value"]]:
        ws.append(row)
    data = wb.create_sheet("Values_Table")
    data.append(["Product", 2002, 2003])
    data.append(["HT", 0.5, 0.25])
    wb.save(tmp_path / "old.xlsx")
    pw = read_parameter_workbook(tmp_path / "old.xlsx")
    assert pw.aspects == [("Time", "Time"), ("Product", "Truck_type")]
    assert [(r.index, r.value) for r in pw.records] == [((2002, "HT"), 0.5), ((2003, "HT"), 0.25)]
    assert "Table_Sheet" not in pw.cover


# -- ODYM tutorial-style workbooks through our validation -----------------------------------------


def _as_tutorial(pw, path: Path, meanings: dict[str, str]) -> None:
    meta = dict(pw.cover) | {"Format_Version": "V0.2"}
    if pw.record_type == "TABLE":
        index = {a: i for i, a in enumerate(pw.aspect_names)}
        rkeys, ckeys, grid = [], [], {}
        for rec in pw.records:
            rk = tuple(rec.index[index[a]] for a in pw.row_aspects)
            ck = tuple(rec.index[index[a]] for a in pw.col_aspects)
            rkeys += [rk] if rk not in rkeys else []
            ckeys += [ck] if ck not in ckeys else []
            grid[(rk, ck)] = rec.value
        classes = dict(pw.aspects)
        tutorial_style.write_table(
            path, meta, [(classes[a], meanings.get(a, a)) for a in pw.row_aspects],
            [(classes[a], meanings.get(a, a)) for a in pw.col_aspects], rkeys, ckeys, grid,
            pw.refs)
        return
    aspects = [(c, meanings.get(a, a)) for a, c in pw.aspects] or [("Unity", "unity")]
    rows = [list(r.index or (1,)) + [r.value, r.unit_nominator, r.unit_denominator,
                                     r.stats_array or "none", r.comment] for r in pw.records]
    headers = [meanings.get(a, a).lower() for a, _ in aspects]
    tutorial_style.write_list(path, meta, aspects, headers, rows, pw.refs)


TUTORIAL = {"unit_weight": {"Product": "commodity"}, "material_composition":
            {"Product": "truck type", "Material": "element"}, "collection_rate":
            {"Time": "year", "Product": "truck type"}, "factor_range": {},
            "stock_history": {"Time": "time (years)", "Product": "commodity"},
            "price": {"Statistic": "price statistic"}}


@pytest.fixture
def tutorial_copy(data_copy, bundled):
    """The bundled data with a tutorial-style master and six tutorial-style workbooks."""
    master = read_classification_master(
        bundled / "classification" / "ELT_Classification_Master.xlsx")
    tutorial_style.write_master(
        data_copy.parent / "classification" / "ELT_Classification_Master.xlsx",
        [(c.name, c.dimension, c.items) for c in master.classifications.values()])
    for name, meanings in TUTORIAL.items():
        pw = read_parameter_workbook(bundled / "datasets" / f"{name}.xlsx")
        _as_tutorial(pw, data_copy / f"{name}.xlsx", meanings)
    return data_copy


def test_tutorial_style_workbooks_pass_validate(tutorial_copy, bundled):
    ws = openpyxl.load_workbook(tutorial_copy / "collection_rate.xlsx")["Cover"]
    assert ws["E23"].value == "values" and ws["C21"].value == "No_Rows"
    assert validate_data_dir(tutorial_copy) == []
    ours, theirs = load_data(bundled / "datasets", "literature"), load_data(tutorial_copy,
                                                                            "literature")
    for name in TUTORIAL:
        np.testing.assert_array_equal(theirs[name].values, ours[name].values)
        assert theirs[name].provenance == ours[name].provenance
    def unc(d):
        return {k: repr(v) for k, v in d["stock_history"].uncertainty.items()}  # NaN != NaN
    assert unc(theirs) == unc(ours) and "p2=148280.0" in unc(ours)[(2002, "HT")]
    assert main(["validate", "--data", str(tutorial_copy)]) == 0


def test_tutorial_style_problems_are_named(tutorial_copy):
    set_cell(tutorial_copy / "material_composition.xlsx", "Values_Master", "A1", "element")
    set_cell(tutorial_copy / "material_composition.xlsx", "Values_Master", "B1", "truck type")
    set_cell(tutorial_copy / "collection_rate.xlsx", "Cover", "E23", "Values")
    set_cell(tutorial_copy / "factor_range.xlsx", "Values_Master", "A2", 2)
    set_cell(tutorial_copy / "unit_weight.xlsx", "Values_Master", "E1", "stats")
    found = {(Path(p.file).name, p.sheet, p.cell, p.rule)
             for p in validate_data_dir(tutorial_copy)}
    assert {("material_composition.xlsx", "Values_Master", "A1", "bad-header"),
            ("collection_rate.xlsx", "Cover", "E23", "missing-sheet"),
            ("factor_range.xlsx", "Values_Master", "A2", "unknown-item"),
            ("unit_weight.xlsx", "Values_Master", "E1", "bad-header")} <= found


def test_table_size_odym_would_read_is_checked(tutorial_copy):
    set_cell(tutorial_copy / "collection_rate.xlsx", "Cover", "F21", 72)  # one year too few
    found = [p for p in validate_data_dir(tutorial_copy) if p.rule == "table-size"]
    assert [(Path(p.file).name, p.cell) for p in found] == [("collection_rate.xlsx", "F21")]
    assert "No_Cols is 72 but the sheet 'values' has 73" in found[0].message


def test_tutorial_table_with_two_column_aspects(tmp_path):
    """As ODYM's Tutorial 6 steel consumption: rows scenario x year, columns sector x material."""
    rows = [("BAU", "2015"), ("BAU", 2016)]  # a year written as text, as in Tutorial 5
    cols = [("vehicles", "Automotive steel"), ("machinery", "Construction grade steel")]
    grid = {(r, c): 10.0 * i + j for i, r in enumerate(rows) for j, c in enumerate(cols)}
    tutorial_style.write_table(
        tmp_path / "t.xlsx", {"Dataset_Name": "t", "Dataset_Unit": "kt/yr"},
        [("Scenario", "scenario"), ("Time", "time (years)")],
        [("End_Use_Sectors", "sectors"), ("Engineering_Materials", "materials")],
        rows, cols, grid, [])
    pw = read_parameter_workbook(tmp_path / "t.xlsx")
    assert pw.row_aspects == ["scenario", "time (years)"]
    assert pw.col_aspects == ["sectors", "materials"] and pw.table_sheet == "values"
    got = {rec.index: rec.value for rec in pw.records}
    assert got == {("BAU", 2015, "vehicles", "Automotive steel"): 0.0,
                   ("BAU", 2015, "machinery", "Construction grade steel"): 1.0,
                   ("BAU", 2016, "vehicles", "Automotive steel"): 10.0,
                   ("BAU", 2016, "machinery", "Construction grade steel"): 11.0}
    write_parameter_workbook(pw, tmp_path / "again.xlsx")
    again = read_parameter_workbook(tmp_path / "again.xlsx")
    assert {rec.index: rec.value for rec in again.records} == got
    assert odym_style_read(tmp_path / "again.xlsx")["n_cols"] == 2


@pytest.mark.parametrize("text,kind,p2", [("none", "none", None), ("3;16;4.8;none", "normal", 4.8),
                                          ("NONE", "none", None)])
def test_stats_array_none_as_in_odym(text, kind, p2):
    unc = parse_stats_array(text)
    assert unc.kind == kind and (p2 is None or unc.p2 == p2)
    assert p2 is None or np.isnan(unc.p3)


@pytest.mark.parametrize("text", ["8;0;0.05917;4.2", "5;16;12;20"])
def test_stats_arrays_order_is_refused_not_misread(text):
    with pytest.raises(ValueError, match="not read"):
        parse_stats_array(text)


# -- export-odym --------------------------------------------------------------------------------


def odym_config_blocks(path: Path) -> dict[str, list[list]]:
    """Blocks of an ODYM configuration: title in column B, rows from column C until C is empty."""
    wb = openpyxl.load_workbook(path, data_only=True)
    ws = wb["Setting_" + wb["Config"].cell(4, 4).value]
    blocks = {}
    for row in range(1, ws.max_row + 1):
        title = ws.cell(row, 2).value
        if title:
            rows, r = [], row + 2
            while ws.cell(r, 3).value is not None:
                rows.append([ws.cell(r, c).value for c in range(3, 16)])
                r += 1
            blocks[title] = rows
    return blocks


def test_export_is_an_odym_project(tmp_path, bundled):
    project = export_odym(tmp_path / "odym", scenario="open_data")
    blocks = odym_config_blocks(project.config)
    assert set(blocks) >= {"General Info", "Software version selection", "Index Table",
                           "Process Group List", "Model Parameters", "Model flow control",
                           "Model output control"}
    version = dict((r[0], r[1]) for r in blocks["Software version selection"])[
        "Version of master classification"]
    master = read_classification_master(tmp_path / "odym" / f"{version}.xlsx")
    letters = {r[5]: r[3] for r in blocks["Index Table"]}  # letter -> classification
    assert letters["t"] == "Time" and letters["g"] == "Truck_type" and letters["1"] == "Unity"
    assert [r[0] for r in blocks["Process Group List"]] == list(range(6))
    data = load_data(bundled / "datasets", "open_data")
    exported = [n for n, p in data.parameters.items() if p.present]
    assert len(blocks["Model Parameters"]) == len(project.parameters) == len(exported) == 40
    assert [p.name for p in project.parameters] == exported  # nothing present left out
    assert set(project.absent) == {n for n, p in data.parameters.items() if not p.present}
    assert {"p", "k", "o", "e"} <= set(letters)  # the extensions' aspects are in the table
    for row in blocks["Model Parameters"]:
        name, file, index, order, layer, proc = row[0], row[2], row[3], row[4], row[5], row[11]
        assert (layer, proc) == ("[0]", "['none']")
        odym = odym_style_read(tmp_path / "odym" / f"{file}.xlsx")
        assert odym["meta"]["Dataset_Classification_version_number"] == version
        order = [int(i) for i in order.strip("[]").split(",")]
        assert [odym["classes"][i] for i in order] == [letters[x] for x in index]
        assert all(c in master for c in odym["classes"])
        expected = data[name].observations
        got = {tuple(k[i] for i in order if index != "1"): v
               for k, (v, _) in odym["values"].items()}
        assert got == expected, name


def test_cli_export_odym(tmp_path, capsys):
    assert main(["export-odym", str(tmp_path / "p"), "--scenario", "literature"]) == 0
    assert (tmp_path / "p" / "ODYM_Config_literature.xlsx").is_file()
    out = capsys.readouterr().out
    assert "40 parameter workbooks" in out and "powertrain_share: index tgp" in out
    assert "not exported (optional, no workbook in the data folder): " in out
    assert main(["export-odym", str(tmp_path / "p")]) == 2
    assert main(["export-odym", str(tmp_path / "p"), "--force"]) == 0
    long = "paper_calibrated_current_practice"
    assert main(["export-odym", str(tmp_path / "q"), "--scenario", long]) == 0
    wb = openpyxl.load_workbook(tmp_path / "q" / f"ODYM_Config_{long}.xlsx")
    assert wb["Config"]["D4"].value == long[:23] and len(wb.sheetnames[1]) == 31
    assert odym_config_blocks(tmp_path / "q" / f"ODYM_Config_{long}.xlsx")["General Info"][0][
        :2] == ["Name of model setting", long]


# -- lifetimes as ODYM means them -----------------------------------------------------------------

N = 25


def _dims(products=("A", "B")) -> fd.DimensionSet:
    return fd.DimensionSet(dim_list=[
        fd.Dimension(name="Time", letter="t", items=list(range(2000, 2000 + N)), dtype=int),
        fd.Dimension(name="Product", letter="g", items=list(products), dtype=str)])


def odym_sf(kind: str, prm: dict) -> np.ndarray:
    """ODYM's documented DynamicStockModel survival table for one product (t x c)."""
    sf = np.zeros((N, N))
    for c in range(N):
        age = np.arange(N - c)
        p = {k: np.broadcast_to(v, N)[c] for k, v in prm.items()}
        if kind == "Fixed":
            sf[c:, c] = age < p["Mean"]
        elif kind == "Weibull" and p["Shape"] != 0:
            sf[c:, c] = scipy.stats.weibull_min.sf(age, c=p["Shape"], scale=p["Scale"])
        elif kind in ("Normal", "FoldedNormal", "LogNormal") and p["Mean"] != 0:
            m, s = p["Mean"], p["StdDev"]
            if kind == "Normal":
                sf[c:, c] = scipy.stats.norm.sf(age, loc=m, scale=s)
            elif kind == "FoldedNormal":
                sf[c:, c] = scipy.stats.foldnorm.sf(age, m / s, 0, scale=s)
            else:
                ratio = 1 + m * m / (s * s)  # ODYM's conversion, not the textbook one
                mu, sg = np.log(m / np.sqrt(ratio)), np.sqrt(np.log(ratio))
                sf[c:, c] = scipy.stats.lognorm.sf(age, s=sg, loc=0, scale=np.exp(mu))
    return sf


ZERO = np.where(np.arange(N) % 6 == 2, 0.0, 12.0)
CASES = [("Weibull", {"Shape": 3.3, "Scale": 10.0}),
         ("Weibull", {"Shape": np.where(np.arange(N) == 4, 0.0, 2.5),
                      "Scale": np.linspace(8, 14, N)}),
         ("Normal", {"Mean": 12.0, "StdDev": 4.0}), ("Normal", {"Mean": ZERO, "StdDev": 4.0}),
         ("FoldedNormal", {"Mean": 12.0, "StdDev": 4.0}),
         ("FoldedNormal", {"Mean": ZERO, "StdDev": 4.0}),
         ("LogNormal", {"Mean": 12.0, "StdDev": 4.0}),
         ("LogNormal", {"Mean": ZERO, "StdDev": 4.0}),
         ("LogNormal", {"Mean": np.linspace(6, 15, N), "StdDev": 3.0}),
         ("Fixed", {"Mean": 3.5}), ("Fixed", {"Mean": np.arange(N) % 7 + 0.0})]


@pytest.mark.parametrize("kind,prm", CASES)
def test_odym_lifetime_conventions(kind, prm):
    model = from_odym_lifetime({"Type": kind} | prm, _dims())  # per-cohort arrays, 2 products
    expected = odym_sf(kind, prm)
    for g in range(2):
        np.testing.assert_allclose(np.tril(model.sf[:, :, g]), expected, rtol=0, atol=1e-15)


def test_zero_mean_leaves_in_its_own_year():
    model = from_odym_lifetime({"Type": "Normal", "Mean": ZERO, "StdDev": 4.0}, _dims())
    assert model.sf[2, 2, 0] == 0.0 and model.sf[3, 3, 0] == pytest.approx(
        scipy.stats.norm.sf(0, 12, 4))
    plain = fd.NormalLifetime(dims=_dims(), inflow_at="end",
                              mean=np.broadcast_to(ZERO[:, None], (N, 2)).copy(),
                              std=np.full((N, 2), 4.0))
    assert plain.sf[2, 2, 0] == pytest.approx(0.5)  # flodym's own: half of it survives


def test_lognormal_convention_differs_from_flodym():
    d = _dims()
    ours = from_odym_lifetime({"Type": "LogNormal", "Mean": 12.0, "StdDev": 4.0}, d).sf
    naive = fd.LogNormalLifetime(dims=d, inflow_at="end", mean=np.full((N, 2), 12.0),
                                 std=np.full((N, 2), 4.0)).sf
    mapped = fd.LogNormalLifetime(dims=d, inflow_at="end", mean=np.full((N, 2), 12.0),
                                  std=np.full((N, 2), odym_lognormal_std(12.0, 4.0))).sf
    assert odym_lognormal_std(12.0, 4.0) == pytest.approx(36.0)
    assert np.max(np.abs(ours - naive)) > 0.3
    np.testing.assert_allclose(ours, mapped, atol=1e-12)


def test_per_cohort_array_with_product_dimension():
    scale = np.linspace(8, 14, N)
    model = from_odym_lifetime({"Type": "Weibull", "Shape": 2.5, "Scale": scale},
                               _dims(("A", "B", "C")))
    for c in (0, 10, 24):
        for g in range(3):
            assert model.sf[N - 1, c, g] == pytest.approx(
                scipy.stats.weibull_min.sf(N - 1 - c, 2.5, scale=scale[c]), rel=1e-14)
    with pytest.raises(ValueError, match="fits neither"):
        from_odym_lifetime({"Type": "Weibull", "Shape": 2.5, "Scale": np.ones(N - 1)}, _dims())


def test_the_survival_form_equals_odyms_dynamic_stock_model():
    assert ODYM_EQUIVALENT_FORM == "survival"
    d = _dims()
    odym = odym_sf("Weibull", {"Shape": 3.3, "Scale": 10.0})
    same = make_lifetime_model(d, np.full((N, 2), 3.3), np.full((N, 2), 10.0),
                               ODYM_EQUIVALENT_FORM).sf[:, :, 0]
    pdf = make_lifetime_model(d, np.full((N, 2), 3.3), np.full((N, 2), 10.0), "pdf").sf[:, :, 0]
    np.testing.assert_allclose(np.tril(same), odym, atol=1e-14)
    assert 0.05 < np.max(np.abs(np.tril(pdf) - odym)) < 0.07  # the study's Eq. 3 runs ahead


@pytest.mark.parametrize("scenario", ["best_estimate", "electrification_high"])
def test_every_exported_parameter_reads_back_as_the_run_reads_it(tmp_path, bundled, scenario):
    """Our reader on each exported file gives the scenario's own data, the powertrain,
    battery and composition parameters and the scalars included (issue 24)."""
    from elt_odym.declaration import DIM_BY_LETTER

    project = export_odym(tmp_path / "p", scenario=scenario)
    data = load_data(bundled / "datasets", scenario)
    names = {p.name for p in project.parameters}
    assert names == {n for n, p in data.parameters.items() if p.present}
    assert {"powertrain_share", "battery_capacity", "second_life_scale", "component_mass",
            "inflation_rate", "factor_range"} <= names
    for name in names:
        pw = read_parameter_workbook(tmp_path / "p" / f"{name}.xlsx")
        spec = data[name].spec
        pos = [[a for a, _ in pw.aspects].index(DIM_BY_LETTER[x].name) for x in spec.dims]
        got = {tuple(r.index[i] for i in pos): float(r.value) for r in pw.records}
        assert got == data[name].observations, name
    share = read_parameter_workbook(tmp_path / "p" / "powertrain_share.xlsx")
    base = load_data(bundled / "datasets", "best_estimate")["powertrain_share"].observations
    differs = sum(float(r.value) != base[tuple(r.index)] for r in share.records)
    assert (differs > 0) == (scenario != "best_estimate")
