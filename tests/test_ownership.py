"""What elt-odym writes, deletes, opens and reads (issue 24): the ownership rules.

Each class of the issue: links in the output folder are never followed; ``--force`` removes or
replaces only files whose sha256 the old manifest vouches for; no output folder overlaps the
data folder; ``report`` keeps ``manifest.json`` true; limits apply to what is read, and only
what a run reads is read (``validate`` checks exactly that); scenario paths are confined; the
generator steps write over the shipped data only with ``--in-place``, keeping every note.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elt_odym.cli import main
from elt_odym.config import load_config
from elt_odym.errors import ConfigError, OutputExistsError
from elt_odym.io import safe_open
from elt_odym.io.output_folder import MANIFEST, OutputFolder, sha256_file

# Helpers added by issue 24 are imported in the tests that use them, so that each test runs
# (and fails for its own reason) on the code before it.

FAST = settings(deadline=None, max_examples=40, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
ROOT = Path(__file__).resolve().parents[1]


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (links not followed) -> sha256 or the link's target."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames + [d for d in dirnames if os.path.islink(Path(dirpath) / d)]:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            out[rel] = ("link:" + os.readlink(path) if path.is_symlink() else
                        hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and err.count("\n") == 0 and err.startswith("error: "), err
    return err


def publish(out: Path, files: dict[str, str], force: bool = False, **kw) -> OutputFolder:
    with OutputFolder(out, force, **kw) as folder:
        for name, text in files.items():
            (folder.path / name).parent.mkdir(parents=True, exist_ok=True)
            (folder.path / name).write_text(text)
    return folder


def allow_outside(data: Path) -> None:
    edit_config(data, "[scenarios.open_data]\n", "[scenarios.open_data]\nallow_outside = true\n")


def edit_config(data: Path, old: str, new: str) -> None:
    path = data / "config.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# -- links in the output folder are never followed -------------------------------------------

def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".elt-odym.lock").symlink_to(victim)
    with pytest.raises(OutputExistsError, match="symbolic link"):
        OutputFolder(out, force=True).__enter__()
    assert main(["run", "--out", str(out), "--force"]) == 2
    assert ".elt-odym.lock is a symbolic link" in one_line_error(capsys)
    assert victim.read_text() == "precious\n"


def test_a_hard_linked_lock_file_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    out.mkdir()
    os.link(victim, out / ".elt-odym.lock")
    with pytest.raises(OutputExistsError, match="hard link"):
        OutputFolder(out, force=True).__enter__()
    assert victim.read_text() == "precious\n"


def test_links_named_like_outputs_are_replaced_never_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.csv").write_text("theirs\n")
    (outside / "m.json").write_text("{}")
    (outside / "stale").mkdir()
    (outside / "stale" / "keep.txt").write_text("keep\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.csv").symlink_to(outside / "a.csv")
    (out / MANIFEST).symlink_to(outside / "m.json")
    (out / ".elt-odym-staging-old").symlink_to(outside / "stale", target_is_directory=True)
    before = tree(outside)
    publish(out, {"a.csv": "ours\n"}, force=True)
    assert tree(outside) == before
    assert not (out / "a.csv").is_symlink() and (out / "a.csv").read_text() == "ours\n"
    assert json.loads((out / MANIFEST).read_text())["files"][0]["path"] == "a.csv"


@FAST
@given(names=st.lists(st.sampled_from(["a.csv", "f/b.png", "f/g/c.json", "d.xlsx", "f/e.csv"]),
                      min_size=1, max_size=4, unique=True),
       linked=st.sets(st.sampled_from(["a.csv", "f", "f/g", "d.xlsx", "f/e.csv"])))
def test_publishing_never_writes_outside_whatever_links_exist(tmp_path_factory, names, linked):
    """Any mix of links in place of files and folders: the outside stays as it was."""
    base = tmp_path_factory.mktemp("links")
    outside, out = base / "outside", base / "out"
    outside.mkdir()
    out.mkdir()
    for i, name in enumerate(sorted(linked)):
        target = outside / f"t{i}"
        if "." in name.rsplit("/", 1)[-1]:
            target.write_text("theirs\n")
        else:
            target.mkdir()
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        if not (out / name).parent.is_symlink():
            (out / name).symlink_to(target)
    before = tree(outside)
    try:
        publish(out, {n: "ours\n" for n in names}, force=True)
    except OutputExistsError:
        assert not (out / MANIFEST).exists()  # refused before anything moved
    else:
        for n in names:
            assert (out / n).read_text() == "ours\n" and not (out / n).is_symlink()
    assert tree(outside) == before


# -- --force removes only what the manifest vouches for ----------------------------------------

def test_force_refuses_a_listed_file_that_changed(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a.csv": "1\n", "b.csv": "2\n"})
    (out / "b.csv").write_text("edited by hand\n")
    with pytest.raises(OutputExistsError, match=r"b\.csv has changed"):
        publish(out, {"a.csv": "new\n"}, force=True)
    assert (out / "b.csv").read_text() == "edited by hand\n"
    assert (out / "a.csv").read_text() == "1\n" and (out / MANIFEST).is_file()


def test_force_refuses_a_listed_file_replaced_by_a_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    publish(out, {"a.csv": "1\n", "b.csv": "2\n"})
    (out / "b.csv").unlink()
    (out / "b.csv").symlink_to(victim)
    with pytest.raises(OutputExistsError, match="replaced by a link"):
        publish(out, {"a.csv": "new\n"}, force=True)
    assert victim.read_text() == "precious\n" and (out / "b.csv").is_symlink()


def test_force_removes_unchanged_stale_outputs_and_never_outside(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "out"
    publish(out, {"a.csv": "1\n", "f/b.csv": "2\n"})
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"] += [{"path": "../victim.txt", "bytes": 10,
                           "sha256": sha256_file(victim)},
                          {"path": str(victim), "bytes": 10, "sha256": sha256_file(victim)}]
    (out / MANIFEST).write_text(json.dumps(manifest))
    publish(out, {"a.csv": "new\n"}, force=True)
    assert not (out / "f").exists() and victim.read_text() == "precious\n"
    assert {f["path"] for f in json.loads((out / MANIFEST).read_text())["files"]} == {"a.csv"}


def test_a_killed_rewrite_still_knows_what_it_owned(tmp_path):
    from elt_odym.io.output_folder import PREVIOUS

    out = tmp_path / "out"
    publish(out, {"a.csv": "1\n", "b.csv": "2\n"})
    with pytest.raises(RuntimeError):
        with OutputFolder(out, force=True):
            raise RuntimeError("killed")
    assert not (out / MANIFEST).exists() and (out / PREVIOUS).is_file()
    (out / "b.csv").write_text("edited\n")
    with pytest.raises(OutputExistsError, match=r"b\.csv has changed"):
        publish(out, {"a.csv": "x\n"}, force=True)
    (out / "b.csv").write_text("2\n")
    publish(out, {"a.csv": "x\n"}, force=True)
    assert not (out / "b.csv").exists() and not (out / PREVIOUS).exists()


def test_cli_force_over_a_tampered_export_is_one_line(tmp_path, capsys):
    out = tmp_path / "odym"
    assert main(["export-odym", str(out), "--scenario", "literature", "-q"]) == 0
    (out / "price.xlsx").write_bytes(b"not what elt-odym wrote")
    assert main(["export-odym", str(out), "--scenario", "literature", "--force", "-q"]) == 2
    assert "price.xlsx has changed" in one_line_error(capsys)
    assert (out / "price.xlsx").read_bytes() == b"not what elt-odym wrote"


# -- outputs never go among the inputs ----------------------------------------------------------

@pytest.mark.parametrize("where", ["data", "inside", "link", "parent", "classification"])
def test_run_refuses_an_out_overlapping_the_data(data_copy, tmp_path, capsys, where):
    link = tmp_path / "link"
    link.symlink_to(data_copy, target_is_directory=True)
    out = {"data": data_copy, "inside": data_copy / "results", "link": link,
           "parent": tmp_path, "classification": tmp_path / "classification"}[where]
    before = tree(tmp_path)
    assert main(["run", "--data", str(data_copy), "--out", str(out), "--force"]) == 2
    assert "outputs never go among the inputs" in one_line_error(capsys)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("sub", ["", "odym", "open_data"])
def test_export_odym_refuses_the_data_folder(data_copy, capsys, sub):
    before = tree(data_copy.parent)
    target = data_copy / sub if sub else data_copy
    assert main(["export-odym", str(target), "--data", str(data_copy), "--force"]) == 2
    assert "outputs never go among the inputs" in one_line_error(capsys)
    assert tree(data_copy.parent) == before


def test_check_apart_resolves_links(tmp_path):
    from elt_odym.io.output_folder import check_apart

    data = tmp_path / "data"
    (data / "sub").mkdir(parents=True)
    (tmp_path / "alias").symlink_to(data / "sub", target_is_directory=True)
    with pytest.raises(OutputExistsError, match="lies inside"):
        check_apart(tmp_path / "alias" / "new", {data: "the data folder"})
    check_apart(tmp_path / "elsewhere", {data: "the data folder"})


PART = st.sampled_from(["data", "sub", "x", "..", ".", "out"])


@FAST
@given(parts=st.lists(PART, min_size=1, max_size=5))
def test_check_apart_agrees_with_the_paths(tmp_path_factory, parts):
    """Refused exactly when the resolved folder is, contains or lies inside the data."""
    from elt_odym.io.output_folder import check_apart

    base = tmp_path_factory.mktemp("apart")
    data = base / "top" / "data"
    (data / "sub").mkdir(parents=True)
    out = base / "top" / Path(*parts)
    real, d = os.path.realpath(out), os.path.realpath(data)
    overlap = os.path.commonpath([real, d]) in (real, d)
    try:
        check_apart(out, {data: "the data folder"})
        refused = False
    except OutputExistsError:
        refused = True
    assert refused == overlap


# -- report keeps manifest.json true ------------------------------------------------------------

def test_report_rewrites_its_manifest_entry(runs, tmp_path, capsys):
    from elt_odym.reporting.outputs import write_outputs

    out = tmp_path / "out"
    write_outputs([runs("literature")], out, figures=False)
    old = json.loads((out / MANIFEST).read_text())
    assert main(["report", str(out)]) == 0
    assert "and its entry in manifest.json" in capsys.readouterr().out
    manifest = json.loads((out / MANIFEST).read_text())
    for f in manifest["files"]:
        assert sha256_file(out / f["path"]) == f["sha256"], f["path"]
        assert (out / f["path"]).stat().st_size == f["bytes"]
    assert {f["path"] for f in manifest["files"]} == {f["path"] for f in old["files"]}
    assert manifest["updated"]["command"] == "report" and manifest["inputs"] == old["inputs"]
    publish(out, {"results.csv": "x\n"}, force=True)  # the report is still ours: removed
    assert not (out / "report.html").exists()


# -- limits on what is read; validate checks what run reads -----------------------------------

def _opened(monkeypatch) -> list[Path]:
    """Record every file the guarded reader opens (every read goes through ``_file_bytes``,
    a parsed workbook found in the cache too: its bytes are hashed)."""
    seen: list[Path] = []
    real = safe_open._file_bytes

    def spy(path, limits):
        seen.append(Path(path).resolve())
        return real(path, limits)
    monkeypatch.setattr(safe_open, "_file_bytes", spy)
    return seen


def test_a_run_opens_no_workbook_that_no_scenario_uses(data_copy, tmp_path, monkeypatch):
    from elt_odym.model import run
    from elt_odym.reporting.outputs import write_outputs

    shutil.copy(data_copy / "price.xlsx", data_copy / "unused.xlsx")
    (data_copy / "attic").mkdir()
    (data_copy / "attic" / "calibration_residuals.csv").write_bytes(b"\xff\xfe\x00junk")
    seen = _opened(monkeypatch)
    result = run(data_copy, "literature")
    write_outputs([result], tmp_path / "out", figures=False)
    assert (data_copy / "price.xlsx").resolve() in seen
    assert (data_copy / "unused.xlsx").resolve() not in seen
    assert main(["validate", "--data", str(data_copy)]) == 0


def _stray_cell(path: Path) -> None:
    """One cell in the last row of the small ``ref`` sheet, the sheet's declared dimension
    left as it was (a writer that does not update it, or a lying one)."""
    import re
    import zipfile

    from conftest import set_cell

    dimension = re.compile(rb'<dimension ref="[^"]*"\s*/>')
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    set_cell(path, "ref", "A1048576", "x")
    with zipfile.ZipFile(path) as zf:
        grown = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in grown.items():
            old = dimension.search(members.get(name, b""))
            if old and b"1048576" in data:
                data = dimension.sub(old.group(0), data)
            zf.writestr(name, data)


def test_a_stray_far_cell_is_refused_by_its_real_extent(data_copy):
    _stray_cell(data_copy / "weibull_shape.xlsx")
    if not Path("/proc/self/status").is_file():
        pytest.skip("peak memory is read from /proc (Linux)")
    code = ("import re, sys; from elt_odym.cli import main; c = main(sys.argv[1:]); "
            "print(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]); "
            "sys.exit(c)")  # the peak of this process (ru_maxrss would carry the parent's)
    proc = subprocess.run([sys.executable, "-c", code, "validate", "--data", str(data_copy)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert "weibull_shape.xlsx: workbook-too-large: sheet" in proc.stdout
    assert "reaches row 1,048,576" in proc.stdout and "--max-rows" in proc.stdout
    assert "declares" not in proc.stdout  # refused by the cell, not by a dimension
    assert int(proc.stdout.split()[-1]) < 600_000  # KB: far from the GB a grid would need


def test_validate_lists_the_statistics_workbook_a_run_reads(data_copy, capsys):
    (data_copy / "validation_statistics.xlsx").write_bytes(b"junk")
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "validation_statistics.xlsx: unreadable-workbook" in capsys.readouterr().out


def test_validate_and_run_agree_on_calibration_residuals(data_copy, tmp_path, capsys):
    from elt_odym.reporting.report import build_report

    (data_copy / "open_data" / "calibration_residuals.csv").write_bytes(b"\xff\xfe\x00junk")
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "open_data/calibration_residuals.csv: unreadable-file" in capsys.readouterr().out
    page = build_report(tmp_path, data_copy, record={
        "inputs": [{"path": "open_data/weibull_scale.xlsx"}]})  # what a run's report does
    assert "unreadable-file" in page


def test_a_path_that_is_not_a_file_is_refused_before_opening(tmp_path):
    os.mkfifo(tmp_path / "pipe.xlsx")
    for path in (tmp_path / "pipe.xlsx", Path("/dev/zero"), tmp_path):
        with pytest.raises(Exception, match="not-a-file"):
            safe_open.read_book(path)


# -- scenario paths are confined -------------------------------------------------------------

def test_a_scenario_path_outside_the_data_folder_needs_allow_outside(data_copy, capsys):
    outside = data_copy.parent / "shared"
    outside.mkdir()
    shutil.copy(data_copy / "open_data" / "weibull_scale.xlsx", outside / "weibull_scale.xlsx")
    edit_config(data_copy, '"open_data/weibull_scale.xlsx"', '"../shared/weibull_scale.xlsx"')
    assert main(["validate", "--data", str(data_copy)]) == 2
    err = one_line_error(capsys)
    assert "scenarios.open_data.files.weibull_scale" in err and "allow_outside" in err
    allow_outside(data_copy)
    assert main(["validate", "--data", str(data_copy)]) == 0
    assert load_config(data_copy).input_folders()[data_copy / ".." / "shared"]


@pytest.mark.parametrize("value", ["/etc/passwd", "/etc/elt.xlsx", "/dev/zero",
                                   "/proc/self/environ", "link.xlsx"])
def test_a_system_file_is_refused_before_it_is_opened(data_copy, monkeypatch, capsys, value):
    (data_copy / "link.xlsx").symlink_to("/etc/passwd")
    edit_config(data_copy, '"open_data/weibull_scale.xlsx"', f'"{value}"')
    allow_outside(data_copy)
    seen = _opened(monkeypatch)
    assert main(["validate", "--data", str(data_copy)]) == 2
    err = one_line_error(capsys)
    assert "system folder" in err or "is not an .xlsx workbook" in err
    assert seen == []


@FAST
@given(value=st.text(st.sampled_from("ab./\\x\n:"), max_size=24).map(lambda s: s + ".xlsx")
       | st.sampled_from(["../a.xlsx", "a/../../b.xlsx", "/tmp/x.xlsx", "a.xls", "a.xlsx "]))
def test_an_accepted_path_lies_inside_the_data_folder(tmp_path_factory, value):
    from elt_odym.config import SYSTEM_FOLDERS, path_problem

    data = tmp_path_factory.mktemp("confined") / "data"
    data.mkdir()
    why = path_problem(data, value, allow_outside=False)
    if not why:
        path = (data / value).resolve()
        assert data.resolve() in path.parents and str(path).endswith(".xlsx")
        assert not any(str(path).startswith(f + "/") for f in SYSTEM_FOLDERS)
    else:
        assert isinstance(why, str)


def test_load_config_refuses_before_any_workbook(data_copy):
    edit_config(data_copy, '"open_data/weibull_scale.xlsx"', '"../../../../etc/shadow.xlsx"')
    with pytest.raises(ConfigError, match="system folder|outside the data folder"):
        load_config(data_copy)


# -- output file names -------------------------------------------------------------------------

@FAST
@given(name=st.text(st.sampled_from("ab./\\.\0"), max_size=12))
def test_a_manifest_name_never_leaves_the_folder(tmp_path_factory, name):
    from elt_odym.io.output_folder import _plain_name

    folder = tmp_path_factory.mktemp("names")
    if _plain_name(name):
        assert folder.resolve() in (folder / name).resolve().parents


# -- generator steps and calibration never write over the shipped data unless asked ----------

def _git_clean(root: Path) -> bool:
    out = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "datasets",
                          "classification"], capture_output=True, text=True, check=True)
    return out.stdout == ""


@pytest.fixture
def repo_copy(data_copy) -> Path:
    """The data copy as a git repository (the documented steps run on it)."""
    root = data_copy.parent
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    for args in (["init", "-q"], ["add", "-A"],
                 ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "data"]):
        subprocess.run(["git", "-C", str(root), *args], check=True)
    return root


def _tool(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / name), *args],
                          capture_output=True, text=True, timeout=900)


@pytest.mark.skipif(not (ROOT / "tools" / "build_best_estimate.py").is_file(),
                    reason="tools/ is not installed with the package")
def test_build_best_estimate_keeps_the_shipped_data_and_its_notes(repo_copy, tmp_path):
    from elt_odym.io.workbook import read_parameter_workbook

    price = repo_copy / "datasets" / "valuation_secondary" / "price.xlsx"
    shipped = read_parameter_workbook(price)
    for args in ([], ["--out", str(tmp_path / "new")], ["--in-place"]):
        proc = _tool("build_best_estimate.py", str(repo_copy), *args)
        assert proc.returncode == 0, proc.stderr
        assert "no file differs" in proc.stdout
        assert _git_clean(repo_copy), args
    kept = read_parameter_workbook(tmp_path / "new" / "datasets" / "valuation_secondary"
                                   / "price.xlsx")
    assert kept.refs == shipped.refs and kept.log == shipped.log
    assert [r.comment for r in kept.records] == [r.comment for r in shipped.records]
    assert any("no scrap price found" in r.comment for r in kept.records)


def test_the_documented_calibration_steps_leave_the_data_clean(repo_copy, tmp_path, capsys):
    data = repo_copy / "datasets"
    targets = str(data / "calibration_open_data.xlsx")
    old = ["calibrate", "--targets", targets, "--scenario", "literature", "--data", str(data),
           "--out", str(data / "open_data"), "--force", "-q"]
    assert main(old) == 2
    assert "add --in-place" in one_line_error(capsys)
    assert main(old[:-3] + [str(tmp_path / "open_data"), "-q"]) == 0
    assert _git_clean(repo_copy)
    assert (tmp_path / "open_data" / MANIFEST).is_file()
    assert main(old[:-3] + [str(tmp_path / "elsewhere"), "--in-place", "-q"]) == 2
    assert "drop --in-place" in one_line_error(capsys)
    assert _git_clean(repo_copy) and not list(data.rglob(MANIFEST))


def test_in_place_removes_the_staging_folder_a_killed_run_left(tmp_path, monkeypatch):
    """A killed ``calibrate --in-place`` leaves its staging folder in the data folder (the
    lock itself goes with the process); the next one removes it under the lock, installs
    its files and leaves neither a staging folder nor a held lock."""
    from elt_odym.io.folder_lock import FolderLock
    from elt_odym.reporting import calibration

    data = tmp_path / "datasets"
    out = data / "open_data"
    stale = out / ".elt-odym-staging-killed"
    stale.mkdir(parents=True)
    (stale / "weibull_scale.xlsx").write_bytes(b"half-written")
    monkeypatch.setattr(calibration, "calibrate", lambda *a: (None, "table", "residuals"))
    monkeypatch.setattr(calibration, "_write_all",
                        lambda data, table, residuals, targets, folder:
                        (folder / "calibration_parameters.csv").write_text("new\n"))
    table, residuals, done = calibration.install_calibration("targets.xlsx", out,
                                                             {data: "data"})
    assert (table, residuals) == ("table", "residuals")
    assert [name for name, _ in done] == ["calibration_parameters.csv"]
    assert (out / "calibration_parameters.csv").read_text() == "new\n"
    assert sorted(p.name for p in out.iterdir()) == ["calibration_parameters.csv"]
    FolderLock(out).acquire().release()  # free again


def test_in_place_releases_its_lock_when_the_staging_folder_cannot_be_made(tmp_path,
                                                                           monkeypatch):
    """A full disk when the staging folder is made: the error goes up, the lock is released
    and no lock file is left in the data folder."""
    import errno
    import tempfile

    from elt_odym.io.folder_lock import FolderLock
    from elt_odym.reporting import calibration

    out = tmp_path / "datasets" / "open_data"
    out.mkdir(parents=True)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", full)
    with pytest.raises(OSError, match="No space"):
        calibration.install_calibration("targets.xlsx", out, {tmp_path / "datasets": "data"})
    assert list(out.iterdir()) == []
    FolderLock(out).acquire().release()  # free again


def test_keep_notes_keeps_refs_logs_and_longer_comments():
    from elt_odym.io.data_update import describe, keep_notes
    from elt_odym.io.workbook import new_parameter_workbook

    refs = [{"ref_id": "A", "source": "a", "confidence": "H", "note": ""}]
    old = new_parameter_workbook("p", "d", "1", [("Product", "Truck_type")],
                                 [("HT", 1.0, "", "[A|H] one (caveat)"), ("MT", 2.0, "", "x"),
                                  ("ST", 4, "", "[B|L] shipped")],
                                 refs + [{"ref_id": "B", "source": "b", "confidence": "L",
                                          "note": "keep me"}], "V",
                                 log=[{"date": "1", "author": "a", "change": "c"}])
    new = new_parameter_workbook("p", "d", "1", [("Product", "Truck_type")],
                                 [("HT", 1.5, "", "[A|H] one"), ("MT", 3.0, "", "y"),
                                  ("ST", 4.0, "", "[A|H] regenerated")], refs, "V",
                                 log=[{"date": "2", "author": "b", "change": "d"}])
    merged, kept = keep_notes(new, old)
    assert [r["ref_id"] for r in merged.refs] == ["A", "B"]
    assert [r["date"] for r in merged.log] == ["1", "2"]
    assert [r.comment for r in merged.records] == ["[A|H] one (caveat)", "y", "[B|L] shipped"]
    assert kept == ["ref B", "log row of 1", "the comment of 1 unchanged value(s)",
                    "the longer comment of 1 value(s)"]
    assert describe(old, merged) == "2 value(s) changed, 1 comment(s) or unit(s) changed"
    assert describe(old, keep_notes(old, old)[0]) == "unchanged"


@pytest.mark.parametrize("name", ["results.csv", "headline.csv", "manifest.json"])
def test_report_refuses_an_output_file_larger_than_any_it_writes(runs, tmp_path, capsys,
                                                                 name):
    """A (sparse) file of 2.1 GB in the output folder is refused by its size, before any
    reader opens it: one line naming it, exit 2, report.html not written."""
    import os

    from elt_odym.cli import main
    from elt_odym.io.safe_open import MB, OUTPUT_FILE_MAX_MB
    from elt_odym.reporting.results import write_csv

    out = tmp_path / "out"
    out.mkdir()
    write_csv(runs("paper_calibrated").results, out / "results.csv")
    with open(out / name, "ab") as f:
        os.truncate(f.fileno(), int((OUTPUT_FILE_MAX_MB + 1) * MB))
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{name} is 2,049 MB, larger than any file elt-odym writes" in err, err
    assert "Traceback" not in err and not (out / "report.html").exists()
