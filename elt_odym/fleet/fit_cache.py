"""Logistic stock fits in the user's cache folder, found by the hash of what they depend on.

:func:`~elt_odym.fleet.projection.fit_logistic` runs 14 bounded least-squares solves per
type (both signs of the rate, several starting points) with finite-difference Jacobians, and
a run fits every type twice (the deterministic projection and the Monte Carlo's posteriors).
Editing a price does not change the stock observations, so the fits of the run before are
kept here and reused.

An entry (kind :data:`KIND`) holds the fields of the fit (every one but the type's name,
which is only a label), and the ``status`` and ``nfev`` of the best solve, as JSON. JSON
writes a float by its ``repr``, which reads back to the same float64 (``NaN`` and
``Infinity`` included), so a fit found here is bit-identical to the one computed. The key
(:func:`fit_key`) is the sha256 of the entry layout (:data:`FORMAT`), the source of
:mod:`~elt_odym.fleet.projection` (its solver, starts, margins and limits), the numpy and
scipy versions, the machine's architecture, the environment (``sys.prefix``: its BLAS),
the module's constants as they are at the fit, the observations' years, values and resolved
sds (float64 bytes and shapes), ``rel_default`` and ``k_bound``. Reading, checking and
writing are :mod:`elt_odym.io.user_cache`'s: a damaged entry is ignored, a folder that
cannot be written is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import scipy

from ..io import user_cache

KIND = "fits"
FORMAT = "1"
"""Bumped when the entries' layout changes."""
SOURCES = ("fleet/projection.py",)
"""The module (relative to the package) whose code makes the fits."""


def folder() -> Path | None:
    """Where fits are kept (None: no cache)."""
    return user_cache.kind_folder(KIND)


@functools.cache
def _code_digest() -> bytes | None:
    """The sha256 of the fitting code, read once per process (the code that runs: an edit of
    the file while a process runs does not change its key); None if it cannot be read."""
    return user_cache.source_digest(SOURCES)


def fit_key(years: np.ndarray, values: np.ndarray, sigma: np.ndarray, rel_default: float,
            k_bound: float, settings: str = "") -> str | None:
    """The hash of everything a fit depends on (module docstring); None when the fitting
    code cannot be read (then nothing is cached).

    Parameters
    ----------
    years, values : ndarray
        The observations.
    sigma : ndarray
        Their standard deviations, defaults and floor applied.
    rel_default, k_bound : float
        The options of the fit.
    settings : str
        The fitting module's constants as they are when the fit is made (starts, margins,
        limits), so that a changed constant misses the cache even where the file is the same.
    """
    code = _code_digest()
    if code is None:
        return None
    head = (f"{FORMAT}|{np.__version__}|{scipy.__version__}|{platform.machine()}|"
            f"{sys.prefix}|{settings}|{float(rel_default)!r}|{float(k_bound)!r}|")
    h = hashlib.sha256(head.encode("utf-8"))
    h.update(code)
    for arr in (years, values, sigma):
        arr = np.ascontiguousarray(arr, dtype="<f8")
        h.update(repr(arr.shape).encode("utf-8"))
        h.update(arr.tobytes())
    return h.hexdigest()[:32]


def load(where: Path | None, key: str | None, names: tuple[str, ...]) -> dict | None:
    """The entry kept under ``key``, or None.

    Parameters
    ----------
    where : Path or None
        :func:`folder`.
    key : str or None
        :func:`fit_key`.
    names : tuple of str
        The fields a fit must have; an entry with other fields is not used.

    Returns
    -------
    dict or None
        ``{"fit": {name: value}, "status": int, "nfev": int}``.
    """
    if key is None:
        return None
    data = user_cache.load(where, key, "json")
    if data is None:
        return None
    try:
        entry = json.loads(data)
        ok = (set(entry["fit"]) == set(names) and isinstance(entry["status"], int)
              and isinstance(entry["nfev"], int))
    except (ValueError, TypeError, KeyError):
        return None
    return entry if ok else None


def store(where: Path | None, key: str | None, entry: dict) -> None:
    """Keep ``entry`` (as :func:`load` gives it) under ``key``."""
    if where is None or key is None:
        return
    text = json.dumps(entry, separators=(",", ":"), sort_keys=True)
    user_cache.store(where, key, "json", text.encode("utf-8"))
