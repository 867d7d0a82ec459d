"""Compiled kernels of the bounded-memory summary engine (:mod:`.summary`).

Every kernel works on a block of series ``rows[r0:r1]`` of a chunk of draws ``(rows, c)``
and touches only the state of those series, so the engine can split the series of a chunk
across threads and the numbers do not depend on how it splits them.

- :func:`moments`: shifted sums ``sum (x - K)``, ``sum (x - K)^2`` (four lanes by the draw's
  index modulo 4, so that the order of the additions is fixed by the draw numbers, not by the
  chunks), minimum, maximum and NaN count of each series;
- :func:`brackets`: from a pilot of the first draws, per series and run of wanted ranks a
  bracket ``[lo, hi]`` of pilot order statistics, cut into equal bins, and the pilot's most
  repeated value inside it (a point mass gets a slot of its own);
- :func:`count`: values below each bracket and in each of its slots;
- :func:`bounds`: the exact float interval of a range of slots (binary search on the float
  order), so that a later pass needs only ``a <= x <= b``;
- :func:`collect`: values inside each interval kept, or counted in sub-bins with each
  sub-bin's minimum and maximum (which makes the next interval exact again).
"""

from __future__ import annotations

import math

import numpy as np

from ..jit import jit
from .stats import _quick_row

SIGN_MASK = np.int64(0x7FFFFFFFFFFFFFFF)
SIGN_BIT = np.int64(-2**63)


LANES = 4
"""Partial sums per series; the draw's number modulo ``LANES`` picks one (a fixed order of
the additions whatever the chunks)."""


@jit
def moments(row, r, start, shift, acc, low, high, nan):
    """Add the draws ``start..start + c - 1`` of series ``r`` (``row``) to its shifted sums
    ``acc[r] (2, LANES)``, minimum ``low``, maximum ``high`` and NaN count."""
    n = row.shape[0]
    k = shift[r]
    s = acc[r]
    i = 0
    while i < n and (start + i) % LANES != 0:  # up to the next lane-0 draw
        d = row[i] - k
        s[0, (start + i) % LANES] += d
        s[1, (start + i) % LANES] += d * d
        i += 1
    a0, a1, a2, a3 = s[0, 0], s[0, 1], s[0, 2], s[0, 3]
    b0, b1, b2, b3 = s[1, 0], s[1, 1], s[1, 2], s[1, 3]
    while i + LANES <= n:
        d0, d1, d2, d3 = row[i] - k, row[i + 1] - k, row[i + 2] - k, row[i + 3] - k
        a0 += d0
        a1 += d1
        a2 += d2
        a3 += d3
        b0 += d0 * d0
        b1 += d1 * d1
        b2 += d2 * d2
        b3 += d3 * d3
        i += LANES
    s[0, 0], s[0, 1], s[0, 2], s[0, 3] = a0, a1, a2, a3
    s[1, 0], s[1, 1], s[1, 2], s[1, 3] = b0, b1, b2, b3
    while i < n:
        d = row[i] - k
        s[0, (start + i) % LANES] += d
        s[1, (start + i) % LANES] += d * d
        i += 1
    lo, hi, bad = low[r], high[r], 0
    for x in row:
        bad += x != x
        lo = min(lo, x)
        hi = max(hi, x)
    low[r], high[r], nan[r] = lo, hi, nan[r] + bad


@jit
def rows_moments(rows, r0, start, shift, acc, low, high, nan):
    """:func:`moments` of the rows ``(R, c)`` of series ``r0`` onwards."""
    for q in range(rows.shape[0]):
        moments(rows[q], r0 + q, start, shift, acc, low, high, nan)


@jit
def _slot(x, lo, invw, nb, kv, v):
    """Slot of ``x`` inside its bracket ``[lo, hi]``: bins ``0..nb-1`` of width ``1 / invw``,
    with bin ``kv`` split around the tie value ``v`` (below, equal, above), so the slots run
    ``0..nb+1`` in the order of the values."""
    k = 0 if invw == 0.0 else min(int((x - lo) * invw), nb - 1)
    if k < kv:
        return k
    if k > kv or x > v:
        return k + 2
    return k if x < v else k + 1


@jit
def brackets(pilot, r0, n, first, last, z, lo, hi, tie):
    """Brackets of the pilot rows ``(R, P)`` (series ``r0`` onwards) for the rank runs
    ``first[j]..last[j]`` of ``n`` draws: the pilot order statistics ``z`` binomial standard
    deviations (plus 2) either side of each run's share, and the most repeated pilot value
    inside (``tie``; NaN if none)."""
    m = pilot.shape[1]
    buf = np.empty(m)
    for q in range(pilot.shape[0]):
        r = r0 + q
        buf[:] = pilot[q]
        buf.sort()
        for j in range(first.shape[0]):
            f1 = first[j] / max(n - 1, 1)
            f2 = last[j] / max(n - 1, 1)
            i1 = math.floor(f1 * (m - 1) - z * math.sqrt(m * f1 * (1.0 - f1)) - 2.0)
            i2 = math.ceil(f2 * (m - 1) + z * math.sqrt(m * f2 * (1.0 - f2)) + 2.0)
            i1, i2 = max(i1, 0), min(i2, m - 1)
            a, b = buf[i1], buf[i2]
            if not (a == a and b == b):  # NaN in the pilot: the series' statistics are NaN
                a = b = 0.0
            lo[r, j], hi[r, j] = a, b
            best, v, run = 1, np.nan, 1
            for i in range(i1 + 1, i2 + 1):
                run = run + 1 if buf[i] == buf[i - 1] else 1
                if run > best:
                    best, v = run, buf[i]
            tie[r, j] = v


@jit
def bin_brackets(lo, hi, tie, bins, invw, nb, kv):
    """``bins`` equal bins in each bracket that has a width (one otherwise), and the bin of
    its tie value (``nb`` if none)."""
    for r in range(lo.shape[0]):
        for j in range(lo.shape[1]):
            a, b, v = lo[r, j], hi[r, j], tie[r, j]
            width = b - a
            if b > a and math.isfinite(width) and math.isfinite(bins / width):
                nb[r, j], invw[r, j] = bins, bins / width
            else:
                nb[r, j], invw[r, j] = 1, 0.0
            if v == v:
                kv[r, j] = 0 if invw[r, j] == 0.0 else min(int((v - a) * invw[r, j]),
                                                            nb[r, j] - 1)
            else:
                kv[r, j] = nb[r, j]


@jit
def _key(x, f, i):
    """``x`` as an int64 in the order of the floats (``f``, ``i``: one float and its int view)."""
    f[0] = x
    k = i[0]
    return k if k >= 0 else -(k & SIGN_MASK)  # -0.0 and 0.0 share the key 0


@jit
def _value(k, f, i):
    """The float of an order key (:func:`_key`; key 0 is 0.0)."""
    i[0] = k if k >= 0 else (-k) | SIGN_BIT
    return f[0]


@jit
def _first_at(o, a, b, w, m, kv, v, f, i):
    """The smallest float ``x`` in ``[a, b]`` whose slot is at least ``o`` (``b`` if none:
    then the caller's range ends at ``b``)."""
    lo_k, hi_k = _key(a, f, i), _key(b, f, i)
    while lo_k < hi_k:
        mid = (lo_k & hi_k) + ((lo_k ^ hi_k) >> 1)  # floor of the mean, no overflow
        if _slot(_value(mid, f, i), a, w, m, kv, v) >= o:
            hi_k = mid
        else:
            lo_k = mid + 1
    return _value(lo_k, f, i)


@jit
def bounds(o1, o2, a, b, w, m, kv, v):
    """The exact float interval ``[x1, x2]`` of the slots ``o1..o2`` of a bracket ``[a, b]``
    (slot -1: below the bracket, ``m + 2``: above it; infinite ends there)."""
    f = np.empty(1)
    i = f.view(np.int64)
    if o1 < 0:
        x1 = -np.inf
    elif o1 > m + 1:
        x1 = _value(_key(b, f, i) + 1, f, i)
    elif o1 == 0:
        x1 = a
    else:
        x1 = _first_at(o1, a, b, w, m, kv, v, f, i)
    if o2 > m + 1:
        x2 = np.inf
    elif o2 < 0:
        x2 = _value(_key(a, f, i) - 1, f, i)
    else:
        x2 = b
        if _slot(b, a, w, m, kv, v) > o2:
            x2 = _value(_key(_first_at(o2 + 1, a, b, w, m, kv, v, f, i), f, i) - 1, f, i)
    return x1, x2


@jit
def _slot_of(rank, counts, o, m, start_slot, start_cum):
    """Slot (-1 below, ``m + 2`` above) holding ``rank`` and the values before that slot,
    scanning from ``start_slot`` with ``start_cum`` values before it."""
    s, cum = start_slot, start_cum
    if s < 0:
        if rank < cum:
            return -1, 0
        s = 0
    while s <= m + 1:
        c = counts[o + s]
        if rank < cum + c:
            return s, cum
        cum += c
        s += 1
    return m + 2, cum


@jit
def locate(counts, off, below, nb, n, first, last, lo, hi, invw, kv, tie, low, high,
           a, b, below_out, inside_out):
    """After the counting pass: for each series and run of ranks ``first[j]..last[j]``, the
    exact float interval ``[a, b]`` of the slots holding them (clipped to the series'
    ``low``, ``high``), the values below it and inside it."""
    for r in range(lo.shape[0]):
        for j in range(lo.shape[1]):
            m, o, bl = nb[r, j], off[r, j], below[r, j]
            s1, c1 = _slot_of(first[j], counts, o, m, -1, bl)
            if s1 < 0:
                c1 = 0
            s2, c2 = _slot_of(last[j], counts, o, m, s1, c1 if s1 >= 0 else bl)
            if s2 < 0:
                end = bl
            elif s2 > m + 1:
                end = n
            else:
                end = c2 + counts[o + s2]
            x1, x2 = bounds(s1, s2, lo[r, j], hi[r, j], invw[r, j], m, kv[r, j], tie[r, j])
            a[r, j], b[r, j] = max(x1, low[r]), min(x2, high[r])
            below_out[r, j], inside_out[r, j] = c1, end - c1


@jit
def select(buf, s_off, store, below, run, starts, ranks, out):
    """The order statistics of each kept run among its values (ranks less ``below``)."""
    for t in range(store.shape[0]):
        if not store[t]:
            continue
        j = run[t]
        sub = ranks[starts[j]:starts[j + 1]] - below[t]
        _quick_row(buf[s_off[t]:s_off[t + 1]], sub, out[t, :sub.shape[0]])


@jit
def refine(h_count, h_off, nsub, below, first, last, h_min, h_max, a, b, below_out,
           inside_out):
    """The sub-bins holding each run's ranks: their exact interval (first minimum, last
    maximum), the values below and inside it."""
    for t in range(h_off.shape[0]):
        o = h_off[t]
        s1, c1 = _slot_of(first[t], h_count, o, nsub - 2, 0, below[t])
        s2, c2 = _slot_of(last[t], h_count, o, nsub - 2, s1, c1)
        a[t], b[t] = h_min[o + s1], h_max[o + s2]
        below_out[t], inside_out[t] = c1, c2 + h_count[o + s2] - c1



CONSTANT, DISJOINT, GENERAL = 0, 1, 2
"""Kinds of a series' brackets (:func:`bracket_kinds`)."""


@jit
def bracket_kinds(lo, hi, nb, kv, tie, kind):
    """``CONSTANT``: every bracket is the pilot's one value (a tie, one bin); ``DISJOINT``:
    brackets in increasing order, apart; ``GENERAL`` otherwise."""
    for r in range(lo.shape[0]):
        v = lo[r, 0]
        const, apart = True, True
        for j in range(lo.shape[1]):
            const &= lo[r, j] == v and hi[r, j] == v and tie[r, j] == v and nb[r, j] == 1 \
                and kv[r, j] == 0
            if j > 0:
                apart &= hi[r, j - 1] < lo[r, j]
        kind[r] = CONSTANT if const else (DISJOINT if apart else GENERAL)


@jit
def _count_row(row, r, lo, hi, invw, nb, kv, tie, off, kind, counts, below, pos, vals):
    """The slots and values below the brackets of one series ``r`` over a chunk's draws."""
    c, n_runs = row.shape[0], lo.shape[1]
    if kind[r] == CONSTANT:
        v = lo[r, 0]
        under, at = 0, 0
        for i in range(c):
            under += row[i] < v
            at += row[i] == v
        for j in range(n_runs):
            below[r, j] += under
            counts[off[r, j] + 1] += at
        return
    if kind[r] == GENERAL:
        for j in range(n_runs):
            a, b, w, top, kj, v, o = lo[r, j], hi[r, j], invw[r, j], nb[r, j] - 1, \
                kv[r, j], tie[r, j], off[r, j]
            under = 0
            for i in range(c):
                x = row[i]
                under += x < a
                if a <= x <= b:
                    counts[o + _slot(x, a, w, top + 1, kj, v)] += 1
            below[r, j] += under
        return
    pos[:c] = 0  # DISJOINT: each value's place among the sorted bounds, by comparisons
    for j in range(n_runs):
        a, b = lo[r, j], hi[r, j]
        for i in range(c):
            pos[i] += (row[i] >= a) + (row[i] > b)
    for j in range(n_runs):
        under, inside, n_in = 0, 2 * j + 1, 0
        for i in range(c):
            under += pos[i] < inside
            vals[n_in] = row[i]  # kept only if inside (branch-free)
            n_in += pos[i] == inside
        below[r, j] += under
        a, w, top, kj, v, o = lo[r, j], invw[r, j], nb[r, j] - 1, kv[r, j], tie[r, j], \
            off[r, j]
        for t in range(n_in):
            counts[o + _slot(vals[t], a, w, top + 1, kj, v)] += 1


@jit
def count_pass(values, r0, r1, start, shift, acc, low, high, nan, lo, hi, invw, nb, kv, tie,
               off, kind, counts, below):
    """The counting pass over rows ``r0..r1-1`` of a chunk ``values (S, c)`` (draws
    ``start`` onwards): :func:`moments`, and the values below each bracket and in each of its
    slots (:func:`_count_row`)."""
    c = values.shape[1]
    pos = np.empty(c, dtype=np.int64)
    vals = np.empty(c + 1)
    for r in range(r0, r1):
        row = values[r]
        moments(row, r, start, shift, acc, low, high, nan)
        _count_row(row, r, lo, hi, invw, nb, kv, tie, off, kind, counts, below, pos, vals)


@jit
def _collect_row(row, r, t_off, a, b, below, store, s_off, kept, buf, invw, nsub, h_off,
                 h_count, h_min, h_max):
    """:func:`collect_pass` of one row over a chunk's draws."""
    for t in range(t_off[r], t_off[r + 1]):
        lo, hi, under = a[t], b[t], 0
        if store[t]:
            k, base, room = kept[t], s_off[t], s_off[t + 1] - s_off[t]
            for x in row:
                under += x < lo
                if lo <= x <= hi:
                    if k < room:
                        buf[base + k] = x
                    k += 1
            kept[t] = k
        else:
            w, o = invw[t], h_off[t]
            for x in row:
                under += x < lo
                if lo <= x <= hi:
                    s = o + (0 if w == 0.0 else min(int((x - lo) * w), nsub - 1))
                    h_count[s] += 1
                    h_min[s] = min(h_min[s], x)
                    h_max[s] = max(h_max[s], x)
        below[t] += under


@jit
def collect_pass(values, r0, r1, t_off, a, b, below, store, s_off, kept, buf, invw, nsub,
                 h_off, h_count, h_min, h_max):
    """For the targets ``t_off[r]..t_off[r+1]-1`` of rows ``r0..r1-1`` of a chunk
    ``values (R, c)``: count the values below ``a[t]``; keep those in ``[a[t], b[t]]``
    (``store[t]``: into ``buf`` from ``s_off[t]``, ``kept[t]`` of them, counting on past the
    room) or count them in ``nsub`` sub-bins with each one's minimum and maximum."""
    for r in range(r0, r1):
        _collect_row(values[r], r, t_off, a, b, below, store, s_off, kept, buf, invw, nsub,
                     h_off, h_count, h_min, h_max)
