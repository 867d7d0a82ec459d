"""The whole model for many parameter sets at once, on the batched kernel.

For each draw ``n``: the stock path times ``stock_mult[n, g]``, Weibull scale and shape times
``scale_mult[n, g]`` and ``shape_mult[n, g]`` (on top of any cohort factors), unit weight
``weight[n, g]``, composition, prices and factors of that draw. The equations are those of
:mod:`elt_odym.system` and :mod:`elt_odym.evaluation` (the ``calc_*`` functions are reused);
with every multiplier at 1 the result equals the deterministic run (tested).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data import ModelData
from ..evaluation.economics import calc_economic_value
from ..evaluation.energy_carbon import calc_saving
from ..evaluation.indicators import assessed_materials
from ..fleet.dynamics import Projection, extended_stock, lifetime_parameters, project
from ..fleet.lifetimes import weibull_mean
from ..fleet.kernel import (cohort_survival_batch, solve_batch, survival_by_age_batch,
                            survival_table_batch)

OUTPUTS = ("eol", "eol_mass", "eol_material", "economic_value", "energy_saving",
           "carbon_saving", "carbon_saving_decreasing")


@dataclass
class BaseInputs:
    """Deterministic inputs of one scenario, arranged for the batched model."""

    years: list[int]
    products: list[str]
    materials: list[str]
    metals: list[str]
    n_pre: int
    ext_stock: np.ndarray
    shape_c: np.ndarray
    scale_c: np.ndarray
    form: str
    policy: str
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
    uncertainty: dict = field(default_factory=dict)

    @property
    def mean_life(self) -> np.ndarray:
        """Mean Weibull lifetime of each type from its base (first model cohort) parameters."""
        return weibull_mean(self.shape_c[self.n_pre], self.scale_c[self.n_pre])

    @property
    def cohort_constant(self) -> bool:
        return bool(np.all(self.shape_c == self.shape_c[0]) and
                    np.all(self.scale_c == self.scale_c[0]))

    def labels(self) -> dict[str, tuple[str, list[str], str, str]]:
        """Per output: which dimension its last axis runs over, the items, the unit."""
        g, m = self.products + ["total"], self.metals + ["total"]
        return {"eol": ("g", g, "unit"), "eol_mass": ("g", g, "t"),
                "eol_material": ("m", self.metals, "t"),
                "economic_value": ("m", ["total"], "USD"), "energy_saving": ("m", m, "GJ"),
                "carbon_saving": ("m", m, "t CO2e"),
                "carbon_saving_decreasing": ("m", m, "t CO2e")}


def _factor_pairs(data: ModelData, name: str, metals: list[str]) -> np.ndarray:
    obs = data[name].observations
    return np.array([[obs[(m, "primary")], obs[(m, "secondary")]] for m in metals])


def base_inputs(data: ModelData, projection: Projection | None = None) -> BaseInputs:
    """Collect a scenario's inputs for the batched model."""
    if data.options.age_structure == "workbook":
        raise NotImplementedError("the batched model supports the single_cohort and spin_up "
                                  "age structures; the workbook age structure depends on "
                                  "each draw's lifetime")
    projection = projection or project(data)
    ext_years, ext_stock = extended_stock(data, projection.path)
    n_pre = len(ext_years) - len(data.years)
    shape_c, scale_c = lifetime_parameters(data, n_pre)
    metals = assessed_materials(data)
    unc = {name: {k: u for k, u in data[name].uncertainty.items() if u.kind != "none"}
           for name in ("unit_weight", "weibull_scale", "weibull_shape",
                        "material_composition", "price", "energy_factor", "carbon_factor")}
    return BaseInputs(
        years=list(data.years), products=list(data.items["g"]), materials=list(data.items["m"]),
        metals=metals, n_pre=n_pre, ext_stock=ext_stock, shape_c=shape_c, scale_c=scale_c,
        form=data.options.lifetime_form, policy=data.options.negative_inflow,
        weight=np.asarray(data["unit_weight"].values, float),
        weight_low=np.asarray(data["unit_weight_low"].values, float),
        composition=np.asarray(data["material_composition"].values, float),
        collection=np.asarray(data["collection_rate"].values, float),
        recovery=np.asarray(data["recovery_efficiency"].values, float),
        price=np.asarray(data["price"].values, float),
        energy=_factor_pairs(data, "energy_factor", metals),
        carbon=_factor_pairs(data, "carbon_factor", metals),
        rel_range=data["factor_range"].scalar(),
        multiplier=np.asarray(data["carbon_factor_multiplier"].values, float),
        uncertainty={k: v for k, v in unc.items() if v})


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
        return self.stock_mult.shape[0]

    def take(self, sl: slice) -> "Draws":
        """The draws of a slice (a chunk)."""
        comp = None if self.composition is None else self.composition[sl]
        return Draws(self.stock_mult[sl], self.scale_mult[sl], self.shape_mult[sl],
                     self.weight[sl], comp, self.price[sl], self.energy[sl], self.carbon[sl])


def fixed_draws(base: BaseInputs, n: int) -> Draws:
    """``n`` draws equal to the deterministic inputs (zero variance)."""
    g = len(base.products)
    mean_price = base.price[:, 1]
    return Draws(np.ones((n, g)), np.ones((n, g)), np.ones((n, g)),
                 np.tile(base.weight, (n, 1)), None, np.tile(mean_price, (n, 1)),
                 np.tile(base.energy, (n, 1, 1)), np.tile(base.carbon, (n, 1, 1)))


def _fleet(base: BaseInputs, d: Draws) -> np.ndarray:
    """End-of-life trucks ``(T, N, G)`` of the model years."""
    stock = base.ext_stock[:, None, :] * d.stock_mult[None]
    shape = base.shape_c[:, None, :] * d.shape_mult[None]
    scale = base.scale_c[:, None, :] * d.scale_mult[None]
    if base.cohort_constant:
        sf_age = survival_by_age_batch(shape[0], scale[0], stock.shape[0], base.form)
        res = solve_batch(stock, base.policy, sf_age=sf_age)
    elif np.all(d.shape_mult == 1.0):
        curves = cohort_survival_batch(base.shape_c, base.scale_c, d.scale_mult, base.form)
        res = solve_batch(stock, base.policy, sf_cohorts=curves)
    else:
        res = solve_batch(stock, base.policy, sf_table=survival_table_batch(shape, scale,
                                                                            base.form))
    return res.outflow[base.n_pre:]


def evaluate(base: BaseInputs, d: Draws) -> dict[str, np.ndarray]:
    """All :data:`OUTPUTS` for a set of draws, each ``(N, T, K)`` (see :meth:`labels`)."""
    eol = _fleet(base, d)
    eol_mass = eol * d.weight[None]
    idx = [base.materials.index(m) for m in base.metals]
    comp = base.composition[None] if d.composition is None else d.composition  # (1|N, G, M)
    collected = eol_mass * base.collection[:, None, :]  # (T, N, G)
    metals = np.broadcast_to(comp[..., idx], (eol.shape[1],) + comp.shape[1:2] + (len(idx),))
    material = np.einsum("tng,ngm->tnm", eol_mass, metals)  # Eq. 6 for Fe, Al, Cu
    mass = np.einsum("tng,ngm->tnm", collected, metals) * base.recovery[idx]
    # Eq. 7 summed over materials first: value per tonne of collected truck of each type
    value_per_t = calc_economic_value(comp * base.recovery, d.price[:, None, :]).sum(axis=-1)
    value = (collected * value_per_t[None]).sum(axis=-1, keepdims=True)
    mult = base.multiplier[:, None, None]
    savings = {
        "energy_saving": calc_saving(d.energy[None, ..., 0], d.energy[None, ..., 1], mass),
        "carbon_saving": calc_saving(d.carbon[None, ..., 0], d.carbon[None, ..., 1], mass),
        "carbon_saving_decreasing": calc_saving(d.carbon[None, ..., 0] * mult,
                                                d.carbon[None, ..., 1] * mult, mass)}
    out = {"eol": _add_total(eol), "eol_mass": _add_total(eol_mass),
           "eol_material": material, "economic_value": value}
    out.update({k: _add_total(v) for k, v in savings.items()})
    return {k: np.moveaxis(v, 1, 0) for k, v in out.items()}


def _add_total(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a, a.sum(axis=-1, keepdims=True)], axis=-1)


def data_for_draw(data: ModelData, base: BaseInputs, draws: Draws, i: int) -> ModelData:
    """The :class:`ModelData` of draw ``i``, for the flodym per-draw path (cross-checks).

    Supports the draws of lifetime scale, weight, composition, price and factors (the stock
    multiplier must be 1: the flodym path reads the stock from the projection).
    """
    from ..data import with_observations, with_values

    if not np.all(draws.stock_mult[i] == 1.0) or not np.all(draws.shape_mult[i] == 1.0):
        raise ValueError("data_for_draw supports draws with stock and shape multipliers of 1")
    price = np.array(data["price"].values, float)
    price[:, data.items["s"].index("mean")] = draws.price[i]
    updates = {"weibull_scale": np.asarray(data["weibull_scale"].values) * draws.scale_mult[i],
               "unit_weight": draws.weight[i], "price": price}
    if draws.composition is not None:
        updates["material_composition"] = draws.composition[i]
    factors = {}
    for name, arr in (("energy_factor", draws.energy[i]), ("carbon_factor", draws.carbon[i])):
        obs = dict(data[name].observations)
        for m, metal in enumerate(base.metals):
            obs[(metal, "primary")], obs[(metal, "secondary")] = arr[m]
        factors[name] = obs
    return with_observations(with_values(data, updates), factors)
