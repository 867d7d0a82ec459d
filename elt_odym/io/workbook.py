"""ODYM-format parameter workbooks: one parameter per workbook, read with python-calamine
(:func:`~elt_odym.io.safe_open.read_book`) and written with openpyxl.

The layout is ODYM's (its ``ReadParameterXLSX`` and its tutorial templates), written by our own
code; :mod:`.cover` describes the ``Cover`` sheet. The other sheets:

``Values_Master`` (LIST)
    Row 1: one header per aspect (free text: ODYM ignores it; we write the aspect name), then
    ``value``, ``unit nominator``, ``unit denominator``, ``stats_array string``, ``comment``
    (the underscore spellings ``unit_nominator`` etc. are read too). One record per row from row
    2, the aspects in the order of the cover. ODYM stops reading at the first empty ``value``.
value sheet (TABLE; its name is the cover's first DATA entry, ours ``Values_Table``)
    Rows 1..k: the items of the k column aspects, from column n+1 (n row aspects); the top-left
    block is free (we write the row-aspect names in row k). From row k+1: the n row items, then
    one value per column. An empty cell is a missing value.
``ref`` (ours; ODYM ignores it)
    Sources: ``ref_id``, ``source``, ``confidence``, ``note``.
``log`` (ours)
    Edit history: ``date``, ``author``, ``change``.

A parameter without aspects (a scalar) has ODYM's ``Unity`` aspect (classification ``Unity``,
one item ``1``); the reader removes it, so such a parameter has no aspects in Python.

Provenance
----------
A record's comment starts with ``[REF|C]`` (a ref id of the ``ref`` sheet and a confidence
H, M or L), e.g. ``[NBS2007|H] China Statistical Yearbook 2007, table 16-26``. A record without a
tag inherits ``Dataset_Source`` and ``Dataset_Confidence`` from the cover.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataValidationError, Problem, UnreadableWorkbookError
from .cover import (
    COVER,
    UNITY,
    CoverLayout,
    cover_values,
    read_cover,
    text,
    write_cover,
)
from .safe_open import checked_bytes, current_limits, read_book
from .sheets import column_letter

VALUES = "Values_Master"
TABLE_SHEET = "Values_Table"
REF = "ref"
LOG = "log"
LAYERS = ["value", "unit nominator", "unit denominator", "stats_array string", "comment"]
LAYER_SPELLINGS = [{"value"}, {"unit nominator", "unit_nominator"},
                   {"unit denominator", "unit_denominator"},
                   {"stats_array string", "stats_array_string"}, {"comment"}]
LAYER_INFO = {"value": "value of the parameter", "unit nominator": "unit nominator",
              "unit denominator": "unit denominator",
              "stats_array string": "uncertainty: type;p1;p2;p3 (README, Uncertainty strings)",
              "comment": "[REF|C] source tag and note", TABLE_SHEET: "values of the parameter"}
REF_COLUMNS = ["ref_id", "source", "confidence", "note"]
LOG_COLUMNS = ["date", "author", "change"]
TAG = re.compile(r"^\s*\[(?P<ref>[^|\]]+)\|(?P<conf>[^\]]*)\]\s*(?P<text>.*)$", re.S)


@dataclass
class Record:
    """One value of a parameter with its index, unit, uncertainty and provenance."""

    index: tuple
    value: object
    unit_nominator: str = ""
    unit_denominator: str = ""
    stats_array: str = ""
    comment: str = ""
    cell: str = ""
    item_cells: tuple[str, ...] = ()
    """The cell of each index item (a TABLE's header cells for its column aspects)."""

    @property
    def ref(self) -> str:
        match = TAG.match(self.comment or "")
        return match.group("ref").strip() if match else ""

    @property
    def confidence(self) -> str:
        match = TAG.match(self.comment or "")
        return match.group("conf").strip() if match else ""


@dataclass
class ParameterWorkbook:
    """The content of one ODYM-format parameter workbook.

    ``aspects`` are ``(aspect, classification)`` pairs in the order of the file; for a TABLE,
    ``row_aspects`` and ``col_aspects`` say which aspects are rows and which are columns, and
    ``table_sheet`` names the value sheet. ``cells`` maps cover keys to their cells.
    """

    cover: dict[str, str]
    aspects: list[tuple[str, str]]
    records: list[Record]
    record_type: str = "LIST"
    refs: list[dict] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    path: str = ""
    row_aspects: list[str] = field(default_factory=list)
    col_aspects: list[str] = field(default_factory=list)
    table_sheet: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    unreadable: Problem | None = None
    """Why the file could not be read (then everything else is empty)."""
    incomplete: bool = False
    """The value sheet is missing or empty: no coverage is checked (the problem says why)."""

    @property
    def name(self) -> str:
        return self.cover.get("Dataset_Name", "")

    @property
    def unit(self) -> str:
        return self.cover.get("Dataset_Unit", "")

    @property
    def version(self) -> str:
        return self.cover.get("Dataset_Classification_version_number", "")

    @property
    def aspect_names(self) -> list[str]:
        return [a for a, _ in self.aspects]

    def ref_ids(self) -> set[str]:
        return {str(r["ref_id"]) for r in self.refs}

    def provenance(self, record: Record) -> tuple[str, str]:
        """Return the ref id and confidence of a record, falling back to the cover."""
        match = TAG.match(record.comment or "")
        ref, conf = (match.group("ref").strip(), match.group("conf").strip()) if match else ("", "")
        return (ref or self.cover.get("Dataset_Source", ""),
                conf or self.cover.get("Dataset_Confidence", ""))


def _item(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _table_item(value):
    """A TABLE header or row item; like ODYM, an integer written as text (``'2015'``) is an int."""
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return _item(value)


def _check_header(ws, n: int, names: list[str], path: str, problems: list[Problem]) -> None:
    """Layer headers must be ODYM's (either spelling); an aspect header must not name another
    aspect of the file, which would mean swapped columns."""
    for col in range(1, n + 1):
        got = text(ws.value(1, col))
        if got in names and got != names[col - 1]:
            problems.append(Problem(path, VALUES, f"{column_letter(col)}1", "bad-header",
                                    f"column {col} holds aspect {names[col - 1]!r} (cover order) "
                                    f"but its header names aspect {got!r}"))
    for col, allowed in enumerate(LAYER_SPELLINGS, start=n + 1):
        got = text(ws.value(1, col))
        if got not in allowed:
            problems.append(Problem(path, VALUES, f"{column_letter(col)}1", "bad-header",
                                    f"expected column header {sorted(allowed)[0]!r}, found "
                                    f"{got!r}"))


def _read_list(ws, aspects, path: str, problems: list[Problem]) -> list[Record]:
    n = len(aspects)
    _check_header(ws, n, [a for a, _ in aspects], path, problems)
    records = []
    for row in range(2, ws.max_row + 1):
        cells = ws.row(row, n + 5)
        if all(v is None for v in cells):
            continue
        records.append(Record(
            index=tuple(_item(v) for v in cells[:n]), value=cells[n],
            unit_nominator=text(cells[n + 1]), unit_denominator=text(cells[n + 2]),
            stats_array=text(cells[n + 3]), comment=text(cells[n + 4]),
            cell=f"{column_letter(n + 1)}{row}",
            item_cells=tuple(f"{column_letter(i + 1)}{row}" for i in range(n)),
        ))
    return records


def _check_size(ws, layout: CoverLayout, n: int, k: int, col_keys: list[tuple], path: str,
                problems: list[Problem]) -> None:
    """ODYM reads exactly No_Rows x No_Cols cells of a TABLE: they must match the sheet."""
    found = {"No_Rows": sum(any(ws.value(r, c) is not None for c in range(1, n + 1))
                            for r in range(k + 1, ws.max_row + 1)),
             "No_Cols": sum(any(v is not None for v in key) for key in col_keys)}
    for key, declared in (("No_Rows", layout.n_rows), ("No_Cols", layout.n_cols)):
        if declared is not None and declared != found[key]:
            problems.append(Problem(path, COVER, layout.cells[key], "table-size",
                                    f"{key} is {declared} but the sheet {layout.table_sheet!r} "
                                    f"has {found[key]}; ODYM reads only {key}"))


def _read_table(wb, layout: CoverLayout, path: str, problems: list[Problem]) -> list[Record]:
    sheet = layout.table_sheet
    if sheet not in wb.sheetnames:
        problems.append(Problem(path, COVER, layout.cells.get("table_sheet", ""), "missing-sheet",
                                f"value sheet {sheet!r} named on the cover is not a sheet of "
                                f"the workbook ({sheets_found(wb)}); rename the sheet or the "
                                f"cover's entry so that they match"))
        return []
    rows, cols = layout.row_aspects, layout.col_aspects
    names = [a for a, _ in layout.aspects]
    if sorted(rows + cols) != sorted(names) or not cols:
        problems.append(Problem(path, COVER, layout.cells.get("aspects", ""), "bad-table-aspects",
                                f"row aspects {rows} and column aspects {cols} must be the "
                                f"aspects {names}"))
        return []
    ws = wb[sheet]
    n, k = len(rows), len(cols)
    col_keys = [tuple(_table_item(ws.value(r, c)) for r in range(1, k + 1))
                for c in range(n + 1, ws.max_column + 1)]
    _check_size(ws, layout, n, k, col_keys, path, problems)
    records = []
    for row in range(k + 1, ws.max_row + 1):
        row_items = [_table_item(ws.value(row, c)) for c in range(1, n + 1)]
        if all(v is None for v in row_items):
            continue
        row_cells = {a: f"{column_letter(c)}{row}" for c, a in enumerate(rows, start=1)}
        for j, col_key in enumerate(col_keys):
            if all(v is None for v in col_key):
                continue
            by_name = dict(zip(rows, row_items)) | dict(zip(cols, col_key))
            cells = row_cells | {a: f"{column_letter(n + 1 + j)}{i}"
                                 for i, a in enumerate(cols, start=1)}
            records.append(Record(index=tuple(by_name[a] for a in names),
                                  value=ws.value(row, n + 1 + j),
                                  cell=f"{column_letter(n + 1 + j)}{row}",
                                  item_cells=tuple(cells[a] for a in names)))
    return records


def _read_rows(wb, sheet: str, columns: list[str]) -> list[dict]:
    if sheet not in wb.sheetnames:
        return []
    ws = wb[sheet]
    out = []
    for row in range(2, ws.max_row + 1):
        values = [text(ws.value(row, c)) for c in range(1, len(columns) + 1)]
        if any(values):
            out.append(dict(zip(columns, values)))
    return out


def read_ref_sheet(path: str | Path) -> list[dict]:
    """The ``ref`` sheet of a workbook (``ref_id``, ``source``, ``confidence``, ``note``), read
    within the limits; empty when the workbook has none.

    Raises
    ------
    UnreadableWorkbookError
        If the file cannot be read or exceeds the limits.
    """
    return _read_rows(read_book(path, sheets=(REF,)), REF, REF_COLUMNS)


def _strip_unity(aspects, records, path: str, problems: list[Problem]):
    """Remove ODYM's ``Unity`` aspect (one item, ``1``) from aspects and record indices."""
    keep = [i for i, (_, cls) in enumerate(aspects) if cls != UNITY]
    if len(keep) == len(aspects):
        return aspects, records
    for pos in set(range(len(aspects))) - set(keep):
        for rec in records:
            if rec.index[pos] != 1:
                problems.append(Problem(path, VALUES, f"{column_letter(pos + 1)}"
                                        f"{re.sub(r'^[A-Z]+', '', rec.cell)}", "unknown-item",
                                        f"{rec.index[pos]!r} is not the one item 1 of "
                                        f"classification 'Unity'"))
    for rec in records:
        rec.index = tuple(rec.index[i] for i in keep)
        rec.item_cells = tuple(rec.item_cells[i] for i in keep if i < len(rec.item_cells))
    return [aspects[i] for i in keep], records


def read_parameter_workbook(path: str | Path, collect: list[Problem] | None = None, *,
                            engine: str = "calamine") -> ParameterWorkbook:
    """Read one parameter workbook: ODYM's layout (LIST or TABLE) or our earlier one.

    Parameters
    ----------
    path : str or Path
        The workbook.
    collect : list of Problem, optional
        If given, structural problems are appended here and reading goes on; otherwise they are
        raised at once as :class:`DataValidationError`.
    engine : {"calamine", "openpyxl"}
        The parser (:func:`~elt_odym.io.safe_open.read_book`); both give the same result.

    Returns
    -------
    ParameterWorkbook
        Every non-empty row becomes a :class:`Record`; nothing is dropped.
    """
    path = str(path)
    problems: list[Problem] = []
    try:
        wb = read_book(path, engine=engine)
    except UnreadableWorkbookError as exc:
        if collect is None:
            raise
        collect.append(exc.problem)
        return ParameterWorkbook(cover={}, aspects=[], records=[], path=path,
                                 unreadable=exc.problem)
    cover, layout, records = {}, CoverLayout(), []
    if COVER not in wb.sheetnames:
        problems.append(_missing_sheet(path, COVER, wb))
    else:
        cover, layout = read_cover(wb[COVER], path, problems)
    before = len(problems)
    if layout.record_type == "LIST":
        if VALUES not in wb.sheetnames:
            problems.append(_missing_sheet(path, VALUES, wb))
        elif wb[VALUES].max_row == 0:
            problems.append(_empty_sheet(path, VALUES))
        else:
            records = _read_list(wb[VALUES], layout.aspects, path, problems)
    elif layout.record_type == "TABLE":
        if layout.table_sheet in wb.sheetnames and wb[layout.table_sheet].max_row == 0:
            problems.append(_empty_sheet(path, layout.table_sheet))
        else:
            records = _read_table(wb, layout, path, problems)
    incomplete = any(p.rule in ("missing-sheet", "empty-sheet") for p in problems[before:])
    aspects, records = _strip_unity(layout.aspects, records, path, problems)
    result = ParameterWorkbook(
        cover=cover, aspects=aspects, records=records, record_type=layout.record_type or "LIST",
        refs=_read_rows(wb, REF, REF_COLUMNS), log=_read_rows(wb, LOG, LOG_COLUMNS), path=path,
        row_aspects=layout.row_aspects, col_aspects=layout.col_aspects,
        table_sheet=layout.table_sheet, cells=layout.cells, incomplete=incomplete)
    if collect is not None:
        collect.extend(problems)
    elif problems:
        raise DataValidationError(problems)
    return result


def sheets_found(wb) -> str:
    """``sheets found: 'Cover', 'Values'`` for a message about a missing sheet."""
    names = ", ".join(repr(n) for n in wb.sheetnames[:12])
    more = f" and {len(wb.sheetnames) - 12} more" if len(wb.sheetnames) > 12 else ""
    return f"sheets found: {names}{more}" if names else "the workbook has no sheets"


def _missing_sheet(path: str, sheet: str, wb) -> Problem:
    return Problem(path, "", "", "missing-sheet",
                   f"sheet {sheet!r} is missing ({sheets_found(wb)}); a renamed sheet must get "
                   f"its name {sheet!r} back (ODYM reads sheets by name)")


def _empty_sheet(path: str, sheet: str) -> Problem:
    return Problem(path, sheet, "A1", "empty-sheet",
                   f"sheet {sheet!r} is empty: it needs its header row and one row per value "
                   f"(copy them from the bundled workbook: elt-odym init DIR)")


def _table_grid(pw: ParameterWorkbook) -> tuple[list[tuple], list[tuple], dict]:
    """Row keys, column keys and cell values of a TABLE, in order of first appearance."""
    pos = {a: i for i, a in enumerate(pw.aspect_names)}
    row_keys, col_keys, cells = {}, {}, {}
    for rec in pw.records:
        rkey = tuple(rec.index[pos[a]] for a in pw.row_aspects)
        ckey = tuple(rec.index[pos[a]] for a in pw.col_aspects)
        row_keys.setdefault(rkey, None)
        col_keys.setdefault(ckey, None)
        cells[(rkey, ckey)] = rec.value
    return list(row_keys), list(col_keys), cells


def _write_table(ws, pw: ParameterWorkbook) -> tuple[int, int]:
    row_keys, col_keys, cells = _table_grid(pw)
    n, k = len(pw.row_aspects), len(pw.col_aspects)
    for i in range(k):
        for j, ckey in enumerate(col_keys):
            ws.cell(i + 1, n + 1 + j, ckey[i])
    for i, aspect in enumerate(pw.row_aspects):
        ws.cell(k, i + 1, aspect)
    for r, rkey in enumerate(row_keys):
        for i, item in enumerate(rkey):
            ws.cell(k + 1 + r, i + 1, item)
        for j, ckey in enumerate(col_keys):
            ws.cell(k + 1 + r, n + 1 + j, cells.get((rkey, ckey)))
    return len(row_keys), len(col_keys)


def _write_list(ws, pw: ParameterWorkbook, aspects: list[tuple[str, str]]) -> int:
    unity = not pw.aspects
    ws.append([a for a, _ in aspects] + LAYERS)
    for rec in pw.records:
        index = [1] if unity else list(rec.index)
        ws.append(index + [rec.value, rec.unit_nominator, rec.unit_denominator,
                           rec.stats_array, rec.comment])
    return len(pw.records)


def write_parameter_workbook(pw: ParameterWorkbook, path: str | Path) -> None:
    """Write a parameter workbook in ODYM's layout (module docstring and :mod:`.cover`).

    The file is written to a temporary name and then moved into place, so a failed write never
    leaves a half-written workbook behind.
    """
    import openpyxl

    path = Path(path)
    wb = openpyxl.Workbook()
    cover_ws = wb.active
    cover_ws.title = COVER
    aspects = list(pw.aspects) or [(UNITY, UNITY)]
    layout = CoverLayout(record_type=pw.record_type, aspects=aspects, layers=list(LAYERS),
                         row_aspects=pw.row_aspects, col_aspects=pw.col_aspects,
                         table_sheet=pw.table_sheet or TABLE_SHEET)
    if pw.record_type == "TABLE":
        n_rows, n_cols = _write_table(wb.create_sheet(layout.table_sheet), pw)
    else:
        n_rows, n_cols = _write_list(wb.create_sheet(VALUES), pw, aspects), 0
    write_cover(cover_ws, cover_values(pw.cover, pw.log), layout, n_rows, n_cols, LAYER_INFO)
    for sheet, columns, rows in ((REF, REF_COLUMNS, pw.refs), (LOG, LOG_COLUMNS, pw.log)):
        ws = wb.create_sheet(sheet)
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c, "") for c in columns])
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)


def formula_cells(path: str | Path, sheet: str, cells: list[str]) -> dict[str, str]:
    """What the empty-looking ``cells`` of ``sheet`` hold: formulas and error values.

    A reader sees a formula's saved value, and none when the program that wrote the file did
    not calculate it (or the result is an error such as ``#DIV/0!``). Read again with openpyxl,
    within the limits, only for cells a check found empty (an error path).

    Returns
    -------
    dict
        ``cell -> description`` (``"the formula =A1*2 without a saved value"``, ``"the formula
        =1/0, whose result is #DIV/0!"``, ``"the error value #N/A"``) for the cells that hold one.
    """
    import io

    import openpyxl

    raw = checked_bytes(Path(path), current_limits())
    books = [openpyxl.load_workbook(io.BytesIO(raw), data_only=flag) for flag in (False, True)]
    if sheet not in books[0].sheetnames:
        return {}
    formulas, values = books[0][sheet], books[1][sheet]
    out = {}
    for cell in cells:
        formula, value = formulas[cell].value, values[cell].value
        if isinstance(formula, str) and formula.startswith("="):
            out[cell] = (f"the formula {formula} without a saved value" if value is None else
                         f"the formula {formula}, whose result is {value}")
        elif isinstance(formula, str) and formula.startswith("#"):
            out[cell] = f"the error value {formula}"
    return out


def is_number(value) -> bool:
    """True for a finite int or float (bools and strings are not numbers)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def new_parameter_workbook(name: str, description: str, unit: str,
                           aspects: list[tuple[str, str]], rows: list[tuple],
                           refs: list[dict], version: str, *, comment: str = "",
                           uncertainty: str = "", source: str = "", confidence: str = "",
                           table: tuple[list[str], str] | None = None,
                           log: list[dict] | None = None) -> ParameterWorkbook:
    """Build a :class:`ParameterWorkbook` in memory.

    ``rows`` are ``(*index, value, stats_array, comment)`` tuples; the unit columns are filled
    from ``unit``. ``table`` = ``(row_aspects, column_aspect)`` selects the TABLE layout.
    ``version`` is the classification master's version, i.e. its file name without ``.xlsx``
    (ODYM identifies a master by its file name).
    """
    nom, den = (unit.split("/", 1) + [""])[:2]
    n = len(aspects)
    records = [Record(index=tuple(r[:n]), value=r[n], unit_nominator=nom, unit_denominator=den,
                      stats_array=r[n + 1] if len(r) > n + 1 else "",
                      comment=r[n + 2] if len(r) > n + 2 else "") for r in rows]
    cover = {"Dataset_Name": name, "Dataset_Description": description, "Dataset_Unit": unit,
             "Dataset_Uncertainty": uncertainty, "Dataset_Comment": comment,
             "Dataset_Classification_version_number": version,
             "Dataset_Source": source, "Dataset_Confidence": confidence}
    pw = ParameterWorkbook(cover=cover, aspects=list(aspects), records=records,
                           refs=list(refs), log=list(log or []))
    if table is not None:
        pw.record_type, pw.table_sheet = "TABLE", TABLE_SHEET
        pw.row_aspects, pw.col_aspects = list(table[0]), [table[1]]
    return pw
