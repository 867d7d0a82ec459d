"""Exact order statistics by selection, and numpy's percentile plan and interpolation.

Percentiles are numpy's ``'linear'`` method (Hyndman and Fan's type 7, ``np.percentile``'s
default): for ``n`` draws and ``p`` in percent, the virtual index ``h = (n - 1) p / 100``
between the order statistics ``x[floor h]`` and ``x[floor h + 1]``. Those order statistics are
found by a selection (quickselect, expected ``O(n)``, no full sort) in compiled code; the
interpolation is numpy's own formula with numpy's dtypes, so the result equals
``np.percentile`` exactly. The summary engine (:mod:`.summary`) selects among the values it
kept; :func:`percentiles` does the same for samples already in memory.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..jit import jit as _jit


@_jit
def _select(a, lo, hi, k):
    """Rearrange ``a[lo:hi + 1]`` so that ``a[k]`` is its ``k``-th smallest (quickselect,
    median of three), smaller values before ``k`` and larger after."""
    while hi > lo:
        mid = (lo + hi) // 2
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[hi] < a[mid]:
            a[hi], a[mid] = a[mid], a[hi]
        pivot = a[mid]
        i, j = lo, hi
        while i <= j:
            while a[i] < pivot:
                i += 1
            while pivot < a[j]:
                j -= 1
            if i <= j:
                a[i], a[j] = a[j], a[i]
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return


@_jit
def _quick_row(buf, ranks, out):
    """``out[i]`` the ``ranks[i]``-th smallest of ``buf`` (rearranged), ranks ascending."""
    n = buf.shape[0]
    lo = 0
    for i in range(ranks.shape[0]):
        k = ranks[i]
        if i > 0 and k == ranks[i - 1]:
            out[i] = out[i - 1]
            continue
        if i > 0 and k == lo:  # the next one up: the minimum of the rest, moved to k
            m = lo
            for j in range(lo + 1, n):
                if buf[j] < buf[m]:
                    m = j
            buf[lo], buf[m] = buf[m], buf[lo]
            out[i] = buf[lo]
            lo += 1
            continue
        _select(buf, lo, n - 1, k)
        out[i] = buf[k]
        lo = k + 1


@_jit
def _groups(ranks):
    """Start indices of the runs of consecutive ranks (``k, k + 1, ...``), and the end."""
    starts = [0]
    for i in range(1, ranks.shape[0]):
        if ranks[i] != ranks[i - 1] + 1 and ranks[i] != ranks[i - 1]:
            starts.append(i)
    starts.append(ranks.shape[0])
    return starts


@_jit
def _bracket_row(row, ranks, out, sample, bufs):
    """Order statistics by bracketing (Floyd and Rivest's idea): a sorted sample of the row
    gives bounds ``[lo, hi]`` around each run of ranks with a margin of 5 binomial standard
    deviations; one branch-free pass counts the values below each ``lo`` and keeps those
    inside, and the selection runs on those few. Returns False if a bound missed."""
    n, m = row.shape[0], sample.shape[0]
    step = n // m
    for j in range(m):
        sample[j] = row[j * step]
    sample.sort()
    starts = _groups(ranks)
    n_grp = len(starts) - 1
    lo, hi = np.empty(n_grp, dtype=row.dtype), np.empty(n_grp, dtype=row.dtype)
    for b in range(n_grp):
        f_lo, f_hi = ranks[starts[b]] / n, ranks[starts[b + 1] - 1] / n
        s_lo = int(np.floor(f_lo * m - 5.0 * np.sqrt(m * f_lo * (1.0 - f_lo)) - 4.0))
        s_hi = int(np.ceil(f_hi * m + 5.0 * np.sqrt(m * f_hi * (1.0 - f_hi)) + 4.0))
        lo[b] = sample[s_lo] if s_lo >= 0 else -np.inf
        hi[b] = sample[s_hi] if s_hi < m else np.inf
    below, kept = np.zeros(n_grp, dtype=np.int64), np.zeros(n_grp, dtype=np.int64)
    for j in range(n):
        v = row[j]
        for b in range(n_grp):
            below[b] += v < lo[b]
            bufs[b, kept[b]] = v  # always written, kept only if inside
            kept[b] += (v >= lo[b]) & (v <= hi[b])
    for b in range(n_grp):
        sub = ranks[starts[b]:starts[b + 1]] - below[b]
        if sub[0] < 0 or sub[-1] >= kept[b]:
            return False
        _quick_row(bufs[b, :kept[b]], sub, out[starts[b]:starts[b + 1]])
    return True


@_jit
def _order_stats(rows, ranks, out, first, last):
    """``out[r, i]`` the ``ranks[i]``-th smallest of ``rows[r]`` for rows ``first..last-1``;
    ``ranks`` ascending. Bracketing for long rows, quickselect otherwise or if it missed."""
    n = rows.shape[1]
    buf = np.empty(n, dtype=rows.dtype)
    sample = np.empty(min(1024, n // 8), dtype=rows.dtype)
    long = n >= 8192
    bufs = np.empty((ranks.shape[0], n + 1) if long else (1, 1), dtype=rows.dtype)
    for r in range(first, last):
        if long and _bracket_row(rows[r], ranks, out[r], sample, bufs):
            continue
        buf[:] = rows[r]
        _quick_row(buf, ranks, out[r])


def percentiles(samples: np.ndarray, q, workers: int | None = None) -> np.ndarray:
    """``np.percentile(samples, q, axis=-1)`` (method ``'linear'``), by selection.

    Parameters
    ----------
    samples : ndarray (..., N)
        Draws on the last axis (contiguous for speed).
    q : sequence of float
        Percentiles in ``[0, 100]``.
    workers : int, optional
        Threads (the selection releases the GIL); default the number of CPUs.

    Returns
    -------
    ndarray (len(q), ...)
        Equal to ``np.percentile(samples, q, axis=-1)``.
    """
    if not True:  # numpy, if numba is missing
        return np.percentile(samples, q, axis=-1)
    n = samples.shape[-1]
    rows = np.ascontiguousarray(samples.reshape(-1, n))
    prev_i, next_i, gamma, ranks = percentile_plan(n, q)
    stats = np.empty((rows.shape[0], ranks.size), dtype=rows.dtype)
    workers = max(1, min(workers or os.cpu_count() or 1, rows.shape[0]))
    bounds = np.linspace(0, rows.shape[0], workers + 1).astype(int)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda i: _order_stats(rows, ranks, stats, bounds[i], bounds[i + 1]),
                      range(workers)))
    pos = {int(r): i for i, r in enumerate(ranks)}
    a = stats[:, [pos[int(i)] for i in prev_i]].T
    b = stats[:, [pos[int(i)] for i in next_i]].T
    out = _lerp(a, b, gamma[:, None])
    return out.reshape((gamma.size,) + samples.shape[:-1])


def percentile_plan(n: int, q) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """numpy's ``'linear'`` plan for ``n`` values and percentiles ``q``: the lower and upper
    neighbour ranks, the weight ``gamma`` of the upper one, and the distinct ranks sorted."""
    q = np.true_divide(np.asarray(q, dtype=float), 100)
    virtual = (n - 1) * q
    prev = np.floor(virtual)
    above = virtual >= n - 1
    prev_i = np.where(above, n - 1, prev).astype(np.intp)
    next_i = np.where(above, n - 1, prev + 1).astype(np.intp)
    gamma = virtual - np.where(above, -1.0, prev)  # as numpy: irrelevant where above
    return prev_i, next_i, gamma, np.unique(np.concatenate([prev_i, next_i]))


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's interpolation between order statistics (``numpy.lib`` ``_lerp``), same dtypes."""
    diff_b_a = b - a
    out = np.add(a, diff_b_a * t)
    np.subtract(b, diff_b_a * (1 - t), out=out, where=t >= 0.5, casting="unsafe",
                dtype=type(out.dtype))
    return out
