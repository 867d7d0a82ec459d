"""The model of arrays: the whole model for a batch of parameter sets at once.

One array model serves calibration, sensitivity, Monte Carlo and Sobol; the deterministic run
is the flodym system (:mod:`elt_odym.system.mfa`), and the tests check that a batch of one equals it.
Both call the one stock-driven solver (:func:`elt_odym.fleet.kernel.solve_batch`) and the pure
``calc_*`` functions of :mod:`elt_odym.system.equations`.

For each draw ``n``: the stock path times ``stock_mult[n, g]``, Weibull scale and shape times
``scale_mult[n, g]`` and ``shape_mult[n, g]`` (on top of any cohort factors), unit weight
``weight[n, g]``, composition, prices and factors of that draw. With every multiplier at 1 the
result equals the deterministic run (tested).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import numpy as np

from .data import ModelData
from .fleet import kernel_numba
from .fleet.hazard import adjust_curves
from .fleet.inputs import FleetInputs, Projection, fleet_inputs
from .fleet.kernel import cohort_survival_batch, solve_batch, survival_by_age_batch
from .fleet.lifetimes import weibull_mean
from .fleet.transfers import FleetFlows, split_transfers
from .system.equations.economics import calc_economic_value
from .system.equations.energy_carbon import calc_saving
from .system.equations.indicators import (
    assessed_materials,
    factor_pairs,
    money_unit,
    route_multipliers,
)

logger = logging.getLogger(__name__)

OUTPUTS = ("eol", "eol_mass", "eol_material", "economic_value", "energy_saving",
           "carbon_saving", "carbon_saving_decreasing")


@dataclass
class ModelArrays:
    """Deterministic inputs of one scenario as arrays (the batch model's base point)."""

    years: list[int]
    products: list[str]
    materials: list[str]
    metals: list[str]
    fleet: FleetInputs
    weight: np.ndarray
    weight_low: np.ndarray
    composition: np.ndarray
    collection: np.ndarray
    recovery: np.ndarray
    price: np.ndarray
    energy: np.ndarray
    carbon: np.ndarray
    rel_range: float
    multiplier: np.ndarray
    """Decreasing-factor multipliers of the primary and secondary carbon factors ``(T, 2)``."""
    uncertainty: dict = field(default_factory=dict)
    money: str = "USD"
    """Unit of the economic value (``USD<money year>``)."""

    @property
    def n_pre(self) -> int:
        """History years before the first model year."""
        return self.fleet.n_history

    @property
    def mean_life(self) -> np.ndarray:
        """Mean Weibull lifetime of each type from its first model cohort's parameters."""
        return weibull_mean(self.fleet.shape[self.n_pre], self.fleet.scale[self.n_pre])

    @property
    def cohort_constant(self) -> bool:
        """True if the lifetime does not depend on the cohort (survival by age only)."""
        f = self.fleet
        if f.hazard is not None and f.hazard.active:
            return False
        return bool(np.all(f.shape == f.shape[0]) and np.all(f.scale == f.scale[0]))

    def with_lifetimes(self, shape: np.ndarray, scale: np.ndarray) -> "ModelArrays":
        """A copy with other cohort lifetimes ``(T_ext, G)`` (calibration)."""
        return dataclasses.replace(self, fleet=dataclasses.replace(self.fleet, shape=shape,
                                                                   scale=scale))

    def labels(self, materials: str = "metals", fleet: bool = False
               ) -> dict[str, tuple[str, list[str], str]]:
        """Per output: the dimension of its last axis, its items and its unit (``fleet``: with
        ``inflow`` and ``transfer``, as :func:`evaluate`)."""
        g, m = self.products + ["total"], self.metals + ["total"]
        mats = self.metals if materials == "metals" else self.materials
        out = {"eol": ("g", g, "unit"), "eol_mass": ("g", g, "t"),
               "eol_material": ("m", mats, "t"),
               "economic_value": ("m", ["total"], self.money), "energy_saving": ("m", m, "GJ"),
               "carbon_saving": ("m", m, "t CO2e"),
               "carbon_saving_decreasing": ("m", m, "t CO2e")}
        if fleet:
            out.update(inflow=("g", g, "unit"), transfer=("g", g, "unit"))
        return out


def model_arrays(data: ModelData, projection: Projection | None = None) -> ModelArrays:
    """Collect a scenario's inputs for the array model."""
    if data.options.age_structure == "workbook":
        raise NotImplementedError("the array model supports the single_cohort and spin_up "
                                  "age structures; the workbook age structure depends on "
                                  "each draw's lifetime")
    metals = assessed_materials(data)
    unc = {name: {k: u for k, u in data[name].uncertainty.items() if u.kind != "none"}
           for name in ("unit_weight", "weibull_scale", "weibull_shape",
                        "material_composition", "price", "energy_factor", "carbon_factor")}
    return ModelArrays(
        years=list(data.years), products=list(data.items["g"]), materials=list(data.items["m"]),
        metals=metals, fleet=fleet_inputs(data, projection),
        weight=np.asarray(data["unit_weight"].values, float),
        weight_low=np.asarray(data["unit_weight_low"].values, float),
        composition=np.asarray(data["material_composition"].values, float),
        collection=np.asarray(data["collection_rate"].values, float),
        recovery=np.asarray(data["recovery_efficiency"].values, float),
        price=np.asarray(data["price"].values, float),
        energy=factor_pairs(data, "energy_factor", metals),
        carbon=factor_pairs(data, "carbon_factor", metals),
        rel_range=data["factor_range"].scalar(),
        multiplier=route_multipliers(data),
        uncertainty={k: v for k, v in unc.items() if v}, money=money_unit(data))


@dataclass
class Draws:
    """Per-draw inputs; every array has the draws on its first axis."""

    stock_mult: np.ndarray
    scale_mult: np.ndarray
    shape_mult: np.ndarray
    weight: np.ndarray
    composition: np.ndarray | None
    price: np.ndarray
    energy: np.ndarray
    carbon: np.ndarray

    @property
    def n(self) -> int:
        """Number of draws."""
        return self.stock_mult.shape[0]

    def take(self, sl: slice) -> "Draws":
        """The draws of a slice (a chunk)."""
        comp = None if self.composition is None else self.composition[sl]
        return Draws(self.stock_mult[sl], self.scale_mult[sl], self.shape_mult[sl],
                     self.weight[sl], comp, self.price[sl], self.energy[sl], self.carbon[sl])


def fixed_draws(base: ModelArrays, n: int) -> Draws:
    """``n`` draws equal to the deterministic inputs (zero variance)."""
    g = len(base.products)
    mean_price = base.price[:, 1]
    return Draws(np.ones((n, g)), np.ones((n, g)), np.ones((n, g)),
                 np.tile(base.weight, (n, 1)), None, np.tile(mean_price, (n, 1)),
                 np.tile(base.energy, (n, 1, 1)), np.tile(base.carbon, (n, 1, 1)))


def lifetime_shift_multiplier(mean_life: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Weibull-scale multiplier that shifts the mean lifetime by ``shift`` years, shape kept:
    ``(mean + shift) / mean`` (the mean of a Weibull is proportional to its scale)."""
    return (mean_life + shift) / mean_life


def fused_kernel_applies(fleet: FleetInputs) -> bool:
    """True if the compiled kernel (:mod:`elt_odym.fleet.kernel_numba`) covers these inputs.

    The kernel knows the plain Weibull lifetime (cohort shape and scale, per-draw multipliers,
    pdf and survival forms, every negative-inflow policy, history years). Any other field of
    :class:`~elt_odym.fleet.inputs.FleetInputs` (period effects, an age cap, ...) that is
    set away from its default sends the batch to the numpy path, which stays the general one.
    """
    if not kernel_numba.AVAILABLE or fleet.form not in ("pdf", "survival"):
        return False
    return all(_at_default(fleet, f) for f in dataclasses.fields(fleet)
               if f.name not in _PLAIN_FIELDS)


_PLAIN_FIELDS = ("years", "stock", "shape", "scale", "n_history", "form", "policy")


def _at_default(obj, f: dataclasses.Field) -> bool:
    """True if field ``f`` of ``obj`` is None or equals its declared default."""
    value = getattr(obj, f.name)
    if value is None:
        return True
    if f.default is not dataclasses.MISSING:
        default = f.default
    elif f.default_factory is not dataclasses.MISSING:
        default = f.default_factory()
    else:
        return False
    try:
        return bool(np.all(value == default))
    except (TypeError, ValueError):
        return False


def calc_fleet(base: ModelArrays, d: Draws) -> np.ndarray:
    """End-of-life trucks ``(T, N, G)`` of the model years (Eqs. 2-3, one solver)."""
    return calc_fleet_flows(base, d).eol


def calc_fleet_flows(base: ModelArrays, d: Draws) -> FleetFlows:
    """New trucks, end of life and transfers ``(T, N, G)`` of the model years.

    The compiled fused kernel when :func:`fused_kernel_applies`, else the numpy solver
    (:func:`~elt_odym.fleet.kernel.solve_batch`, the reference and the general path: period
    effects, age cap); the tests hold them to 1e-12.
    """
    f = base.fleet
    if fused_kernel_applies(f):
        res = kernel_numba.solve_fused(f.stock, d.stock_mult, f.shape, f.scale, d.scale_mult,
                                       d.shape_mult, f.form, f.policy)
        h = f.n_history
        return split_transfers(res.inflow[h:], res.outflow[h:], res.early_retirement[h:],
                               f.transfers)
    _warn_numpy_once()
    return _numpy_flows(base, d)


def calc_fleet_numpy(base: ModelArrays, d: Draws) -> np.ndarray:
    """:func:`calc_fleet` on the numpy solver (the general path and the tests' reference)."""
    return _numpy_flows(base, d).eol


def _numpy_flows(base: ModelArrays, d: Draws) -> FleetFlows:
    """New trucks, end of life and transfers on the numpy solver."""
    f = base.fleet
    stock = f.stock[:, None, :] * d.stock_mult[None]
    if base.cohort_constant and np.all(d.shape_mult == d.shape_mult[:1]):
        sf_age = survival_by_age_batch(f.shape[0] * d.shape_mult, f.scale[0] * d.scale_mult,
                                       stock.shape[0], f.form)
        res = solve_batch(stock, f.policy, sf_age=sf_age)
    else:
        curves = cohort_survival_batch(f.shape, f.scale, d.scale_mult, f.form, d.shape_mult)
        curves = adjust_curves(curves, f.hazard)
        res = solve_batch(stock, f.policy, sf_cohorts=curves)
    h = f.n_history
    return split_transfers(res.inflow[h:], res.outflow[h:], res.early_retirement[h:],
                           f.transfers)


def _warn_numpy_once() -> None:
    """Log once per process that numba is missing and the slower numpy path runs."""
    if not kernel_numba.AVAILABLE and not _WARNED:
        _WARNED.append(True)
        logger.warning("numba is not installed: the array model runs on the numpy solver "
                       "(slower, same results); pip install numba")


_WARNED: list[bool] = []


def evaluate(base: ModelArrays, d: Draws, materials: str = "metals",
             fleet: bool = False) -> dict[str, np.ndarray]:
    """All :data:`OUTPUTS` for a batch of draws, each ``(N, T, K)`` (see :meth:`labels`).

    ``materials="all"`` gives ``eol_material`` for every material (calibration),
    ``"metals"`` for the assessed metals only (Monte Carlo memory). ``fleet=True`` adds the
    new trucks (``inflow``) and reclassified vehicles (``transfer``) by type.
    """
    flows = calc_fleet_flows(base, d)
    eol = flows.eol
    eol_mass = eol * d.weight[None]
    idx = [base.materials.index(m) for m in base.metals]
    comp = base.composition[None] if d.composition is None else d.composition  # (1|N, G, M)
    collected = eol_mass * base.collection[:, None, :]  # (T, N, G)
    comp_n = np.broadcast_to(comp, (eol.shape[1],) + comp.shape[1:])
    shown = comp_n[..., idx] if materials == "metals" else comp_n
    material = np.einsum("tng,ngm->tnm", eol_mass, shown)  # Eq. 6
    mass = np.einsum("tng,ngm->tnm", collected, comp_n[..., idx]) * base.recovery[idx]
    # Eq. 7 summed over materials first: value per tonne of collected truck of each type
    value_per_t = calc_economic_value(comp * base.recovery, d.price[:, None, :]).sum(axis=-1)
    value = (collected * value_per_t[None]).sum(axis=-1, keepdims=True)
    mult_p, mult_s = base.multiplier[:, None, None, 0], base.multiplier[:, None, None, 1]
    savings = {
        "energy_saving": calc_saving(d.energy[None, ..., 0], d.energy[None, ..., 1], mass),
        "carbon_saving": calc_saving(d.carbon[None, ..., 0], d.carbon[None, ..., 1], mass),
        "carbon_saving_decreasing": calc_saving(d.carbon[None, ..., 0] * mult_p,
                                                d.carbon[None, ..., 1] * mult_s, mass)}
    out = {"eol": _add_total(eol), "eol_mass": _add_total(eol_mass),
           "eol_material": material, "economic_value": value}
    out.update({k: _add_total(v) for k, v in savings.items()})
    if fleet:
        out.update(inflow=_add_total(flows.inflow), transfer=_add_total(flows.transfer_out))
    return {k: np.moveaxis(v, 1, 0) for k, v in out.items()}


def _add_total(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a, a.sum(axis=-1, keepdims=True)], axis=-1)
