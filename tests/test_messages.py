"""What the analyst is told (issue 24): finite and plausible numbers, one line and the right exit
code for every error and signal, escaping for HTML and terminals, messages that say how to fix
the slip, and the edits that silently do nothing (``scenarios --files``, warnings).

Each test states the case; each fails on main 12e1fc1 (a traceback, exit 0 with inf in the
outputs, a usage block, a raw escape sequence, an unhelpful or missing message).
"""

from __future__ import annotations

import ast
import dataclasses
import errno
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from conftest import set_cell

from elt_odym import errors
from elt_odym.cli import main
from elt_odym.declaration import COMPOSITION_PARAMETERS, PARAMETERS, POWERTRAIN_PARAMETERS
from elt_odym.errors import MassBalanceError

ROOT = Path(__file__).resolve().parents[1]
ALL_PARAMETERS = PARAMETERS + POWERTRAIN_PARAMETERS + COMPOSITION_PARAMETERS
# names new in issue 24 are imported in the tests that use them, so that each test fails on
# its own on a tree without them


def error_line(capsys) -> str:
    """The one line a failed command printed on standard error (asserted: one, no traceback)."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    return lines[0]


def problems_of(data_copy: Path):
    from elt_odym.data import validate_data_dir

    return validate_data_dir(data_copy)


# --- finite and plausible numbers -------------------------------------------------------------

def test_a_huge_value_is_one_problem_in_validate_and_run(data_copy, tmp_path, capsys):
    set_cell(data_copy / "price.xlsx", "Values_Master", "C2", 1e308)
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "price.xlsx [Values_Master] C2: implausible-value" in out
    assert main(["run", "--data", str(data_copy), "--scenario", "literature", "--no-figures",
                 "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert "price.xlsx [Values_Master] C2: implausible-value" in line and "USD/t" in line
    assert not (tmp_path / "o").exists()


def test_an_uncertainty_bound_of_1e308_is_a_problem(data_copy):
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "E2", "4;0;1e308")
    set_cell(data_copy / "weibull_shape.xlsx", "Values_Master", "E2", "3;;1e300")
    set_cell(data_copy / "weibull_scale.xlsx", "Values_Master", "E2", "2;;40")
    found = {(Path(p.file).name, p.cell): p.message for p in problems_of(data_copy)
             if p.rule == "implausible-value"}
    assert "p2 = 1e+308" in found[("unit_weight.xlsx", "B2")]
    assert "p2 = 1e+300" in found[("weibull_shape.xlsx", "B2")]
    assert "lognormal parameter p2 = 40" in found[("weibull_scale.xlsx", "B2")]


@pytest.mark.parametrize("text, says", [
    ("3;;-1", "the standard deviation p2 = -1 is negative"),
    ("5;20;;30", "the value 17.15 lies outside its own range"),
    ("4;0;10", "the value 17.15 lies outside its own range"),
])
def test_an_uncertainty_that_cannot_describe_its_value(data_copy, text, says):
    """On main these pass validation; the Monte Carlo then fails in numpy or draws NaN."""
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "E2", text)  # HT: 17.15 t
    found = [p for p in problems_of(data_copy) if Path(p.file).name == "unit_weight.xlsx"]
    assert [(p.cell, p.rule) for p in found] == [("B2", "bad-uncertainty")]
    assert says in found[0].message


def test_every_parameter_has_a_plausible_range_that_holds_the_bundled_data(bundled):
    from elt_odym.declaration import plausible_range

    for spec in ALL_PARAMETERS:
        rng = plausible_range(spec)
        assert rng.low < rng.high and len(rng.why) > 20, spec.name
    assert problems_of(bundled / "datasets") == []  # the ranges catch slips, not the data


def test_outputs_with_inf_are_refused_and_nothing_is_published(runs, tmp_path):
    from elt_odym.reporting.outputs import write_outputs

    r = runs("literature")
    results = r.results.copy()
    results.loc[results.index[5], "value"] = np.inf
    refused = getattr(errors, "NonFiniteOutputError", ())
    with pytest.raises(refused, match=r"results.csv: 1 value\(s\) .* scenario literature, "
                                      r"variable"):
        write_outputs([dataclasses.replace(r, results=results)], tmp_path / "o", figures=False)
    assert not (tmp_path / "o").exists()


def test_mass_balance_fails_on_a_stock_that_is_not_finite(runs):
    from elt_odym.system.mfa import check_mass_balance, mass_balance

    system = runs("literature").system.model_copy(deep=True)
    check_mass_balance(system, mass_balance(system), 1e-9)
    system.stocks["in-use material"].stock.values[3, 0, 0] = np.nan
    with pytest.raises(MassBalanceError, match="stock 'in-use material'"):
        check_mass_balance(system, mass_balance(system), 1e-9)


# --- one line, the right exit code ------------------------------------------------------------

RUN_MAIN = "import sys; from elt_odym.cli import main; sys.exit(main(sys.argv[1:]))"


def ctrl_c_as_in_a_terminal() -> None:
    """SIGINT at its default action in the command, as for a command typed in a terminal: a
    suite started in the background (``nohup``, ``&``) has SIGINT ignored, the commands it
    starts inherit that, and Python then installs no KeyboardInterrupt at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("signame, code, argv", [
    ("SIGINT", 130, ["run", "--scenario", "literature", "--no-figures"]),
    ("SIGINT", 130, ["mc", "--scenario", "literature", "--draws", "100000"]),
    ("SIGTERM", 143, ["run", "--scenario", "literature", "--no-figures"]),
])
def test_an_interrupt_is_one_line_and_leaves_nothing(tmp_path, signame, code, argv):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", RUN_MAIN, *argv, "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=ctrl_c_as_in_a_terminal)
    deadline = time.monotonic() + 120
    while not any(out.glob(".elt-odym-staging-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, getattr(signal, signame))  # as a terminal does: the whole group
    _, err = proc.communicate(timeout=120)
    text = err.decode()
    assert proc.returncode == code, text
    assert "Traceback" not in text and len(text.strip().splitlines()) == 1
    assert text.startswith(f"error: interrupted ({signame})")
    assert not out.exists() or not [p for p in out.iterdir()]


def _compiler_like(tmp_path: Path, monkeypatch, busy_s: float):
    """A module in a folder taken for llvmlite's (as numba's compiler callbacks are): its
    ``send_signal`` sends SIGTERM to this process and runs on for ``busy_s`` seconds."""
    import elt_odym.cli.app as app

    folder = tmp_path / "compiler"
    folder.mkdir()
    (folder / "callback.py").write_text(
        "import os, signal, time\n"
        "def send_signal(done):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        f"    end = time.monotonic() + {busy_s}\n"
        "    while time.monotonic() < end:\n"
        "        pass\n"
        "    done.append(True)\n")
    monkeypatch.setattr(app, "llvmlite_folder", lambda: os.path.normcase(str(folder)))
    spec = importlib.util.spec_from_file_location("compiler_like_callback",
                                                  folder / "callback.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


needs_main_thread = pytest.mark.skipif(
    threading.current_thread() is not threading.main_thread(),
    reason="signal handlers are installed only in the main thread")


@needs_main_thread
def test_a_signal_inside_the_compiler_is_delivered_after_it(tmp_path, monkeypatch):
    """SIGTERM while numba compiles inside llvmlite (where a raised exception would be lost in
    a ctypes callback, and the command would go on to exit 0) is not raised there but
    raised again once the compiler is left, as the one-line interrupt."""
    from elt_odym.cli.app import signals_as_interrupts
    from elt_odym.errors import Interrupted

    compiler = _compiler_like(tmp_path, monkeypatch, busy_s=0.2)
    done: list = []
    with pytest.raises(Interrupted) as caught:
        with signals_as_interrupts():
            compiler.send_signal(done)
            time.sleep(5)  # the signal comes again here
    assert done == [True]  # not raised inside the compiler-like code: it ran to its end
    assert caught.value.signum == signal.SIGTERM


@needs_main_thread
def test_a_signal_deferred_at_the_end_of_the_block_is_raised_there(tmp_path, monkeypatch):
    """The block ends before the deferred signal comes again: it is raised as the handlers are
    restored (never delivered to them), and no timer is left behind."""
    from elt_odym.cli.app import signals_as_interrupts
    from elt_odym.errors import Interrupted

    compiler = _compiler_like(tmp_path, monkeypatch, busy_s=0.0)
    done: list = []
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted) as caught:
        with signals_as_interrupts():
            compiler.send_signal(done)
    assert done == [True] and caught.value.signum == signal.SIGTERM
    assert signal.getsignal(signal.SIGTERM) is before
    time.sleep(0.2)  # a timer that fired now would kill the test run
    assert not [t for t in threading.enumerate() if isinstance(t, threading.Timer)
                and t.is_alive()]


def test_a_folder_named_llvmlite_elsewhere_is_not_the_compiler(tmp_path):
    """Only the llvmlite package in use counts, not any folder of that name."""
    from elt_odym.cli.app import in_compiler_callback

    folder = tmp_path / "llvmlite"
    folder.mkdir()
    (folder / "main.py").write_text("import sys\ndef frame():\n    return sys._getframe()\n")
    spec = importlib.util.spec_from_file_location("not_llvmlite", folder / "main.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert not in_compiler_callback(module.frame())


def test_ctrl_c_ignored_stays_ignored(monkeypatch):
    """A command started in the background has SIGINT ignored: it stays ignored."""
    from elt_odym.cli.app import signals_as_interrupts

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with signals_as_interrupts():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, signal.SIG_IGN)
    finally:
        signal.signal(signal.SIGINT, previous)


class _CtrlCOnImport:
    """A meta path finder raising KeyboardInterrupt when ``name`` is imported, as Ctrl-C does
    when it arrives during that import."""

    def __init__(self, name: str):
        self.name = name

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.name:
            raise KeyboardInterrupt
        return None


def test_importing_the_command_line_imports_nothing_else():
    """What the console script imports before ``main`` runs (and can catch Ctrl-C): the
    package, its version and ``elt_odym.cli``, nothing more."""
    code = ("import sys, elt_odym.cli; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'elt_odym'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['elt_odym', 'elt_odym.cli', 'elt_odym.version']"


@pytest.mark.parametrize("module", ["elt_odym.cli.app", "elt_odym.cli.run"])
def test_ctrl_c_while_the_command_line_is_imported_is_one_line(monkeypatch, capsys, module):
    """``elt_odym.cli`` imports nothing at first: Ctrl-C while the command line itself
    (``app``) or a command's module (imported by the parser) is imported ends in one line."""
    import elt_odym.cli as cli

    parent, _, leaf = module.rpartition(".")
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.delattr(sys.modules[parent], leaf, raising=False)
    if module != "elt_odym.cli.app":
        import elt_odym.cli.app  # noqa: F401  (imported before the interrupt)
    monkeypatch.setattr(sys, "meta_path", [_CtrlCOnImport(module), *sys.meta_path])
    assert cli.main(["validate"]) == 130
    err = capsys.readouterr().err
    assert err == ("error: interrupted (SIGINT) before the command started; nothing was read "
                   "or written\n")


def test_an_empty_values_sheet_is_one_problem(data_copy, tmp_path, capsys):
    path = data_copy / "unit_weight.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Values_Master"].delete_rows(1, wb["Values_Master"].max_row)
    wb.save(path)
    found = [p for p in problems_of(data_copy) if Path(p.file).name == "unit_weight.xlsx"]
    assert [(p.rule, p.sheet) for p in found] == [("empty-sheet", "Values_Master")]
    assert main(["run", "--data", str(data_copy), "--scenario", "literature",
                 "--out", str(tmp_path / "o")]) == 2
    assert "empty-sheet" in error_line(capsys)


def _add_truck_type(root: Path, item: str) -> None:
    """A new truck type in the classification master, as a user adds it."""
    path = root / "classification" / "ELT_Classification_Master.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["MAIN_Table"]
    col = next(c for c in range(2, ws.max_column + 1) if ws.cell(1, c).value == "Truck_type")
    row = 11
    while ws.cell(row, col).value is not None:
        row += 1
    ws.cell(row, col, item)
    wb.save(path)


def test_a_new_truck_type_without_stock_observations_names_the_workbook(data_copy, capsys):
    _add_truck_type(data_copy.parent, "XT")
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "too-few-observations" in line)
    assert "stock_anchors.xlsx" in line and "'XT' has 0 stock observation" in line


def test_too_few_stock_observations_stop_run_in_one_line(data_copy, tmp_path, capsys):
    path = data_copy / "stock_history.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Values_Master"].delete_rows(2, wb["Values_Master"].max_row)
    wb.save(path)
    assert main(["run", "--data", str(data_copy), "--scenario", "literature",
                 "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert "too-few-observations" in line and "add rows (year, NT, stock) to stock_anchors" in line


def test_a_control_character_in_config_is_refused_before_any_export(data_copy, tmp_path,
                                                                     capsys):
    config = data_copy / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('description = "Alias', 'description = "\\u001b[2J Alias'),
                      encoding="utf-8")
    for argv in (["scenarios"], ["export-odym", str(tmp_path / "project")]):
        assert main([*argv, "--data", str(data_copy)]) == 2
        line = error_line(capsys)
        assert "scenarios.paper_calibrated.description" in line and "'\\x1b'" in line
        assert "\x1b" not in line
    assert not (tmp_path / "project").exists()


@pytest.mark.parametrize("argv, says", [
    (["run", "--scenario", "literature", "--scenario", "literature", "--out", "o"],
     "given more than once"),
    (["run", "--scenario", "all", "--scenario", "open_data", "--out", "o"], "give it alone"),
    (["run"], "the following arguments are required: --out"),
    (["mc", "--draws", "x", "--out", "o"], "argument --draws: 'x' is not an integer"),
    (["sobol", "--n", "3", "--out", "o"], "must be a power of 2"),
    (["run", "--bogus", "--out", "o"], "unrecognized arguments: --bogus"),
    (["nope"], "invalid choice: 'nope'"),
])
def test_option_errors_are_one_line_without_usage(tmp_path, capsys, argv, says):
    argv = [a if a != "o" else str(tmp_path / "o") for a in argv]
    assert main(argv) == 2
    line = error_line(capsys)
    assert says in line and "usage:" not in line
    assert not (tmp_path / "o").exists()


def test_help_and_version_still_exit_0(capsys):
    assert main(["--version"]) == 0
    assert main(["run", "--help"]) == 0
    assert "usage:" in capsys.readouterr().out


def test_a_free_parameter_with_lower_equal_upper(bundled, tmp_path, capsys):
    from elt_odym.io.targets import FREE_COLUMNS

    targets = tmp_path / "targets.xlsx"
    shutil.copyfile(bundled / "datasets" / "calibration_open_data.xlsx", targets)
    wb = openpyxl.load_workbook(targets)
    ws = wb["free_parameters"]
    ws.cell(2, FREE_COLUMNS.index("upper") + 1, ws.cell(2, FREE_COLUMNS.index("lower") + 1).value)
    ws.cell(2, FREE_COLUMNS.index("initial") + 1, ws.cell(2, FREE_COLUMNS.index("lower") + 1).value)
    wb.save(targets)
    assert main(["calibrate", "--targets", str(targets), "--out", str(tmp_path / "c")]) == 2
    line = error_line(capsys)
    assert "[free_parameters] D2" in line and "must be below upper" in line


def test_a_full_disk_names_the_folder(tmp_path, capsys, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(shutil, "copytree", full)
    assert main(["init", str(tmp_path / "mydata")]) == 2
    line = error_line(capsys)
    assert str(tmp_path / "mydata") in line and "no space left" in line


def test_several_problems_in_run_are_one_line_with_the_count(data_copy, tmp_path, capsys):
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B2", "heavy")
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B3", "light")
    assert main(["run", "--data", str(data_copy), "--scenario", "literature",
                 "--out", str(tmp_path / "o")]) == 2
    line = error_line(capsys)
    assert "B2: not-a-number" in line and "and 1 more problem(s): elt-odym validate" in line


def test_an_internal_error_is_one_line_exit_3(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise TypeError("boom")

    monkeypatch.setattr("elt_odym.config.load_config", broken)
    assert main(["scenarios"]) == 3
    line = error_line(capsys)
    assert "internal error (TypeError: boom)" in line and "--debug" in line
    with pytest.raises(TypeError):
        main(["scenarios", "--debug"])


# --- report and terminal escaping -------------------------------------------------------------

HOSTILE = "x<!--<script>window.pwned=1</script>"


def _script_bodies(page: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", page, flags=re.S | re.I)


def test_a_hostile_label_in_sankey_json_cannot_swallow_the_page(runs, bundled, tmp_path):
    from elt_odym.reporting.report import SECTIONS, build_report
    from elt_odym.reporting.results import write_csv

    write_csv(runs("literature").results, tmp_path / "results.csv")
    folder = tmp_path / "figures" / "literature"
    folder.mkdir(parents=True)
    sankey = {"data": [{"type": "sankey", "node": {"label": [HOSTILE, "b"]},
                        "link": {"source": [0], "target": [1], "value": [1.0]}}],
              "layout": {"title": {"text": HOSTILE}}}
    (folder / "sankey.json").write_text(json.dumps(sankey), encoding="utf-8")
    page = build_report(tmp_path, bundled / "datasets")
    bodies = _script_bodies(page)
    assert len(bodies) >= 2  # plotly.js and the chart
    chart = bodies[-1]
    for opener in ("<!--", "<script", "</script"):
        assert opener not in chart.lower()
    spec = re.search(r"var f=(\{.*\});Plotly", chart).group(1)
    assert json.loads(spec)["data"][0]["node"]["label"][0] == HOSTILE  # shown as written
    for key, _ in SECTIONS:  # every section after the chart is still a section of the page
        assert page.count(f"<section id='{key}'>") == 1
    tail = page.split(chart, 1)[1]
    assert all(f"<section id='{k}'>" in tail for k in ("validation", "manifest"))


def test_the_hostile_report_renders_in_a_browser(runs, bundled, tmp_path):
    """The same page in Chromium: no script runs, no error, every section shown, the label
    shown as written in the Sankey."""
    pytest.importorskip("playwright")
    from playwright.sync_api import sync_playwright
    from test_browser import _chromium, _open

    from elt_odym.reporting.report import SECTIONS, build_report
    from elt_odym.reporting.results import write_csv

    write_csv(runs("literature").results, tmp_path / "results.csv")
    (tmp_path / "figures" / "literature").mkdir(parents=True)
    sankey = {"data": [{"type": "sankey", "node": {"label": [HOSTILE, "b"]},
                        "link": {"source": [0], "target": [1], "value": [1.0]}}],
              "layout": {}}
    (tmp_path / "figures" / "literature" / "sankey.json").write_text(json.dumps(sankey))
    (tmp_path / "report.html").write_text(build_report(tmp_path, bundled / "datasets"),
                                          encoding="utf-8")
    executable = _chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page, problems = _open(browser, tmp_path / "report.html")
        ran = page.evaluate("window.pwned !== undefined")
        sections = page.evaluate("Array.from(document.querySelectorAll('main > section'))"
                                 ".map(s => s.id)")
        labels = page.locator(".sankey .node-label").all_text_contents()
        browser.close()
    assert problems == [] and not ran
    assert sections == [key for key, _ in SECTIONS]  # none swallowed into a script
    assert HOSTILE in labels


@pytest.mark.parametrize("name, content", [
    ("figures/literature/sankey.json", "{not json"),
    ("figures/literature/sankey.json", "[1, 2]"),
    ("mass_balance.csv", "scenario,process\nliterature,use\n"),
    ("mass_balance.csv", "scenario,process,year,material,inputs,outputs,stock_change,"
                         "imbalance\nliterature,use,2002,Fe,abc,1,0,1\n"),
])
def test_a_tampered_output_file_under_report_is_one_line(runs, tmp_path, capsys, name,
                                                          content):
    from elt_odym.reporting.results import write_csv

    write_csv(runs("literature").results, tmp_path / "results.csv")
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text(content, encoding="utf-8")
    assert main(["report", str(tmp_path)]) == 2
    line = error_line(capsys)
    assert f"{Path(name).name}: bad-output-file" in line and "elt-odym run again" in line
    assert not (tmp_path / "report.html").exists()


def test_the_terminal_never_gets_escape_sequences(tmp_path, capsys):
    hostile = tmp_path / "data\x1b[2J\x9b31m\u202e"
    assert main(["validate", "--data", str(hostile)]) == 2
    line = error_line(capsys)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]", line)
    assert "data??31m?" in line  # ESC [ 2 J is one sequence, one ?


def test_terminal_text_and_script_json():
    from elt_odym.io.escape import script_json, terminal_text

    assert terminal_text("a\x1b[31mred\x1b[0m\x07\tb\n\x9b2J\u202e") == "a?red??\tb\n?2J?"
    assert terminal_text("\x1b]0;title\x07x \x1b]8;;http://e\x1b\\link") == "?x ?link"
    value = {"a": "</script><!--<script>&\u2028", "b": [1.5, None]}
    text = script_json(value)
    assert json.loads(text) == value and not set("<>&\u2028") & set(text)


# --- messages that say how to fix the slip ----------------------------------------------------

@pytest.mark.parametrize("value, rule, says", [
    ("=B3*2", "formula-without-value", "the formula =B3*2 without a saved value"),
    ("20", "number-as-text", "the number '20' is stored as text"),
    ("12,5", "number-as-text", "type 12.5"),
    ("1.234,5", "number-as-text", "type 1234.5"),
    ("20 %", "number-as-text", "type the share as a number, 0.2"),
    ("17 t", "number-as-text", "type the number 17 alone"),
    (None, "not-a-number", "the value is empty"),
    (True, "not-a-number", "TRUE is a logical value"),
    ("heavy", "not-a-number", "'heavy' is text, not a number"),
])
def test_a_cell_that_is_not_a_number_says_what_to_type(data_copy, value, rule, says):
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B2", value)
    found = [p for p in problems_of(data_copy) if Path(p.file).name == "unit_weight.xlsx"]
    assert [(p.cell, p.rule) for p in found] == [("B2", rule)]
    assert says in found[0].message


@pytest.mark.parametrize("other", ["unit_weight.xls", "unit_weight.csv", "Unit_Weight.xlsx"])
def test_a_missing_xlsx_names_the_file_found_instead(data_copy, other):
    (data_copy / "unit_weight.xlsx").rename(data_copy / other)
    found = [p for p in problems_of(data_copy) if p.rule == "missing-file"]
    assert found and other in found[0].message
    assert ("case-sensitive" if other.endswith(".xlsx") else "only .xlsx") in found[0].message


def test_a_renamed_sheet_lists_the_sheets_found(data_copy):
    path = data_copy / "unit_weight.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Values_Master"].title = "Values"
    wb.save(path)
    found = [p for p in problems_of(data_copy) if Path(p.file).name == "unit_weight.xlsx"]
    assert [p.rule for p in found] == ["missing-sheet"]  # and no follow-up missing-item
    assert "sheets found: 'Cover', 'Values', 'ref', 'log'" in found[0].message


def test_a_bad_year_in_a_table_header_is_reported_on_the_header(data_copy):
    ws = openpyxl.load_workbook(data_copy / "collection_rate.xlsx")["Values_Table"]
    col = next(c for c in range(2, ws.max_column + 1) if ws.cell(1, c).value == 2004)
    cell = f"{openpyxl.utils.get_column_letter(col)}1"
    set_cell(data_copy / "collection_rate.xlsx", "Values_Table", cell, "2O04")
    found = [p for p in problems_of(data_copy) if p.rule == "unknown-item"]
    assert [(p.sheet, p.cell) for p in found] == [("Values_Table", cell)]
    assert "'2O04' is not a whole year" in found[0].message


@pytest.mark.parametrize("file, cell, value, group", [
    ("material_composition.xlsx", "C2", 0.0, "HT"),
    ("powertrain_share.xlsx", "D2", 0.7, "1978, HT"),
])
def test_shares_summing_to_less_than_1_fail_validation(data_copy, file, cell, value, group):
    set_cell(data_copy / file, "Values_Master", cell, value)
    found = [p for p in problems_of(data_copy) if p.rule == "sum-not-one"]
    assert found and Path(found[0].file).name == file and found[0].cell == cell
    assert f"at {group} " in found[0].message and "not 1" in found[0].message


def test_every_rule_the_code_reports_is_documented():
    """Every constant rule given to a Problem (or a statistics sheet's fail) is in RULES."""
    used = set()
    for path in (ROOT / "elt_odym").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            pos = {"Problem": 3, "fail": 1}.get(name)
            if pos is not None and len(node.args) > pos and isinstance(node.args[pos],
                                                                        ast.Constant):
                used.add(node.args[pos].value)
    rules = set(getattr(errors, "RULES", ()))
    assert used and used <= rules, sorted(used - rules)


def test_docs_errors_has_the_generated_tables():
    spec = importlib.util.spec_from_file_location("errors_tables",
                                                  ROOT / "tools" / "errors_tables.py")
    if spec is None or not (ROOT / "tools" / "errors_tables.py").is_file():
        pytest.skip("tools/ is not installed with the package")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    for name in tool.tables():  # filled at build time by tools/docs_hooks.py
        assert page.count(f"<!-- generated: errors.{name} -->") == 1, name
    assert all(f"`{rule}`" in tool.rules_table() for rule in errors.RULES)


# --- edits that silently do nothing -----------------------------------------------------------

def _rows(out: str) -> dict[str, list[str]]:
    return {line.split()[0]: line.split() for line in out.splitlines()[2:]}


def test_scenarios_files_says_where_each_parameter_comes_from(capsys):
    assert main(["scenarios", "--files", "--scenario", "electrification_low"]) == 0
    rows = _rows(capsys.readouterr().out)
    assert rows["weibull_scale"][1:] == ["best_estimate_statistics/weibull_scale.xlsx",
                                         "inherited", "from", "best_estimate"]
    assert rows["powertrain_share"][1:] == ["electrification/low/powertrain_share.xlsx",
                                            "scenario", "file"]
    assert rows["unit_weight"][1:] == ["unit_weight.xlsx", "default", "path"]
    assert rows["initial_age_distribution"][2:5] == ["(absent:", "not", "used)"]
    assert main(["scenarios", "--files"]) == 0  # the default scenario
    assert "scenario best_estimate:" in capsys.readouterr().out


def test_the_report_lists_the_workbooks_read(runs, bundled, tmp_path):
    from elt_odym.reporting.report import build_report
    from elt_odym.reporting.results import write_csv

    write_csv(runs("literature").results, tmp_path / "results.csv")
    page = build_report(tmp_path, bundled / "datasets", record={"scenarios": ["open_data"]})
    section = page.split("<section id='workbooks'>", 1)[1].split("</section>", 1)[0]
    assert "<b>open_data</b>" in section
    assert re.search(r"<td>weibull_scale</td>\s*<td>open_data/weibull_scale.xlsx</td>\s*"
                     r"<td>scenario file</td>", section)


def test_an_edit_to_a_shadowed_workbook_is_warned_on_validate_and_run(data_copy, tmp_path,
                                                                      capsys, monkeypatch):
    later = time.time() + 3600
    os.utime(data_copy / "weibull_scale.xlsx", (later, later))
    (data_copy / "unit_weight.csv").write_text("Product,value\nHT,17\n", encoding="utf-8")
    assert main(["validate", "--data", str(data_copy)]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    shadow = next(line for line in warnings if "weibull_scale.xlsx was saved after "
                  "best_estimate_statistics/weibull_scale.xlsx" in line)
    names = shadow.split("which scenario(s) ")[1].split(" read ")[0].split(", ")
    assert names == ["best_estimate", "best_estimate_current_practice", "electrification_low",
                     "electrification_central", "electrification_high"]  # literature reads
    # the edited workbook
    assert "(their files in config.toml)" in shadow
    assert any("unit_weight.csv lies beside unit_weight.xlsx and is never read" in line
               for line in warnings)
    monkeypatch.setattr("elt_odym.cli.run.run_once", lambda *args, **kwargs: [])
    assert main(["run", "--data", str(data_copy), "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert ("warning: weibull_scale.xlsx was saved after "
            "best_estimate_statistics/weibull_scale.xlsx") in err


def test_no_edit_warning_on_fresh_data(data_copy, capsys):
    assert main(["validate", "--data", str(data_copy)]) == 0
    assert "warning" not in capsys.readouterr().err
