"""ODYM-format parameter workbooks: one parameter per workbook, read and written with openpyxl.

Sheets
------
``Cover``
    Row 1 is a header (``Key``, ``Value``). From row 2, column A holds the keys and column B the
    values: ``Dataset_Name``, ``Dataset_Description``, ``Dataset_Unit``, ``Dataset_Uncertainty``,
    ``Dataset_Comment``, ``Dataset_Source`` (default ref id), ``Dataset_Confidence`` (default
    H/M/L), ``Dataset_Classification_version_number``, for TABLE also ``Table_Sheet``,
    ``Table_Row_Aspects`` (comma separated) and ``Table_Column_Aspect``; then
    ``Dataset_RecordType`` with ``LIST`` or ``TABLE``; the next row is the header ``Aspect`` /
    ``Classification``; one row per aspect follows (aspect name, classification name), then the
    data layers (``Layer`` header, one layer name per row).
``Values_Master`` (LIST)
    Row 1: the aspect names, then ``value``, ``unit_nominator``, ``unit_denominator``,
    ``stats_array_string``, ``comment``. One record per row from row 2.
named table sheet (TABLE)
    Row 1: the row-aspect names, then the items of the column aspect. From row 2: the row
    items, then one value per column item. An empty cell is a missing value.
``ref``
    Sources: ``ref_id``, ``source``, ``confidence``, ``note``.
``log``
    Edit history: ``date``, ``author``, ``change``.

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

import openpyxl
from openpyxl.utils import get_column_letter

from ..errors import DataValidationError, Problem, UnreadableWorkbookError
from .safe_open import open_workbook

COVER = "Cover"
VALUES = "Values_Master"
REF = "ref"
LOG = "log"
LAYERS = ["value", "unit_nominator", "unit_denominator", "stats_array_string", "comment"]
REF_COLUMNS = ["ref_id", "source", "confidence", "note"]
LOG_COLUMNS = ["date", "author", "change"]
COVER_KEYS = [
    "Dataset_Name", "Dataset_Description", "Dataset_Unit", "Dataset_Uncertainty",
    "Dataset_Comment", "Dataset_Source", "Dataset_Confidence",
    "Dataset_Classification_version_number",
]
TABLE_KEYS = ["Table_Sheet", "Table_Row_Aspects", "Table_Column_Aspect"]
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
    """The content of one ODYM-format parameter workbook."""

    cover: dict[str, str]
    aspects: list[tuple[str, str]]
    records: list[Record]
    record_type: str = "LIST"
    refs: list[dict] = field(default_factory=list)
    log: list[dict] = field(default_factory=list)
    path: str = ""
    unreadable: Problem | None = None
    """Why the file could not be read (then everything else is empty)."""

    @property
    def name(self) -> str:
        return self.cover.get("Dataset_Name", "")

    @property
    def unit(self) -> str:
        return self.cover.get("Dataset_Unit", "")

    @property
    def aspect_names(self) -> list[str]:
        return [a for a, _ in self.aspects]

    def ref_ids(self) -> set[str]:
        return {str(r["ref_id"]) for r in self.refs}

    def provenance(self, record: Record) -> tuple[str, str]:
        """Return the ref id and confidence of a record, falling back to the cover."""
        ref = record.ref or self.cover.get("Dataset_Source", "")
        conf = record.confidence or self.cover.get("Dataset_Confidence", "")
        return ref, conf


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _item(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _read_cover(ws, path: str, problems: list[Problem]):
    cover: dict[str, str] = {}
    row = 2
    while row <= ws.max_row and ws.cell(row, 1).value != "Dataset_RecordType":
        key = ws.cell(row, 1).value
        if key is not None:
            cover[str(key).strip()] = _text(ws.cell(row, 2).value)
        row += 1
    if row > ws.max_row:
        problems.append(Problem(path, COVER, "A2", "missing-record-type",
                                "no row with Dataset_RecordType in column A"))
        return cover, "", []
    record_type = _text(ws.cell(row, 2).value).upper()
    if record_type not in ("LIST", "TABLE"):
        problems.append(Problem(path, COVER, f"B{row}", "bad-record-type",
                                f"Dataset_RecordType must be LIST or TABLE, not {record_type!r}"))
    aspects = []
    row += 2  # skip the Aspect / Classification header
    while row <= ws.max_row and ws.cell(row, 1).value not in (None, "Layer"):
        aspect, cls = _text(ws.cell(row, 1).value), _text(ws.cell(row, 2).value)
        if not cls:
            problems.append(Problem(path, COVER, f"B{row}", "missing-classification",
                                    f"aspect {aspect!r} names no classification"))
        aspects.append((aspect, cls))
        row += 1
    return cover, record_type, aspects


def _read_list(ws, aspects, path: str, problems: list[Problem]) -> list[Record]:
    n = len(aspects)
    expected = [a for a, _ in aspects] + LAYERS
    header = [_text(ws.cell(1, c).value) for c in range(1, len(expected) + 1)]
    for col, (got, want) in enumerate(zip(header, expected), start=1):
        if got != want:
            problems.append(Problem(path, VALUES, f"{get_column_letter(col)}1", "bad-header",
                                    f"expected column header {want!r}, found {got!r}"))
    records = []
    for row in range(2, ws.max_row + 1):
        cells = [ws.cell(row, c).value for c in range(1, n + 6)]
        if all(v is None for v in cells):
            continue
        records.append(Record(
            index=tuple(_item(v) for v in cells[:n]), value=cells[n],
            unit_nominator=_text(cells[n + 1]), unit_denominator=_text(cells[n + 2]),
            stats_array=_text(cells[n + 3]), comment=_text(cells[n + 4]),
            cell=f"{get_column_letter(n + 1)}{row}",
        ))
    return records


def _read_table(wb, cover, aspects, path: str, problems: list[Problem]) -> list[Record]:
    sheet = cover.get("Table_Sheet", "")
    if sheet not in wb.sheetnames:
        problems.append(Problem(path, COVER, "", "missing-sheet",
                                f"Table_Sheet {sheet!r} is not a sheet of the workbook"))
        return []
    ws = wb[sheet]
    rows = [a.strip() for a in cover.get("Table_Row_Aspects", "").split(",") if a.strip()]
    col_aspect = cover.get("Table_Column_Aspect", "")
    names = [a for a, _ in aspects]
    if sorted(rows + [col_aspect]) != sorted(names):
        problems.append(Problem(path, COVER, "", "bad-table-aspects",
                                f"row aspects {rows} and column aspect {col_aspect!r} must be the "
                                f"aspects {names}"))
        return []
    n = len(rows)
    col_items = [_item(ws.cell(1, c).value) for c in range(n + 1, ws.max_column + 1)]
    records = []
    for row in range(2, ws.max_row + 1):
        row_items = [_item(ws.cell(row, c).value) for c in range(1, n + 1)]
        if all(v is None for v in row_items):
            continue
        for j, col_item in enumerate(col_items):
            if col_item is None:
                continue
            value = ws.cell(row, n + 1 + j).value
            by_name = dict(zip(rows, row_items)) | {col_aspect: col_item}
            records.append(Record(index=tuple(by_name[a] for a in names), value=value,
                                  cell=f"{get_column_letter(n + 1 + j)}{row}"))
    return records


def _read_rows(wb, sheet: str, columns: list[str]) -> list[dict]:
    if sheet not in wb.sheetnames:
        return []
    ws = wb[sheet]
    out = []
    for row in range(2, ws.max_row + 1):
        values = [_text(ws.cell(row, c).value) for c in range(1, len(columns) + 1)]
        if any(values):
            out.append(dict(zip(columns, values)))
    return out


def read_parameter_workbook(path: str | Path, collect: list[Problem] | None = None
                            ) -> ParameterWorkbook:
    """Read one ODYM-format parameter workbook (LIST or TABLE layout).

    Parameters
    ----------
    path : str or Path
        The workbook.
    collect : list of Problem, optional
        If given, structural problems are appended here and reading goes on; otherwise they are
        raised at once as :class:`DataValidationError`.

    Returns
    -------
    ParameterWorkbook
        Every non-empty row becomes a :class:`Record`; nothing is dropped.
    """
    path = str(path)
    problems: list[Problem] = []
    try:
        wb = open_workbook(path)
    except UnreadableWorkbookError as exc:
        if collect is None:
            raise
        collect.append(exc.problem)
        return ParameterWorkbook(cover={}, aspects=[], records=[], path=path,
                                 unreadable=exc.problem)
    if COVER not in wb.sheetnames:
        problems.append(Problem(path, "", "", "missing-sheet", f"sheet {COVER!r} is missing"))
        cover, record_type, aspects, records = {}, "", [], []
    else:
        cover, record_type, aspects = _read_cover(wb[COVER], path, problems)
        records = []
        if record_type == "LIST":
            if VALUES not in wb.sheetnames:
                problems.append(Problem(path, "", "", "missing-sheet",
                                        f"sheet {VALUES!r} is missing"))
            else:
                records = _read_list(wb[VALUES], aspects, path, problems)
        elif record_type == "TABLE":
            records = _read_table(wb, cover, aspects, path, problems)
    result = ParameterWorkbook(cover=cover, aspects=aspects, records=records,
                               record_type=record_type or "LIST",
                               refs=_read_rows(wb, REF, REF_COLUMNS),
                               log=_read_rows(wb, LOG, LOG_COLUMNS), path=path)
    if collect is not None:
        collect.extend(problems)
    elif problems:
        raise DataValidationError(problems)
    return result


def _write_cover(ws, pw: ParameterWorkbook) -> None:
    ws.append(["Key", "Value"])
    keys = COVER_KEYS + (TABLE_KEYS if pw.record_type == "TABLE" else [])
    for key in keys + [k for k in pw.cover if k not in keys]:
        ws.append([key, pw.cover.get(key, "")])
    ws.append(["Dataset_RecordType", pw.record_type])
    ws.append(["Aspect", "Classification"])
    for aspect, cls in pw.aspects:
        ws.append([aspect, cls])
    ws.append(["Layer", "Meaning"])
    for layer in LAYERS:
        ws.append([layer, ""])
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 80


def _write_table(wb, pw: ParameterWorkbook) -> None:
    ws = wb.create_sheet(pw.cover["Table_Sheet"])
    rows = [a.strip() for a in pw.cover["Table_Row_Aspects"].split(",") if a.strip()]
    col_aspect = pw.cover["Table_Column_Aspect"]
    names = pw.aspect_names
    pos = {a: names.index(a) for a in names}
    col_items, row_keys, cells = [], [], {}
    for rec in pw.records:
        rkey = tuple(rec.index[pos[a]] for a in rows)
        citem = rec.index[pos[col_aspect]]
        if citem not in col_items:
            col_items.append(citem)
        if rkey not in row_keys:
            row_keys.append(rkey)
        cells[(rkey, citem)] = rec.value
    ws.append(rows + col_items)
    for rkey in row_keys:
        ws.append(list(rkey) + [cells.get((rkey, c)) for c in col_items])


def write_parameter_workbook(pw: ParameterWorkbook, path: str | Path) -> None:
    """Write a parameter workbook in the layout that :func:`read_parameter_workbook` reads.

    The file is written to a temporary name and then moved into place, so a failed write never
    leaves a half-written workbook behind.
    """
    path = Path(path)
    wb = openpyxl.Workbook()
    _write_cover(wb.active, pw)
    wb.active.title = COVER
    if pw.record_type == "TABLE":
        _write_table(wb, pw)
    else:
        ws = wb.create_sheet(VALUES)
        ws.append(pw.aspect_names + LAYERS)
        for rec in pw.records:
            ws.append(list(rec.index) + [rec.value, rec.unit_nominator, rec.unit_denominator,
                                         rec.stats_array, rec.comment])
    for sheet, columns, rows in ((REF, REF_COLUMNS, pw.refs), (LOG, LOG_COLUMNS, pw.log)):
        ws = wb.create_sheet(sheet)
        ws.append(columns)
        for row in rows:
            ws.append([row.get(c, "") for c in columns])
    tmp = path.with_name(f".{path.name}.tmp")
    wb.save(tmp)
    tmp.replace(path)


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
    """
    nom, den = (unit.split("/", 1) + [""])[:2]
    n = len(aspects)
    records = [Record(index=tuple(r[:n]), value=r[n], unit_nominator=nom, unit_denominator=den,
                      stats_array=r[n + 1] if len(r) > n + 1 else "",
                      comment=r[n + 2] if len(r) > n + 2 else "") for r in rows]
    cover = {"Dataset_Name": name, "Dataset_Description": description, "Dataset_Unit": unit,
             "Dataset_Uncertainty": uncertainty, "Dataset_Comment": comment,
             "Dataset_Source": source, "Dataset_Confidence": confidence,
             "Dataset_Classification_version_number": version}
    record_type = "LIST"
    if table is not None:
        record_type = "TABLE"
        cover |= {"Table_Sheet": "Values_Table", "Table_Row_Aspects": ",".join(table[0]),
                  "Table_Column_Aspect": table[1]}
    return ParameterWorkbook(cover=cover, aspects=list(aspects), records=records,
                             record_type=record_type, refs=list(refs), log=list(log or []))
