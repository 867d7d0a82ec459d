"""Exact Monte Carlo statistics of many series within a memory bound, for any number of draws.

``summarise(produce, n, S)`` gives, for every series of ``produce(start, stop)`` ``(S, c)``
over the draws ``0..n-1``, the mean, the standard deviation (``ddof=1``), the minimum, the
maximum and percentiles equal to ``np.percentile(..., method="linear")`` of all ``n`` draws,
holding at most ``memory_budget`` bytes of its own whatever ``n``. It never keeps every draw:
a chunk of draws is *evaluated again* from its seed when a later pass needs it (the draws are
reproducible per seeded block, :func:`~elt_odym.uncertainty.sampling.sample_range`).

Passes (each one streams the chunks in draw order; kernels in :mod:`.quantiles`):

0. **Pilot**: the first ``P`` draws (``P`` up to :data:`PILOT`, as the budget allows) are kept.
   If ``n <= P`` that is all: the statistics are those of the pilot, by selection. Otherwise
   each series and each *run* of wanted ranks (numpy's ``'linear'`` neighbours ``floor h``,
   ``floor h + 1`` of each percentile, :func:`.stats.percentile_plan`) gets a bracket
   ``[lo, hi]``: the pilot's order statistics :data:`Z` binomial standard deviations either
   side of the run's share, cut into up to :data:`BINS` equal bins, the pilot's most repeated
   value in it (a point mass: a zero-width slot of its own). The pilot is then dropped.
1. **Count** (all draws): moments (sums of ``x - K`` and ``(x - K)^2``, ``K`` the series'
   first draw, four partial sums by draw number, so chunking and threads do not change a bit),
   minimum, maximum, NaN count, and per bracket the values below it and in each slot. Then each
   run's ranks are located in a range of slots, whose exact float interval ``[a, b]``
   (:func:`.quantiles.bounds`, clipped to the series' minimum and maximum) holds
   ``inside`` values with ``below`` values under it: all counted exactly. A run is known
   already where ``a == b`` (a constant series, a point mass, a tie slot); a series with a
   NaN gives NaN, as numpy does. A bracket that missed its ranks gives the interval beyond it:
   more values, still exact.
2. **Collect** (only the series still open): the values in ``[a, b]`` are kept where their
   number fits the budget (smallest intervals first) and the run's order statistics are
   selected among them (ranks minus ``below``); an interval with too many values is counted
   in :data:`SUB_BINS` sub-bins with each one's minimum and maximum instead, which gives a
   narrower exact interval for another collect pass. A re-evaluated chunk must give the same
   values: a count that differs from the first pass is an error.

Percentiles are numpy's interpolation between the two order statistics
(:func:`.stats._lerp`, same formula and dtypes), so they equal ``np.percentile`` bit for bit
(tested with hypothesis: ties, point masses, constant series, ``n`` below the pilot,
``n = 1``). Memory: the pilot (``S x P`` float64), then the brackets' counters (``S x runs x
(BINS + 2)`` uint32 for the series that vary in the pilot), then the kept values (about
``S x n x (bracket share) / BINS`` float64, within the budget, else another pass): bounded by
the budget, not growing with ``n`` (more passes instead). :attr:`Engine.peak_bytes` is the
engine's own accounting of what it held at most; :func:`engine_bytes` predicts it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from ..errors import ResourceLimitError
from . import quantiles as k
from .stats import _lerp, _quick_row, percentile_plan

PILOT = 512
"""Largest pilot (draws kept whole to set the brackets)."""
PILOT_SHARE = 0.6
"""Share of the budget one group of the pilot may hold."""
MIN_PILOT = 16
BINS = 256
"""Largest number of equal bins per bracket in the counting pass."""
SUB_BINS = 64
"""Sub-bins of an interval too large to keep."""
Z = 5.0
"""Bracket half-width in binomial standard deviations of the pilot."""
BUDGET = 64 * 2**20
"""Default bytes the engine may hold."""
SINGLE_PASS_MAX = 4 * BUDGET
"""The most the engine may take to hold every draw at once (a single pass): the headline of
``run`` (about 137 MB), and at most this much in each scenario's process under
``--scenario all``."""
FIXED_PER_SERIES = 32 * 8
"""Engine state per series besides the brackets and kept values (moments, results)."""
PER_RUN = 12 * 8
"""Engine state per series and run of ranks (bracket, counts' offsets, interval)."""


@dataclass
class Summary:
    """Mean, standard deviation (ddof=1), percentiles ``(Q, S)``, min, max of every series;
    ``passes`` over all draws (the pilot not counted), ``evaluated`` draws in all, and the
    engine's peak memory by its own accounting."""

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    min: np.ndarray
    max: np.ndarray
    passes: int = 1
    evaluated: int = 0
    peak_bytes: int = 0


def rank_runs(ranks: np.ndarray) -> np.ndarray:
    """Start of each run of consecutive ranks in the sorted distinct ``ranks``, and the end."""
    cut = [0] + [i for i in range(1, ranks.size) if ranks[i] != ranks[i - 1] + 1]
    return np.array(cut + [ranks.size], dtype=np.int64)


def pilot_plan(n: int, n_series: int, budget: int) -> tuple[int, int]:
    """Draws ``P`` in the pilot and the groups of series it is kept for, one group at a
    time within :data:`PILOT_SHARE` of the budget. All ``n`` draws if one group holds them
    (then the pilot is the whole run); else ``n / 40`` draws, at least what one group holds
    and at most :data:`PILOT` (the pilot draws are evaluated once per group)."""
    room = max(int(budget * PILOT_SHARE) - FIXED_PER_SERIES * n_series, 0)
    cap = max(room // max(8 * n_series, 1), MIN_PILOT)
    if n <= cap:
        return n, 1
    p = int(min(PILOT, max(cap, n // 40)))
    return p, int(-(-n_series * p * 8 // max(room, 1)))


def whole_run_bytes(n: int, n_series: int) -> int:
    """The smallest budget whose pilot holds all ``n`` draws of ``n_series`` series in one
    group (:func:`pilot_plan` returns ``(n, 1)``): the run is then a single pass, each draw
    evaluated once."""
    need = FIXED_PER_SERIES * n_series + 8 * n_series * max(n, MIN_PILOT)
    budget = int(np.ceil(need / PILOT_SHARE))
    while int(budget * PILOT_SHARE) < need:  # the pilot's room, as pilot_plan rounds it
        budget += 1
    while int((budget - 1) * PILOT_SHARE) >= need:
        budget -= 1
    return budget


def minimum_bytes(n_series: int, n_q: int = 3) -> int:
    """The smallest budget the engine works in: its fixed state, a pilot of
    :data:`MIN_PILOT` draws, the smallest brackets and sub-bins."""
    runs = 2 * n_q
    return n_series * (FIXED_PER_SERIES + runs * (PER_RUN + 24 * 2 + 6 * 4)
                       + 2 * 8 * MIN_PILOT)


def count_bins(room: int, n_varying: int, n_runs: int) -> int:
    """Bins per bracket of the counting pass: as many as ``room`` holds for the series that
    vary in the pilot (uint32 counters, two extra slots each), from 4 to :data:`BINS`."""
    return int(np.clip(room // max(4 * n_runs * max(n_varying, 1), 1) - 2, 4, BINS))


def bracket_shares(p: int, n: int, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Expected share of the draws inside each run's bracket (:func:`.quantiles.brackets`)."""
    f1, f2 = first / max(n - 1, 1), last / max(n - 1, 1)
    i1 = np.maximum(np.floor(f1 * (p - 1) - Z * np.sqrt(p * f1 * (1 - f1)) - 2), 0)
    i2 = np.minimum(np.ceil(f2 * (p - 1) + Z * np.sqrt(p * f2 * (1 - f2)) + 2), p - 1)
    return (i2 - i1 + 1) / p


def engine_bytes(n_series: int, n: int, budget: int = BUDGET,
                 q: Sequence[float] = (5, 50, 95)) -> int:
    """What the engine will hold at most for ``n_series`` series of ``n`` draws (bytes,
    assuming every series varies): the largest of the pilot phase, the counting pass and the
    kept values (about twice the bracket's share of ``n`` over the bins, per run; never more
    than the budget, the engine makes another pass instead)."""
    s = n_series
    p, groups = pilot_plan(n, n_series, budget)
    ranks = percentile_plan(n, q)[3]
    starts = rank_runs(ranks)
    runs = starts.size - 1
    fixed = s * FIXED_PER_SERIES
    pilot = fixed + -(-s // groups) * p * 8 + s * runs * 48
    if n <= p:
        return pilot
    room = budget - fixed - s * runs * PER_RUN
    bins = count_bins(room, s, runs)
    counting = fixed + s * runs * (48 + 16) + s * runs * (bins + 2) * 4
    share = bracket_shares(p, n, ranks[starts[:-1]], ranks[starts[1:] - 1])
    kept = s * 8 * float(np.sum(2 * share * n / bins + 2))
    collect = min(budget, fixed + s * runs * PER_RUN + int(kept))
    return int(max(pilot, counting, collect))


class _Rows:
    """``produce(start, stop)[rows]`` (picklable when ``produce`` is, a Dask task as it is);
    uses ``produce.rows(start, stop, rows)`` where the producer offers it."""

    def __init__(self, produce: Callable, rows: np.ndarray):
        self.produce, self.rows = produce, rows

    def __call__(self, start: int, stop: int) -> np.ndarray:
        if hasattr(self.produce, "rows"):
            return self.produce.rows(start, stop, self.rows)
        return np.asarray(self.produce(start, stop))[self.rows]


class Engine:
    """The passes of :func:`summarise` (module docstring): feed each pass's chunks in draw
    order with :meth:`feed`, then :meth:`end_pass`, until :attr:`done`."""

    def __init__(self, n_series: int, n: int, q: Sequence[float] = (5, 50, 95),
                 budget: int = BUDGET, pool: ThreadPoolExecutor | None = None, workers: int = 1):
        if n < 1:
            raise ValueError("a summary needs at least one draw")
        if budget < minimum_bytes(n_series, len(q)):
            raise ResourceLimitError(
                f"the statistics of {n_series:,} series need a memory budget of at least "
                f"{minimum_bytes(n_series, len(q)):,} bytes, not {int(budget):,}")
        self.S, self.n, self.budget = n_series, n, int(budget)
        self.pool, self.workers = pool, max(1, workers)
        self.prev, self.next, self.gamma, self.ranks = percentile_plan(n, q)
        self.starts = rank_runs(self.ranks)
        self.first = self.ranks[self.starts[:-1]].astype(np.int64)
        self.last = self.ranks[self.starts[1:] - 1].astype(np.int64)
        self.stage, self.passes, self.evaluated, self.done = "pilot", 0, 0, False
        self.peak_bytes, self._held = 0, {}
        self.P, n_groups = pilot_plan(n, n_series, self.budget)
        self.groups = np.linspace(0, n_series, n_groups + 1).astype(np.int64)
        self.group = 0
        self.order = self._hold("order", np.full((n_series, self.ranks.size), np.nan))
        self.mean = self.std = self.low = self.high = None
        self._start_moments()
        J = self.first.size
        for x in ("lo", "hi", "tie"):
            self._hold(x, np.empty((n_series, J)))
        self._start_group()

    # memory accounting -------------------------------------------------------------
    def _hold(self, name: str, array: np.ndarray) -> np.ndarray:
        self._held[name] = array
        self.peak_bytes = max(self.peak_bytes, self.held_bytes)
        return array

    def _drop(self, *names: str) -> None:
        for name in names:
            self._held.pop(name, None)

    def _get(self, name: str) -> np.ndarray:
        return self._held[name]

    @property
    def held_bytes(self) -> int:
        """Bytes of the arrays the engine holds now."""
        return int(sum(a.nbytes for a in self._held.values()))

    # passes ------------------------------------------------------------------------------
    @property
    def pass_draws(self) -> int:
        """Draws the current pass streams (the pilot's, or all)."""
        return self.P if self.stage == "pilot" else self.n

    def feed(self, values: np.ndarray, start: int) -> None:
        """The draws ``start..start + c - 1`` of the pass's rows, ``(rows, c)`` float64."""
        values = np.ascontiguousarray(values, dtype=float)
        self.evaluated += values.shape[1]
        if self.stage == "pilot":
            self._get("pilot")[:, start:start + values.shape[1]] = values
        elif self.stage == "count":
            self._blocks(self._count_block, values, start)
        else:
            self._blocks(self._collect_block, values, start)

    def _blocks(self, func, values: np.ndarray, start: int) -> None:
        """``func(values, r0, r1, start)`` over blocks of series, on the pool's threads."""
        n_rows = values.shape[0]
        w = min(self.workers, max(1, n_rows // 64))
        cuts = np.linspace(0, n_rows, w + 1).astype(np.int64)
        if w == 1 or self.pool is None:
            func(values, 0, n_rows, start)
            return
        list(self.pool.map(lambda i: func(values, cuts[i], cuts[i + 1], start), range(w)))

    def end_pass(self) -> None:
        """Finish the current pass and set up the next (or finish: :attr:`done`)."""
        if self.stage == "pilot":
            self._end_pilot()
        elif self.stage == "count":
            self.passes += 1
            self._end_count()
        else:
            self.passes += 1
            self._end_collect()

    # pilot -------------------------------------------------------------------------------
    def _start_group(self) -> None:
        """The pilot of the next group of series (all of them if one group)."""
        r0, r1 = self.groups[self.group], self.groups[self.group + 1]
        self.rows = None if (r0, r1) == (0, self.S) else np.arange(r0, r1)
        self._hold("pilot", np.empty((r1 - r0, self.P)))

    def _end_pilot(self) -> None:
        pilot = self._get("pilot")
        r0 = int(self.groups[self.group])
        self.shift[r0:r0 + pilot.shape[0]] = pilot[:, 0]
        if self.n <= self.P:  # every draw is in the pilot
            k.rows_moments(pilot, r0, 0, self.shift, self.acc, self.low, self.high, self.nan)
            for q in range(pilot.shape[0]):
                _quick_row(pilot[q].copy(), self.ranks, self.order[r0 + q])
        else:
            k.brackets(pilot, r0, self.n, self.first, self.last, Z, self._get("lo"),
                       self._get("hi"), self._get("tie"))
        self._drop("pilot")
        self.group += 1
        if self.group < self.groups.size - 1:
            self._start_group()
            return
        self.rows = None
        if self.n <= self.P:
            self._finish_moments()
            self.order[self.nan > 0] = np.nan
            self.passes = 1
            self._finish()
            return
        self._start_counting()

    def _start_counting(self) -> None:
        """Bins in the brackets, as many as the budget holds, and their counters."""
        J = self.first.size
        lo, hi, tie = self._get("lo"), self._get("hi"), self._get("tie")
        varying = np.any(lo < hi, axis=1)
        room = self.budget - self.held_bytes - self.S * J * (PER_RUN + 24)
        bins = count_bins(room, int(varying.sum()), J)
        invw = self._hold("invw", np.empty((self.S, J)))
        nb, kv = (self._hold(x, np.empty((self.S, J), dtype=np.int64)) for x in ("nb", "kv"))
        k.bin_brackets(lo, hi, tie, bins, invw, nb, kv)
        k.bracket_kinds(lo, hi, nb, kv, tie, self._hold("kind", np.empty(self.S, np.int8)))
        off = self._hold("off", np.zeros((self.S, J), dtype=np.int64))
        sizes = (nb + 2).ravel()
        off.ravel()[1:] = np.cumsum(sizes)[:-1]
        dtype = np.uint32 if self.n < 2**32 else np.int64
        self._hold("counts", np.zeros(int(sizes.sum()), dtype=dtype))
        self._hold("below", np.zeros((self.S, J), dtype=np.int64))
        self.stage = "count"

    # moments -----------------------------------------------------------------------------
    def _start_moments(self) -> None:
        self.shift = self._hold("shift", np.zeros(self.S))
        self.acc = self._hold("acc", np.zeros((self.S, 2, k.LANES)))
        self.low = self._hold("low", np.full(self.S, np.inf))
        self.high = self._hold("high", np.full(self.S, -np.inf))
        self.nan = self._hold("nan", np.zeros(self.S, dtype=np.int64))

    def _finish_moments(self) -> None:
        """Mean and standard deviation from the shifted sums (lanes added in order)."""
        s1 = ((self.acc[:, 0, 0] + self.acc[:, 0, 1]) + self.acc[:, 0, 2]) + self.acc[:, 0, 3]
        s2 = ((self.acc[:, 1, 0] + self.acc[:, 1, 1]) + self.acc[:, 1, 2]) + self.acc[:, 1, 3]
        n = self.n
        self.mean = self._hold("mean", self.shift + s1 / n)
        var = (s2 - s1 * s1 / n) / (n - 1) if n > 1 else np.zeros(self.S)
        self.std = self._hold("std", np.sqrt(np.maximum(var, 0.0)))
        bad = self.nan > 0
        self.mean[bad] = self.std[bad] = self.low[bad] = self.high[bad] = np.nan
        self._drop("acc", "shift")

    # counting pass -----------------------------------------------------------------------
    def _count_block(self, values, r0, r1, start) -> None:
        h = self._held
        k.count_pass(values, r0, r1, start, self.shift, self.acc, self.low, self.high, self.nan,
                     h["lo"], h["hi"], h["invw"], h["nb"], h["kv"], h["tie"], h["off"],
                     h["kind"], h["counts"], h["below"])

    def _end_count(self) -> None:
        self._finish_moments()
        h = self._held
        J = self.first.size
        a, b = np.empty((self.S, J)), np.empty((self.S, J))
        below, inside = np.empty((self.S, J), np.int64), np.empty((self.S, J), np.int64)
        _locate(h["counts"], h["off"], h["below"], h["nb"], self.n, self.first, self.last,
                h["lo"], h["hi"], h["invw"], h["kv"], h["tie"], self.low, self.high,
                a, b, below, inside)
        self._drop("lo", "hi", "invw", "tie", "nb", "kv", "off", "counts", "below", "kind")
        open_ = (a < b) & (self.nan[:, None] == 0)
        self._fill_known(~open_, a)
        rows, runs = np.nonzero(open_)
        self._plan(rows, runs, a[rows, runs], b[rows, runs], below[rows, runs],
                   inside[rows, runs])

    def _fill_known(self, known: np.ndarray, value: np.ndarray) -> None:
        """Order statistics of the runs whose interval is one value (NaN where a NaN)."""
        for j in range(self.first.size):
            sl = slice(self.starts[j], self.starts[j + 1])
            rows = np.nonzero(known[:, j])[0]
            v = np.where(self.nan[rows] > 0, np.nan, value[rows, j])
            self.order[rows, sl] = v[:, None]

    # collecting passes -----------------------------------------------------------------
    def _plan(self, rows, runs, a, b, below, inside, stuck=None) -> None:
        """The next pass for the open runs: keep the values of the smallest intervals within
        the budget, sub-bins for the rest (:func:`choose_kept`)."""
        if rows.size == 0:
            self._finish()
            return
        order = np.lexsort((runs, rows))
        rows, runs, a, b, below, inside = (x[order] for x in (rows, runs, a, b, below, inside))
        must = ~np.isfinite(b - a)  # sub-bins cannot split an infinite width
        if stuck is not None:
            must |= stuck[order]  # sub-bins did not narrow it: keep its values
        room = self.budget - self.held_bytes - rows.size * PER_RUN
        store, self.nsub = choose_kept(inside, must, room)
        self.rows, local = np.unique(rows, return_inverse=True)
        t_off = np.zeros(self.rows.size + 1, dtype=np.int64)
        np.add.at(t_off, local + 1, 1)
        t = {"t_off": np.cumsum(t_off), "row": rows, "run": runs, "a": a, "b": b,
             "below0": below, "inside": inside, "store": store,
             "below": np.zeros(rows.size, dtype=np.int64),
             "kept": np.zeros(rows.size, dtype=np.int64)}
        s_off = np.zeros(rows.size + 1, dtype=np.int64)
        s_off[1:] = np.cumsum(np.where(store, inside, 0))
        t["s_off"] = s_off
        width = np.where(store | ~np.isfinite(b - a), 1.0, b - a)
        t["invw"] = np.where(store, 0.0, self.nsub / width)
        h_off = np.zeros(rows.size, dtype=np.int64)
        h_off[~store] = np.arange(int((~store).sum())) * self.nsub
        t["h_off"] = h_off
        n_h = int((~store).sum()) * self.nsub
        for name, arr in t.items():
            self._hold("t_" + name, arr)
        self._hold("buf", np.empty(int(s_off[-1])))
        self._hold("h_count", np.zeros(n_h, dtype=np.int64))
        self._hold("h_min", np.full(n_h, np.inf))
        self._hold("h_max", np.full(n_h, -np.inf))
        self.stage = "collect"

    def _collect_block(self, values, r0, r1, start) -> None:
        h = self._held
        k.collect_pass(values, r0, r1, h["t_t_off"], h["t_a"], h["t_b"], h["t_below"],
                  h["t_store"], h["t_s_off"], h["t_kept"], h["buf"], h["t_invw"], self.nsub,
                  h["t_h_off"], h["h_count"], h["h_min"], h["h_max"])

    def _end_collect(self) -> None:
        h = self._held
        t = {name[2:]: arr for name, arr in h.items() if name.startswith("t_")}
        kept_ok = np.where(t["store"], t["kept"] == t["inside"], True)
        if not (np.all(kept_ok) and np.array_equal(t["below"], t["below0"])):
            raise RuntimeError("a chunk evaluated again gave other values: the Monte Carlo's "
                               "draws are not reproducible")
        out = np.full((t["row"].size, int(np.diff(self.starts).max())), np.nan)
        _select(h["buf"], t["s_off"], t["store"], t["below"], t["run"], self.starts,
                self.ranks, out)
        for i in np.nonzero(t["store"])[0]:
            j = t["run"][i]
            self.order[t["row"][i], self.starts[j]:self.starts[j + 1]] = \
                out[i, :self.starts[j + 1] - self.starts[j]]
        rest = ~t["store"]
        a, b = np.empty(rest.sum()), np.empty(rest.sum())
        below, inside = np.empty(rest.sum(), np.int64), np.empty(rest.sum(), np.int64)
        _refine(h["h_count"], t["h_off"][rest], self.nsub, t["below"][rest],
                self.first[t["run"][rest]], self.last[t["run"][rest]], h["h_min"], h["h_max"],
                a, b, below, inside)
        rows, runs = t["row"][rest], t["run"][rest]
        for name in list(h):
            if name.startswith("t_") or name in ("buf", "h_count", "h_min", "h_max"):
                self._drop(name)
        stuck = inside == t["inside"][rest]
        known = a == b
        for j in range(self.first.size):
            sel = known & (runs == j)
            self.order[rows[sel], self.starts[j]:self.starts[j + 1]] = a[sel, None]
        keep = ~known
        self._plan(rows[keep], runs[keep], a[keep], b[keep], below[keep], inside[keep],
                   stuck[keep])

    def _finish(self) -> None:
        self.rows, self.done = None, True

    def result(self) -> Summary:
        """The statistics (after the last pass)."""
        pos = {int(r): i for i, r in enumerate(self.ranks)}
        a = self.order[:, [pos[int(i)] for i in self.prev]].T
        z = self.order[:, [pos[int(i)] for i in self.next]].T
        quantiles = _lerp(a, z, self.gamma[:, None])
        return Summary(self.mean, self.std, quantiles, self.low, self.high, self.passes,
                       self.evaluated, self.peak_bytes)


def choose_kept(inside: np.ndarray, must: np.ndarray, room: int) -> tuple[np.ndarray, int]:
    """Which open runs keep their values in the next pass (the rest are sub-binned), and the
    number of sub-bins: keeping costs 8 bytes a value, sub-bins 24 bytes each. Runs that
    ``must`` keep and runs cheaper kept than sub-binned are kept; then the smallest others
    while everything fits ``room``; sub-bins shrink (to 2) if even that does not fit."""
    order = np.argsort(np.where(must, -1, inside), kind="stable")
    size = 8 * inside[order].astype(np.int64)
    for nsub in (SUB_BINS, 16, 4, 2):
        hist = 24 * nsub
        total = np.concatenate([[0], np.cumsum(size)]) + hist * np.arange(inside.size, -1, -1)
        k_min = int(must.sum())
        cheap = int(np.searchsorted(size, hist, side="right")) if k_min == 0 else \
            k_min + int(np.searchsorted(size[k_min:], hist, side="right"))
        k_min = max(k_min, cheap)
        feasible = np.nonzero(total[k_min:] <= room)[0]
        if feasible.size:
            break
    k = k_min + int(feasible[-1]) if feasible.size else k_min
    store = np.zeros(inside.size, dtype=bool)
    store[order[:k]] = True
    return store, nsub


def _locate(counts, off, below, nb, n, first, last, lo, hi, invw, kv, tie, low, high,
            a, b, below_out, inside_out) -> None:
    """Each run's interval after the counting pass (:func:`.quantiles.locate`)."""
    k.locate(counts, off, below, nb, n, first, last, lo, hi, invw, kv, tie, low, high,
             a, b, below_out, inside_out)


def _select(buf, s_off, store, below, run, starts, ranks, out) -> None:
    k.select(buf, s_off, store, below, run, starts, ranks, out)


def _refine(h_count, h_off, nsub, below, first, last, h_min, h_max, a, b, below_out,
            inside_out) -> None:
    k.refine(h_count, h_off, nsub, below, first, last, h_min, h_max, a, b, below_out,
             inside_out)


def summarise(produce: Callable[[int, int], np.ndarray], n: int, n_series: int, *,
              chunk: int, q: Sequence[float] = (5, 50, 95), workers: int = 1,
              memory_budget: int = BUDGET, run_chunks=None, progress=None) -> Summary:
    """Statistics of ``produce(start, stop)`` ``(S, stop - start)`` over draws ``0..n-1``
    (module docstring).

    Parameters
    ----------
    produce : callable
        The series of a range of draws; called again for the same range in a later pass (it
        must give the same values), possibly through :class:`_Rows` for a subset of series.
    n, n_series : int
        Draws and series.
    chunk : int
        Draws per call of ``produce``.
    q : sequence of float
        Percentiles.
    workers : int
        Threads splitting the series of a chunk (the numbers do not depend on it).
    memory_budget : int
        Bytes the engine may hold (:attr:`Summary.peak_bytes` stays within it).
    run_chunks : callable, optional
        ``run_chunks(func, ranges)`` yields ``func(*range)`` in order (threads, Dask).
    progress : callable, optional
        ``progress(stage, draws_done, draws_of_the_pass)``.
    """
    run_chunks = run_chunks or (lambda func, ranges: (func(a, z) for a, z in ranges))
    with ThreadPoolExecutor(max(1, workers)) as pool:
        engine = Engine(n_series, n, q, memory_budget, pool, workers)
        while not engine.done:
            size = engine.pass_draws
            func = produce if engine.rows is None else _Rows(produce, engine.rows)
            ranges = [(a, min(a + chunk, size)) for a in range(0, size, chunk)]
            label = engine.stage if engine.stage == "pilot" else f"pass {engine.passes + 1}"
            for (a, z), values in zip(ranges, run_chunks(func, ranges)):
                engine.feed(values, a)
                if progress is not None:
                    progress(label, z - a, size)
            engine.end_pass()
    return engine.result()


def summarise_array(values: np.ndarray, q: Sequence[float] = (5, 50, 95), chunk: int = 1000,
                    memory_budget: int = BUDGET, workers: int = 1) -> Summary:
    """:func:`summarise` of an array ``(S, n)`` already in memory (tests, small studies)."""
    values = np.asarray(values, dtype=float)

    def produce(start: int, stop: int) -> np.ndarray:
        return values[:, start:stop]

    return summarise(produce, values.shape[1], values.shape[0], chunk=chunk, q=q,
                     workers=workers, memory_budget=memory_budget)


def iter_ranges(n: int, chunk: int) -> Iterable[tuple[int, int]]:
    """``(start, stop)`` of consecutive chunks of ``n`` draws."""
    return ((a, min(a + chunk, n)) for a in range(0, n, chunk))
