"""Messages that help the analyst fix a slip: what a cell holds instead of a number, what an
unknown item may have meant, which file lies where a workbook was expected.

Each function returns the text (or the :class:`~elt_odym.errors.Problem`) a check reports; the
checks themselves live in :mod:`.validation`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import os
import re
from pathlib import Path

from ..errors import Problem

MAX_ITEMS_LISTED = 12
"""An unknown item's message lists the classification's items up to this many."""
MAX_DIR_ENTRIES = 10_000
"""Entries of a folder looked through for a file of the same name (a missing workbook)."""
OTHER_FORMATS = (".xls", ".xlsm", ".xlsb", ".ods", ".csv", ".txt")
"""Extensions a user may have saved a workbook under; only ``.xlsx`` is read."""

NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
THOUSANDS_COMMA = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?")
THOUSANDS_POINT = re.compile(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?")
SPACED = re.compile(r"[+-]?\d{1,3}([ \u00a0\u202f']\d{3})+([.,]\d+)?")
PERCENT = re.compile(r"([+-]?(\d+[.,]?\d*|[.,]\d+))\s*%")
WITH_UNIT = re.compile(r"([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)\s*[A-Za-z/$\u20ac\u00a5]+.*")


def non_number(value: object, table: bool = False) -> tuple[str, str]:
    """The rule and message for a value cell that does not hold a finite number.

    Parameters
    ----------
    value : object
        What the reader found (None for an empty cell).
    table : bool
        The cell is in a TABLE (every cell must hold a number) rather than a LIST row.

    Returns
    -------
    tuple of str
        ``("number-as-text", ...)`` for a number typed as text (``'20'``, ``'12,5'``,
        ``'20 %'``), else ``("not-a-number", ...)``; the message says what to type.
    """
    if value is None:
        return "not-a-number", ("the cell is empty: each cell of the table needs a number"
                                if table else "the value is empty: type a number, or delete "
                                              "the row")
    if isinstance(value, bool):
        return "not-a-number", (f"{str(value).upper()} is a logical value, not a number: type "
                                f"the number")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return "not-a-number", (f"{value} is a date or time, not a number: format the cell as "
                                f"Number and type the value")
    if isinstance(value, float) and not math.isfinite(value):
        return "not-a-number", f"value {value} is not a finite number: type a number"
    if isinstance(value, str):
        return _text(value.strip())
    return "not-a-number", f"value {value!r} is not a finite number"


def _text(text: str) -> tuple[str, str]:
    """Rule and message for a value cell holding ``text``."""
    shown = _short(text)
    if NUMBER.fullmatch(text):
        if not math.isfinite(float(text)):
            return "not-a-number", f"{shown} is not a finite number: type a number"
        return "number-as-text", (f"the number {shown} is stored as text: type it again as a "
                                  f"number (Excel marks such a cell with a green triangle: "
                                  f"'Convert to Number')")
    if text.lower() in ("inf", "-inf", "+inf", "infinity", "-infinity", "nan"):
        return "not-a-number", f"{shown} is not a finite number: type a number"
    hint = _number_hint(text)
    if hint:
        return "number-as-text", f"{shown} is text, not a number: {hint}"
    return "not-a-number", f"{shown} is text, not a number: type a number"


def _number_hint(text: str) -> str:
    """What to type for a number written the way a locale or a habit writes it ('' if none)."""
    if COMMA_DECIMAL.fullmatch(text) and THOUSANDS_COMMA.fullmatch(text):
        plain = text.replace(",", "")
        point = text.replace(",", ".")
        return (f"type {point} if the comma is a decimal separator, {plain} if it separates "
                f"thousands (a point is the decimal mark here, whatever Excel's language)")
    if COMMA_DECIMAL.fullmatch(text):
        return (f"the comma is a decimal separator: type {text.replace(',', '.')} (a point is "
                f"the decimal mark here, whatever Excel's language)")
    if THOUSANDS_COMMA.fullmatch(text):
        return f"type {text.replace(',', '')} without thousands separators"
    if THOUSANDS_POINT.fullmatch(text):
        return (f"type {text.replace('.', '').replace(',', '.')} without thousands separators, "
                f"with a point as the decimal mark")
    if SPACED.fullmatch(text):
        plain = re.sub(r"[ \u00a0\u202f']", "", text).replace(",", ".")
        return f"type {plain} without spaces or separators"
    match = PERCENT.fullmatch(text)
    if match:
        number = float(match.group(1).replace(",", "."))
        return f"type the share as a number, {number / 100:g}, not as a percentage"
    match = WITH_UNIT.fullmatch(text)
    if match:
        return (f"type the number {match.group(1)} alone; the unit belongs on the Cover "
                f"(Dataset_Unit) and in the unit columns")
    return ""


def _short(text: str, width: int = 40) -> str:
    return repr(text if len(text) <= width else text[:width - 3] + "...")


def item_hint(item: object, items: list, is_time: bool) -> str:
    """What an unknown ``item`` of a classification with ``items`` may have meant."""
    if is_time:
        years = [y for y in items if isinstance(y, int)]
        span = f"the years run {min(years)}-{max(years)}" if years else ""
        if not isinstance(item, int) or isinstance(item, bool):
            return f"{_short(str(item))} is not a whole year; type a year" + (
                f" ({span})" if span else "")
        return span
    if len(items) <= MAX_ITEMS_LISTED:
        return "its items are " + ", ".join(repr(i) for i in items)
    close = difflib.get_close_matches(str(item), [str(i) for i in items], n=3)
    guess = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return f"it has {len(items)} items (the classification master lists them){guess}"


def missing_workbook(path: Path, parameter: str) -> Problem:
    """The ``missing-file`` problem of a parameter's workbook, naming what lies there instead:
    a file of the same name in another format or spelling, or the missing folder."""
    path = Path(path)
    rule = "missing-file"
    if not path.parent.is_dir():
        return Problem(str(path), "", "", rule,
                       f"workbook of parameter {parameter!r} not found: the folder "
                       f"{path.parent.name!r} does not exist; correct the path in config.toml "
                       f"or create the folder")
    other = _same_stem(path)
    if other is not None and other.suffix.lower() == ".xlsx":
        return Problem(str(path), "", "", rule,
                       f"workbook of parameter {parameter!r} not found; {other.name} lies "
                       f"there: file names are case-sensitive, rename it to {path.name}")
    if other is not None:
        return Problem(str(path), "", "", rule,
                       f"workbook of parameter {parameter!r} not found; {other.name} lies "
                       f"there, but only .xlsx workbooks are read: open it in Excel and save "
                       f"it as 'Excel Workbook (*.xlsx)' named {path.name}")
    return Problem(str(path), "", "", rule,
                   f"workbook of parameter {parameter!r} not found: copy it from the bundled "
                   f"data (elt-odym init DIR) or correct its path in config.toml")


def _same_stem(path: Path) -> Path | None:
    """A file beside ``path`` with the same stem (any case), in another format or spelling."""
    stem = path.stem.lower()
    with os.scandir(path.parent) as entries:
        for i, entry in enumerate(entries):
            if i >= MAX_DIR_ENTRIES:
                break
            name = Path(entry.name)
            if name.stem.lower() == stem and entry.name != path.name and (
                    name.suffix.lower() in OTHER_FORMATS + (".xlsx",)):
                return path.parent / entry.name
    return None


def stray_copies(path: Path) -> list[Path]:
    """Files beside the workbook ``path`` with its stem in another format (``.csv``, ``.xls``):
    saved there, they are never read."""
    path = Path(path)
    return [path.with_suffix(s) for s in OTHER_FORMATS if path.with_suffix(s).is_file()]
