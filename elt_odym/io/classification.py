"""The ODYM classification master: read and write the ``MAIN_Table`` sheet.

Layout (ODYM's ``ParseClassificationFile_Main`` and its tutorial masters; our own code):

- row 1, from column B: classification names (one column per classification);
- row 2: dimension (e.g. ``Time``, ``Product``, ``Material``, ``Process``, ``Unity``);
- rows 3-9: description, ID, UUID, date created, last modified, last modified by, reference;
- cell A10 holds ``Items``; the items follow from row 11 down, until the first empty cell
  (column A numbers them from 0, as ODYM's templates do).

ODYM identifies a master by its file name: a model configuration names it ("Version of master
classification") and every parameter workbook must declare the same name in
``Dataset_Classification_version_number``. So the master's version is its file name without
``.xlsx``. Our extra sheet ``Info`` repeats it (``Classification_version_number``) and holds
the classification comments (``Comment`` rows); ODYM ignores it, and a master without it (such as
ODYM's own) is read as well. Our earlier layout (rows 8-9 reference and comment) is still read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataValidationError, Problem
from .cover import text
from .safe_open import read_book
from .sheets import column_letter
from .workbook import sheets_found

MAIN_SHEET = "MAIN_Table"
INFO_SHEET = "Info"
ROW_LABELS = [
    "Name",
    "Dimension",
    "Description",
    "ID",
    "UUID",
    "Date created",
    "Last modified",
    "Last modified by",
    "Reference",
    "Items",
]
UNITY = "Unity"
FIRST_ITEM_ROW = 11
VERSION_KEY = "Classification_version_number"
COMMENT_KEY = "Comment"


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
    return text(value)


def _read_column(ws, col: int, path: str, problems: list[Problem],
                 legacy: bool) -> Classification:
    name = _cell_text(ws.value(1, col))
    letter = column_letter(col)
    meta = [_cell_text(ws.value(r, col)) for r in range(2, 10)]
    items = []
    row = FIRST_ITEM_ROW
    while ws.value(row, col) is not None:
        item = ws.value(row, col)
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
    # ODYM: row 8 last modified by, row 9 reference; our earlier layout: reference, comment
    reference, by, comment = (meta[6], "", meta[7]) if legacy else (meta[7], meta[6], "")
    return Classification(
        name=name, dimension=meta[0], description=meta[1], id=meta[2], uuid=meta[3],
        reference=reference, comment=comment, items=items,
        meta={"created": meta[4], "modified": meta[5], "modified_by": by},
    )


def _read_info(wb, path: str, version: str, classifications: dict,
               problems: list[Problem]) -> None:
    """Check the ``Info`` sheet's version against the file name; take the comments."""
    if INFO_SHEET not in wb.sheetnames:
        return
    ws = wb[INFO_SHEET]
    for row in range(1, ws.max_row + 1):
        key, value = _cell_text(ws.value(row, 1)), _cell_text(ws.value(row, 2))
        if key == VERSION_KEY and value != version:
            problems.append(Problem(path, INFO_SHEET, f"B{row}", "version-mismatch",
                                    f"{VERSION_KEY} is {value!r}, but ODYM identifies a "
                                    f"classification master by its file name {version!r}: "
                                    f"rename the file or set both (and every workbook's "
                                    f"Dataset_Classification_version_number) to one name; "
                                    f"tools/migrate_odym_layout.py rewrites an older copy"))
        elif key == COMMENT_KEY and _cell_text(ws.value(row, 2)) in classifications:
            cls = classifications[_cell_text(ws.value(row, 2))]
            cls.comment = _cell_text(ws.value(row, 3))


def read_classification_master(path: str | Path, check_version: bool = True, *,
                               engine: str = "calamine") -> ClassificationMaster:
    """Read a classification master workbook (ODYM's layout or our earlier one).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file with a ``MAIN_Table`` sheet; its name without ``.xlsx`` is the
        master's version.
    check_version : bool
        Report an ``Info`` version that is not the file name (default); ``False`` only for
        rewriting an older master (``tools/migrate_odym_layout.py``).
    engine : {"calamine", "openpyxl"}
        The parser (:func:`~elt_odym.io.safe_open.read_book`); both give the same result.

    Returns
    -------
    ClassificationMaster

    Raises
    ------
    DataValidationError
        Listing every problem found (missing sheet, duplicate items, empty classification, ...).
    """
    path = str(path)
    version = Path(path).stem
    problems: list[Problem] = []
    wb = read_book(path, engine=engine)
    if MAIN_SHEET not in wb.sheetnames:
        raise DataValidationError([Problem(path, "", "", "missing-sheet",
                                           f"sheet {MAIN_SHEET!r} is missing ("
                                           f"{sheets_found(wb)}); ODYM reads the master's "
                                           f"classifications from a sheet named {MAIN_SHEET}")])
    ws = wb[MAIN_SHEET]
    legacy = _cell_text(ws.value(8, 1)) == "Reference"
    classifications: dict[str, Classification] = {}
    col = 2
    while ws.value(1, col) is not None:
        cls = _read_column(ws, col, path, problems, legacy)
        if cls.name in classifications:
            problems.append(Problem(path, MAIN_SHEET, f"{column_letter(col)}1",
                                    "duplicate-classification",
                                    f"classification {cls.name!r} is defined twice"))
        classifications[cls.name] = cls
        col += 1
    _read_info(wb, path, version, classifications, problems)
    if not check_version:
        problems = [p for p in problems if p.rule != "version-mismatch"]
    if problems:
        raise DataValidationError(problems)
    return ClassificationMaster(classifications=classifications, version=version, path=path)


def unity_classification() -> Classification:
    """ODYM's trivial classification with the one item ``1``, the aspect of a scalar."""
    return Classification(name=UNITY, dimension=UNITY, items=[1],
                          description="trivial classification with one item (scalars)")


def write_classification_master(master: ClassificationMaster, path: str | Path) -> None:
    """Write a master in ODYM's layout; its version is the file name (``path`` without .xlsx).

    ``Unity`` is added if the master has no such classification.
    """
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = MAIN_SHEET
    for row, label in enumerate(ROW_LABELS, start=1):
        ws.cell(row, 1, label)
    classes = list(master.classifications.values())
    if UNITY not in master.classifications:
        classes.append(unity_classification())
    for col, cls in enumerate(classes, start=2):
        values = [cls.name, cls.dimension, cls.description, cls.id, cls.uuid,
                  cls.meta.get("created", ""), cls.meta.get("modified", ""),
                  cls.meta.get("modified_by", ""), cls.reference]
        for row, value in enumerate(values, start=1):
            ws.cell(row, col, value if value != "" else None)
        for i, item in enumerate(cls.items):
            ws.cell(FIRST_ITEM_ROW + i, col, item)
    longest = max((len(c.items) for c in classes), default=0)
    for i in range(longest):
        ws.cell(FIRST_ITEM_ROW + i, 1, i)
    info = wb.create_sheet(INFO_SHEET)
    info.append([VERSION_KEY, Path(path).stem])
    for cls in classes:
        if cls.comment:
            info.append([COMMENT_KEY, cls.name, cls.comment])
    wb.save(path)
