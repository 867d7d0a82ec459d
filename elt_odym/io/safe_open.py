"""Open an input workbook safely: bounded size, checked before parsing, one-line errors.

Every reader opens its workbook through :func:`read_book` (the fast path: python-calamine, a
Rust reader, gives every sheet as a grid of values) or :func:`open_workbook` (openpyxl, where a
feature needs its object model). Both read the file's bytes once, check those bytes against
:class:`WorkbookLimits` and parse the same bytes, so the file cannot change between the check
and the parse. The checks, before any parser runs:

- file size, and the total uncompressed size of the zip archive (from its directory);
- every member of the archive is streamed (never parsed) and its ``<row>`` and ``<c>`` tags
  are counted; their ``r="B12"`` references give the **real extent** of each sheet (from A1 to
  the last row and column used), which must lie within the row limit, and the extents of all
  sheets within the cell limit; the declared ``<dimension ref="A1:K20"/>`` must too. So neither
  a lying dimension nor one stray cell far down a small sheet makes a reader allocate a huge
  grid (the grid a reader builds spans the sheet's extent);
- a document type declaration (``<!DOCTYPE``, the carrier of entity expansion and external
  entities) in any member is refused, the rule ``defusedxml`` applies (``EntitiesForbidden``);
  openpyxl parses with ``defusedxml`` installed (a declared dependency) in any case.

A decompression bomb or a sheet that claims a million rows is refused in milliseconds, a sheet
that really holds them in about a second. Anything that cannot be read (not a zip, truncated,
broken XML) becomes one :class:`~elt_odym.errors.Problem` with rule ``unreadable-workbook``
that names the file, so ``validate`` lists it and goes on.

The limits in force are a context variable: :func:`workbook_limits` raises them for a block
(the CLI's ``--max-workbook-mb``, ``--max-xml-mb``, ``--max-rows``, ``--max-cells``).

A path that exists but is not a regular file (a folder, a device such as ``/dev/zero``, a FIFO)
is refused before it is opened. Text inputs other than workbooks (``calibration_residuals.csv``
shown by the report) go through :func:`read_csv_checked`: the same file-size and row limits,
decoded as UTF-8, one problem (rule ``unreadable-file``) if anything fails.
"""

from __future__ import annotations

import io
import re
import zipfile
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import EltOdymError, Problem, UnreadableWorkbookError
from . import book_cache
from .sheets import Book, calamine_book, openpyxl_book

if TYPE_CHECKING:
    import openpyxl

MB = 1024 * 1024
HEAD_BYTES = 4096
MAX_TAG_BYTES = 64 * 1024
"""A tag (``<c r="A1" s="3" t="n">``) longer than this is refused: no genuine sheet has one."""
ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s/>]")
CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s/>]")
_ATTRS = rb"""(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*?"""
"""Attributes before ``r``, quoted values read whole (a value may hold ``>``)."""
ROW_REF = re.compile(rb"<(?:\w+:)?row" + _ATTRS + rb"""\s+r\s*=\s*["'](\d{1,10})["']""")
CELL_REF = re.compile(rb"<(?:\w+:)?c" + _ATTRS
                      + rb"""\s+r\s*=\s*["']\$?([A-Za-z]{1,4})\$?(\d{1,10})["']""")
PLAIN_ROW_TAG, PLAIN_CELL_TAG = re.compile(rb"<row[\s/>]"), re.compile(rb"<c[\s/>]")
ROW_REF_FIRST = re.compile(rb'<row r="(\d{1,10})"')
CELL_REF_FIRST = re.compile(rb'<c r="([A-Z]{1,4})(\d{1,10})"')
"""The common case (Excel, openpyxl, xlsxwriter): no namespace prefix, ``r`` first; the
general patterns above (several times slower) are used where these do not find every tag."""
START_TAG = re.compile(rb"<(?:\w+:)?(?:c|row)[\s/>]")
DOCTYPE = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?([A-Z]{1,3})\$?(\d{1,7})'
                       rb'(?::\$?([A-Z]{1,3})\$?(\d{1,7}))?"')
ENGINES = ("calamine", "openpyxl")


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
        Rows of one worksheet: its real extent (last row used) and its declared dimension.
    max_cells : int
        Rows times columns of the sheets' extents (from A1), summed over all worksheets.
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


def read_book(path: str | Path, limits: WorkbookLimits | None = None,
              engine: str = "calamine", sheets: tuple[str, ...] | None = None) -> Book:
    """Check ``path`` against the limits, then read every sheet's values into a :class:`Book`.

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` workbook.
    limits : WorkbookLimits, optional
        Default: the limits in force (:func:`current_limits`).
    engine : {"calamine", "openpyxl"}
        The parser: python-calamine (fast, the default) or openpyxl (the reference, used by the
        test that reads every bundled workbook both ways). Both give the same values.
    sheets : tuple of str, optional
        Read only these sheets (those the workbook has); the whole file is checked anyway.

    A book read by calamine is kept in the user's cache folder under the hash of the bytes,
    the limits and the sheets (:mod:`~elt_odym.io.book_cache`): the same bytes read again
    under the same limits are neither checked nor parsed again.

    Raises
    ------
    UnreadableWorkbookError
        With one problem: ``missing-file``, ``workbook-too-large`` or ``unreadable-workbook``.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    path = Path(path)
    limits = limits or current_limits()
    raw = _file_bytes(path, limits)
    cache = book_cache.folder() if engine == "calamine" else None
    key = book_cache.book_key(raw, limits, sheets) if cache else ""
    book = book_cache.load(cache, key)
    if book is not None:
        return book
    _check_zip(path, raw, limits)
    try:
        book = calamine_book(raw, sheets) if engine == "calamine" else openpyxl_book(raw, sheets)
    except EltOdymError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file
        raise _unreadable(path, exc) from None
    book_cache.store(cache, key, book)
    return book


def open_workbook(path: str | Path, limits: WorkbookLimits | None = None
                  ) -> "openpyxl.Workbook":
    """Check ``path`` against the limits, then load it with openpyxl (values, not formulas).

    Raises
    ------
    UnreadableWorkbookError
        With one problem: ``missing-file``, ``workbook-too-large`` or ``unreadable-workbook``.
    """
    import openpyxl

    path = Path(path)
    raw = checked_bytes(path, limits or current_limits())
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), data_only=True)
    except EltOdymError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file
        raise _unreadable(path, exc) from None


def checked_bytes(path: Path, limits: WorkbookLimits) -> bytes:
    """The bytes of ``path`` once they pass :func:`check_workbook`'s checks."""
    raw = _file_bytes(path, limits)
    _check_zip(path, raw, limits)
    return raw


def _file_bytes(path: Path, limits: WorkbookLimits) -> bytes:
    """The bytes of an existing file within the size limit (its archive not yet checked)."""
    _check_file(path, limits)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None
    _check_size(path, len(raw), limits)  # the file may have grown since stat
    return raw


def check_workbook(path: Path, limits: WorkbookLimits) -> None:
    """Refuse a missing, oversized or non-zip file before it is parsed (see module doc)."""
    checked_bytes(Path(path), limits)


def _check_file(path: Path, limits: WorkbookLimits) -> None:
    if not path.exists():
        raise UnreadableWorkbookError(Problem(str(path), "", "", "missing-file",
                                              "file not found"))
    if not path.is_file():
        raise UnreadableWorkbookError(Problem(
            str(path), "", "", "not-a-file", "not a regular file (a folder, a device or a "
            "pipe); name a workbook file"))
    _check_size(path, path.stat().st_size, limits)


def read_csv_checked(path: str | Path, limits: WorkbookLimits | None = None, **kwargs):
    """A small CSV input as a data frame, within the limits (see module doc).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    limits : WorkbookLimits, optional
        ``max_file_mb`` bounds its size and ``max_rows`` its lines; default: the limits in
        force.
    **kwargs
        Passed to :func:`pandas.read_csv`.

    Raises
    ------
    UnreadableWorkbookError
        With one problem: ``missing-file``, ``not-a-file``, ``workbook-too-large`` or
        ``unreadable-file``.
    """
    import pandas as pd

    path, limits = Path(path), limits or current_limits()
    _check_file(path, limits)
    try:
        raw = path.read_bytes()
        _check_size(path, len(raw), limits)
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _unreadable_text(path, exc) from None
    if text.count("\n") > limits.max_rows:
        raise _too_large(path, f"it has {text.count(chr(10)):,} lines", "--max-rows",
                         limits.max_rows)
    try:
        return pd.read_csv(io.StringIO(text), **kwargs)
    except Exception as exc:  # noqa: BLE001 - any parser failure on a hostile file
        raise _unreadable_text(path, exc) from None


def _unreadable_text(path: Path, exc: BaseException) -> UnreadableWorkbookError:
    detail = " ".join(str(exc).replace(str(path), "").split())[:160] or type(exc).__name__
    return UnreadableWorkbookError(Problem(
        str(path), "", "", "unreadable-file",
        f"not a readable UTF-8 CSV file ({type(exc).__name__}: {detail}); save it again as "
        f"CSV (UTF-8) or remove it"))


def _check_size(path: Path, size: int, limits: WorkbookLimits) -> None:
    if size > limits.max_file_mb * MB:
        raise _too_large(path, f"the file is {size / MB:.1f} MB", "--max-workbook-mb",
                         limits.max_file_mb)


def _check_zip(path: Path, raw: bytes, limits: WorkbookLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            _check_archive(path, zf, limits)
    except EltOdymError:
        raise
    except Exception as exc:  # noqa: BLE001 - a hostile archive fails in many ways (zlib, CRC)
        raise _unreadable(path, exc) from None


@dataclass
class _Extent:
    """What streaming one member found: tags, the last row and column referenced, a DTD."""

    rows: int = 0
    cells: int = 0
    max_row: int = 0
    max_col: int = 0
    unreferenced_rows: int = 0
    unreferenced_cells: int = 0
    doctype: bool = False
    columns: set = field(default_factory=set)

    @property
    def height(self) -> int:
        """Rows from 1 to the last one used (a row without ``r`` follows the one before)."""
        return self.max_row + self.unreferenced_rows

    @property
    def width(self) -> int:
        return self.max_col + self.unreferenced_cells


def _check_archive(path: Path, zf: zipfile.ZipFile, limits: WorkbookLimits) -> None:
    """Uncompressed size from the directory; each member's DTD, declared and real extent."""
    infos = zf.infolist()
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_mb * MB:
        raise _too_large(path, f"it expands to {total / MB:.0f} MB of XML",
                         "--max-xml-mb", limits.max_uncompressed_mb, "uncompressed ")
    cells = 0
    for info in infos:
        if info.is_dir():
            continue
        declared_rows, declared_cols = _declared_dimension(zf, info)
        _check_counts(path, info.filename, declared_rows, cells + declared_rows * declared_cols,
                      limits, "declares")
        extent = _scan(path, zf, info, limits, cells)
        if extent.doctype:
            raise _unreadable(path, EntitiesForbidden(
                f"{info.filename} declares a document type (entities); Excel never writes one"))
        cells += max(declared_rows * declared_cols, extent.height * extent.width)


class EntitiesForbidden(ValueError):
    """A member declares a document type: refused before parsing, as defusedxml refuses it."""


def _scan(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: WorkbookLimits,
          cells_before: int) -> _Extent:
    """Stream one member: count ``<row>``/``<c>`` tags, track the largest ``r`` reference and
    refuse as soon as a limit is passed (rows, or cells with the sheets before)."""
    extent = _Extent()
    tail = b""
    with zf.open(info) as f:
        for block in iter(lambda: f.read(MB), b""):
            text = tail + block
            # '<' never occurs inside a tag: everything before the last '<' is whole tags
            cut = text.rfind(b"<")
            if cut < 0 or len(text) - cut > MAX_TAG_BYTES:
                if cut >= 0 and START_TAG.match(text, cut):
                    raise _unreadable(path, ValueError(
                        f"{info.filename} has a tag longer than {MAX_TAG_BYTES // 1024} KB"))
                cut = len(text)  # a long text, not a tag
            _count(text[:cut], extent)
            tail = text[cut:]
            _check_extent(path, info.filename, extent, limits, cells_before)
    _count(tail, extent)
    _check_extent(path, info.filename, extent, limits, cells_before)
    return extent


def _count(text: bytes, extent: _Extent) -> None:
    """Add the tags and references of ``text`` (whole tags only) to ``extent``."""
    if not text:
        return
    extent.doctype = extent.doctype or bool(DOCTYPE.search(text))
    prefixed = b":c" in text or b":row" in text
    row_tag, cell_tag = (ROW_TAG, CELL_TAG) if prefixed else (PLAIN_ROW_TAG, PLAIN_CELL_TAG)
    rows, cells = len(row_tag.findall(text)), len(cell_tag.findall(text))
    if not rows and not cells:
        return
    row_refs = ROW_REF_FIRST.findall(text)
    if len(row_refs) != rows:
        row_refs = ROW_REF.findall(text)
    cell_refs = CELL_REF_FIRST.findall(text)
    if len(cell_refs) != cells:
        cell_refs = CELL_REF.findall(text)
    extent.rows += rows
    extent.cells += cells
    extent.unreferenced_rows += rows - len(row_refs)
    extent.unreferenced_cells += cells - len(cell_refs)
    if row_refs:
        extent.max_row = max(extent.max_row, max(map(int, row_refs)))
    if cell_refs:
        letters = {c.upper() for c, _ in cell_refs}
        extent.max_col = max(extent.max_col, max(_column_number(c) for c in letters))
        extent.max_row = max(extent.max_row, max(map(int, {r for _, r in cell_refs})))


def _column_number(letters: bytes) -> int:
    """``b"A"`` -> 1, ``b"AB"`` -> 28."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _check_extent(path: Path, member: str, extent: _Extent, limits: WorkbookLimits,
                  cells_before: int) -> None:
    _check_counts(path, member, extent.rows, cells_before + extent.cells, limits,
                  "has at least")
    if extent.height > limits.max_rows:
        raise _too_large(path, f"sheet {member} reaches row {extent.height:,}", "--max-rows",
                         limits.max_rows)
    if cells_before + extent.height * extent.width > limits.max_cells:
        raise _too_large(path, f"sheet {member} spans {extent.height:,} rows x "
                         f"{extent.width:,} columns from A1 (one cell far from the others "
                         f"makes a sheet this large)", "--max-cells", limits.max_cells)


def _check_counts(path: Path, sheet: str, rows: int, cells: int, limits: WorkbookLimits,
                  verb: str) -> None:
    """Refuse a sheet above the row limit or a workbook above the cell limit."""
    if rows > limits.max_rows:
        raise _too_large(path, f"sheet {sheet} {verb} {rows:,} rows", "--max-rows",
                         limits.max_rows)
    if cells > limits.max_cells:
        raise _too_large(path, f"its sheets {verb.replace('has', 'have')} {cells:,} cells",
                         "--max-cells", limits.max_cells)


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
    cols = abs(_column_number(c2) - _column_number(c1)) + 1
    return rows, cols


def _too_large(path: Path, what: str, option: str, limit: float, kind: str = ""
               ) -> UnreadableWorkbookError:
    return UnreadableWorkbookError(Problem(
        str(path), "", "", "workbook-too-large",
        f"{what}, above the {kind}limit of {limit:,g}; if the workbook is genuine, raise the "
        f"limit with {option}"))


def _unreadable(path: Path, exc: BaseException) -> UnreadableWorkbookError:
    for _ in range(8):  # a parser wraps the underlying error: show the innermost one
        exc = exc.__cause__ or exc.__context__ or exc
    detail = " ".join(str(exc).replace(str(path), "").split())[:160] or type(exc).__name__
    return UnreadableWorkbookError(Problem(
        str(path), "", "", "unreadable-workbook",
        f"not a readable .xlsx workbook ({type(exc).__name__}: {detail}); save it again from "
        f"Excel as .xlsx"))
