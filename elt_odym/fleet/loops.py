"""The compiled loops of the fleet kernel; :mod:`.kernel` states their maths and calls them.

:func:`solve_blocks` runs every block of draws (each type's stock-driven solve, the transfers,
the sums over cohorts); :func:`raw_curves` gives the survival curve of single lifetimes. Both
are numba-compiled (:func:`~elt_odym.jit.jit`) and write into arrays the caller made.
"""

from __future__ import annotations

import math

import numpy as np

from ..jit import jit

_RETIRE, _ALLOW = 1, 2
"""Indices of the ``retire`` and ``allow`` policies in :data:`.kernel.POLICIES`."""

LOG2E = 1.4426950408889634
LN2_HI = 0.6931471803691238  # ln 2 split so that k * LN2_HI is exact for |k| < 2^21
LN2_LO = 1.9082149292705877e-10
EXP_MIN, EXP_MAX = -708.0, 709.0


@jit
def _vexp(y, bits):
    """``y[j] = exp(y[j])`` in place, written so the compiler vectorises it (SIMD over ``j``).

    Cody-Waite reduction ``y = k ln 2 + r``, ``|r| <= ln 2 / 2``, a degree-13 Taylor
    polynomial for ``exp(r)`` (truncation below 5e-18 relative) and ``2^k`` built in the
    exponent bits; ``bits`` is an int64 scratch array of the same length. Inputs are clamped
    to ``[-708, 709]`` (below, the result is ``exp(-708) = 3e-308`` instead of a subnormal).
    """
    scale = bits.view(np.float64)
    for j in range(y.shape[0]):
        v = min(max(y[j], EXP_MIN), EXP_MAX)
        k = math.floor(v * LOG2E + 0.5)
        r = (v - k * LN2_HI) - k * LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        y[j] = p * r + 1.0
        bits[j] = (np.int64(k) + 1023) << 52
    for j in range(y.shape[0]):
        y[j] *= scale[j]


@jit
def _raw_curve(shape, scale, shape_mult, scale_mult, pdf, g, c, n0, b, drawn, base_x, n_ages,
               out, scratch, bits):
    """Weibull survival ``out[a, j]`` of cohort ``c``'s parameters at ages ``0..n_ages-1`` for
    the draws ``n0..n0+b-1``, before period effects and the age cap (module docstring)."""
    x, e, cum, beta, log_eta, u = (scratch[0], scratch[1], scratch[2], scratch[4], scratch[5],
                                   scratch[6])
    for j in range(b):
        beta[j] = shape[c, g] * shape_mult[n0 + j, g]
        log_eta[j] = math.log(scale[c, g] * scale_mult[n0 + j, g])
        u[j] = scale_mult[n0 + j, g] ** -shape[c, g]
        cum[j] = 0.0
        out[0, j] = 1.0
    for a in range(1, n_ages):
        if drawn:
            la = math.log(a)
            for j in range(b):
                x[j] = beta[j] * (la - log_eta[j])
            _vexp(x[:b], bits[:b])
        else:
            bx = base_x[c, a, g]
            for j in range(b):
                x[j] = bx * u[j]
        for j in range(b):
            e[j] = -x[j]
        _vexp(e[:b], bits[:b])
        for j in range(b):  # exp(-x) below the smallest normal double: no survivor
            e[j] = e[j] if x[j] <= -EXP_MIN else 0.0
        if pdf:
            inv_a = 1.0 / a
            for j in range(b):
                cum[j] += beta[j] * inv_a * x[j] * e[j]
                e[j] = max(1.0 - cum[j], 0.0)
        out[a, :b] = e[:b]


@jit
def _adjust(raw, c, n_ages, period, period_on, cap, g, n0, b, out, corr):
    """``out[a] = raw[a] * prod_k min(1, raw[k] / raw[k-1])^(f[c+k] - 1)`` and 0 from the age
    cap on (module docstring); returns the number of ages with a survivor."""
    per_draw_period = period.shape[1] > 1
    corr[:b] = 1.0
    out[0, :b] = raw[0, :b]
    live = 1
    for a in range(1, n_ages):
        if a >= cap:
            out[a:n_ages, :b] = 0.0
            return live
        t = c + a
        if period_on[t, g]:  # r^f = r * r^(f-1): only years with a factor change the curve
            for j in range(b):
                f = period[t, n0 + j if per_draw_period else 0, g]
                now, prev = raw[a, j], raw[a - 1, j]
                if f != 1.0 and prev > 0.0 and now > 0.0:  # a curve at 0 stays 0
                    corr[j] *= min(now / prev, 1.0) ** (f - 1.0)
        top = 0.0
        for j in range(b):
            v = raw[a, j] * corr[j]
            out[a, j] = v
            top = max(top, v)
        if top > 0.0:
            live = a + 1
    return live


@jit
def _solve_type(stock, hist, shape, scale, shape_mult, scale_mult, period, period_on, cap, pdf,
                policy, tolerance, g, n0, b, drawn, constant, base_x, cohorts, inflow, outflow,
                early, negative, raw, curve, scratch, bits, routes, given, given_taken,
                moved_out, moved_in):
    """Stock-driven solve of type ``g`` for draws ``n0..n0+b-1``; ``cohorts[t, c, j]`` is the
    stock by cohort (every entry with ``c <= t`` written: no clearing between blocks);
    returns the number of ages with a survivor in any cohort. With ``constant`` parameters
    (the same for every cohort) one raw curve serves every cohort."""
    n_t = stock.shape[1]
    n_hist = hist.shape[1]
    live = 1
    if constant:
        _raw_curve(shape, scale, shape_mult, scale_mult, pdf, g, 0, n0, b, drawn, base_x, n_t,
                   raw, scratch, bits)
    size = np.ones(b)
    for t in range(n_hist, n_t):
        for j in range(b):
            size[j] = max(size[j], abs(stock[g, t, n0 + j]))
    surv, need = scratch[8], scratch[9]
    for t in range(n_t):
        surv[:b] = 0.0
        for c in range(max(0, t - live + 1), t):
            row = cohorts[t, c]
            for j in range(b):
                surv[j] += row[j]
        for j in range(b):
            n = n0 + j
            if t < n_hist:  # a given inflow (workbook age structure): the stock follows
                need[j] = hist[g, t, n]
                stock[g, t, n] = surv[j] + need[j]
                continue
            surv[j] -= _move_given(g, t, n, j, surv[j], live, routes, given, given_taken,
                                   cohorts, inflow, moved_out, moved_in)
            need[j] = stock[g, t, n] - surv[j]
            if need[j] < -tolerance * size[j]:
                negative[g, t, n] = -need[j]
                if policy == _RETIRE and surv[j] > 0.0:
                    keep = stock[g, t, n] / surv[j]
                    for tt in range(t, min(n_t, t + live)):
                        for c in range(max(0, tt - live + 1), t):
                            cohorts[tt, c, j] *= keep
                    early[g, t, n] = surv[j] - stock[g, t, n]
                    need[j] = 0.0
        for j in range(b):
            n = n0 + j
            prev = stock[g, t - 1, n] if t > 0 else 0.0
            inflow[g, t, n] = need[j]
            outflow[g, t, n] = need[j] - (stock[g, t, n] - prev)
        if not constant:
            _raw_curve(shape, scale, shape_mult, scale_mult, pdf, g, t, n0, b, drawn, base_x,
                       n_t - t, raw, scratch, bits)
        ages = _adjust(raw, t, n_t - t, period, period_on, cap, g, n0, b, curve, scratch[3])
        live = max(live, ages)
        for a in range(n_t - t):
            row, src = cohorts[t + a, t], curve[a]
            for j in range(b):
                row[j] = need[j] * src[j]
    return live


@jit
def _move_given(g, t, n, j, surv, live, routes, given, given_taken, cohorts, inflow,
                moved_out, moved_in):
    """Move the given amounts of the routes out of type ``g`` in year ``t`` (lane ``j``): at most
    its survivors and what the destination (solved first) still takes in, removed from every
    existing cohort in proportion; returns the vehicles moved."""
    n_t = cohorts.shape[0]
    per_draw = given.shape[2] > 1
    total = 0.0
    for r in range(routes.shape[0]):
        if routes[r, 0] != g:
            continue
        amount = given[r, t, n if per_draw else 0]
        dst = routes[r, 1]
        room = max(inflow[dst, t, n], 0.0) - moved_in[dst, t, n]
        take = min(amount, surv - total, max(room, 0.0))
        if take <= 0.0:
            continue
        keep = 1.0 - take / (surv - total)
        for tt in range(t, min(n_t, t + live)):
            for c in range(max(0, tt - live + 1), t):
                cohorts[tt, c, j] *= keep
        given_taken[r, t, j] = take
        moved_out[g, t, n] += take
        moved_in[dst, t, n] += take
        total += take
    return total


@jit
def _transfers(routes, inflow, early, moved_out, moved_in, given_taken, share_in, n0, b):
    """``moved = min(early[src], room[dst])`` per route in order, after the given amounts
    (module docstring); the share of each destination's inflow that every route brought,
    ``share_in[r, t, j]``."""
    n_t = inflow.shape[1]
    for t in range(n_t):
        for j in range(b):
            n = n0 + j
            for r in range(routes.shape[0]):
                src, dst = routes[r, 0], routes[r, 1]
                room = max(inflow[dst, t, n], 0.0) - moved_in[dst, t, n]
                moved = min(early[src, t, n], max(room, 0.0))
                moved_out[src, t, n] += moved
                moved_in[dst, t, n] += moved
                moved += given_taken[r, t, j]
                share_in[r, t, j] = moved / inflow[dst, t, n] if moved > 0.0 else 0.0


@jit
def _profiles(g, routes, slots, cohorts, profiles, f_start, share_in, live, n0, b, eff, nz,
              p_stock, p_entry, p_moved):
    """``A'`` of type ``g`` (mixing in what routes into ``g`` brought) and its sums over
    cohorts (module docstring); ``p_moved[src]`` must be filled for every source of ``g``."""
    n_f, n_c = profiles.shape[1], profiles.shape[2]
    shared = profiles.shape[3] == 1
    for f in range(n_f):
        for c in range(n_c):
            for j in range(b):
                eff[g, f, c, j] = profiles[g, f, c, 0 if shared else n0 + j]
    for r in range(routes.shape[0]):  # A' = (1 - sum_r w_r) A + sum_r w_r mean_src[slot_r]
        if routes[r, 1] != g:
            continue
        src = routes[r, 0]
        for f in range(n_f):
            k = slots[r, f]
            for c in range(n_c):
                for j in range(b):
                    w = share_in[r, c, j]
                    if w > 0.0:
                        brought = p_moved[src, c, k, n0 + j] if k >= 0 else 0.0
                        eff[g, f, c, j] += w * (brought - profiles[g, f, c,
                                                                  0 if shared else n0 + j])
    for f in range(n_f):  # cohorts whose profile is zero in every lane add nothing
        for c in range(n_c):
            nz[g, f, c] = False
            for j in range(b):
                if eff[g, f, c, j] != 0.0:
                    nz[g, f, c] = True
                    break
    n_t = cohorts.shape[1]
    existing = np.zeros(b)
    for t in range(n_t):
        existing[:] = 0.0  # the cohorts before t: what a route out of this type moves
        for c in range(max(0, t - live + 1), t):
            row = cohorts[g, t, c]
            for j in range(b):
                existing[j] += row[j]
        for f in range(n_f):
            acc = p_stock[g, t, f, n0:n0 + b]
            acc[:] = 0.0
            for c in range(max(f_start[g, f], t - live + 1), t):
                if not nz[g, f, c]:
                    continue
                row, a_fc = cohorts[g, t, c], eff[g, f, c]
                for j in range(b):
                    acc[j] += row[j] * a_fc[j]
            for j in range(b):
                p_moved[g, t, f, n0 + j] = (acc[j] / existing[j] if existing[j] > 0.0
                                            else eff[g, f, t, j])
                acc[j] += cohorts[g, t, t, j] * eff[g, f, t, j]
                p_entry[g, t, f, n0 + j] = eff[g, f, t, j]


@jit
def _age_sums(g, cohorts, eff, nz, tables, table_profile, h_start, variant, live, n0, b,
             a_stock):
    """``age_stock[t, h] = sum_c S[t, c] A'[f(h), c] H[v_n, h, c, t - c]``."""
    n_t = cohorts.shape[1]
    n_h = tables.shape[1]
    per_draw = variant.shape[0] > 1
    for t in range(n_t):
        for h in range(n_h):
            acc = a_stock[g, t, h, n0:n0 + b]
            acc[:] = 0.0
            f = table_profile[h]
            for c in range(max(h_start[g, h], t - live + 1), t + 1):
                if not nz[g, f, c]:
                    continue
                row, a_fc = cohorts[g, t, c], eff[g, f, c]
                w_v = tables[g, h, c, t - c]
                if per_draw:
                    for j in range(b):
                        acc[j] += row[j] * a_fc[j] * w_v[variant[n0 + j]]
                else:
                    w = w_v[variant[0]]
                    if w != 0.0:
                        for j in range(b):
                            acc[j] += row[j] * a_fc[j] * w


@jit
def solve_blocks(stock, hist, shape, scale, shape_mult, scale_mult, period, period_on, constant, caps,
         pdf, policy,
         tolerance, drawn, base_x, routes, given, slots, order, profiles, f_start, tables,
         table_profile,
         h_start, variant, block, keep, inflow, outflow, early, negative, moved_out, moved_in,
         p_stock, p_entry, p_moved, a_stock, cohort_out):
    """Every block of draws: solve each type, transfers, sums over cohorts."""
    n_g, n_t, n = stock.shape
    n_f = profiles.shape[1]
    cohorts = np.zeros((n_g, n_t, n_t, block))
    eff = np.zeros((n_g, n_f, n_t, block))
    nz = np.zeros((n_g, n_f, n_t), dtype=np.bool_)
    share_in = np.zeros((routes.shape[0], n_t, block))
    given_taken = np.zeros((routes.shape[0], n_t, block))
    curve = np.empty((n_t, block))
    raw = np.empty((n_t, block))
    scratch = np.empty((10, block))
    bits = np.empty(block, dtype=np.int64)
    lives = np.ones(n_g, dtype=np.int64)
    for n0 in range(0, n, block):
        b = min(block, n - n0)
        given_taken[:] = 0.0
        for g in order[::-1]:  # destinations first: a given transfer takes their room
            lives[g] = _solve_type(stock, hist, shape, scale, shape_mult, scale_mult, period,
                                   period_on, caps[g], pdf, policy, tolerance, g, n0, b, drawn,
                                   constant[g], base_x, cohorts[g], inflow, outflow, early,
                                   negative, raw, curve, scratch, bits, routes, given,
                                   given_taken, moved_out, moved_in)
        share_in[:] = 0.0
        _transfers(routes, inflow, early, moved_out, moved_in, given_taken, share_in, n0, b)
        for g in order:
            _profiles(g, routes, slots, cohorts, profiles, f_start, share_in, lives[g], n0, b,
                      eff, nz, p_stock, p_entry, p_moved)
            if tables.shape[1] > 0:
                _age_sums(g, cohorts, eff, nz, tables, table_profile, h_start, variant,
                          lives[g], n0, b, a_stock)
        if keep:
            for g in range(n_g):
                for t in range(n_t):
                    for c in range(t + 1):
                        for j in range(b):
                            cohort_out[g, t, c, n0 + j] = cohorts[g, t, c, j]


@jit
def raw_curves(shape, scale, pdf, out):
    """``out[a, k]``: the raw curve of cohort 0 for each column ``k`` (one draw each)."""
    n_t, n_k = shape.shape
    ones = np.ones((1, n_k))
    scratch = np.empty((10, 1))
    bits = np.empty(1, dtype=np.int64)
    curve = np.empty((n_t, 1))
    for k in range(n_k):
        _raw_curve(shape, scale, ones, ones, pdf, k, 0, 0, 1, True, np.zeros((1, 1, 1)), n_t,
                   curve, scratch, bits)
        out[:, k] = curve[:, 0]
