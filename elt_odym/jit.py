"""The one way the package compiles: numba's ``njit`` with the GIL released and a disk cache.

numba is an install dependency. A compiled function releases the GIL (``nogil``), so blocks of
draws run side by side on threads, and is cached on disk (``cache=True``): a later process does
not pay the compilation again.
"""

from __future__ import annotations

import numba


def jit(func):
    """Compile ``func`` (GIL released, cached on disk, numpy error model, FMA contraction)."""
    return numba.njit(nogil=True, cache=True, error_model="numpy", fastmath={"contract"})(func)
