"""A workbook's values as plain grids: what every reader of :mod:`elt_odym.io` looks at.

:func:`calamine_book` builds a :class:`Book` with python-calamine (a Rust reader, the fast
path); :func:`openpyxl_book` builds the same from openpyxl (the reference the tests compare
with). Both normalise a cell the same way, so a reader cannot tell them apart:

- an empty cell, or one holding the empty string, is ``None``;
- a whole number is an ``int`` (openpyxl's reading of ``<v>5</v>``; calamine gives ``5.0``),
  within +-2**53 where a float holds every integer exactly; other numbers are ``float``;
- a date is a :class:`datetime.datetime` (calamine gives a ``date`` for midnight);
- text, booleans, times and durations are kept as they are.

Grids start at A1 (so row 1, column 1 is A1 whatever the sheet's first used cell), and end at
the last row and column that hold a value. Only call these after
:func:`~elt_odym.io.safe_open.checked_bytes` has checked the sheets' real extents: a grid
spans its sheet's extent.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

EXACT_INT = 2 ** 53


def column_letter(col: int) -> str:
    """Excel's name of column ``col`` (1-based): 1 -> ``A``, 28 -> ``AB``."""
    letters = ""
    while col > 0:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_value(value: object) -> object:
    """One cell as both readers give it (module docstring)."""
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and -EXACT_INT < value < EXACT_INT else value
    if kind is str:
        return value or None
    if kind is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _grid(rows) -> list[list]:
    """Normalised rows without the trailing empty rows and cells."""
    out = []
    for row in rows:
        values = [cell_value(v) for v in row]
        while values and values[-1] is None:
            values.pop()
        out.append(values)
    while out and not out[-1]:
        out.pop()
    return out


@dataclass
class Sheet:
    """The values of one worksheet; :meth:`value` is 1-based like Excel's row and column."""

    name: str
    rows: list[list]

    @property
    def max_row(self) -> int:
        """The last row that holds a value (0 for an empty sheet)."""
        return len(self.rows)

    @property
    def max_column(self) -> int:
        """The last column that holds a value in any row."""
        return max((len(r) for r in self.rows), default=0)

    def row(self, row: int, width: int) -> list:
        """The first ``width`` values of ``row`` (1-based), padded with ``None``."""
        values = self.rows[row - 1][:width] if 1 <= row <= len(self.rows) else []
        return values + [None] * (width - len(values))

    def value(self, row: int, col: int) -> object:
        """The value at ``row``, ``col`` (1-based); ``None`` outside the grid or empty."""
        if row < 1 or col < 1 or row > len(self.rows):
            return None
        values = self.rows[row - 1]
        return values[col - 1] if col <= len(values) else None


@dataclass
class Book:
    """The sheets of one workbook, in the workbook's order (all read at once, so a broken sheet
    fails while the file is opened, not later in a reader)."""

    sheets: dict[str, Sheet]

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __contains__(self, name: str) -> bool:
        return name in self.sheets

    def __getitem__(self, name: str) -> Sheet:
        return self.sheets[name]


def calamine_book(raw: bytes, only: tuple[str, ...] | None = None) -> Book:
    """The sheets (or those of ``only``) of the ``.xlsx`` bytes ``raw``, read by
    python-calamine."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    return Book({name: Sheet(name, _grid(wb.get_sheet_by_name(name).to_python(
        skip_empty_area=False))) for name in wb.sheet_names if only is None or name in only})


def openpyxl_book(raw: bytes, only: tuple[str, ...] | None = None) -> Book:
    """The sheets (or those of ``only``) of the ``.xlsx`` bytes ``raw``, read by openpyxl
    (values, not formulas)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    return Book({name: Sheet(name, _grid(wb[name].iter_rows(values_only=True)))
                 for name in wb.sheetnames if only is None or name in only})
