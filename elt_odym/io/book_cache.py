"""Parsed workbooks in the user's cache folder, found by the sha256 of the workbook's bytes.

:func:`~elt_odym.io.safe_open.read_book` checks a workbook's bytes against the limits and
parses them (most of the time of reading a data folder). The :class:`~elt_odym.io.sheets.Book`
it gives is kept as JSON under :func:`book_key`: the hash of the bytes, of the limits they
passed, of the sheets asked for and of the reader (python-calamine's version and the source of
:mod:`~elt_odym.io.sheets`, which normalises the cells). The same bytes read again, under the
same limits, give the same book without checking or parsing them again; a workbook that
changed, or failed, is never found there. Every value comes back as it was read: numbers keep
their type (``int`` or ``float``) and every digit, dates and times are tagged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from . import user_cache
from .sheets import Book, Sheet

KIND = "workbooks"
FORMAT = "1"
"""Bumped when the entries' layout changes."""


@lru_cache(maxsize=1)
def _reader() -> str:
    """What the cells depend on besides the bytes: the reader, the normalisation and the
    checks a workbook passes before it is parsed (a stricter check invalidates the cache)."""
    from importlib.metadata import version

    here = Path(__file__).parent  # safe_open imports this module: its file, not the module
    source = b"".join((here / name).read_bytes()
                      for name in ("sheets.py", "safe_open.py", "book_cache.py"))
    return f"{FORMAT}|{version('python-calamine')}|{hashlib.sha256(source).hexdigest()}"


def folder() -> Path | None:
    """Where parsed workbooks are kept (None: no cache)."""
    return user_cache.kind_folder(KIND)


def book_key(raw: bytes, limits, sheets: tuple[str, ...] | None) -> str:
    """The hash of a workbook's bytes, the limits they passed, the sheets asked for and the
    reader."""
    text = f"{_reader()}|{limits!r}|{sheets!r}|".encode("utf-8")
    return hashlib.sha256(text + hashlib.sha256(raw).digest()).hexdigest()[:32]


def _encode(value: object) -> dict:
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.time):
        return {"time": value.isoformat()}
    if isinstance(value, dt.timedelta):
        return {"timedelta": [value.days, value.seconds, value.microseconds]}
    raise TypeError(f"a cell of type {type(value).__name__} is not kept")


def _decode(obj: dict) -> object:
    (kind, value), = obj.items()
    if kind == "datetime":
        return dt.datetime.fromisoformat(value)
    if kind == "time":
        return dt.time.fromisoformat(value)
    return dt.timedelta(days=value[0], seconds=value[1], microseconds=value[2])


def load(where: Path | None, key: str) -> Book | None:
    """The book kept under ``key``, or None."""
    data = user_cache.load(where, key, "json")
    if data is None:
        return None
    sheets = json.loads(data, object_hook=_decode)
    return Book({name: Sheet(name, rows) for name, rows in sheets})


def store(where: Path | None, key: str, book: Book) -> None:
    """Keep ``book`` under ``key`` (a book with a cell of another type is not kept)."""
    if where is None:
        return
    try:
        text = json.dumps([[s.name, s.rows] for s in book.sheets.values()], default=_encode,
                          ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return
    user_cache.store(where, key, "json", text.encode("utf-8"))
