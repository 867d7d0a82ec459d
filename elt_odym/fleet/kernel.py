"""The one fleet kernel: survival, the stock-driven solve, transfers and sums over cohorts, compiled.

Every path that evaluates the model calls :func:`solve_fleet`: the declared fleet stock of the
flodym system (a batch of one, :class:`~elt_odym.fleet.stock_model.FleetStockModel`) and the
batch model (many draws: Monte Carlo, Sobol, calibration, sensitivity, structural studies).
The tests hold it to an independent numpy reference, a plain-loop reference and flodym's own
:class:`~flodym.StockDrivenDSM`.

Axes: ``t`` calendar year on the fleet's extended axis (history years before the first model
year first), ``c`` cohort (the year of entry, same axis), ``a = t - c`` age, ``n`` draw, ``g``
type. Per type ``g`` and draw ``n`` (``inflow_at="end"``: a truck has age 0 in its first year)::

    x_c(a)   = (a / eta_c)^beta_c                 eta_c = scale[c] u_n, beta_c = shape[c] v_n
    s_c(a)   = exp(-x_c(a))                                              (survival form, Eq. 5)
    s_c(a)   = max(0, 1 - sum_{k=1..a} beta_c / k x_c(k) exp(-x_c(k)))   (pdf form, Eqs. 3-4)
    s'_c(a)  = s_c(a) prod_{k<=a} min(1, s_c(k) / s_c(k-1))^(f[c+k] - 1)  (period effect f)
    s'_c(a)  = 0                                   for a >= max_age       (age cap)

    survivors_t = sum_{c<t} S[t, c]
    inflow_t    = stock_t - survivors_t                                   (Eq. 2)
    S[t + a, t] = inflow_t s'_t(a)                                        (stock by cohort)
    outflow_t   = inflow_t - (stock_t - stock_{t-1})                      (Eq. 3, number balance)

An inflow below ``-tolerance * max|stock|`` is negative; the policy decides: ``error`` (a
:class:`~elt_odym.errors.NegativeInflowError` naming type, year and amount), ``retire``
(``inflow_t = 0`` and every existing cohort loses the same share,
``S[t', c] *= stock_t / survivors_t`` for ``t' >= t, c < t``: the surplus is early retirement)
or ``allow`` (flodym's plain behaviour). In history years given an inflow (the workbook age
structure) the inflow is given and the stock follows.

Transfers (reclassification): a route ``src -> dst`` may move a *given* amount in a year (a
reclassification the data show: at most the source's survivors and what the destination still
takes in; ``src`` then needs fewer vehicles retired or more new ones to hold its stock path),
and then, in order, ``moved_t = min(early_t[src], inflow_t[dst])`` (the source's surplus, what
the destination still takes in). Moved vehicles leave ``src`` in proportion to its cohorts and
join cohort ``t`` of ``dst``.

Sums over cohorts. A *profile* ``A[f, c]`` is a quantity per vehicle of cohort ``c`` (a
powertrain share, a material content); an *age table* ``H[h, c, a]`` one per vehicle of cohort
``c`` at age ``a`` (packs fitted, kWh in use), weighted by the profile ``f(h)``::

    profile_stock[t, f] = sum_c S[t, c] A'[f, c]
    age_stock[t, h]     = sum_c S[t, c] A'[f(h), c] H[h, c, t - c]

where ``A'`` is ``A`` except in the cohorts that received moved vehicles, which carry the mean
profile of the source's surviving cohorts, ``moved_profile[t, f] = sum_{c<t} S_src[t, c]
A'_src[f, c] / sum_{c<t} S_src[t, c]``: ``A'_dst[f, t] = (1 - sum_r w_r) A_dst[f, t] +
sum_r w_r moved_profile_r[t, slot_r(f)]`` with ``w_r = moved_t / inflow_t`` of route ``r``;
``slot_r(f)`` names the source profile that feeds profile ``f`` (the same profile by default,
or a slot of its own, so that a profile keeps the meaning its source gave it). The sums over
cohorts of end of life follow from the balance, ``stock[t-1] - stock[t] + inflow_t A'[t] -
moved_out_t moved_profile[t]``.

Draws run in blocks (the SIMD lanes, inner loops); each block holds its stock by cohort,
``T x C x block`` doubles per type. Inputs may be per draw (``N``) or shared (``1``) on their
draw axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import NegativeInflowError
from ..jit import jit

POLICIES = ("error", "retire", "allow")
FORMS = ("pdf", "survival")
_RETIRE, _ALLOW = 1, 2

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
def _run(stock, hist, shape, scale, shape_mult, scale_mult, period, period_on, constant, caps,
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


@dataclass(frozen=True)
class NegativeInflowEvent:
    """A year in which a type's stock fell faster than its retirements."""

    product: str
    year: int
    amount: float
    policy: str

    def describe(self) -> str:
        """One line for the console, e.g. ``NT 2004: 24,000 units (retired early)``."""
        action = {"retire": "retired early", "allow": "negative inflow kept",
                  "error": "stopped"}[self.policy]
        return f"{self.product} {self.year}: {self.amount:,.0f} units ({action})"


@dataclass(frozen=True)
class FleetBatch:
    """The fleet's inputs for a batch of ``N`` draws on the extended axis (``T`` years, history
    first; cohorts ``C = T``); arrays with a draw axis take ``N`` or ``1`` there.

    Attributes
    ----------
    stock : (T, N, G) stock path of each draw (ignored in the years ``history_inflow`` gives).
    shape, scale : (T, G) Weibull shape and scale by cohort.
    form : {"pdf", "survival"} lifetime discretisation (:mod:`elt_odym.fleet.lifetimes`).
    policy : {"error", "retire", "allow"} what a negative inflow does.
    shape_mult, scale_mult : (N, G) per-draw multipliers of the cohort parameters (default 1).
    period : (T, N|1, G) period factor of the one-year hazard by calendar year (default 1).
    max_age : (G,) legal maximum age (``inf``: none).
    history_inflow : (H, N, G) inflow of the first ``H`` years (the workbook age structure).
    routes : transfers ``(source, destination)`` type indices, applied in this order; a
        destination may not be a source.
    given : (R, T, N|1) vehicles each route moves in each year whatever the source's surplus
        (a reclassification the data show), before the surplus rule; default none.
    slots : (R, F) for each route and profile of the destination, the profile of the source
        whose mean the moved vehicles bring into it (-1: none; default: the same profile).
    profiles : (F, C, N|1, G) quantities per vehicle of each cohort.
    tables : (V, H, C, A, G) quantities per vehicle by cohort and age, ``V`` variants (or
        the same as :class:`KernelTables`, made once for many batches).
    table_profile : (H,) the profile each table is weighted by.
    variant : (N|1,) the variant of ``tables`` each draw uses.
    tolerance : a required inflow counts as negative below ``-tolerance * max|stock|``.
    """

    stock: np.ndarray
    shape: np.ndarray
    scale: np.ndarray
    form: str = "pdf"
    policy: str = "retire"
    shape_mult: np.ndarray | None = None
    scale_mult: np.ndarray | None = None
    period: np.ndarray | None = None
    max_age: np.ndarray | None = None
    history_inflow: np.ndarray | None = None
    routes: tuple[tuple[int, int], ...] = ()
    given: np.ndarray | None = None
    slots: np.ndarray | None = None
    profiles: np.ndarray | None = None
    tables: np.ndarray | None = None
    table_profile: np.ndarray | None = None
    variant: np.ndarray | None = None
    tolerance: float = 1e-9


@dataclass
class FleetSolution:
    """The fleet of a batch on the extended axis: vehicles ``(T, N, G)``, sums over cohorts
    ``(T, F|H, N, G)``, the stock by cohort ``(T, C, N, G)`` if asked for.

    ``outflow`` includes early retirement and what moved out; ``moved_out`` (by source) and
    ``moved_in`` (by destination) are the transfers; ``profile_entry[t]`` is the profile of
    cohort ``t`` as it entered (moved vehicles mixed in), ``profile_moved[t]`` the mean profile
    of a type's surviving cohorts (what its moved vehicles carried).
    """

    stock: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    early: np.ndarray
    negative: np.ndarray
    moved_out: np.ndarray
    moved_in: np.ndarray
    profile_stock: np.ndarray
    profile_entry: np.ndarray
    profile_moved: np.ndarray
    age_stock: np.ndarray
    cohort_stock: np.ndarray | None
    policy: str

    def events(self, names: list[str], years: list[int], draw: int = 0
               ) -> list[NegativeInflowEvent]:
        """Every (type, year) of one draw with a negative required inflow."""
        neg = self.negative[:, draw, :]
        return [NegativeInflowEvent(names[g], int(years[t]), float(neg[t, g]), self.policy)
                for t, g in zip(*np.nonzero(neg > 0))]


def type_order(n_g: int, routes: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Types with every transfer source before its destinations.

    Raises
    ------
    ValueError
        If the routes form a circle.
    """
    order, state = [], [0] * n_g  # 0 new, 1 on the path, 2 done

    def visit(g: int, path: list[int]) -> None:
        if state[g] == 1:
            raise ValueError(f"transfer routes form a circle: {path + [g]}")
        if state[g] == 0:
            state[g] = 1
            for src, dst in routes:
                if dst == g:
                    visit(src, path + [g])
            state[g] = 2
            order.append(g)

    for g in range(n_g):
        visit(g, [])
    return np.array(order, dtype=np.int64)


def _draw_axis(a: np.ndarray | None, default: np.ndarray, axis: int) -> np.ndarray:
    """``a`` (or ``default``) as a contiguous float array."""
    return np.ascontiguousarray(default if a is None else a, dtype=float)


def _first_nonzero(a: np.ndarray, axis: int) -> np.ndarray:
    """Index along ``axis`` of the first non-zero entry (the length if none), other axes kept."""
    nz = a != 0
    first = np.argmax(nz, axis=axis)
    return np.where(nz.any(axis=axis), first, a.shape[axis])


def base_powers(shape: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """``(a / scale_c)^shape_c`` for ages ``a = 0..T-1`` per cohort ``(C, T, G)``, shared by all
    draws whose shape is not drawn (then ``x = base * u^-shape``: one exponential per value)."""
    n_t = shape.shape[0]
    log_a = np.log(np.maximum(np.arange(n_t, dtype=float), 1.0))
    out = np.exp(shape[:, None] * (log_a[None, :, None] - np.log(scale)[:, None]))
    out[:, 0] = 0.0
    return out


@dataclass(frozen=True)
class KernelTables:
    """Age tables in the kernel's layout ``(G, H, C, A, V)`` (a draw's variant innermost) and
    the first cohort of each with a non-zero entry ``(G, H)``: made once for the many batches
    of one run (:func:`kernel_tables`)."""

    data: np.ndarray
    start: np.ndarray


def kernel_tables(tables: np.ndarray) -> KernelTables:
    """:class:`KernelTables` of age tables ``(V, H, C, A, G)``."""
    data = np.ascontiguousarray(np.transpose(tables, (4, 1, 2, 3, 0)), dtype=float)
    nonzero = np.zeros(data.shape[:3], dtype=bool)
    for v in range(data.shape[4]):  # one variant at a time: no temporary of the tables' size
        nonzero |= np.any(data[..., v] != 0.0, axis=3)
    return KernelTables(data, _first_nonzero(nonzero, axis=2).astype(np.int64))


def solve_fleet(batch: FleetBatch, names: list[str] | None = None,
                years: list[int] | None = None, keep_cohorts: bool = False,
                block: int = 64) -> FleetSolution:
    """Solve a batch of draws (see the module docstring).

    Parameters
    ----------
    batch : FleetBatch
    names, years : list, optional
        Type names and years, for the message of :class:`NegativeInflowError`.
    keep_cohorts : bool
        Also return the stock by cohort ``(T, C, N, G)`` (a batch of one: the system).
    block : int
        Draws solved together (SIMD lanes); memory ``G x T x C x block`` doubles.

    Raises
    ------
    NegativeInflowError
        Under the ``error`` policy, naming the first type and year with a negative inflow.
    ValueError
        For an unknown policy or form, or transfer routes that form a circle.
    """
    if batch.policy not in POLICIES:
        raise ValueError(f"negative_inflow policy must be one of {POLICIES}, not "
                         f"{batch.policy!r}")
    if batch.form not in FORMS:
        raise ValueError(f"unknown lifetime form {batch.form!r}; use one of {FORMS}")
    n_t, n, n_g = batch.stock.shape
    ones = np.ones((n, n_g))
    shape_mult = _draw_axis(batch.shape_mult, ones, 0)
    scale_mult = _draw_axis(batch.scale_mult, ones, 0)
    period = _draw_axis(batch.period, np.ones((n_t, 1, n_g)), 1)
    caps = np.full(n_g, n_t + 1, dtype=np.int64)
    if batch.max_age is not None:
        cap = np.asarray(batch.max_age, float)
        caps = np.where(np.isfinite(cap), np.minimum(np.ceil(cap), n_t + 1), n_t + 1
                        ).astype(np.int64)
    hist = (np.zeros((n_g, 0, n)) if batch.history_inflow is None
            else np.ascontiguousarray(np.moveaxis(batch.history_inflow, 2, 0), dtype=float))
    profiles = (np.zeros((n_g, 0, n_t, 1)) if batch.profiles is None else
                np.ascontiguousarray(np.moveaxis(batch.profiles, 3, 0), dtype=float))
    n_f = profiles.shape[1]
    routes = np.array(batch.routes, dtype=np.int64).reshape(-1, 2)
    order = type_order(n_g, tuple(map(tuple, routes)))
    if set(routes[:, 0]) & set(routes[:, 1]):
        raise ValueError("a transfer destination may not also be a source: "
                         f"{[tuple(r) for r in routes.tolist()]}")
    given = (np.zeros((len(routes), n_t, 1)) if batch.given is None
             else np.ascontiguousarray(batch.given, dtype=float).reshape(len(routes), n_t, -1))
    slots = (np.tile(np.arange(n_f, dtype=np.int64), (len(routes), 1)) if batch.slots is None
             else np.asarray(batch.slots, dtype=np.int64).reshape(len(routes), n_f))
    f_start = _first_nonzero(np.abs(profiles).max(axis=3), axis=2).astype(np.int64)
    f_start[np.unique(routes[:, 1])] = 0  # moved vehicles may bring a profile earlier
    if batch.tables is None:
        tables = np.zeros((n_g, 0, n_t, n_t, 1))
        table_profile = np.zeros(0, dtype=np.int64)
        h_start = np.zeros((n_g, 0), dtype=np.int64)
    else:
        kt = batch.tables if isinstance(batch.tables, KernelTables) else \
            kernel_tables(batch.tables)
        tables, h_start = kt.data, kt.start
        table_profile = np.asarray(batch.table_profile, dtype=np.int64)
    variant = np.zeros(1, dtype=np.int64) if batch.variant is None else \
        np.asarray(batch.variant, dtype=np.int64)
    stock = np.ascontiguousarray(np.moveaxis(batch.stock, 2, 0), dtype=float)
    shape = np.ascontiguousarray(batch.shape, dtype=float)
    scale = np.ascontiguousarray(batch.scale, dtype=float)
    vehicles = [np.zeros((n_g, n_t, n)) for _ in range(6)]
    sums = [np.zeros((n_g, n_t, k, n)) for k in (n_f, n_f, n_f, table_profile.size)]
    cohort_out = np.zeros((n_g, n_t, n_t, n) if keep_cohorts else (n_g, 0, 0, n))
    constant = np.all(shape == shape[:1], axis=0) & np.all(scale == scale[:1], axis=0)
    _run(stock, hist, shape, scale, shape_mult, scale_mult, period,
         np.any(period != 1.0, axis=1), constant, caps,
         batch.form == "pdf", POLICIES.index(batch.policy), float(batch.tolerance),
         bool(np.any(shape_mult != 1.0)), base_powers(shape, scale), routes, given, slots, order,
         profiles, f_start, tables, table_profile, h_start, variant, int(min(block, max(n, 1))),
         keep_cohorts, *vehicles, *sums, cohort_out)
    inflow, outflow, early, negative, moved_out, moved_in = (np.moveaxis(v, 0, 2)
                                                            for v in vehicles)
    result = FleetSolution(np.moveaxis(stock, 0, 2), inflow, outflow, early, negative,
                           moved_out, moved_in, *(np.moveaxis(s, 0, 3) for s in sums),
                           np.moveaxis(cohort_out, 0, 3) if keep_cohorts else None,
                           batch.policy)
    if batch.policy == "error" and np.any(negative > 0):
        t = int(np.argmax(np.any(negative > 0, axis=(1, 2))))
        _raise_negative(negative[t], names, years, t)
    return result


def _raise_negative(deficit: np.ndarray, names: list[str] | None, years: list[int] | None,
                    t: int) -> None:
    """Raise :class:`NegativeInflowError` for the largest deficit of year index ``t``."""
    g = int(np.argmax(deficit.max(axis=0)))
    name = names[g] if names and g < len(names) else f"type {g}"
    year = years[t] if years is not None else f"year index {t}"
    raise NegativeInflowError(
        f"negative inflow for {name} in {year}: the stock falls {float(deficit.max()):,.0f} "
        f"units faster than retirements; choose the 'retire' or 'allow' negative_inflow "
        f"policy or fix the stock data")


def survival_curves(shape: np.ndarray, scale: np.ndarray, n_ages: int, form: str
                    ) -> np.ndarray:
    """Survival ``s(a)`` at ages ``a = 0..n_ages-1`` of Weibull lifetimes ``(K,)``, ``(A, K)``:
    the kernel's own curve (module docstring), for the pack, second-life and flodym lifetime
    models that need a survival table."""
    shape = np.atleast_1d(np.asarray(shape, float))
    scale = np.broadcast_to(np.asarray(scale, float), shape.shape)
    if form not in FORMS:
        raise ValueError(f"unknown lifetime form {form!r}; use one of {FORMS}")
    k = shape.size
    n = max(int(n_ages), 1)
    shp = np.ascontiguousarray(np.broadcast_to(shape.reshape(1, 1, -1), (n, 1, k))[:, 0])
    scl = np.ascontiguousarray(np.broadcast_to(scale.reshape(1, 1, -1), (n, 1, k))[:, 0])
    out = np.empty((n, k))
    _curves(shp, scl, form == "pdf", out)
    return out[:n_ages]


@jit
def _curves(shape, scale, pdf, out):
    """``out[a, k]``: :func:`_raw_curve` of cohort 0 for each column ``k`` (one draw each)."""
    n_t, n_k = shape.shape
    ones = np.ones((1, n_k))
    scratch = np.empty((10, 1))
    bits = np.empty(1, dtype=np.int64)
    curve = np.empty((n_t, 1))
    for k in range(n_k):
        _raw_curve(shape, scale, ones, ones, pdf, k, 0, 0, 1, True, np.zeros((1, 1, 1)), n_t,
                   curve, scratch, bits)
        out[:, k] = curve[:, 0]
