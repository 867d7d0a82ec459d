"""Hostile and broken inputs: names, workbooks, sizes, options, interrupted outputs.

Every user error is one line and exit 2 (1 for a failed validation), never a traceback; no
input is ever changed; a failed command never leaves a folder that looks complete (a
``manifest.json``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import set_cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from elt_odym.cli import build_parser, main
from elt_odym.errors import (
    EltOdymError,
    OutputExistsError,
    OutputLockedError,
    ResourceLimitError,
    UnreadableWorkbookError,
    UnsafeNameError,
)
from elt_odym.io.output_folder import MANIFEST, OutputFolder, sha256_file
from elt_odym.io.safe_open import WorkbookLimits, open_workbook, workbook_limits
from elt_odym.safety import check_path_name
from elt_odym.uncertainty.budget import (
    check_budget,
    estimate_mc_bytes,
    parse_bytes,
)

FAST = settings(deadline=None, max_examples=25, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def stored(path: Path, sheet: str, cell: str, value) -> bool:
    """Set one cell of a workbook; False where openpyxl itself refuses to store the value
    (nothing to read, nothing to test)."""
    try:
        set_cell(path, sheet, cell, value)
    except (ValueError, TypeError, IllegalCharacterError):
        return False
    return True


def pristine_tree(pristine: Path, root: Path) -> Path:
    """A fresh copy of the pristine data at ``root`` (hypothesis reuses ``tmp_path``)."""
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(pristine, root)
    return root


def tree_hash(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rewrite_member(path: Path, member: str, change) -> None:
    """Rewrite one member of an xlsx (zip) archive with ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as zf:
        items = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            zf.writestr(name, change(data) if name == member else data)


def no_traceback(capsys) -> str:
    """Standard error of the last command; asserts it is free of tracebacks."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


# --- names that become paths ---------------------------------------------------------------

BAD_NAMES = ["../evil", "a/b", "a\\b", "x" * 300, "", ".hidden", "..", "con", "nul.txt",
             "a\x00b", "tab\tname", "caf\u00e9", "ends.", " lead"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_unsafe_names_are_refused(name):
    with pytest.raises(UnsafeNameError, match="scenario name"):
        check_path_name(name, "scenario name")


@given(st.text(max_size=80))
@FAST
def test_any_name_is_refused_or_one_safe_component(name):
    try:
        assert check_path_name(name, "name") == name
    except UnsafeNameError:
        return
    assert Path(name).name == name and name not in (".", "..") and "/" not in name
    assert len(name) <= 64 and name.isascii()


def _write_config_with_scenario(data: Path, name: str) -> None:
    text = (data / "config.toml").read_text(encoding="utf-8")
    text = text.replace("[scenarios.literature]", f"[scenarios.{json.dumps(name)}]")
    (data / "config.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("name", ["../evil", "a/b", "y" * 300])
def test_scenario_name_in_config_is_refused_before_writing(data_copy, tmp_path, capsys, name):
    _write_config_with_scenario(data_copy, name)
    before = tree_hash(data_copy.parent)
    out = tmp_path / "out"
    assert main(["run", "--data", str(data_copy), "--out", str(out), "--no-figures"]) == 2
    assert tree_hash(data_copy.parent) == before
    err = no_traceback(capsys)
    assert "scenario name" in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and not (tmp_path / "evil").exists()


def test_write_outputs_refuses_an_unsafe_scenario(runs, tmp_path):
    from elt_odym.reporting.outputs import write_outputs

    bad = dataclasses.replace(runs("literature"), scenario="../escape")
    with pytest.raises(UnsafeNameError):
        write_outputs([bad], tmp_path / "out", figures=False)
    assert not (tmp_path / "escape").exists() and not (tmp_path / "out").exists()


# --- unreadable workbooks -------------------------------------------------------------------

def _text_file(p: Path) -> None:
    p.write_text("this is not a workbook\n")


def _truncated(p: Path) -> None:
    p.write_bytes(p.read_bytes()[:2000])


def _broken_xml(p: Path) -> None:
    rewrite_member(p, "xl/worksheets/sheet1.xml", lambda b: b[: len(b) // 2])


def _entity_bomb(p: Path) -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
            b'</sheetData></worksheet>')
    rewrite_member(p, "xl/worksheets/sheet1.xml", lambda b: bomb)


def _external_entity(p: Path) -> None:
    xxe = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
           b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
           b'</sheetData></worksheet>')
    rewrite_member(p, "xl/worksheets/sheet1.xml", lambda b: xxe)


BREAKERS = [_text_file, _truncated, _broken_xml, _entity_bomb, _external_entity]


@pytest.mark.parametrize("breaker", BREAKERS)
def test_unreadable_workbook_is_one_problem_naming_the_file(data_copy, breaker):
    path = data_copy / "unit_weight.xlsx"
    breaker(path)
    with pytest.raises(UnreadableWorkbookError) as exc:
        open_workbook(path)
    assert exc.value.problem.rule == "unreadable-workbook"
    assert exc.value.problem.file.endswith("unit_weight.xlsx")


@pytest.mark.parametrize("breaker", [_entity_bomb, _external_entity])
def test_xml_entities_are_refused_by_defusedxml(data_copy, breaker):
    path = data_copy / "unit_weight.xlsx"
    breaker(path)
    with pytest.raises(UnreadableWorkbookError, match="EntitiesForbidden"):
        open_workbook(path)


def test_validate_lists_every_broken_workbook_and_goes_on(data_copy, capsys):
    broken = {"unit_weight.xlsx": _text_file, "price.xlsx": _truncated,
              "weibull_shape.xlsx": _broken_xml, "energy_factor.xlsx": _entity_bomb}
    for name, breaker in broken.items():
        breaker(data_copy / name)
    set_cell(data_copy / "unit_weight_low.xlsx", "Values_Master", "B2", "oops")
    before = tree_hash(data_copy.parent)
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out
    for name in broken:
        assert f"{name}: unreadable-workbook" in out
    assert "unit_weight_low.xlsx [Values_Master] B2: not-a-number" in out  # and the rest
    assert tree_hash(data_copy.parent) == before


def test_run_on_an_unreadable_workbook_exits_2_naming_it(data_copy, tmp_path, capsys):
    _truncated(data_copy / "unit_weight.xlsx")
    before = tree_hash(data_copy.parent)
    out = tmp_path / "out"
    assert main(["run", "--data", str(data_copy), "--out", str(out), "--no-figures"]) == 2
    assert tree_hash(data_copy.parent) == before
    assert "unit_weight.xlsx" in no_traceback(capsys)
    assert not (out / MANIFEST).exists()


def test_unreadable_classification_master_is_listed(data_copy, capsys):
    master = data_copy.parent / "classification" / "ELT_Classification_Master.xlsx"
    _text_file(master)
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "ELT_Classification_Master.xlsx: unreadable-workbook" in capsys.readouterr().out


def test_unreadable_targets_workbook(tmp_path, capsys):
    bad = tmp_path / "targets.xlsx"
    _text_file(bad)
    assert main(["calibrate", "--targets", str(bad), "--out", str(tmp_path / "c")]) == 2
    assert "targets.xlsx" in no_traceback(capsys)
    assert not (tmp_path / "c").exists()


# --- bounded resources ----------------------------------------------------------------------

def _row_bomb(path: Path, rows: int, declared: int | None = None) -> None:
    """A sheet that holds ``rows`` rows (highly compressible) and declares ``declared``."""
    body = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r)
                    for r in range(1, rows + 1))
    xml = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           b'spreadsheetml/2006/main"><dimension ref="A1:A%d"/><sheetData>' % (declared or rows)
           + body + b"</sheetData></worksheet>")
    rewrite_member(path, "xl/worksheets/sheet2.xml", lambda b: xml)


def test_row_bomb_is_refused_before_parsing(data_copy, capsys):
    path = data_copy / "unit_weight.xlsx"
    _row_bomb(path, 1_000_000)
    start = time.perf_counter()
    with pytest.raises(UnreadableWorkbookError, match="--max-rows") as exc:
        open_workbook(path)
    assert time.perf_counter() - start < 2.0
    assert exc.value.problem.rule == "workbook-too-large"
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "unit_weight.xlsx: workbook-too-large" in capsys.readouterr().out


def test_a_lying_dimension_does_not_help(data_copy):
    path = data_copy / "unit_weight.xlsx"
    _row_bomb(path, 300_000, declared=3)
    start = time.perf_counter()
    with pytest.raises(UnreadableWorkbookError, match="has at least"):
        open_workbook(path)
    assert time.perf_counter() - start < 2.0


def test_limits_are_raisable_and_cover_xml_and_cells(data_copy):
    path = data_copy / "unit_weight.xlsx"
    open_workbook(path)  # within the defaults
    for limits, option in ((WorkbookLimits(max_rows=5), "--max-rows"),
                           (WorkbookLimits(max_cells=10), "--max-cells"),
                           (WorkbookLimits(max_uncompressed_mb=0.001), "--max-xml-mb"),
                           (WorkbookLimits(max_file_mb=0.001), "--max-workbook-mb")):
        with workbook_limits(limits), pytest.raises(UnreadableWorkbookError, match=option):
            open_workbook(path)
    _row_bomb(path, 200)
    with pytest.raises(UnreadableWorkbookError):
        open_workbook(path, WorkbookLimits(max_rows=100))
    open_workbook(path, WorkbookLimits(max_rows=1000))  # raised limit: parsed


def test_monte_carlo_beyond_the_budget_is_refused_quickly(tmp_path, capsys):
    out = tmp_path / "mc"
    start = time.perf_counter()
    assert main(["mc", "--draws", "10000000", "--memory-budget", "8M", "--out", str(out)]) == 2
    assert time.perf_counter() - start < 30
    err = no_traceback(capsys)
    assert "--memory-budget" in err and "M of memory" in err
    assert not out.exists()


def test_sobol_beyond_the_budget_is_refused(tmp_path, capsys):
    assert main(["sobol", "--n", "1048576", "--out", str(tmp_path / "s")]) == 2
    assert "--memory-budget" in no_traceback(capsys)


def test_memory_estimate_grows_with_draws_up_to_the_statistics_budget():
    per_draw, series, stats = 2_000_000, 40_000, 256 * 2**20
    small = estimate_mc_bytes(per_draw, series, 1000, 100, 2, stats)
    large = estimate_mc_bytes(per_draw, series, 10**7, 100, 2, stats)
    assert 0 < small < large  # the statistics' memory is bounded, the chunks' is not draws'
    assert large == 4 * 100 * (per_draw + 8 * series) + stats
    check_budget(small, parse_bytes("4G"), "x")
    with pytest.raises(ResourceLimitError, match="raise the budget"):
        check_budget(large, parse_bytes("512M"), "x")


@pytest.mark.parametrize("text", ["", "G", "-1G", "0", "4X", "1e9", "nan", "4 G B"])
def test_bad_memory_sizes_are_refused(text):
    with pytest.raises(ValueError):
        parse_bytes(text)


# --- outputs complete or absent -------------------------------------------------------------

def test_second_writer_is_locked_out(tmp_path, capsys):
    out = tmp_path / "out"
    with OutputFolder(out) as first:
        (first.path / "a.csv").write_text("1\n")
        with pytest.raises(OutputLockedError, match="another elt-odym run"):
            OutputFolder(out, force=True).__enter__()
        assert main(["sensitivity", "--out", str(out), "--force"]) == 2
        assert "another elt-odym run" in no_traceback(capsys)
    assert json.loads((out / MANIFEST).read_text())["files"][0]["path"] == "a.csv"


def test_failure_leaves_no_manifest_and_no_files(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with OutputFolder(out) as folder:
            (folder.path / "half.csv").write_text("1\n")
            raise RuntimeError("killed")
    assert not out.exists()
    with OutputFolder(out) as folder:
        (folder.path / "a.csv").write_text("1\n")
    with pytest.raises(RuntimeError):
        with OutputFolder(out, force=True) as folder:
            raise RuntimeError("second run fails")
    assert not (out / MANIFEST).exists()  # the old outputs are no longer vouched for


def test_force_rerun_replaces_the_previous_outputs_only(tmp_path):
    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        (folder.path / "figures" / "old").mkdir(parents=True)
        (folder.path / "figures" / "old" / "f.png").write_bytes(b"x")
        (folder.path / "a.csv").write_text("1\n")
    (out / "notes.txt").write_text("mine\n")
    with pytest.raises(OutputExistsError):
        OutputFolder(out).__enter__()
    with OutputFolder(out, force=True) as folder:
        (folder.path / "a.csv").write_text("2\n")
    assert not (out / "figures").exists() and (out / "notes.txt").read_text() == "mine\n"
    names = {f["path"] for f in json.loads((out / MANIFEST).read_text())["files"]}
    assert names == {"a.csv"}


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o002)
    try:
        with OutputFolder(tmp_path / "out") as folder:
            (folder.path / "a.csv").write_text("1\n")
    finally:
        os.umask(old)
    assert (tmp_path / "out" / "a.csv").stat().st_mode & 0o777 == 0o664
    assert (tmp_path / "out" / MANIFEST).stat().st_mode & 0o777 == 0o664


def test_manifest_describes_every_file_and_no_absolute_path(runs, bundled, tmp_path):
    from elt_odym.reporting.outputs import write_outputs

    out = tmp_path / "out"
    write_outputs([runs("literature")], out, figures=False)
    manifest = json.loads((out / MANIFEST).read_text())
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(listed) | {MANIFEST}
    for name, f in listed.items():
        assert f["bytes"] == (out / name).stat().st_size
        assert f["sha256"] == sha256_file(out / name)
    assert manifest["scenarios"] == ["literature"] and manifest["version"]
    assert {"config.toml", "unit_weight.xlsx"} <= {i["path"] for i in manifest["inputs"]}
    roots = [str(bundled.resolve()).encode(), str(tmp_path.resolve()).encode()]
    for p in out.rglob("*"):
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as zf:
                assert not any(r in zf.read(n) for n in zf.namelist() for r in roots), p
        elif p.is_file():
            assert not any(r in p.read_bytes() for r in roots), p


def test_a_link_inside_the_output_folder_is_not_followed(tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "figures").symlink_to(outside, target_is_directory=True)
    with pytest.raises(OutputExistsError, match="outside"):
        with OutputFolder(out, force=True) as folder:
            (folder.path / "figures" / "sub").mkdir(parents=True)
            (folder.path / "figures" / "sub" / "f.png").write_bytes(b"x")
    assert not any(outside.iterdir()) and not (out / MANIFEST).exists()


RUN_MAIN = "import sys; from elt_odym.cli import main; sys.exit(main(sys.argv[1:]))"


def test_killed_run_leaves_no_manifest(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", RUN_MAIN, "run", "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not any(out.glob(".elt-odym-staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / MANIFEST).exists()
    assert not [p for p in out.iterdir() if not p.name.startswith(".")]
    with OutputFolder(out) as folder:  # the next run cleans the killed run's staging
        (folder.path / "a.csv").write_text("1\n")
    assert (out / MANIFEST).exists() and not any(out.glob(".elt-odym-*"))


# --- the command line on bad input ----------------------------------------------------------

BAD_COMMANDS = [
    ["compare", "--results", "{tmp}/missing.csv", "--targets", "{tmp}/missing.xlsx"],
    ["compare", "--results", "{tmp}/junk.csv", "--targets", "{tmp}/junk.csv"],
    ["init", "{tmp}/junk.csv"],
    ["init", "{tmp}/junk.csv/sub"],
    ["diagram", "--out", "{tmp}/x.txt"],
    ["diagram", "--out", "{tmp}/no/x.png"],
    ["run", "--out", "{tmp}/junk.csv"],
    ["run", "--scenario", "../x", "--out", "{tmp}/o1"],
    ["run", "--cumulative", "1900", "2050", "--out", "{tmp}/o2"],
    ["run", "--data", "{tmp}/nowhere", "--out", "{tmp}/o3"],
    ["validate", "--data", "{tmp}/junk.csv"],
    ["calibrate", "--targets", "{tmp}/junk.csv", "--out", "{tmp}/o4"],
]


@pytest.mark.parametrize("argv", BAD_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_bad_commands_exit_2_in_one_line(tmp_path, capsys, argv):
    (tmp_path / "junk.csv").write_bytes(b"\xff\xfe not,a\nresults,file\n")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = no_traceback(capsys)
    assert err.startswith("error: ") and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.rglob(MANIFEST))


CONFIG_EDITS = [("last_year = 2050", "last_year = 100000000"),  # years: bounded work
                ("fit_default_rel_sigma = 0.05", "fit_default_rel_sigma = nan"),
                ("mass_balance_tolerance = 1e-9", "mass_balance_tolerance = -1"),
                ("sankey_year = 2023", "sankey_year = 1990"),
                ("fit_max_rate", "fit_maxrate"),
                ("[scenarios.literature]", "[scenarios.literature]\nmodel = {last_year = 1}")]


@pytest.mark.parametrize("old, new", CONFIG_EDITS)
def test_config_errors_exit_2_in_one_line(data_copy, tmp_path, capsys, old, new):
    config = data_copy / "config.toml"
    text = config.read_text()
    assert old in text
    config.write_text(text.replace(old, new, 1))
    start = time.perf_counter()
    out = tmp_path / "out"
    assert main(["run", "--data", str(data_copy), "--scenario", "literature",
                 "--out", str(out)]) == 2
    assert time.perf_counter() - start < 20
    assert len(no_traceback(capsys).strip().splitlines()) == 1
    assert not out.exists()


def test_binary_or_huge_config_exits_2(data_copy, capsys):
    config = data_copy / "config.toml"
    for content in (b"\xff\xfe\x00garbage", b"# padding\n" * 200_000):
        config.write_bytes(content)
        assert main(["scenarios", "--data", str(data_copy)]) == 2
        no_traceback(capsys)


OPTIONS = ["--draws", "--seed", "--chunk", "--memory-budget", "--max-rows", "--max-cells",
           "--max-workbook-mb"]


@given(st.sampled_from(OPTIONS), st.one_of(st.text(max_size=12), st.integers().map(str),
                                           st.floats().map(str)))
@FAST
def test_any_option_value_parses_or_is_a_usage_error(option, value):
    parser = build_parser()
    try:
        args = parser.parse_args(["mc", "--out", "x", f"{option}={value}"])
    except SystemExit as exc:
        assert exc.code == 2
        return
    parsed = getattr(args, option.lstrip("-").replace("-", "_"))
    assert parsed is None or parsed >= 0


# --- random cells: never a traceback, never an input changed --------------------------------

CELL_VALUES = st.one_of(st.text(max_size=40), st.floats(allow_nan=True, allow_infinity=True),
                        st.integers(min_value=-10**20, max_value=10**20), st.none(),
                        st.booleans())
CELLS = st.sampled_from([("Values_Master", "A2"), ("Values_Master", "B2"),
                         ("Values_Master", "C3"), ("Values_Master", "D2"),
                         ("Values_Master", "E2"), ("Values_Master", "F2"),
                         ("Cover", "B2"), ("Cover", "B5"),
                         ("Cover", "A10"), ("Cover", "B12"), ("ref", "A2")])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, bundled) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    for sub in ("classification", "datasets"):
        shutil.copytree(bundled / sub, root / sub)
    return root


@pytest.fixture(scope="module")
def reader(pristine):
    """Read one workbook the way ``load_data`` does, with the master read once."""
    from elt_odym.config import load_config
    from elt_odym.data import _dim_items, _read_all
    from elt_odym.io import read_classification_master

    config = load_config(pristine / "datasets")
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, config.resolve(None)[2])
    return lambda name, path: _read_all(config, master, items, {name: path})


@given(cell=CELLS, value=CELL_VALUES)
@FAST
def test_random_cells_give_problems_not_tracebacks(pristine, reader, tmp_path, cell, value):
    work = tmp_path / "w"
    work.mkdir(exist_ok=True)
    target = work / "unit_weight.xlsx"
    shutil.copyfile(pristine / "datasets" / "unit_weight.xlsx", target)
    if not stored(target, *cell, value):
        return  # openpyxl itself refuses to store the value: nothing to read
    before = sha256_file(target)
    data, problems = reader("unit_weight", target)
    assert ("unit_weight" in data) != bool(problems)
    assert all(p.file for p in problems)
    assert sha256_file(target) == before


TABLE_CELLS = st.sampled_from([("Values_Table", "A1"), ("Values_Table", "B1"),
                               ("Values_Table", "A2"), ("Values_Table", "C3"),
                               ("Values_Table", "BZ9"), ("Cover", "B10"), ("Cover", "B11"),
                               ("Cover", "B12"), ("Cover", "B13"), ("Cover", "A15"),
                               ("Cover", "B16")])


@given(cell=TABLE_CELLS, value=CELL_VALUES)
@FAST
def test_random_cells_of_a_table_workbook(pristine, reader, tmp_path, cell, value):
    target = tmp_path / "collection_rate.xlsx"
    shutil.copyfile(pristine / "datasets" / "collection_rate.xlsx", target)
    if not stored(target, *cell, value):
        return
    data, problems = reader("collection_rate", target)
    assert ("collection_rate" in data) != bool(problems)


@given(cell=st.sampled_from([("MAIN_Table", "B1"), ("MAIN_Table", "B2"), ("MAIN_Table", "A10"),
                             ("MAIN_Table", "B11"), ("MAIN_Table", "C12"), ("Info", "A1"),
                             ("Info", "B1"), ("Info", "B2")]), value=CELL_VALUES)
@FAST
def test_random_cells_of_the_classification_master(pristine, tmp_path, cell, value):
    from elt_odym.errors import DataValidationError
    from elt_odym.io import read_classification_master

    target = tmp_path / "master.xlsx"
    shutil.copyfile(pristine / "classification" / "ELT_Classification_Master.xlsx", target)
    if not stored(target, *cell, value):
        return
    try:
        read_classification_master(target)
    except DataValidationError as exc:
        assert all(p.file == str(target) for p in exc.problems)


@given(value=CELL_VALUES)
@settings(deadline=None, max_examples=4, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_cell_through_the_cli(pristine, tmp_path, value):
    root = pristine_tree(pristine, tmp_path / "d")
    if not stored(root / "datasets" / "unit_weight.xlsx", "Values_Master", "B3", value):
        return
    before = tree_hash(root)
    code = main(["validate", "--data", str(root / "datasets"), "-q"])
    assert code in (0, 1)
    assert tree_hash(root) == before


@given(name=st.text(max_size=70))
@settings(deadline=None, max_examples=10, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_scenario_names_through_the_cli(pristine, tmp_path, capsys, name):
    data = tmp_path / "datasets"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    shutil.copyfile(pristine / "datasets" / "config.toml", data / "config.toml")
    _write_config_with_scenario(data, name)
    code = main(["scenarios", "--data", str(data)])
    no_traceback(capsys)
    assert code in (0, 2)
    if code == 0:
        check_path_name(name, "scenario name")


@given(st.binary(max_size=3000) | st.tuples(st.integers(0, 10**6), st.binary(min_size=1,
                                                                          max_size=64)))
@FAST
def test_random_bytes_and_mutations_are_unreadable_not_tracebacks(pristine, tmp_path, blob):
    path = tmp_path / "fuzz.xlsx"
    if isinstance(blob, tuple):  # overwrite bytes of a real workbook at some offset
        raw = bytearray((pristine / "datasets" / "unit_weight.xlsx").read_bytes())
        at = blob[0] % len(raw)
        raw[at:at + len(blob[1])] = blob[1]
        blob = bytes(raw)
    path.write_bytes(blob)
    try:
        open_workbook(path)
    except UnreadableWorkbookError as exc:
        assert exc.problem.file == str(path)


def test_errors_are_typed():
    assert issubclass(UnsafeNameError, EltOdymError)
    assert issubclass(ResourceLimitError, EltOdymError)
    assert issubclass(OutputLockedError, OutputExistsError)


# --- issue 24: properties over cells and options ------------------------------------------

def _outcome(capsys, code) -> None:
    """The contract of every command: exit 0, 1 or 2; one ``error:`` line when 2; never a
    traceback."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    assert code in (0, 1, 2)
    if code == 2:
        errors = [line for line in captured.err.splitlines() if not line.startswith("warning")]
        assert len(errors) == 1 and errors[0].startswith("error: "), captured.err


OPTION_VALUES = st.one_of(st.text(max_size=12), st.integers(-10, 10**7).map(str),
                          st.floats().map(str), st.sampled_from(["literature", "all", "0"]))
COMMAND_OPTIONS = st.sampled_from([
    ("run", "--scenario"), ("run", "--cumulative"), ("run", "--jobs"), ("run", "--max-events"),
    ("run", "--data"), ("mc", "--draws"), ("mc", "--seed"), ("mc", "--chunk"),
    ("mc", "--memory-budget"), ("mc", "--scenario"), ("sobol", "--n"), ("sobol", "--seed"),
    ("sensitivity", "--scenario"), ("scenarios", "--scenario"), ("scenarios", "--data"),
    ("report", "--data"), ("run", "--max-rows"), ("mc", "--max-cells"),
    ("structural", "--max-workbook-mb")])


@given(command_option=COMMAND_OPTIONS, values=st.lists(OPTION_VALUES, min_size=1, max_size=2),
       files=st.booleans())
@settings(deadline=None, max_examples=40, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_option_of_any_command_keeps_the_contract(tmp_path, capsys, command_option, values,
                                                      files):
    """Random option values end in exit 0, 1 or 2 with one line, quickly: every command that
    writes is pointed at a folder that is not empty, so it stops before any work."""
    busy = tmp_path / "busy"
    busy.mkdir(exist_ok=True)
    (busy / "mine.txt").write_text("mine\n")
    command, option = command_option
    argv = [command, *([str(busy)] if command == "report" else []), f"{option}={values[0]}",
            *values[1:]]
    if command in ("run", "mc", "sobol", "sensitivity", "structural"):
        argv += ["--out", str(busy)]
    if command == "scenarios" and files:
        argv.append("--files")
    _outcome(capsys, main(argv))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]
    assert [p.name for p in busy.iterdir()] == ["mine.txt"]


NUMBERS_AND_TEXT = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                             st.floats(min_value=-1e6, max_value=1e6), st.text(max_size=12),
                             st.floats(min_value=0, max_value=2000).map(lambda x: f"{x:g}"),
                             st.booleans(), st.none())


@given(value=NUMBERS_AND_TEXT)
@FAST
def test_an_accepted_value_is_finite_and_plausible(pristine, reader, tmp_path, value):
    from elt_odym.declaration import PARAMETER_BY_NAME, plausible_range

    target = tmp_path / "unit_weight.xlsx"
    shutil.copyfile(pristine / "datasets" / "unit_weight.xlsx", target)
    if not stored(target, "Values_Master", "B2", value):
        return
    data, problems = reader("unit_weight", target)
    from elt_odym.errors import RULES

    assert all(p.rule in RULES for p in problems)
    if "unit_weight" in data:
        rng = plausible_range(PARAMETER_BY_NAME["unit_weight"])
        values = data["unit_weight"].values
        assert np.all(np.isfinite(values)) and np.all((rng.low <= values) & (values <= rng.high))
    else:
        assert any(p.cell == "B2" for p in problems)


@given(low=st.floats(allow_nan=False), high=st.floats(allow_nan=False),
       kind=st.sampled_from([3, 4, 5, 2]))
@FAST
def test_an_accepted_uncertainty_stays_in_the_plausible_range(pristine, reader, tmp_path, low,
                                                               high, kind):
    from elt_odym.declaration import PARAMETER_BY_NAME, plausible_range

    target = tmp_path / "unit_weight.xlsx"
    shutil.copyfile(pristine / "datasets" / "unit_weight.xlsx", target)
    text = {3: f"3;;{abs(high)!r}", 4: f"4;{low!r};{high!r}", 5: f"5;{low!r};;{high!r}",
            2: f"2;;{abs(high)!r}"}[kind]
    set_cell(target, "Values_Master", "E2", text)
    data, problems = reader("unit_weight", target)
    if "unit_weight" not in data:
        assert {p.rule for p in problems} <= {"bad-uncertainty", "implausible-value"}
        return
    rng = plausible_range(PARAMETER_BY_NAME["unit_weight"])
    unc = data["unit_weight"].uncertainty[("HT",)]
    draws = unc.sample(17.15, 1000, np.random.default_rng(0))
    assert np.all(np.isfinite(draws))
    if kind in (4, 5):
        assert rng.low <= low <= high <= rng.high


@given(value=st.one_of(st.floats(min_value=1001, allow_infinity=True),
                       st.floats(max_value=-1e-9, allow_infinity=True),
                       st.text(min_size=1, max_size=12).filter(lambda t: t.strip())))
@settings(deadline=None, max_examples=8, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_bad_cell_stops_run_in_one_line(pristine, tmp_path, capsys, value):
    root = pristine_tree(pristine, tmp_path / "d")
    if not stored(root / "datasets" / "unit_weight.xlsx", "Values_Master", "B2", value):
        return
    out = tmp_path / "out"
    code = main(["run", "--data", str(root / "datasets"), "--scenario", "literature",
                 "--no-figures", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and "unit_weight.xlsx [Values_Master] B2" in err
    assert not out.exists()
