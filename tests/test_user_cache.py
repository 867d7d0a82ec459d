"""Parsed workbooks kept in the user's cache folder: found only by the hash of the same bytes
under the same limits, every value back as read, never a damaged entry."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from elt_odym.errors import UnreadableWorkbookError
from elt_odym.io import book_cache, safe_open, user_cache
from elt_odym.io.safe_open import WorkbookLimits, read_book
from elt_odym.io.sheets import Book, Sheet
from elt_odym.paths import bundled_root

ROOT = bundled_root()
BUNDLED = sorted([*(ROOT / "datasets").rglob("*.xlsx"), *(ROOT / "classification").glob("*.xlsx")])


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder in force; returns the folder of the parsed workbooks."""
    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / book_cache.KIND


def _no_parsing(monkeypatch):
    """Checking or parsing a workbook from here on fails the test."""
    def fail(*args, **kwargs):
        raise AssertionError("checked or parsed again")
    monkeypatch.setattr(safe_open, "_check_zip", fail)
    monkeypatch.setattr(safe_open, "calamine_book", fail)


def _typed(book: Book) -> list:
    return [(name, [[(type(v), v) for v in row] for row in sheet.rows])
            for name, sheet in book.sheets.items()]


def test_every_bundled_workbook_comes_back_from_the_cache_as_read(cache, monkeypatch):
    fresh = {path: read_book(path) for path in BUNDLED}
    assert len(list(cache.glob("*.json"))) == len(BUNDLED) >= 40
    _no_parsing(monkeypatch)
    for path, book in fresh.items():
        again = read_book(path)
        assert again.sheetnames == book.sheetnames
        assert _typed(again) == _typed(book), path.name


def test_changed_bytes_other_limits_or_sheets_are_not_found(cache, tmp_path):
    source = ROOT / "datasets" / "unit_weight.xlsx"
    copy = tmp_path / "unit_weight.xlsx"
    shutil.copy(source, copy)
    read_book(copy)
    assert len(list(cache.glob("*.json"))) == 1
    read_book(copy, limits=WorkbookLimits(max_rows=50_000))
    read_book(copy, sheets=("Cover",))
    assert len(list(cache.glob("*.json"))) == 3
    from openpyxl import load_workbook

    wb = load_workbook(copy)
    wb["Values_Master"]["B2"] = 99.5
    wb.save(copy)
    assert 99.5 in [v for row in read_book(copy)["Values_Master"].rows for v in row]
    assert len(list(cache.glob("*.json"))) == 4


def test_stricter_limits_still_refuse_a_cached_workbook(cache):
    path = ROOT / "datasets" / "unit_weight.xlsx"
    read_book(path)
    with pytest.raises(UnreadableWorkbookError, match="max-rows"):
        read_book(path, limits=WorkbookLimits(max_rows=3))


def test_a_damaged_entry_is_ignored_and_replaced(cache, monkeypatch):
    path = ROOT / "datasets" / "unit_weight.xlsx"
    book = read_book(path)
    (entry,) = cache.glob("*.json")
    entry.write_bytes(entry.read_bytes().replace(b"Values_Master", b"Values_Mastex"))
    assert book_cache.load(cache, entry.name.split("-")[0]) is None
    again = read_book(path)  # checked and parsed, the entry written again
    assert _typed(again) == _typed(book)
    assert [p.name for p in cache.glob("*.json")] == [entry.name]
    assert _typed(book_cache.load(cache, entry.name.split("-")[0])) == _typed(book)


def test_every_cell_type_round_trips(cache):
    rows = [[None, True, False, 0, -7, 2 ** 53 - 1, -0.0, 0.1 + 0.2, 1e-300, float("inf")],
            ["text", "ünï ✓", "_x0001_", "\x01", "", "{\"datetime\": 1}"],
            [dt.datetime(2023, 3, 31, 23, 59, 59, 123456), dt.time(12, 30, 5),
             dt.timedelta(days=2, seconds=5, microseconds=7)]]
    book = Book({"s": Sheet("s", rows)})
    book_cache.store(cache, "k", book)
    back = book_cache.load(cache, "k")
    assert _typed(back) == _typed(book)
    book_cache.store(cache, "odd", Book({"s": Sheet("s", [[object()]])}))  # not kept
    assert book_cache.load(cache, "odd") is None


def test_no_cache_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv(user_cache.CACHE_ENV, "none")
    assert book_cache.folder() is None
    read_book(ROOT / "datasets" / "unit_weight.xlsx")
    assert not any(tmp_path.rglob("*.json"))


def test_the_cache_keeps_its_newest_entries(tmp_path):
    for i in range(5):
        user_cache.store(tmp_path, f"k{i}", "json", str(i).encode(), keep=3)
    assert len(list(tmp_path.glob("*.json"))) == 3
    assert user_cache.load(tmp_path, "k4", "json") == b"4"
