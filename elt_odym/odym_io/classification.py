"""The ODYM classification master: read and write the ``MAIN_Table`` sheet.

Layout (ODYM convention, our own code):

- row 1, from column B: classification names (one column per classification);
- row 2: dimension (e.g. ``Time``, ``Product``, ``Material``, ``Process``);
- rows 3-9: description, ID, UUID, date created, date modified, reference, comment;
- cell A10 holds ``Items``; the items follow from row 11 down, until the first empty cell.

A second sheet ``Info`` holds ``Classification_version_number`` in column B of the row whose
column A has that key; parameter workbooks must declare the same version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from ..errors import DataValidationError, Problem
from .safe_open import open_workbook

MAIN_SHEET = "MAIN_Table"
INFO_SHEET = "Info"
ROW_LABELS = [
    "Classification name",
    "Dimension",
    "Description",
    "ID",
    "UUID",
    "Date created",
    "Date modified",
    "Reference",
    "Comment",
    "Items",
]
FIRST_ITEM_ROW = 11
VERSION_KEY = "Classification_version_number"


@dataclass
class Classification:
    """One classification: a named, ordered list of items of one dimension."""

    name: str
    dimension: str
    items: list
    description: str = ""
    id: str = ""
    uuid: str = ""
    reference: str = ""
    comment: str = ""
    meta: dict = field(default_factory=dict)


@dataclass
class ClassificationMaster:
    """All classifications of a model and the version they carry."""

    classifications: dict[str, Classification]
    version: str
    path: str = ""

    def __getitem__(self, name: str) -> Classification:
        return self.classifications[name]

    def __contains__(self, name: str) -> bool:
        return name in self.classifications


def _cell_text(value) -> str:
    return "" if value is None else str(value)


def _read_column(ws, col: int, path: str, problems: list[Problem]) -> Classification:
    name = str(ws.cell(1, col).value).strip()
    letter = get_column_letter(col)
    meta = [_cell_text(ws.cell(r, col).value) for r in range(2, 10)]
    items = []
    row = FIRST_ITEM_ROW
    while ws.cell(row, col).value is not None:
        item = ws.cell(row, col).value
        if isinstance(item, float) and item.is_integer():
            item = int(item)
        if isinstance(item, str):
            item = item.strip()
        if item in items:
            problems.append(
                Problem(path, MAIN_SHEET, f"{letter}{row}", "duplicate-item",
                        f"item {item!r} appears twice in classification {name!r}")
            )
        items.append(item)
        row += 1
    if not items:
        problems.append(
            Problem(path, MAIN_SHEET, f"{letter}{FIRST_ITEM_ROW}", "empty-classification",
                    f"classification {name!r} has no items from row {FIRST_ITEM_ROW} down")
        )
    if not meta[0]:
        problems.append(
            Problem(path, MAIN_SHEET, f"{letter}2", "missing-dimension",
                    f"classification {name!r} names no dimension in row 2")
        )
    return Classification(
        name=name, dimension=meta[0], description=meta[1], id=meta[2], uuid=meta[3],
        reference=meta[6], comment=meta[7], items=items,
        meta={"created": meta[4], "modified": meta[5]},
    )


def _read_version(wb, path: str, problems: list[Problem]) -> str:
    if INFO_SHEET not in wb.sheetnames:
        problems.append(Problem(path, "", "", "missing-sheet",
                                f"sheet {INFO_SHEET!r} with {VERSION_KEY} is missing"))
        return ""
    ws = wb[INFO_SHEET]
    for row in range(1, ws.max_row + 1):
        if ws.cell(row, 1).value == VERSION_KEY:
            return _cell_text(ws.cell(row, 2).value).strip()
    problems.append(Problem(path, INFO_SHEET, "A1", "missing-version",
                            f"no row with {VERSION_KEY} in column A"))
    return ""


def read_classification_master(path: str | Path) -> ClassificationMaster:
    """Read a classification master workbook.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file with a ``MAIN_Table`` and an ``Info`` sheet.

    Returns
    -------
    ClassificationMaster

    Raises
    ------
    DataValidationError
        Listing every problem found (missing sheet, duplicate items, empty classification, ...).
    """
    path = str(path)
    problems: list[Problem] = []
    wb = open_workbook(path)
    if MAIN_SHEET not in wb.sheetnames:
        raise DataValidationError([Problem(path, "", "", "missing-sheet",
                                           f"sheet {MAIN_SHEET!r} is missing")])
    ws = wb[MAIN_SHEET]
    classifications: dict[str, Classification] = {}
    col = 2
    while ws.cell(1, col).value is not None:
        cls = _read_column(ws, col, path, problems)
        if cls.name in classifications:
            problems.append(Problem(path, MAIN_SHEET, f"{get_column_letter(col)}1",
                                    "duplicate-classification",
                                    f"classification {cls.name!r} is defined twice"))
        classifications[cls.name] = cls
        col += 1
    version = _read_version(wb, path, problems)
    if problems:
        raise DataValidationError(problems)
    return ClassificationMaster(classifications=classifications, version=version, path=path)


def write_classification_master(master: ClassificationMaster, path: str | Path) -> None:
    """Write a classification master in the layout that :func:`read_classification_master` reads."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MAIN_SHEET
    for row, label in enumerate(ROW_LABELS, start=1):
        ws.cell(row, 1, label)
    for col, cls in enumerate(master.classifications.values(), start=2):
        values = [cls.name, cls.dimension, cls.description, cls.id, cls.uuid,
                  cls.meta.get("created", ""), cls.meta.get("modified", ""), cls.reference,
                  cls.comment]
        for row, value in enumerate(values, start=1):
            ws.cell(row, col, value if value != "" else None)
        for i, item in enumerate(cls.items):
            ws.cell(FIRST_ITEM_ROW + i, col, item)
    info = wb.create_sheet(INFO_SHEET)
    info.cell(1, 1, VERSION_KEY)
    info.cell(1, 2, master.version)
    wb.save(path)
