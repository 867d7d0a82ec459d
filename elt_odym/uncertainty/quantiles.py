"""Exact percentiles of many series streamed chunk by chunk, without keeping every draw.

The first :data:`PILOT` draws of every series are kept whole (the pilot). From them, each run
of wanted ranks (``np.percentile``'s ``'linear'`` neighbours ``floor h`` and ``floor h + 1``) gets
bounds ``[lo, hi]``: the pilot's order statistics 5 binomial standard deviations (plus 4) either
side of the rank's share, so that the true order statistic of all ``N`` draws falls inside but
for a chance of about 1e-6 per bound. Then every draw, the pilot's and all later ones, is
counted if below ``lo`` and kept if inside; at the end the wanted order statistic is the
``(rank - below)``-th smallest of those kept (a selection). If a bound missed (or a series has
fewer draws than the pilot), or more values fell inside than the buffer holds (a point mass
near a percentile), the series is marked and :mod:`elt_odym.uncertainty.montecarlo`
evaluates the draws again for those series alone: the result is exact either way, and equal to
``np.percentile`` (tested).

Memory: the pilot (``series x PILOT`` float32) until the bounds are set, then the draws
between the bounds, about 12 % of
``series x N`` float32 for 5, 50 and 95 % (a buffer of 3 x 7 % is reserved; pages never
written are never resident), instead of all of them. Where a bound pair is one value
(``lo == hi``, e.g. a series without variance) the values inside are only counted.
"""

from __future__ import annotations

import numpy as np

from ..jit import jit as _jit
from .stats import _lerp, _quick_row, percentile_plan, percentiles

PILOT = 8_192
"""Draws kept whole per series to set the bounds."""


@_jit
def _bounds(pilot, starts, ranks, n, lo, hi):
    """``lo[r, b]``, ``hi[r, b]`` of each rank run ``b`` from the pilot rows ``(R, P)``."""
    m = pilot.shape[1]
    buf = np.empty(m, dtype=pilot.dtype)
    idx = np.empty(2 * (starts.shape[0] - 1), dtype=np.int64)
    for b in range(starts.shape[0] - 1):
        f_lo, f_hi = ranks[starts[b]] / n, ranks[starts[b + 1] - 1] / n
        idx[2 * b] = int(np.floor(f_lo * m - 5.0 * np.sqrt(m * f_lo * (1 - f_lo)) - 4.0))
        idx[2 * b + 1] = int(np.ceil(f_hi * m + 5.0 * np.sqrt(m * f_hi * (1 - f_hi)) + 4.0))
    inside = np.clip(idx, 0, m - 1)
    order = np.argsort(inside)
    sel = np.unique(inside)
    got = np.empty(sel.shape[0], dtype=pilot.dtype)
    for r in range(pilot.shape[0]):
        buf[:] = pilot[r]
        _quick_row(buf, sel, got)
        for j in order:
            v = got[np.searchsorted(sel, inside[j])]
            if idx[j] < 0:
                v = -np.inf
            elif idx[j] >= m:
                v = np.inf
            if j % 2 == 0:
                lo[r, j // 2] = v
            else:
                hi[r, j // 2] = v


@_jit
def _feed(values, lo, hi, below, kept, bufs):
    """Count values below ``lo`` and keep those in ``[lo, hi]`` into ``bufs (runs, R, cap)``,
    per row and rank run, in one pass. Where ``lo == hi`` the values inside are all equal:
    only counted. Counts go on past the capacity (nothing is written there: the row's
    bounds then count as missed)."""
    n_runs, cap = lo.shape[1], bufs.shape[2]
    hist = np.zeros(2 * n_runs + 1, dtype=np.int64)
    for r in range(values.shape[0]):
        a, z = lo[r], hi[r]
        if _disjoint(a, z):
            _feed_disjoint(values[r], a, z, below[r], kept[r], bufs, r, hist)
            continue
        k, under = kept[r].copy(), below[r].copy()
        store = a < z  # where lo == hi, every value inside equals lo: only counted
        for j in range(values.shape[1]):
            v = values[r, j]
            for b in range(n_runs):
                under[b] += v < a[b]
                if store[b] and k[b] < cap:
                    bufs[b, r, k[b]] = v  # always written, kept only if inside
                k[b] += (v >= a[b]) & (v <= z[b])
        for b in range(n_runs):
            kept[r, b], below[r, b] = k[b], under[b]


@_jit
def _disjoint(a, z):
    """True if the bounds are ordered runs ``a[0] < z[0] < a[1] < z[1] < ...``."""
    for b in range(a.shape[0]):
        if not a[b] < z[b] or (b > 0 and not z[b - 1] < a[b]):
            return False
    return True


@_jit
def _feed_disjoint(row, a, z, below, kept, bufs, r, hist):
    """:func:`_feed` of one row whose runs are disjoint: each value's place among the sorted
    bounds (``2 b + 1`` inside run ``b``) by comparisons only, then a histogram."""
    n_runs, cap = a.shape[0], bufs.shape[2]
    hist[:] = 0
    for j in range(row.shape[0]):
        v = row[j]
        pos = 0
        for b in range(n_runs):
            pos += (v >= a[b]) + (v > z[b])
        hist[pos] += 1
        if pos % 2 == 1:
            b = pos // 2
            k = kept[b]
            if k < cap:
                bufs[b, r, k] = v
            kept[b] = k + 1
    under = 0
    for b in range(n_runs):
        under += hist[2 * b]
        below[b] += under
        under += hist[2 * b + 1]


@_jit
def _select_run(buf, kept, below, lo, hi, sub, out, failed):
    """The ranks ``sub`` of each row from the values kept for one rank run; rows whose
    bounds missed or whose values overflowed the buffer are marked ``failed``."""
    local = np.empty(sub.shape[0], dtype=np.int64)
    res = np.empty(sub.shape[0], dtype=buf.dtype)
    for r in range(buf.shape[0]):
        for j in range(sub.shape[0]):
            local[j] = sub[j] - below[r]
        if local[0] < 0 or local[-1] >= kept[r] or (lo[r] < hi[r] and kept[r] > buf.shape[1]):
            failed[r] = True
            continue
        if lo[r] == hi[r]:
            out[r, :] = lo[r]
            continue
        _quick_row(buf[r, :kept[r]], local, res)
        out[r, :] = res


class StreamQuantiles:
    """Percentiles ``q`` of ``rows`` series of ``n`` draws fed in draw order (see module)."""

    def __init__(self, rows: int, n: int, q=(5, 50, 95), pilot: int | None = None):
        self.rows, self.n, self.q = rows, n, list(q)
        self.prev, self.next, self.gamma, self.ranks = percentile_plan(n, self.q)
        runs = [0] + [i for i in range(1, self.ranks.size)
                      if self.ranks[i] > self.ranks[i - 1] + 1] + [self.ranks.size]
        self.starts = np.array(runs, dtype=np.int64)
        # without numba every draw is kept (the compiled stream would run as Python)
        self.pilot_size = min(pilot or PILOT, n) if True else n
        self.pilot = np.empty((rows, self.pilot_size), dtype=np.float32)
        self.seen = 0
        self.lo = self.hi = self.below = self.kept = None
        self.bufs = np.empty((0, 0, 0), dtype=np.float32)

    def add(self, values: np.ndarray) -> None:
        """The next draws of every series, ``(rows, n_chunk)``."""
        values = np.ascontiguousarray(values, dtype=np.float32)
        if self.lo is None:
            room = min(self.pilot_size - self.seen, values.shape[1])
            self.pilot[:, self.seen:self.seen + room] = values[:, :room]
            self.seen += room
            if self.seen == self.pilot_size and self.pilot_size < self.n:
                self._set_bounds()
            values = values[:, room:]
            if values.shape[1] == 0:
                return
        self.seen += values.shape[1]
        self._feed(np.ascontiguousarray(values))

    def _set_bounds(self) -> None:
        pilot, self.pilot = self.pilot, None
        n_runs = self.starts.size - 1
        self.lo = np.empty((self.rows, n_runs), dtype=np.float32)
        self.hi = np.empty((self.rows, n_runs), dtype=np.float32)
        _bounds(pilot, self.starts, self.ranks, self.n, self.lo, self.hi)
        self.below = np.zeros((self.rows, n_runs), dtype=np.int64)
        self.kept = np.zeros((self.rows, n_runs), dtype=np.int64)
        m = pilot.shape[1]
        f = np.clip(self.ranks[self.starts[:-1]] / self.n, 1e-3, 0.5)
        share = float(np.max((2 * (5 * np.sqrt(m * f * (1 - f)) + 4) + 2) / m))
        # room for the expected share inside (pages never written are never resident)
        self.bufs = np.empty((n_runs, self.rows, int(1.3 * share * self.n) + 64),
                             dtype=np.float32)
        self._feed(pilot)

    def _feed(self, values: np.ndarray) -> None:
        _feed(values, self.lo, self.hi, self.below, self.kept, self.bufs)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """Percentiles ``(len(q), rows)`` (float64, as ``np.percentile``) and a mask of the
        rows whose bounds missed (their values are left NaN: evaluate them again)."""
        if self.lo is None:  # everything fitted in the pilot
            return percentiles(self.pilot, self.q), \
                np.zeros(self.rows, dtype=bool)
        stats = np.full((self.rows, self.ranks.size), np.nan, dtype=np.float32)
        failed = np.zeros(self.rows, dtype=bool)
        for b in range(self.starts.size - 1):
            _select_run(self.bufs[b], self.kept[:, b], self.below[:, b], self.lo[:, b],
                        self.hi[:, b],
                        self.ranks[self.starts[b]:self.starts[b + 1]],
                        stats[:, self.starts[b]:self.starts[b + 1]], failed)
        pos = {int(k): i for i, k in enumerate(self.ranks)}
        a = stats[:, [pos[int(i)] for i in self.prev]].T
        z = stats[:, [pos[int(i)] for i in self.next]].T
        return _lerp(a, z, self.gamma[:, None]), failed
