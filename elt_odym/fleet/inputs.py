"""Fleet inputs of one scenario: stock path, cohort lifetimes, initial age structure (history).

The stock path per type is the recorded history up to ``switch_year`` where it exists and the
fitted logistic curve elsewhere. The fleet stock of the system
(:class:`~elt_odym.fleet.stock_model.FleetStockModel`) and the array model
(:mod:`elt_odym.batch`) both solve on an *extended* time axis that starts before the first
model year when the first-year stock has an age structure (:class:`FleetInputs`):

``single_cohort``  the whole first-year stock enters as one cohort in the first model year (what
                   the study's "wave-like" curves suggest); no extension.
``spin_up``        the axis starts at the first year of ``stock_total_history`` (pre-2002 total
                   trucks, interpolated linearly between given years); each type's spin-up
                   stock is that total times the type's share of the first-year stock; the
                   stock-driven model over the spin-up years builds the age structure.
``workbook``       ``initial_age_distribution`` gives the first-year stock's shares by age; the
                   cohort of age ``a`` entered ``a`` years earlier with ``share_a * S / sf(a)``
                   trucks, so that ``share_a * S`` survive to the first year.

Cohorts before the first model year use the type's base Weibull parameters (cohort factors
apply to model years only). Results are reported for the model years; the stock of the year
before (``initial_stock``) closes the number balance of the first year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import ModelData
from ..errors import ConfigError
from .kernel import NegativeInflowEvent
from .projection import (
    LogisticFit,
    ProjectionDraws,
    fit_logistic,
    recorded_path,
    stock_paths,
)


@dataclass
class FleetResult:
    """Stock, inflow and end-of-life by year (model window) and type, in vehicles."""

    years: list[int]
    products: list[str]
    stock: np.ndarray
    inflow: np.ndarray
    eol: np.ndarray
    early_retirement: np.ndarray
    initial_stock: np.ndarray
    stock_source: np.ndarray
    fits: dict[str, LogisticFit]
    events: list[NegativeInflowEvent] = field(default_factory=list)
    ext_years: list[int] = field(default_factory=list)
    ext_stock: np.ndarray | None = None
    transfer_out: np.ndarray | None = None
    """Vehicles reclassified out of each type (moved by :mod:`elt_odym.fleet.kernel`)."""
    transfer_in: np.ndarray | None = None
    """Vehicles reclassified into each type."""

    def balance_error(self) -> np.ndarray:
        """``S_t - S_{t-1} - (inflow_t - eol_t + in_t - out_t)``, the first year against
        ``initial_stock``."""
        previous = np.vstack([self.initial_stock[np.newaxis], self.stock[:-1]])
        net = self.inflow - self.eol
        if self.transfer_out is not None:
            net = net + self.transfer_in - self.transfer_out
        return self.stock - previous - net


def observations(data: ModelData, product: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Years, values and sigmas (NaN: default) of one type's stock observations."""
    rows = {}
    for name in ("stock_history", "stock_anchors"):
        p = data[name]
        for (year, g), value in p.observations.items():
            if g != product:
                continue
            unc = p.uncertainty[(year, g)]
            sigma = unc.p2 if unc.kind == "normal" else np.nan
            rows[(year, name)] = (year, value, sigma)
    arr = np.array(sorted(rows.values()), dtype=float).reshape(-1, 3)
    return arr[:, 0], arr[:, 1], arr[:, 2]


def fit_stocks(data: ModelData) -> dict[str, LogisticFit]:
    """Fit Eq. 1 per type to the history and anchors."""
    rel, k_bound = data.options.fit_default_rel_sigma, data.options.fit_max_rate
    return {g: fit_logistic(g, *observations(data, g), rel_default=rel, k_bound=k_bound)
            for g in data.items["g"]}


def stock_path(data: ModelData, fits: dict[str, LogisticFit]) -> tuple[np.ndarray, np.ndarray]:
    """Stock by model year and type, and where each value comes from.

    Recorded values up to ``switch_year`` (``source = "recorded"``), interpolated at a
    constant growth rate between two recorded years (``"interpolated"``,
    :func:`~elt_odym.fleet.projection.recorded_path`); after the last recorded year the fitted
    curve (``"fit"``), or under ``stock_join = "blend"`` the fitted curve plus the last
    recorded residual ``r`` decaying as ``r exp(-(t - t_r) / blend_years)`` (``"blend"``), so
    the path joins the records without a step. The values are those of
    :func:`~elt_odym.fleet.projection.stock_paths` for one draw, the fitted parameters.
    """
    years, products = data.years, data.items["g"]
    one = np.array([[getattr(fits[g], name) for g in products] for name in ("a", "k", "t_c")])
    draw = ProjectionDraws(list(products), one[0][None], one[1][None], one[2][None],
                           np.zeros(len(products), dtype=int))
    stock = stock_paths(data, draw)[:, 0, :]  # the sampled paths' rules, a draw of one
    source = np.full(stock.shape, "fit", dtype=object)
    history = data["stock_history"].observations
    for j, g in enumerate(products):
        _, kind = recorded_path(years, history, g, data.options.switch_year)
        source[kind != "", j] = kind[kind != ""]
        if data.options.stock_join == "blend" and "recorded" in kind:
            last = max(y for y, k in zip(years, kind) if k == "recorded")
            source[np.array(years) > last, j] = "blend"
    return stock, source


def lifetime_parameters(data: ModelData, n_pre: int, shape: np.ndarray | None = None,
                        scale: np.ndarray | None = None,
                        scale_factor: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weibull shape and scale per cohort ``(T_ext, G)``; pre-years use the base values.

    ``shape``, ``scale`` (per type) and ``scale_factor`` (model years x types) replace the
    workbooks' ``weibull_shape``, ``weibull_scale`` and ``weibull_scale_cohort_factor`` when
    given (calibration).
    """
    shape = np.asarray(data["weibull_shape"].values if shape is None else shape, dtype=float)
    scale = np.asarray(data["weibull_scale"].values if scale is None else scale, dtype=float)
    n_t = len(data.years)
    if scale_factor is None:
        scale_factor = data["weibull_scale_cohort_factor"].values
    f_shape = np.vstack([np.ones((n_pre, shape.size)),
                         data["weibull_shape_cohort_factor"].values.reshape(n_t, -1)])
    f_scale = np.vstack([np.ones((n_pre, scale.size)), np.reshape(scale_factor, (n_t, -1))])
    return shape[np.newaxis] * f_shape, scale[np.newaxis] * f_scale


def spin_up_stock(data: ModelData, first_stock: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Pre-first-year stock by type from the total-truck series (see module docstring)."""
    obs = {y: v for (y,), v in data["stock_total_history"].observations.items()
           if y < data.years[0]}
    if not obs:
        raise ConfigError("age_structure 'spin_up' needs stock_total_history before "
                          f"{data.years[0]}")
    known = sorted(obs)
    pre_years = list(range(known[0], data.years[0]))
    total = np.interp(pre_years, known, [obs[y] for y in known])
    share = first_stock / first_stock.sum()
    return pre_years, total[:, np.newaxis] * share[np.newaxis]


def workbook_age_shares(data: ModelData) -> np.ndarray:
    """The first-year stock's shares by age ``(A+1, G)`` up to the oldest age with a share."""
    p = data["initial_age_distribution"]
    if not p.present:
        raise ConfigError("age_structure 'workbook' needs the initial_age_distribution "
                          "workbook")
    ages = list(data.items["a"])
    shares = np.asarray(p.values, dtype=float)  # (A, G)
    a_max = max((a for a, row in zip(ages, shares) if np.any(row > 0)), default=0)
    out = np.zeros((a_max + 1, shares.shape[1]))
    for a, row in zip(ages, shares):
        if a <= a_max:
            out[a] = row
    return out


def extended_stock(data: ModelData, path: np.ndarray
                   ) -> tuple[list[int], np.ndarray, np.ndarray | None]:
    """Years and stock on the extended axis for the chosen age structure, and the age shares
    of the workbook age structure (its history years are inflow-driven: their stock is
    computed by the kernel, zero here)."""
    mode = data.options.age_structure
    if mode == "single_cohort":
        return list(data.years), path, None
    if mode == "spin_up":
        pre_years, pre = spin_up_stock(data, path[0])
        return pre_years + list(data.years), np.vstack([pre, path]), None
    shares = workbook_age_shares(data)
    h = shares.shape[0] - 1
    pre_years = list(range(data.years[0] - h, data.years[0]))
    return pre_years + list(data.years), np.vstack([np.zeros((h, path.shape[1])), path]), \
        shares


@dataclass
class Projection:
    """The fitted curves and the stock path they give (reusable across lifetime variants)."""

    fits: dict[str, LogisticFit]
    path: np.ndarray
    source: np.ndarray


def project(data: ModelData) -> Projection:
    """Fit Eq. 1 per type and build the stock path of the model years."""
    fits = fit_stocks(data)
    path, source = stock_path(data, fits)
    return Projection(fits, path, source)


@dataclass
class FleetInputs:
    """The fleet's inputs on the extended axis (history years, then model years).

    ``stock`` ``(T_ext, G)``; ``shape`` and ``scale`` the Weibull parameters by cohort
    ``(T_ext, G)``; ``n_history`` the number of history years before the first model year;
    ``period`` the period factor of the one-year hazard by calendar year ``(T_ext, G)`` (1 in
    history years); ``max_age`` the legal age cap ``(G,)`` or None; ``routes`` the transfers
    ``(source, destination)``; ``age_shares`` the first-year stock's shares by age ``(H+1, G)``
    under the workbook age structure (the history years' inflow follows from them), else None.
    """

    years: list[int]
    stock: np.ndarray
    shape: np.ndarray
    scale: np.ndarray
    n_history: int
    form: str
    policy: str
    period: np.ndarray
    max_age: np.ndarray | None = None
    routes: tuple[tuple[int, int], ...] = ()
    age_shares: np.ndarray | None = None
    given: np.ndarray | None = None
    """Vehicles each route moves by the data in each year ``(R, T_ext)`` (the
    ``reclassification`` workbook), or None."""
    tolerance: float = 1e-9

    @property
    def model_stock(self) -> np.ndarray:
        """The stock of the model years."""
        return self.stock[self.n_history:]


def fleet_inputs(data: ModelData, projection: Projection | None = None) -> FleetInputs:
    """Project the stock (unless given) and arrange the fleet's inputs on the extended axis."""
    projection = projection or project(data)
    ext_years, ext_stock, age_shares = extended_stock(data, projection.path)
    n_pre = len(ext_years) - len(data.years)
    shape, scale = lifetime_parameters(data, n_pre)
    routes = transfer_routes(data)
    return FleetInputs(ext_years, ext_stock, shape, scale, n_pre, data.options.lifetime_form,
                       data.options.negative_inflow, period_factors(data, n_pre),
                       max_ages(data), routes, age_shares, given_transfers(data, n_pre, routes))


def given_transfers(data: ModelData, n_pre: int, routes: tuple[tuple[int, int], ...],
                    values: np.ndarray | None = None) -> np.ndarray | None:
    """The ``reclassification`` workbook (or ``values``, model years x types: calibration)
    along each route ``(R, T_ext)``, or None when nothing is reclassified.

    Raises
    ------
    ConfigError
        If a type without a transfer route has reclassified vehicles.
    """
    p = data["reclassification"]
    if values is None and not p.present:
        return None
    values = np.asarray(p.values if values is None else values, float)  # (T, G)
    if not np.any(values):
        return None
    sources = {src for src, _ in routes}
    stray = [data.items["g"][g] for g in np.flatnonzero(values.any(axis=0)) if g not in sources]
    if stray:
        raise ConfigError(f"{p.path}: reclassification of {stray}, which have no transfer "
                          f"route (model option transfers)")
    out = np.zeros((len(routes), n_pre + values.shape[0]))
    for r, (src, _) in enumerate(routes):
        out[r, n_pre:] = values[:, src]
    return out


def period_factors(data: ModelData, n_pre: int, period_factor: np.ndarray | None = None
                   ) -> np.ndarray:
    """The period factor of the one-year hazard by calendar year on the extended axis
    ``(T_ext, G)``: 1 in history years, the ``hazard_period_factor`` workbook (1 where it is
    absent) or ``period_factor`` (model years x types, calibration) after."""
    n_g = len(data.items["g"])
    if period_factor is None:
        period_factor = data["hazard_period_factor"].values
    return np.vstack([np.ones((n_pre, n_g)), np.reshape(period_factor, (-1, n_g))])


def max_ages(data: ModelData) -> np.ndarray | None:
    """The legal maximum age per type when ``age_cap`` is on, else None."""
    if not data.options.age_cap:
        return None
    p = data["legal_max_age"]
    if not p.present:
        raise ConfigError("age_cap needs the legal_max_age workbook")
    return np.asarray(p.values, float)


def transfer_routes(data: ModelData) -> tuple[tuple[int, int], ...]:
    """The ``transfers`` option as ``(source, destination)`` type indices.

    Raises
    ------
    ConfigError
        For an unknown type, a route to itself, a destination that is also a source, or
        transfers without the ``retire`` policy.
    """
    products = data.items["g"]
    routes = []
    for src, dst in data.options.transfers.items():
        if src not in products or dst not in products or src == dst:
            raise ConfigError(f"transfer {src!r} -> {dst!r}: both must be distinct product "
                              f"types of {products}")
        routes.append((products.index(src), products.index(dst)))
    if {s for s, _ in routes} & {d for _, d in routes}:
        raise ConfigError(f"transfers {data.options.transfers}: a destination may not also be "
                          f"a source")
    if routes and data.options.negative_inflow != "retire":
        raise ConfigError("transfers need negative_inflow = 'retire' (the surplus of a falling "
                          "stock is what is transferred)")
    return tuple(routes)
