"""The ``Cover`` sheet of a parameter workbook in ODYM's layout (our earlier layout: read only).

ODYM's layout (``ReadParameterXLSX`` of ODYM, its tutorial templates; our own code)::

    row 1      title (``ODYM-RECC Parameter File``)
    row 2..    key in column A, value in column B: Format_Version, Dataset_Name, ...,
               Dataset_Classification_version_number; our extras Dataset_Source and
               Dataset_Confidence follow; ODYM stops reading keys at the first
               ``[Empty on purpose]`` or ``Dataset_RecordType``
    record row A ``Dataset_RecordType``, B ``LIST`` or ``TABLE``, C ``No_Rows``, D the number of
               rows; TABLE also E ``No_Cols``, F the number of columns
    next row   a header row
    LIST       from the row after the header: A the classification of each aspect, B its meaning
               (we write our dimension name, e.g. ``Product``); C the data layers
               (``value``, ``unit nominator``, ...), D what each layer means
    TABLE      A/B the row aspects (classification, meaning), C/D the column aspects, E the name
               of the sheet that holds the values (ODYM reads the layer that the configuration's
               "Layer selection" points at; we write one), F what it holds

Our earlier layout (header ``Key``/``Value``, aspect name in A and classification in B, TABLE
keys ``Table_Sheet``, ``Table_Row_Aspects``, ``Table_Column_Aspect``) is still read, so older
copies can be rewritten with ``tools/migrate_odym_layout.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from ..errors import Problem

COVER = "Cover"
TITLE = "ODYM-RECC Parameter File"
FORMAT_VERSION = "V0.2"
EMPTY = "[Empty on purpose]"
RECORD_TYPE = "Dataset_RecordType"
ODYM_KEYS = [
    "Format_Version", "Dataset_Name", "Dataset_Description", "Dataset_Unit",
    "Dataset_Uncertainty", "Dataset_Comment", "Dataset_System_Location", "Dataset_ID",
    "Dataset_UUID", "Date created", "Last modified", "Last modified by", "Dataset_Version",
    "Dataset_Classification_version_number",
]
OUR_KEYS = ["Dataset_Source", "Dataset_Confidence"]
RECORD_ROW = 21  # where ODYM's templates put Dataset_RecordType
LIST_HEADER = ["Aspects_classifications", "Aspects_Meaning", "DATA", "DATA_Info"]
TABLE_HEADER = ["Row Aspects classification", "Row Aspects_Meaning",
                "Col Aspects classification", "Col Aspects_Meaning", "DATA", "DATA_Info"]
LEGACY_TABLE_KEYS = ["Table_Sheet", "Table_Row_Aspects", "Table_Column_Aspect"]
UNITY = "Unity"
UUID_NAMESPACE = uuid.UUID("6f1d3c52-6b0e-4d2a-9a57-2b1f0e9d7c11")


@dataclass
class CoverLayout:
    """What the cover says beyond its keys: record type, aspects, layers, where each thing is."""

    record_type: str = ""
    aspects: list[tuple[str, str]] = field(default_factory=list)  # (aspect, classification)
    row_aspects: list[str] = field(default_factory=list)  # TABLE only
    col_aspects: list[str] = field(default_factory=list)  # TABLE only
    table_sheet: str = ""
    layers: list[str] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)
    legacy: bool = False
    n_rows: int | None = None  # TABLE: No_Rows and No_Cols, what ODYM reads of the value sheet
    n_cols: int | None = None


def text(value) -> str:
    """A cell as text: empty for None, integral floats without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()
    return str(value).strip()


def read_cover(ws, path: str, problems: list[Problem]) -> tuple[dict[str, str], CoverLayout]:
    """Read the keys and the aspect block of a ``Cover`` sheet (ODYM's layout or our earlier)."""
    cover: dict[str, str] = {}
    layout = CoverLayout()
    row = 2
    while row <= ws.max_row and ws.value(row, 1) != RECORD_TYPE:
        key = text(ws.value(row, 1))
        if key and key != EMPTY:
            cover[key] = text(ws.value(row, 2))
            layout.cells[key] = f"B{row}"
        row += 1
    if row > ws.max_row:
        problems.append(Problem(path, COVER, "A2", "missing-record-type",
                                f"no row with {RECORD_TYPE} in column A"))
        return cover, layout
    layout.record_type = text(ws.value(row, 2)).upper()
    layout.cells[RECORD_TYPE] = f"B{row}"
    if layout.record_type not in ("LIST", "TABLE"):
        problems.append(Problem(path, COVER, f"B{row}", "bad-record-type",
                                f"{RECORD_TYPE} must be LIST or TABLE, not "
                                f"{layout.record_type!r}"))
    layout.cells["aspects"] = f"A{row + 2}"
    layout.n_rows, layout.n_cols = _count(ws.value(row, 4)), _count(ws.value(row, 6))
    layout.cells |= {"No_Rows": f"D{row}", "No_Cols": f"F{row}"}
    if text(ws.value(row + 1, 1)) == "Aspect":
        _read_legacy_block(ws, row + 2, cover, layout, path, problems)
    elif layout.record_type == "TABLE":
        _read_table_block(ws, row + 2, layout, path, problems)
    else:
        _read_list_block(ws, row + 2, layout, path, problems)
    return cover, layout


def _count(value) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _pairs(ws, row: int, col: int) -> list[tuple[str, str, int]]:
    """(column ``col`` text, next column text, row) from ``row`` down to the first empty cell."""
    out = []
    while row <= ws.max_row and ws.value(row, col) not in (None, ""):
        out.append((text(ws.value(row, col)), text(ws.value(row, col + 1)), row))
        row += 1
    return out


def _aspect(cls: str, meaning: str, cell: str, path: str, problems: list[Problem]) -> tuple:
    if not meaning:
        problems.append(Problem(path, COVER, cell, "missing-aspect",
                                f"classification {cls!r} has no aspect meaning beside it"))
    return (meaning or cls, cls)


def _read_list_block(ws, row: int, layout: CoverLayout, path: str,
                     problems: list[Problem]) -> None:
    for cls, meaning, r in _pairs(ws, row, 1):
        layout.aspects.append(_aspect(cls, meaning, f"B{r}", path, problems))
        layout.cells[f"aspect:{layout.aspects[-1][0]}"] = f"A{r}"
    layout.layers = [layer for layer, _, _ in _pairs(ws, row, 3)]


def _read_table_block(ws, row: int, layout: CoverLayout, path: str,
                      problems: list[Problem]) -> None:
    for col, target in ((1, layout.row_aspects), (3, layout.col_aspects)):
        for cls, meaning, r in _pairs(ws, row, col):
            aspect = _aspect(cls, meaning, f"{'BD'[col // 2]}{r}", path, problems)
            layout.aspects.append(aspect)
            layout.cells[f"aspect:{aspect[0]}"] = f"{'AC'[col // 2]}{r}"
            target.append(aspect[0])
    layout.layers = [layer for layer, _, _ in _pairs(ws, row, 5)]
    layout.table_sheet = layout.layers[0] if layout.layers else ""
    layout.cells["table_sheet"] = f"E{row}"
    if not layout.col_aspects:
        problems.append(Problem(path, COVER, f"C{row}", "bad-table-aspects",
                                "a TABLE needs at least one column aspect in column C"))


def _read_legacy_block(ws, row: int, cover: dict, layout: CoverLayout, path: str,
                       problems: list[Problem]) -> None:
    """Our earlier layout: aspect name in A, classification in B, then ``Layer`` rows."""
    layout.legacy = True
    while row <= ws.max_row and ws.value(row, 1) not in (None, "Layer"):
        aspect, cls = text(ws.value(row, 1)), text(ws.value(row, 2))
        if not cls:
            problems.append(Problem(path, COVER, f"B{row}", "missing-classification",
                                    f"aspect {aspect!r} names no classification"))
        layout.aspects.append((aspect, cls))
        layout.cells[f"aspect:{aspect}"] = f"B{row}"
        row += 1
    layout.layers = [layer for layer, _, _ in _pairs(ws, row + 1, 1)]
    if layout.record_type == "TABLE":
        layout.table_sheet = cover.get("Table_Sheet", "")
        layout.cells["table_sheet"] = layout.cells.get("Table_Sheet", "")
        layout.row_aspects = [a.strip() for a in cover.get("Table_Row_Aspects", "").split(",")
                              if a.strip()]
        layout.col_aspects = [a.strip() for a in cover.get("Table_Column_Aspect", "").split(",")
                              if a.strip()]
    for key in LEGACY_TABLE_KEYS:
        cover.pop(key, None)


def dataset_uuid(name: str) -> str:
    """A UUID that depends on the dataset name only, so a rewrite gives the same file."""
    return str(uuid.uuid5(UUID_NAMESPACE, name))


def cover_values(cover: dict[str, str], log: list[dict]) -> dict[str, str]:
    """The cover keys to write: ODYM's keys (defaults filled in), ours, then any others."""
    out = {key: cover.get(key, "") for key in ODYM_KEYS + OUR_KEYS}
    name = out["Dataset_Name"]
    defaults = {"Format_Version": FORMAT_VERSION, "Dataset_ID": name,
                "Dataset_UUID": dataset_uuid(name) if name else ""}
    if log:
        defaults |= {"Date created": log[0].get("date", ""),
                     "Last modified": log[-1].get("date", ""),
                     "Last modified by": log[-1].get("author", "")}
    for key, value in defaults.items():
        out[key] = out[key] or value
    out |= {k: v for k, v in cover.items() if k not in out}
    return out


def write_cover(ws, cover: dict[str, str], layout: CoverLayout, n_rows: int, n_cols: int,
                layer_info: dict[str, str]) -> None:
    """Write the cover in ODYM's layout (see the module docstring)."""
    ws.cell(1, 1, TITLE)
    row = 2
    for key, value in cover.items():
        ws.cell(row, 1, key)
        ws.cell(row, 2, value if value != "" else None)
        row += 1
    while row < RECORD_ROW:
        ws.cell(row, 1, EMPTY)
        row += 1
    record = [RECORD_TYPE, layout.record_type, "No_Rows", n_rows]
    if layout.record_type == "TABLE":
        record += ["No_Cols", n_cols]
    _write_row(ws, row, 1, record)
    classes = dict(layout.aspects)
    if layout.record_type == "TABLE":
        _write_row(ws, row + 1, 1, TABLE_HEADER)
        blocks = [(1, [(classes[a], a) for a in layout.row_aspects]),
                  (3, [(classes[a], a) for a in layout.col_aspects]),
                  (5, [(layout.table_sheet, layer_info.get(layout.table_sheet, ""))])]
    else:
        _write_row(ws, row + 1, 1, LIST_HEADER)
        blocks = [(1, [(c, a) for a, c in layout.aspects]),
                  (3, [(layer, layer_info.get(layer, "")) for layer in layout.layers])]
    for col, pairs in blocks:
        for i, pair in enumerate(pairs):
            _write_row(ws, row + 2 + i, col, list(pair))
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 60


def _write_row(ws, row: int, col: int, values: list) -> None:
    for i, value in enumerate(values):
        ws.cell(row, col + i, value if value != "" else None)
