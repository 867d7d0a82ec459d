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
from .hazard import Hazard
from .kernel import NegativeInflowEvent
from .lifetimes import survival_by_age
from .projection import LogisticFit, fit_logistic


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
    """Vehicles reclassified out of each type (:mod:`elt_odym.fleet.transfers`)."""
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

    Recorded values up to ``switch_year`` (``source = "recorded"``); after the last recorded
    year the fitted curve (``"fit"``), or under ``stock_join = "blend"`` the fitted curve plus
    the last recorded residual ``r`` decaying as ``r exp(-(t - t_r) / blend_years)``
    (``"blend"``), so the path joins the records without a step.
    """
    years, products = data.years, data.items["g"]
    history = data["stock_history"].observations
    opts = data.options
    stock = np.zeros((len(years), len(products)))
    source = np.full(stock.shape, "fit", dtype=object)
    for j, g in enumerate(products):
        stock[:, j] = fits[g](years)
        recorded = [y for y in years if y <= opts.switch_year and (y, g) in history]
        for y in recorded:
            i = years.index(y)
            stock[i, j], source[i, j] = history[(y, g)], "recorded"
        if opts.stock_join == "blend" and recorded:
            last = max(recorded)
            residual = history[(last, g)] - float(fits[g](last))
            after = np.array([y > last for y in years])
            gap = np.array(years, float)[after] - last
            stock[after, j] += residual * np.exp(-gap / opts.blend_years)
            source[after, j] = "blend"
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


def workbook_pre_stock(data: ModelData, first_stock: np.ndarray, form: str
                       ) -> tuple[list[int], np.ndarray]:
    """Pre-first-year stock implied by ``initial_age_distribution`` (see module docstring)."""
    p = data["initial_age_distribution"]
    if not p.present:
        raise ConfigError("age_structure 'workbook' needs the initial_age_distribution "
                          "workbook")
    ages = np.array(data.items["a"])
    shares = np.asarray(p.values, dtype=float)  # (A, G)
    a_max = int(ages[np.any(shares > 0, axis=1)].max()) if np.any(shares > 0) else 0
    shape = np.asarray(data["weibull_shape"].values, dtype=float)
    scale = np.asarray(data["weibull_scale"].values, dtype=float)
    sf = survival_by_age(np.arange(a_max + 1)[:, None], shape, scale, form)  # base parameters
    pre_years = list(range(data.years[0] - a_max, data.years[0]))
    stock = np.zeros((a_max, first_stock.size))
    for a in range(1, a_max + 1):
        share_a = shares[list(ages).index(a)] if a in ages else 0.0
        inflow = share_a * first_stock / np.where(sf[a] > 0, sf[a], 1.0)
        entry = a_max - a  # index of the entry year on the pre-year axis
        stock[entry:] += inflow * sf[: a_max - entry]
    return pre_years, stock


def extended_stock(data: ModelData, path: np.ndarray) -> tuple[list[int], np.ndarray]:
    """The stock on the extended axis for the chosen age structure."""
    mode = data.options.age_structure
    if mode == "single_cohort":
        return list(data.years), path
    if mode == "spin_up":
        pre_years, pre = spin_up_stock(data, path[0])
    else:
        pre_years, pre = workbook_pre_stock(data, path[0], data.options.lifetime_form)
    return pre_years + list(data.years), np.vstack([pre, path])


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
    ``(T_ext, G)``; ``n_history`` the number of history years before the first model year.
    """

    years: list[int]
    stock: np.ndarray
    shape: np.ndarray
    scale: np.ndarray
    n_history: int
    form: str
    policy: str
    hazard: Hazard | None = None
    """Period effects and age cap (:mod:`elt_odym.fleet.hazard`); None: Weibull only."""
    transfers: dict[int, int] = field(default_factory=dict)
    """Reclassification routes, source type index -> destination type index."""

    @property
    def model_stock(self) -> np.ndarray:
        """The stock of the model years."""
        return self.stock[self.n_history:]


def fleet_inputs(data: ModelData, projection: Projection | None = None) -> FleetInputs:
    """Project the stock (unless given) and arrange the fleet's inputs on the extended axis."""
    projection = projection or project(data)
    ext_years, ext_stock = extended_stock(data, projection.path)
    n_pre = len(ext_years) - len(data.years)
    shape, scale = lifetime_parameters(data, n_pre)
    return FleetInputs(ext_years, ext_stock, shape, scale, n_pre, data.options.lifetime_form,
                       data.options.negative_inflow, hazard(data, n_pre),
                       transfer_routes(data))


def hazard(data: ModelData, n_pre: int, period_factor: np.ndarray | None = None
           ) -> Hazard | None:
    """The :class:`~elt_odym.fleet.hazard.Hazard` of a scenario on the extended axis (history
    years: no period effect), or None when nothing acts.

    ``period_factor`` (model years x types) replaces the ``hazard_period_factor`` workbook
    (calibration).
    """
    n_g = len(data.items["g"])
    if period_factor is None:
        period_factor = data["hazard_period_factor"].values
    period = np.vstack([np.ones((n_pre, n_g)), np.reshape(period_factor, (-1, n_g))])
    max_age = None
    if data.options.age_cap:
        p = data["legal_max_age"]
        if not p.present:
            raise ConfigError("age_cap needs the legal_max_age workbook")
        max_age = np.asarray(p.values, float)
    out = Hazard(period if np.any(period != 1.0) else None, max_age)
    return out if out.active else None


def transfer_routes(data: ModelData) -> dict[int, int]:
    """The ``transfers`` option as type indices; unknown types are a :class:`ConfigError`."""
    products = data.items["g"]
    routes = {}
    for src, dst in data.options.transfers.items():
        if src not in products or dst not in products or src == dst:
            raise ConfigError(f"transfer {src!r} -> {dst!r}: both must be distinct product "
                              f"types of {products}")
        routes[products.index(src)] = products.index(dst)
    if routes and data.options.negative_inflow != "retire":
        raise ConfigError("transfers need negative_inflow = 'retire' (the surplus of a falling "
                          "stock is what is transferred)")
    return routes
