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
    """The printed tables (looked up through RunResult.variable_rows) hold exactly the numbers
    a plain mask of the whole results table gives: each year's total, and the sums over
    2025-2050 in the table's row order."""
    from elt_odym.model import HEADLINE, _headline
    from elt_odym.reporting.results import headline_tables

    r = runs(scenario)
    table, cumulative = headline_tables(r, 2025, 2050)
    t = r.results
    rows = list(_headline(r, (("eol", "", "unit", 1.0),) + HEADLINE))
    assert list(table["quantity"]) == [label for label, *_ in rows]
    assert list(cumulative["quantity"]) == [label for label, *_ in rows[1:]]
    for label, var, mat, _, scale in rows:
        mine = t[(t.variable == var) & (t.truck_type == "total") & (t.material == mat)]
        for year in ("2010", "2023", "2030", "2050"):
            expected = float(mine.loc[mine.year == int(year), "value"].iloc[0]) * scale
            assert table.set_index("quantity").at[label, year] == expected
        if label != "eol":
            window = mine[(mine.year >= 2025) & (mine.year <= 2050)]["value"]
            assert cumulative.set_index("quantity").at[label, "value"] == float(
                np.sum(window)) * scale
    assert len(table) >= 8 and table["2050"].notna().all()


# --- writing fast, the same bytes and pixels ------------------------------------------------

CSV_TRICKY = TRICKY.assign(
    name=TRICKY["name"].tolist()[:6] + ["a,b", "line\nbreak"],
    text=pd.array(["x", None, "y,z", "", "q\"uote", "\r", " sp ", "'"], dtype="string"),
    f32=np.arange(8, dtype=np.float32) / 3, big=[1e16, 1e-5, -np.inf, 1e22, 0.0, 5e-324,
                                                   123456789012345678.0, np.nan])


@pytest.mark.parametrize("frame", ["tricky", "results", "mass_balance", "battery", "fits",
                                   "events", "empty"])
def test_csv_text_is_to_csv_byte_for_byte(runs, frame):
    from elt_odym.reporting.csvtext import csv_text
    from elt_odym.reporting.results import escaped_objects

    r = runs("best_estimate")
    df = {"tricky": CSV_TRICKY, "results": r.results, "mass_balance": r.mass_balance,
          "battery": r.battery_results, "fits": r.fits_table(), "events": r.events_table(),
          "empty": CSV_TRICKY.head(0)}[frame]
    for table in (df, escaped_objects(df)):
        assert csv_text(table) == table.to_csv(index=False)
    assert len(csv_text(df).splitlines()) >= len(df) + 1


def _pixels(path):
    from PIL import Image

    return np.asarray(Image.open(path))


FIGURES = ["fig_fleet", "fig_materials", "fig_economics", "fig_energy_carbon", "fig_stock_fit",
           "battery", "validation"]


@pytest.mark.parametrize("name", FIGURES)
def test_figures_drawn_once_have_the_pixels_of_savefig(runs, tmp_path, monkeypatch, name):
    """save_png (one layout-and-draw pass, zlib level 1) gives the pixels of Figure.savefig
    (layout, a draw without rendering, then the draw; Pillow's default level)."""
    from matplotlib.figure import Figure

    from elt_odym.fleet.inputs import observations
    from elt_odym.io.statistics import read_statistics
    from elt_odym.reporting import figures, validation
    from elt_odym.reporting.battery_figures import fig_battery_materials

    r = runs("electrification_central")
    t = figures.indexed(r.results)
    stats = read_statistics(validation.statistics_path(r), r.data.items["g"])
    draw = {
        "fig_fleet": lambda p: figures.fig_fleet(t, p, "x"),
        "fig_materials": lambda p: figures.fig_materials(t, p, "x"),
        "fig_economics": lambda p: figures.fig_economics(t, p, "x", 2016),
        "fig_energy_carbon": lambda p: figures.fig_energy_carbon(t, p, 0.2, "x"),
        "fig_stock_fit": lambda p: figures.fig_stock_fit(
            r.fleet, {g: observations(r.data, g) for g in r.fleet.products}, p, "x"),
        "battery": lambda p: fig_battery_materials(r.battery_results, p, "x"),
        "validation": lambda p: validation.fig_validation(
            validation.validation_table(r, stats), stats, p, "x")}[name]
    draw(tmp_path / "fast.png")

    def savefig(fig, path, dpi=figures.DPI):
        Figure.savefig(fig, path, dpi=dpi)

    for module in ("elt_odym.reporting.figures", "elt_odym.reporting.battery_figures"):
        monkeypatch.setattr(f"{module}.save_png", savefig)
    draw(tmp_path / "savefig.png")
    fast, ref = _pixels(tmp_path / "fast.png"), _pixels(tmp_path / "savefig.png")
    assert fast.shape == ref.shape and fast.shape[0] > 300
    assert (fast == ref).all()
    assert (tmp_path / "fast.png").read_bytes() != (tmp_path / "savefig.png").read_bytes()


def test_figure_cache_copies_a_figure_of_the_same_inputs(tmp_path, monkeypatch):
    """Drawn once into the cache, then copied (the same bytes) while its name, inputs and the
    drawing code are the same; a damaged entry is ignored; 'none' turns the cache off."""
    from elt_odym.io import user_cache
    from elt_odym.reporting import figure_cache
    from elt_odym.reporting.system_diagram import fig_system

    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    drawn = []

    def draw(path):
        drawn.append(path.name)
        fig_system(path)

    one = figure_cache.png(tmp_path / "system.png", [b"a"], draw)
    reference = one.read_bytes()
    (entry,) = (tmp_path / "cache" / "figures").glob("*.png")
    assert entry.read_bytes() == reference and entry.name.startswith(
        figure_cache.figure_key("system.png", [b"a"]))
    figure_cache.png(tmp_path / "system.png", [b"a"], draw)
    assert drawn == ["system.png"] and (tmp_path / "system.png").read_bytes() == reference
    (tmp_path / "other").mkdir()
    figure_cache.png(tmp_path / "other" / "system.png", [b"b"], draw)  # other inputs
    assert len(drawn) == 2
    entry.write_bytes(b"not the diagram")  # a damaged entry: drawn again
    figure_cache.png(tmp_path / "system.png", [b"a"], draw)
    assert len(drawn) == 3 and (tmp_path / "system.png").read_bytes() == reference
    monkeypatch.setenv(user_cache.CACHE_ENV, "none")
    figure_cache.png(tmp_path / "system.png", [b"a"], draw)
    assert len(drawn) == 4 and (tmp_path / "system.png").read_bytes() == reference
    with pytest.raises(TypeError):
        figure_cache.value_bytes(object())


def test_outputs_on_two_processes_are_the_bytes_of_one(runs, tmp_path, monkeypatch):
    """One scenario's tables and figures as jobs on two forked workers, or one after another in
    this process: the same files, byte for byte (the report's and manifest's time stamps
    aside)."""
    import re

    monkeypatch.setenv("ELT_ODYM_CACHE_DIR", str(tmp_path / "cache"))
    r = runs("best_estimate")
    files = {}
    for processes in (1, 2):
        out = tmp_path / str(processes) / "out"  # the report names its folder
        write_outputs([r], out, processes=processes)
        files[processes] = {p.relative_to(out).as_posix(): p.read_bytes()
                            for p in sorted(out.rglob("*")) if p.is_file()}
    assert files[1].keys() == files[2].keys()
    assert {"results.csv", "results.xlsx", "results_iamc.csv", "validation.csv",
            "figures/system.png", "figures/best_estimate/validation.png"} <= files[1].keys()
    for name in files[1].keys() - {"report.html", "manifest.json"}:
        assert files[1][name] == files[2][name], name
    stamp = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub(b"", files[1]["report.html"]) == stamp.sub(b"", files[2]["report.html"])


@pytest.mark.parametrize("name", ["fig2_fleet.png", "fig3_materials.png",
                                  "fig4_economic_value.png", "fig5_energy_carbon.png"])
def test_a_figure_drawn_from_its_variables_alone_is_the_same(runs, tmp_path, name):
    """Each figure of the results drawn from a view holding only its declared variables gives
    the bytes of the figure drawn from the whole table (the view refuses any other)."""
    from elt_odym.reporting import figures

    r = runs("best_estimate")
    t = figures.indexed(r.results)
    draw = {"fig2_fleet.png": lambda v, p: figures.fig_fleet(v, p, "x"),
            "fig3_materials.png": lambda v, p: figures.fig_materials(v, p, "x"),
            "fig4_economic_value.png": lambda v, p: figures.fig_economics(v, p, "x", 2016),
            "fig5_energy_carbon.png": lambda v, p: figures.fig_energy_carbon(v, p, 0.2, "x")}
    view = t.restricted(figures.FIGURE_VARIABLES[name])
    draw[name](t, tmp_path / "whole.png")
    draw[name](view, tmp_path / "view.png")
    assert (tmp_path / "whole.png").read_bytes() == (tmp_path / "view.png").read_bytes()
    with pytest.raises(KeyError, match="not among the variables"):
        view.series("inflow", "total", "")
    assert view.fingerprint() != t.restricted(["inflow"]).fingerprint()


def _pngs(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.png")}


def test_rerun_after_an_edit_draws_only_the_figures_it_changed(data_copy, tmp_path,
                                                                monkeypatch):
    """A price edited: the rerun draws the economic-value figure and copies the others from
    the cache; every figure has the bytes of a run that draws them all afresh."""
    from conftest import set_cell

    from elt_odym.reporting import battery_figures, figures

    drawn = []
    for module in (figures, battery_figures):
        real = module.save_png
        monkeypatch.setattr(module, "save_png",
                            lambda fig, p, dpi=figures.DPI, real=real:
                            drawn.append(p.name) or real(fig, p, dpi))
    monkeypatch.setenv("ELT_ODYM_CACHE_DIR", str(tmp_path / "cache"))
    write_outputs([run(data_copy, "literature")], tmp_path / "first" / "out")
    first = _pngs(tmp_path / "first" / "out")
    assert len(drawn) == len(first) - 1 >= 6  # the system diagram: savefig, not save_png
    set_cell(data_copy / "price.xlsx", "Values_Master", "C3", 330)  # Fe, mean: 325 before
    drawn.clear()
    write_outputs([run(data_copy, "literature")], tmp_path / "rerun" / "out")
    assert drawn == ["fig4_economic_value.png"]
    monkeypatch.setenv("ELT_ODYM_CACHE_DIR", "none")
    write_outputs([run(data_copy, "literature")], tmp_path / "fresh" / "out")
    rerun, fresh = _pngs(tmp_path / "rerun" / "out"), _pngs(tmp_path / "fresh" / "out")
    assert rerun.keys() == fresh.keys() == first.keys()
    for name in fresh:
        assert rerun[name] == fresh[name], name
    changed = {n for n in fresh if fresh[n] != first[n]}
    assert changed == {"figures/literature/fig4_economic_value.png"}


def test_fig3_draws_the_whole_material_account(runs, tmp_path):
    """Fig. 3 of an electrified scenario is drawn from eol_material_total (bodies, packs and
    fuel-cell parts): doubling its lithium changes the figure, doubling the bodies' lithium
    alone (eol_material, none) does not."""
    from elt_odym.reporting import figures

    t = runs("electrification_central").results

    def png(table, name):
        figures.fig_materials(table, tmp_path / name, "x")
        return (tmp_path / name).read_bytes()

    def doubled(variable):
        out = t.copy()
        rows = (out.variable == variable) & (out.material == "Li")
        assert rows.any() or variable == "eol_material"
        out.loc[rows, "value"] *= 2
        return out

    base = png(t, "base.png")
    assert png(doubled("eol_material_total"), "total.png") != base
    assert png(doubled("eol_material"), "body.png") == base


def test_the_system_diagram_places_every_declared_process_and_flow(tmp_path):
    """Every process and flow of the declared system (the traction chain included) has a place
    and a short name in the diagram, and the diagram is drawn."""
    from elt_odym.declaration import ALL_FLOWS, ALL_PROCESSES
    from elt_odym.reporting import system_diagram

    assert set(system_diagram.POSITIONS) == set(ALL_PROCESSES)
    assert {f.key for f in ALL_FLOWS} <= set(system_diagram.FLOW_LABELS)
    assert set(system_diagram.ROUTES) <= {f.key for f in ALL_FLOWS}
    system_diagram.fig_system(tmp_path / "system.png")
    assert (tmp_path / "system.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
