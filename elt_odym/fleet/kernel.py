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

from dataclasses import dataclass

import numpy as np

from ..errors import NegativeInflowError
from .loops import raw_curves, solve_blocks

POLICIES = ("error", "retire", "allow")
FORMS = ("pdf", "survival")

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
    _check(batch)
    n_t, n, n_g = batch.stock.shape
    ones = np.ones((n, n_g))
    shape_mult = _draw_axis(batch.shape_mult, ones, 0)
    period = _draw_axis(batch.period, np.ones((n_t, 1, n_g)), 1)
    hist = (np.zeros((n_g, 0, n)) if batch.history_inflow is None
            else np.ascontiguousarray(np.moveaxis(batch.history_inflow, 2, 0), dtype=float))
    profiles = (np.zeros((n_g, 0, n_t, 1)) if batch.profiles is None else
                np.ascontiguousarray(np.moveaxis(batch.profiles, 3, 0), dtype=float))
    n_f = profiles.shape[1]
    routes, order, given, slots = _transfer_inputs(batch, n_g, n_t, n_f)
    f_start = _first_nonzero(np.abs(profiles).max(axis=3), axis=2).astype(np.int64)
    f_start[np.unique(routes[:, 1])] = 0  # moved vehicles may bring a profile earlier
    tables, table_profile, h_start, variant = _table_inputs(batch, n_g, n_t)
    stock = np.ascontiguousarray(np.moveaxis(batch.stock, 2, 0), dtype=float)
    shape = np.ascontiguousarray(batch.shape, dtype=float)
    scale = np.ascontiguousarray(batch.scale, dtype=float)
    vehicles = [np.zeros((n_g, n_t, n)) for _ in range(6)]
    sums = [np.zeros((n_g, n_t, k, n)) for k in (n_f, n_f, n_f, table_profile.size)]
    cohort_out = np.zeros((n_g, n_t, n_t, n) if keep_cohorts else (n_g, 0, 0, n))
    constant = np.all(shape == shape[:1], axis=0) & np.all(scale == scale[:1], axis=0)
    solve_blocks(stock, hist, shape, scale, shape_mult, _draw_axis(batch.scale_mult, ones, 0),
                 period, np.any(period != 1.0, axis=1), constant, _age_caps(batch, n_g, n_t),
                 batch.form == "pdf", POLICIES.index(batch.policy), float(batch.tolerance),
                 bool(np.any(shape_mult != 1.0)), base_powers(shape, scale), routes, given,
                 slots, order, profiles, f_start, tables, table_profile, h_start, variant,
                 int(min(block, max(n, 1))), keep_cohorts, *vehicles, *sums, cohort_out)
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


def _check(batch: FleetBatch) -> None:
    """Refuse an unknown policy or lifetime form."""
    if batch.policy not in POLICIES:
        raise ValueError(f"negative_inflow policy must be one of {POLICIES}, not "
                         f"{batch.policy!r}")
    if batch.form not in FORMS:
        raise ValueError(f"unknown lifetime form {batch.form!r}; use one of {FORMS}")


def _age_caps(batch: FleetBatch, n_g: int, n_t: int) -> np.ndarray:
    """Each type's age cap in whole years (``n_t + 1``: none)."""
    caps = np.full(n_g, n_t + 1, dtype=np.int64)
    if batch.max_age is not None:
        cap = np.asarray(batch.max_age, float)
        caps = np.where(np.isfinite(cap), np.minimum(np.ceil(cap), n_t + 1), n_t + 1
                        ).astype(np.int64)
    return caps


def _transfer_inputs(batch: FleetBatch, n_g: int, n_t: int, n_f: int) -> tuple:
    """The routes ``(R, 2)``, the order of the types, the given amounts ``(R, T, N or 1)`` and
    the profile slots ``(R, F)`` of the batch's transfers."""
    routes = np.array(batch.routes, dtype=np.int64).reshape(-1, 2)
    order = type_order(n_g, tuple(map(tuple, routes)))
    if set(routes[:, 0]) & set(routes[:, 1]):
        raise ValueError("a transfer destination may not also be a source: "
                         f"{[tuple(r) for r in routes.tolist()]}")
    given = (np.zeros((len(routes), n_t, 1)) if batch.given is None
             else np.ascontiguousarray(batch.given, dtype=float).reshape(len(routes), n_t, -1))
    slots = (np.tile(np.arange(n_f, dtype=np.int64), (len(routes), 1)) if batch.slots is None
             else np.asarray(batch.slots, dtype=np.int64).reshape(len(routes), n_f))
    return routes, order, given, slots


def _table_inputs(batch: FleetBatch, n_g: int, n_t: int) -> tuple:
    """The age tables in the kernel's layout, the profile of each, their first cohorts and
    each draw's variant (empty tables when the batch has none)."""
    variant = np.zeros(1, dtype=np.int64) if batch.variant is None else \
        np.asarray(batch.variant, dtype=np.int64)
    if batch.tables is None:
        return (np.zeros((n_g, 0, n_t, n_t, 1)), np.zeros(0, dtype=np.int64),
                np.zeros((n_g, 0), dtype=np.int64), variant)
    kt = batch.tables if isinstance(batch.tables, KernelTables) else kernel_tables(batch.tables)
    return kt.data, np.asarray(batch.table_profile, dtype=np.int64), kt.start, variant


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
    raw_curves(shp, scl, form == "pdf", out)
    return out[:n_ages]
