"""Input files found valid, kept in the user's cache folder by the hash of what was checked.

``elt-odym validate`` checks, besides the parameter workbooks (:mod:`.param_cache`), the
statistics workbook and the calibration residuals beside the scenarios' workbooks: it reads
each into a table (pandas) only to see whether it has a problem. A file that had **none** is
recorded here (kind :data:`KIND`, an empty entry) under :func:`checked_key`: the sha256 of the
entry layout (:data:`FORMAT`), the source of the modules that read and check such files
(:data:`SOURCES`, read once per process), the limits in force, what the file was checked as
(``what``: the reader and, for the statistics, the model's truck types) and the file's bytes.
The same bytes checked the same way again are valid without being read into a table; a file
with a problem is never recorded, so its messages are made afresh every time.
``ELT_ODYM_CACHE_DIR=none`` switches it off, like every kind of :mod:`.user_cache`.
"""

from __future__ import annotations

import functools
from pathlib import Path

from ..errors import EltOdymError
from . import safe_open, user_cache
from .safe_open import WorkbookLimits, current_limits

KIND = "checked"
FORMAT = "1"
"""Bumped when the meaning of an entry changes."""
SOURCES = ("errors.py", "io/checked_files.py", "io/statistics.py", "io/safe_open.py",
           "io/sheets.py", "io/workbook.py", "io/cover.py", "io/book_cache.py",
           "io/user_cache.py", "io/stats_array.py")
"""The modules (relative to the package) whose code reads and checks the files recorded here;
a test checks that every module :mod:`.statistics` imports from the package is listed."""
OK = b"valid\n"


def folder() -> Path | None:
    """Where the records are kept (None: no cache)."""
    return user_cache.kind_folder(KIND)


@functools.cache
def _code_digest() -> bytes | None:
    """The sha256 of :data:`SOURCES`, read once per process (the code that runs: an edit of a
    file while a process runs does not change its key); None if one cannot be read."""
    return user_cache.source_digest(SOURCES)


def checked_key(path: str | Path, what: tuple, limits: WorkbookLimits | None = None
                ) -> str | None:
    """The hash of a file's bytes and of how it is checked (module docstring); None when the
    code or the file cannot be read (the caller then checks the file itself)."""
    code = _code_digest()
    if code is None:
        return None
    limits = limits or current_limits()
    try:
        raw = safe_open._file_bytes(Path(path), limits)  # the module's: what a reader opens
    except EltOdymError:
        return None
    return user_cache.entry_key(code, (FORMAT, limits, what), raw)


def found_valid(key: str | None) -> bool:
    """Whether a file with this key was found valid before."""
    return key is not None and user_cache.load(folder(), key, "ok") == OK


def record_valid(key: str | None) -> None:
    """Record that the file with this key is valid."""
    if key is not None:
        user_cache.store(folder(), key, "ok", OK)
