"""Validated parameters in the user's cache folder, found by the hash of what they depend on.

Reading a data folder turns every parameter workbook into a
:class:`~elt_odym.data.ParameterData`: :func:`~elt_odym.io.workbook.read_parameter_workbook`
makes one record per row, :func:`~elt_odym.io.validation.validate_parameter` checks each of
them, and the data module keeps, for each record, its index in the order of the parameter's
dimensions, its value, its uncertainty string and its provenance (the *rows*). The parsed
cells are already kept by :mod:`~elt_odym.io.book_cache`; turning them into records and
checking the records was most of the time left. A workbook that has **no problem** keeps its
rows here (kind :data:`KIND`), so the same workbook read again under the same declaration
and classifications is neither turned into records nor checked again; a workbook with a
problem is never kept, so its messages are always made afresh.

The key (:func:`parameter_key`) is the sha256 of the entry layout (:data:`FORMAT`), the
source of every module whose code shapes the rows or decides whether a workbook has a
problem (:data:`SOURCES`, read once per process) and the constants of the checks as they are
at the read (:func:`_settings`), the workbook reader (python-calamine's
version and the book cache's code), the limits in force, the workbook's bytes, the
:class:`~elt_odym.declaration.ParameterSpec`, the classification master's version, the
classification every dimension is configured with, the items of each of the parameter's
dimensions (in the master and in the model, whose time is the model years) and the model
years. The workbook's path is not part of it: a copy of a workbook finds the rows of the
original, and the caller names its own path.

An entry is JSON, by columns: the distinct uncertainty strings and provenances, then the items
of each dimension, the values, and the number of each record's string and provenance. JSON
writes a float by its
``repr``, which reads back to the same float64; an index item keeps its type (``int``,
``float``, ``str``, ``bool``). Rows that would not come back exactly as they are (another
type of item, a NaN) are not kept. Reading, checking and writing are
:mod:`elt_odym.io.user_cache`'s: a damaged entry is ignored, a folder that cannot be written
is skipped, ``ELT_ODYM_CACHE_DIR=none`` switches the cache off.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from .. import declaration
from ..declaration import ParameterSpec
from ..errors import EltOdymError
from . import book_cache, safe_open, user_cache, validation
from .classification import ClassificationMaster
from .safe_open import WorkbookLimits, current_limits

KIND = "parameters"
FORMAT = "2"
"""Bumped when the entries' layout changes."""
SOURCES = ("declaration.py", "errors.py", "data.py", "io/param_cache.py", "io/workbook.py",
           "io/validation.py", "io/cover.py", "io/stats_array.py", "io/sheets.py",
           "io/safe_open.py", "io/book_cache.py", "io/user_cache.py", "io/classification.py",
           "io/hints.py")
"""The modules (relative to the package) whose code makes the rows: the reader of parameter
workbooks and everything it imports, the checks and their rules and ranges (the
declaration), and the data module, which picks the rows out of the records. A test checks
that the modules the reader and the checks import are all here."""
ITEM_TYPES = (int, float, str, bool)
"""Types of index items that come back from JSON as they were."""

Row = tuple[tuple, float, str, tuple[str, str]]
"""One record: its index (in the order of the parameter's dimensions), value, uncertainty
string and provenance (ref id, confidence)."""


def folder() -> Path | None:
    """Where validated parameters are kept (None: no cache)."""
    return user_cache.kind_folder(KIND)


@functools.cache
def _code_digest() -> bytes | None:
    """The sha256 of :data:`SOURCES`, read once per process (the code that runs: an edit of a
    file while a process runs does not change its key); None if one cannot be read."""
    return user_cache.source_digest(SOURCES)


def _settings(spec: ParameterSpec) -> tuple:
    """The constants the checks of ``spec`` use, as they are when it is read (a constant
    changed where the files are the same, e.g. by a test, misses the cache)."""
    return (validation.plausible_range(spec), validation.LOGNORMAL_MAX_SIGMA,
            validation.SHARE_SUM_TOLERANCE, validation.PLAUSIBLE_BY_PARAMETER["weibull_shape"],
            validation.CONFIDENCE)  # the names the checks read (they import them)


def parameter_key(path: str | Path, spec: ParameterSpec, master: ClassificationMaster,
                  dim_classes: dict[str, str], items: dict[str, list],
                  limits: WorkbookLimits | None = None) -> str | None:
    """The hash of everything the rows of a workbook depend on (module docstring).

    Parameters
    ----------
    path : str or Path
        The workbook; its bytes are read (within the limits) and hashed.
    spec : ParameterSpec
        The parameter the workbook holds.
    master : ClassificationMaster
        The classifications the workbook is checked against.
    dim_classes : dict
        ``letter -> classification`` of the configured dimensions.
    items : dict
        ``letter -> items`` of the model (``items["t"]``: the model years).
    limits : WorkbookLimits, optional
        Default: the limits in force.

    Returns
    -------
    str or None
        None when nothing may be cached: the code or the file cannot be read, or a dimension
        of the parameter has no classification or items (reading reports why).
    """
    code = _code_digest()
    if code is None or any(x not in dim_classes or x not in items for x in spec.dims):
        return None
    limits = limits or current_limits()
    try:
        raw = safe_open._file_bytes(Path(path), limits)  # the module's: what a reader opens
    except EltOdymError:
        return None
    dims = [(declaration.DIM_BY_LETTER[x], dim_classes[x], list(master[dim_classes[x]].items)
             if dim_classes[x] in master else None, list(items[x])) for x in spec.dims]
    context = (FORMAT, book_cache._reader(), limits, spec, _settings(spec), master.version,
               sorted(dim_classes.items()), dims, list(items.get("t", ())))
    return user_cache.entry_key(code, context, raw)


def _exact(column, types: tuple[type, ...]) -> bool:
    """Every value of ``column`` is of one of ``types`` exactly (a subclass such as ``bool``
    for ``int`` is not), and every float finite: what JSON gives back as it was."""
    kinds = set(map(type, column))
    return kinds <= set(types) and (float not in kinds or all(
        math.isfinite(x) for x in column if type(x) is float))


def encode(rows: list[Row], ndims: int) -> bytes | None:
    """The entry of ``rows`` of a parameter of ``ndims`` dimensions (module docstring); None
    when they would not come back as they are."""
    keys, values, strings, sources = zip(*rows) if rows else ((), (), (), ())
    if any(len(key) != ndims for key in keys):
        return None
    index = [list(c) for c in zip(*keys)] if rows else [[] for _ in range(ndims)]
    stats = {s: i for i, s in enumerate(dict.fromkeys(strings))}
    origins = {s: i for i, s in enumerate(dict.fromkeys(map(tuple, sources)))}
    if not (_exact(values, (float,)) and all(_exact(c, ITEM_TYPES) for c in index)
            and _exact(stats, (str,)) and all(len(s) == 2 and _exact(s, (str,)) for s in origins)):
        return None
    entry = {"format": FORMAT, "stats": list(stats), "sources": [list(s) for s in origins],
             "index": index, "value": list(values), "stat": [stats[s] for s in strings],
             "source": [origins[tuple(s)] for s in sources]}
    try:
        data = json.dumps(entry, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):  # a string that is not text (a lone surrogate)
        return None
    return data if decode(data, ndims) == [tuple(r) for r in rows] else None


def decode(data: bytes, ndims: int) -> list[Row] | None:
    """The rows of an entry, or None when it is not one of ``ndims`` dimensions."""
    try:
        entry = json.loads(data)
        if entry["format"] != FORMAT:
            return None
        stats, sources = entry["stats"], [tuple(s) for s in entry["sources"]]
        index, values = entry["index"], entry["value"]
        n = len(values)
        ok = (len(index) == ndims and all(len(c) == n for c in index)
              and set(map(type, values)) <= {float}
              and all(set(map(type, c)) <= set(ITEM_TYPES) for c in index)
              and set(map(type, stats)) <= {str}
              and all(len(s) == 2 and set(map(type, s)) <= {str} for s in sources))
        if not ok:
            return None
        keys = zip(*index) if ndims else [()] * n
        rows = list(zip(keys, values, [stats[i] for i in entry["stat"]],
                        [sources[i] for i in entry["source"]]))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return rows if len(rows) == n else None


def load(where: Path | None, key: str | None, ndims: int) -> list[Row] | None:
    """The rows kept under ``key`` (of a parameter of ``ndims`` dimensions), or None."""
    if key is None:
        return None
    data = user_cache.load(where, key, "json")
    return None if data is None else decode(data, ndims)


def store(where: Path | None, key: str | None, rows: list[Row], ndims: int) -> None:
    """Keep ``rows`` under ``key`` (rows that would not come back as they are are not kept)."""
    if where is None or key is None:
        return
    data = encode(rows, ndims)
    if data is not None:
        user_cache.store(where, key, "json", data)
