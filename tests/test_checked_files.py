"""Input files found valid, kept in the user's cache folder (issue 22: ``validate`` without
pandas when nothing changed): a valid file is recorded by its bytes and how it was checked, a
changed or broken one is read and checked again, and a broken one keeps its messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import set_cell
from test_param_cache import _imported

import elt_odym
from elt_odym.data import validate_data_dir
from elt_odym.io import checked_files, user_cache
from elt_odym.io.statistics import STATISTICS_FILE


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    """A private, empty cache folder in force; returns the folder of the records."""
    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / checked_files.KIND


def _records(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ok")) if folder.exists() else []


def _reads(monkeypatch) -> list[str]:
    """The statistics workbooks and residual files read into tables from now on."""
    from elt_odym import data

    seen: list[str] = []
    real_statistics, real_csv = data.read_statistics, data.read_csv_checked
    monkeypatch.setattr(data, "read_statistics",
                        lambda p, *a: seen.append(Path(p).name) or real_statistics(p, *a))
    monkeypatch.setattr(data, "read_csv_checked",
                        lambda p, **k: seen.append(Path(p).name) or real_csv(p, **k))
    return seen


def test_valid_files_are_recorded_and_not_read_again(cache, data_copy, monkeypatch):
    assert validate_data_dir(data_copy) == []
    recorded = len(_records(cache))
    assert recorded >= 2  # the statistics workbook and at least one residual file
    with monkeypatch.context() as m:
        reads = _reads(m)
        assert validate_data_dir(data_copy) == []
        assert reads == []
    stats = data_copy / STATISTICS_FILE
    set_cell(stats, "observations", "F2", 22290001)  # an edit that keeps it valid
    with monkeypatch.context() as m:
        reads = _reads(m)
        assert validate_data_dir(data_copy) == []
        assert reads == [STATISTICS_FILE]  # only the edited file is read again
    assert len(_records(cache)) == recorded + 1


def test_a_broken_file_is_never_recorded_and_keeps_its_messages(cache, data_copy):
    stats = data_copy / STATISTICS_FILE
    set_cell(stats, "observations", "F2", "many")
    first = validate_data_dir(data_copy)
    assert [(p.file, p.cell, p.rule) for p in first] == [(str(stats), "F2", "not-a-number")]
    assert validate_data_dir(data_copy) == first
    broken = len(_records(cache))  # the residual files only
    set_cell(stats, "observations", "F2", 22290000)
    assert validate_data_dir(data_copy) == []
    assert len(_records(cache)) == broken + 1


def test_the_key_changes_with_the_bytes_the_way_and_the_code(cache, tmp_path, monkeypatch):
    path = tmp_path / "residuals.csv"
    path.write_text("target_id,rel_error\nA,0.1\n")
    base = checked_files.checked_key(path, ("csv", ()))
    assert base == checked_files.checked_key(path, ("csv", ()))
    assert base != checked_files.checked_key(path, ("statistics", ("HT",)))
    path.write_text("target_id,rel_error\nA,0.2\n")
    edited = checked_files.checked_key(path, ("csv", ()))
    monkeypatch.setattr(checked_files, "_code_digest", lambda: b"other code")
    assert len({base, edited, checked_files.checked_key(path, ("csv", ()))}) == 3
    monkeypatch.setattr(checked_files, "_code_digest", lambda: None)
    assert checked_files.checked_key(path, ("csv", ())) is None
    assert checked_files.checked_key(tmp_path / "absent.csv", ("csv", ())) is None


def test_a_damaged_record_is_not_trusted(cache, tmp_path):
    path = tmp_path / "residuals.csv"
    path.write_text("target_id,rel_error\nA,0.1\n")
    key = checked_files.checked_key(path, ("csv", ()))
    checked_files.record_valid(key)
    assert checked_files.found_valid(key)
    (entry,) = _records(cache)
    entry.write_bytes(b"valid?\n")  # no longer matches its digest
    assert not checked_files.found_valid(key)


def test_the_sources_hold_every_module_the_statistics_reader_imports():
    root = Path(elt_odym.__file__).parent
    todo, seen = ["io/statistics.py", "io/checked_files.py"], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(_imported(root, name))
    assert seen <= set(checked_files.SOURCES), seen - set(checked_files.SOURCES)


def test_validate_imports_no_pandas_when_nothing_changed(data_copy, tmp_path):
    """The data layer imports pandas only where a table is read: ``validate`` of a folder
    whose files were all found valid before does not import it."""
    code = ("import sys; from elt_odym.cli import main; "
            f"assert main(['-q', 'validate', '--data', {str(data_copy)!r}]) == 0; "
            "print('pandas' in sys.modules)")
    env = {**__import__("os").environ, user_cache.CACHE_ENV: str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=env, check=True).stdout.split() for _ in range(2)]
    assert runs == [["all", "workbooks", "are", "valid", "True"],
                    ["all", "workbooks", "are", "valid", "False"]]


def test_a_relative_data_folder_checks_the_residuals_too(data_copy, tmp_path, monkeypatch):
    """``validate --data datasets`` from the folder above: a broken residuals file is found
    as with the absolute path."""
    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    residuals = data_copy / "best_estimate" / "calibration_residuals.csv"
    residuals.write_bytes(b"\xff\xfe broken")
    monkeypatch.chdir(data_copy.parent)
    relative = validate_data_dir(data_copy.name)
    absolute = validate_data_dir(data_copy)
    assert [p.rule for p in relative] == [p.rule for p in absolute] == ["unreadable-file"]


def test_no_record_when_the_cache_is_off(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(user_cache.CACHE_ENV, "none")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(user_cache, "store", lambda *a, **k: pytest.fail("stored"))
    assert validate_data_dir(data_copy) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["classification", "datasets"]
