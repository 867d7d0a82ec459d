"""The command line, called in-process through main([...])."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import set_cell

from elt_odym.cli import main

CONTRACT = ["scenario", "variable", "truck_type", "material", "year", "value", "unit"]
VARIABLES = ["stock", "inflow", "eol", "eol_mass", "eol_material", "economic_value",
             "economic_value_low", "economic_value_high", "economic_value_inflated",
             "energy_saving", "energy_saving_low", "energy_saving_high", "carbon_saving",
             "carbon_saving_low", "carbon_saving_high", "carbon_saving_decreasing",
             "carbon_saving_decreasing_low", "carbon_saving_decreasing_high"]


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    assert main(["run", "--out", str(out)]) == 0
    return out


def test_run_writes_the_contract(run_out):
    for name in ("results.csv", "results.xlsx", "mass_balance.csv", "results_iamc.csv",
                 "results_iamc.xlsx"):
        assert (run_out / name).is_file()
    t = pd.read_csv(run_out / "results.csv", keep_default_na=False)
    assert list(t.columns) == CONTRACT
    assert set(VARIABLES) <= set(t["variable"])
    assert set(t.loc[t.variable == "stock", "material"]) == {""}
    assert "total" in set(t["truck_type"]) and "total" in set(t["material"])
    units = dict(zip(t.variable, t.unit))
    assert units["eol"] == "unit" and units["eol_mass"] == "t" and units["energy_saving"] == "GJ"
    assert units["carbon_saving"] == "t CO2e" and units["economic_value"] == "USD2016"
    mb = pd.read_csv(run_out / "mass_balance.csv")
    assert mb["imbalance"].abs().max() < 1e-6


def test_run_writes_figures_and_sankey(run_out):
    figs = run_out / "figures" / "best_estimate"
    for name in ("fig2_fleet.png", "fig3_materials.png", "fig4_economic_value.png",
                 "fig5_energy_carbon.png", "stock_fit.png", "sankey.html"):
        assert (figs / name).stat().st_size > 10_000, name
    sankey = (figs / "sankey.html").read_text(encoding="utf-8")
    assert 'src="../plotly.min.js"' in sankey and len(sankey) < 1_000_000
    assert "2002" in sankey and "2050" in sankey  # one page, every year on the slider
    assert (run_out / "figures" / "plotly.min.js").stat().st_size > 1_000_000


def test_run_refuses_non_empty_folder(run_out, capsys):
    assert main(["run", "--out", str(run_out), "--no-figures"]) == 2
    assert "not empty" in capsys.readouterr().err


def test_validate_ok_and_broken(data_copy, capsys):
    assert main(["validate", "--data", str(data_copy)]) == 0
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "A3", "XT")
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "unit_weight.xlsx [Values_Master] A3: unknown-item" in out


def test_run_on_broken_data_exits_2_and_writes_nothing(data_copy, tmp_path, capsys):
    set_cell(data_copy / "price.xlsx", "Values_Master", "C2", "cheap")
    out = tmp_path / "res"
    assert main(["run", "--data", str(data_copy), "--out", str(out), "--no-figures",
                 "--scenario", "paper_reproduction"]) == 2  # reads the commodity prices
    assert "price.xlsx [Values_Master] C2: not-a-number" in capsys.readouterr().err
    assert not (out / "results.csv").exists()


def test_edit_a_cell_and_rerun_changes_results(data_copy, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    args = ["--data", str(data_copy), "--scenario", "literature", "--no-figures"]
    assert main(["run", "--out", str(a)] + args) == 0
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B2", 34.3)  # HT doubled
    assert main(["run", "--out", str(b)] + args) == 0
    ra, rb = (pd.read_csv(p / "results.csv", keep_default_na=False) for p in (a, b))
    sel = lambda t: t[(t.variable == "eol_mass") & (t.truck_type == "HT")]["value"].to_numpy()
    assert sel(rb) == pytest.approx(2 * sel(ra))


def test_init_copies_bundle(tmp_path, capsys):
    assert main(["init", str(tmp_path / "mine")]) == 0
    assert (tmp_path / "mine" / "datasets" / "config.toml").is_file()
    assert main(["validate", "--data", str(tmp_path / "mine")]) == 0
    assert main(["init", str(tmp_path / "mine")]) == 2


def test_unknown_scenario(tmp_path, capsys):
    assert main(["run", "--scenario", "nope", "--out", str(tmp_path / "x")]) == 2
    assert "unknown scenario 'nope'" in capsys.readouterr().err


def test_compare(run_out, bundled, tmp_path, capsys):
    out = tmp_path / "cmp.csv"
    code = main(["compare", "--results", str(run_out / "results.csv"), "--targets",
                 str(bundled / "datasets" / "targets.xlsx"), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out)
    assert {"target", "model", "rel_error", "tolerance", "status"} <= set(table.columns)
    # the default scenario (best_estimate) is not fitted to the study's figures: check the
    # mechanics (every target compared, both outcomes occur), not the pass rate
    assert set(table["status"]) == {"pass", "fail"}
    assert len(table) == len(pd.read_excel(bundled / "datasets" / "targets.xlsx", "targets"))
    assert main(["compare", "--results", str(run_out / "results.csv"), "--targets",
                 str(bundled / "datasets" / "targets.xlsx"), "--out", str(out),
                 "--strict"]) == 1


def test_diagram(tmp_path):
    assert main(["diagram", "--out", str(tmp_path / "s.png")]) == 0
    assert (tmp_path / "s.png").stat().st_size > 10_000


def test_report_command(run_out, tmp_path, capsys):
    (run_out / "report.html").unlink()
    assert main(["report", str(run_out)]) == 0
    text = (run_out / "report.html").read_text(encoding="utf-8")
    assert "Headline values" in text and "data:image/png;base64," in text
    assert "http://" not in text.split("<script>")[0]
    assert main(["report", str(tmp_path)]) == 2
    assert "no results.csv" in capsys.readouterr().err


def _files(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_scenarios_in_parallel_write_the_files_of_a_serial_run(tmp_path, capsys):
    """--jobs 2 (forked workers running the scenarios and drawing their figures) and --jobs 1
    (one after another) print the same and write the same bytes; only the time stamps of
    report.html and manifest.json differ, and the report's hash with it."""
    import json
    import re

    runs = {}
    for jobs in ("1", "2"):
        out = tmp_path / jobs / "out"
        argv = ["run", "--scenario", "literature", "--scenario", "electrification_central",
                "--out", str(out), "--jobs", jobs]
        assert main(argv) == 0
        runs[jobs] = (_files(out), capsys.readouterr().out.replace(str(out), "OUT"))
    (serial, said_serial), (parallel, said_parallel) = runs["1"], runs["2"]
    assert said_parallel == said_serial and "electrification_central" in said_serial
    assert serial.keys() == parallel.keys()
    assert len([k for k in serial if k.endswith(".png")]) >= 13
    for name in serial.keys() - {"report.html", "manifest.json"}:
        assert serial[name] == parallel[name], name
    stamp = re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub(b"", serial["report.html"]) == stamp.sub(b"", parallel["report.html"])
    listed = [{f["path"]: f["sha256"] for f in json.loads(files["manifest.json"])["files"]
               if f["path"] != "report.html"} for files in (serial, parallel)]
    assert listed[0] == listed[1] and len(listed[0]) == len(serial) - 2


def test_watch_reruns_on_each_save_and_says_what_changed(data_copy, tmp_path, capsys,
                                                         monkeypatch):
    """Two saves: a doubled HT unit weight (headline changes printed, outputs replaced), then
    a broken cell (one-line error, the watch goes on); Ctrl-C ends with exit 130."""
    out = tmp_path / "out"
    saved = []

    def saves(folders):
        assert data_copy.resolve() in folders
        set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B2", 34.3)  # HT doubled
        saved.append(pd.read_csv(out / "results.csv", keep_default_na=False))
        yield {data_copy / "unit_weight.xlsx"}
        set_cell(data_copy / "price.xlsx", "Values_Master", "C2", "cheap")
        yield {data_copy / "price.xlsx", data_copy / "~$price.xlsx"}
        raise KeyboardInterrupt

    monkeypatch.setattr("elt_odym.cli.watch.saved_inputs", saves)
    argv = ["run", "--data", str(data_copy), "--scenario", "literature", "--no-figures",
            "--out", str(out), "--watch"]
    assert main(argv) == 130
    said = capsys.readouterr()
    assert "unit_weight.xlsx saved: running again" in said.out
    changed = [line for line in said.out.splitlines() if line.startswith("  literature ")]
    assert any(" eol_mass 2030: " in line for line in changed), changed
    assert not any(" eol " in line for line in changed)  # the number of trucks is the same
    assert "price.xlsx [Values_Master] C2: not-a-number" in said.err
    assert "fix it and save again" in said.err and "stopped watching" in said.err
    assert "Traceback" not in said.err
    after = pd.read_csv(out / "results.csv", keep_default_na=False)  # the first rerun's
    sel = lambda t: t[(t.variable == "eol_mass") & (t.truck_type == "HT")]["value"].to_numpy()
    assert sel(after) == pytest.approx(2 * sel(saved[0]))


def test_headline_changes_lists_only_what_moved():
    from elt_odym.cli.watch import headline_changes, is_input

    def tables(v):
        by_year = pd.DataFrame({"quantity": ["eol", "eol_mass"], "unit": ["unit", "Mt"],
                                "2030": [5.0, v]})
        return by_year, pd.DataFrame({"quantity": ["eol_mass"], "unit": ["Mt"],
                                      "value": [10 * v], "low": [float("nan")]})

    lines = headline_changes({"s": tables(2.0)}, {"s": tables(2.5)})
    assert lines == ["  s eol_mass 2030: 2 -> 2.5 Mt (+25.0%)",
                     "  s eol_mass value: 20 -> 25 Mt (+25.0%)"]
    assert headline_changes({"s": tables(2.0)}, {"s": tables(2.0)}) == []
    assert is_input("a/price.xlsx") and is_input("config.toml")
    assert not is_input("~$price.xlsx") and not is_input(".price.xlsx.tmp")
