"""Open an input workbook safely: bounded size, checked before parsing, one-line errors.

Every reader opens its workbook through :func:`open_workbook`. Before openpyxl parses anything
the file is checked against :class:`WorkbookLimits`: file size, the total uncompressed size of
the zip archive (from its directory, nothing is decompressed) and, per worksheet, the rows and
cells of the sheet's declared ``<dimension ref="A1:K20"/>`` (read from the first few kilobytes).
A sheet whose XML is large enough to hold more rows or cells than allowed is also counted tag by
tag while streaming (stopping at the limit), so a missing or lying dimension does not help. A
decompression bomb or a sheet that claims a million rows is refused in milliseconds, a sheet
that really holds them in about a second (XML is streamed, never parsed). XML is
parsed by openpyxl with ``defusedxml`` installed (a declared dependency), which refuses entity
expansion and external entities. Anything that cannot be read (not a zip, truncated, broken
XML) becomes one :class:`~elt_odym.errors.Problem` with rule ``unreadable-workbook`` that
names the file, so ``validate`` lists it and goes on.

The limits in force are a context variable: :func:`workbook_limits` raises them for a block
(the CLI's ``--max-workbook-mb``, ``--max-xml-mb``, ``--max-rows``, ``--max-cells``).
"""

from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import openpyxl
from openpyxl.utils import column_index_from_string

from ..errors import EltOdymError, Problem, UnreadableWorkbookError

MB = 1024 * 1024
HEAD_BYTES = 4096
MIN_ROW_BYTES, MIN_CELL_BYTES = 6, 4
"""The shortest XML of a row (``<row/>``) and of a cell (``<c/>``): a sheet smaller than
rows x 6 bytes cannot hold more rows, so only larger sheets are counted tag by tag."""
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})'
                       rb'(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')


@dataclass(frozen=True)
class WorkbookLimits:
    """Upper bounds on one input workbook, checked before it is parsed.

    Parameters
    ----------
    max_file_mb : float
        Size of the ``.xlsx`` file on disk.
    max_uncompressed_mb : float
        Sum of the uncompressed sizes of the archive's members (XML of all sheets).
    max_rows : int
        Rows of one worksheet, from its declared dimension.
    max_cells : int
        Rows times columns summed over all worksheets, from their declared dimensions.
    """

    max_file_mb: float = 20.0
    max_uncompressed_mb: float = 200.0
    max_rows: int = 100_000
    max_cells: int = 2_000_000


_LIMITS: ContextVar[WorkbookLimits] = ContextVar("workbook_limits", default=WorkbookLimits())


@contextmanager
def workbook_limits(limits: WorkbookLimits) -> Iterator[WorkbookLimits]:
    """Use ``limits`` for every workbook opened inside the block."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


def current_limits() -> WorkbookLimits:
    """The limits in force (the defaults unless inside :func:`workbook_limits`)."""
    return _LIMITS.get()


def open_workbook(path: str | Path, limits: WorkbookLimits | None = None
                  ) -> openpyxl.Workbook:
    """Check ``path`` against the limits, then load it with openpyxl (values, not formulas).

    Raises
    ------
    UnreadableWorkbookError
        With one problem: ``missing-file``, ``workbook-too-large`` or ``unreadable-workbook``.
    """
    path = Path(path)
    check_workbook(path, limits or current_limits())
    try:
        return openpyxl.load_workbook(path, data_only=True)
    except EltOdymError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file
        raise _unreadable(path, exc) from None


def check_workbook(path: Path, limits: WorkbookLimits) -> None:
    """Refuse a missing, oversized or non-zip file before it is parsed (see module doc)."""
    if not path.is_file():
        raise UnreadableWorkbookError(Problem(str(path), "", "", "missing-file",
                                              "file not found"))
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise _too_large(path, f"the file is {size / MB:.1f} MB", "--max-workbook-mb",
                         limits.max_file_mb)
    try:
        with zipfile.ZipFile(path) as zf:
            _check_archive(path, zf, limits)
    except EltOdymError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile archive fails in many ways (zlib, CRC)
        raise _unreadable(path, exc) from None


def _check_archive(path: Path, zf: zipfile.ZipFile, limits: WorkbookLimits) -> None:
    """Uncompressed size from the zip directory; rows and cells declared (and counted)."""
    infos = zf.infolist()
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_mb * MB:
        raise _too_large(path, f"it expands to {total / MB:.0f} MB of XML",
                         "--max-xml-mb", limits.max_uncompressed_mb, "uncompressed ")
    cells = 0
    for info in infos:
        if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
            rows, cols = _declared_dimension(zf, info)
            sheet_cells = rows * cols
            _check_counts(path, info.filename, rows, cells + sheet_cells, limits, "declares")
            if info.file_size > MIN_ROW_BYTES * limits.max_rows or info.file_size > (
                    MIN_CELL_BYTES * (limits.max_cells - cells)):  # large enough to lie: count
                counted_rows, counted_cells = _count_rows_and_cells(zf, info, limits)
                _check_counts(path, info.filename, counted_rows, cells + counted_cells, limits,
                              "has at least")
                sheet_cells = max(sheet_cells, counted_cells)
            cells += sheet_cells


def _check_counts(path: Path, sheet: str, rows: int, cells: int, limits: WorkbookLimits,
                  verb: str) -> None:
    """Refuse a sheet above the row limit or a workbook above the cell limit."""
    if rows > limits.max_rows:
        raise _too_large(path, f"sheet {sheet} {verb} {rows:,} rows", "--max-rows",
                         limits.max_rows)
    if cells > limits.max_cells:
        raise _too_large(path, f"its sheets {verb.replace('has', 'have')} {cells:,} cells",
                         "--max-cells", limits.max_cells)


def _count_rows_and_cells(zf: zipfile.ZipFile, info: zipfile.ZipInfo,
                          limits: WorkbookLimits) -> tuple[int, int]:
    """Count ``<row>`` and ``<c>`` tags by streaming the sheet; stop once above a limit."""
    rows = cells = 0
    tail = b""
    with zf.open(info) as f:
        for block in iter(lambda: f.read(MB), b""):
            text = tail + block
            cut = max(0, len(text) - 16)  # a tag split across blocks is counted next time
            rows += len(ROW_TAG.findall(text, 0, cut))
            cells += len(CELL_TAG.findall(text, 0, cut))
            tail = text[cut:]
            if rows > limits.max_rows or cells > limits.max_cells:
                return rows, cells
    return rows + len(ROW_TAG.findall(tail)), cells + len(CELL_TAG.findall(tail))


def _declared_dimension(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[int, int]:
    """Rows and columns of a worksheet's ``<dimension>`` (0, 0 when it declares none)."""
    with zf.open(info) as f:
        head = f.read(HEAD_BYTES)
    match = DIMENSION.search(head)
    if not match:
        return 0, 0
    c1, r1, c2, r2 = match.groups()
    c2, r2 = c2 or c1, r2 or r1
    rows = abs(int(r2) - int(r1)) + 1
    cols = abs(column_index_from_string(c2.decode()) - column_index_from_string(c1.decode())) + 1
    return rows, cols


def _too_large(path: Path, what: str, option: str, limit: float, kind: str = ""
               ) -> UnreadableWorkbookError:
    return UnreadableWorkbookError(Problem(
        str(path), "", "", "workbook-too-large",
        f"{what}, above the {kind}limit of {limit:,g}; if the workbook is genuine, raise the "
        f"limit with {option}"))


def _unreadable(path: Path, exc: BaseException) -> UnreadableWorkbookError:
    for _ in range(8):  # openpyxl wraps the parser's error: show the innermost one
        exc = exc.__cause__ or exc.__context__ or exc
    detail = " ".join(str(exc).replace(str(path), "").split())[:160] or type(exc).__name__
    return UnreadableWorkbookError(Problem(
        str(path), "", "", "unreadable-workbook",
        f"not a readable .xlsx workbook ({type(exc).__name__}: {detail}); save it again from "
        f"Excel as .xlsx"))
