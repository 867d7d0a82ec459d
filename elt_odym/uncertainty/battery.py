"""Monte Carlo and one-at-a-time sensitivity of the battery inputs, on a fixed truck fleet.

The truck fleet (stock, lifetimes, weights) is uncertain too; its Monte Carlo is the array
model's (:mod:`elt_odym.uncertainty`). Here the fleet of the deterministic run is held and the
inputs of the powertrain extension are drawn, one ``numpy.random.Generator`` seeded by the
caller, all draws made up front:

- powertrain shares: one position ``u ~ U(0, 1)`` per draw between the low and the high
  electrification path (both sum to 1, so every mix does);
- pack capacity: one position per type and powertrain within each value's ``stats_array``
  range (all years move together);
- chemistry: the LFP share of every year shifted by ``U(-LFP_SHIFT, +LFP_SHIFT)`` (clipped to
  [0, 1]), the ternary rest keeping its NMC811 : NMC622 ratio;
- battery lifetime: Weibull scale and shape of each type within their ranges;
- second life: share and duration within their ranges.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data import ModelData
from ..declaration import FUEL_CELL
from ..fleet.inputs import FleetResult
from ..system.powertrain.battery import BatteryResult, calc_battery
from ..system.powertrain.inputs import BatteryInputs
from ..system.powertrain.shares import split_fleet
from ..system.powertrain.system_step import TractionStep

LFP_SHIFT = 0.10
"""Half-width of the uniform shift of the LFP share (assumption: the truck chemistry split is
sourced at confidence M/L only)."""
MATERIALS = ("Li", "Ni", "Co", "Mn", "graphite")
"""Materials summarised by :func:`run_battery_mc`."""
PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class FixedFleet:
    """The truck fleet held fixed: totals ``(T, G)`` and by cohort ``(T, T, G)``."""

    stock: np.ndarray
    inflow: np.ndarray
    eol: np.ndarray
    cohort_stock: np.ndarray
    cohort_outflow: np.ndarray

    @classmethod
    def of(cls, step: TractionStep, fleet: FleetResult) -> "FixedFleet":
        """From a run's traction step and :class:`~elt_odym.fleet.inputs.FleetResult`."""
        return cls(fleet.stock, fleet.inflow, fleet.eol, step.cohort_stock, step.cohort_outflow)


def evaluate_inputs(inp: BatteryInputs, fleet: FixedFleet) -> BatteryResult:
    """The traction chain (:class:`~.battery.BatteryResult`) of one set of inputs."""
    by_pt = split_fleet(fleet.stock, fleet.inflow, fleet.eol, fleet.cohort_stock,
                        fleet.cohort_outflow, inp.share)
    fc = inp.powertrains.index(FUEL_CELL)
    return calc_battery(inp, fleet.cohort_stock, fleet.cohort_outflow, fleet.inflow,
                        (by_pt.inflow[..., fc], by_pt.eol[..., fc], by_pt.stock[..., fc]))


def value_range(data: ModelData, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper ends of a dense parameter from its uniform ``stats_array`` strings
    (the value itself where a value has none)."""
    p = data[name]
    low, high = np.array(p.values, float, copy=True), np.array(p.values, float, copy=True)
    grids = [list(items) for items in p.items]
    for key, unc in p.uncertainty.items():
        if unc.kind == "uniform" and all(k in g for k, g in zip(key, grids)):
            idx = tuple(g.index(k) for k, g in zip(key, grids))
            low[idx], high[idx] = unc.p1, unc.p2
    return low, high


def shift_lfp(chemistry: np.ndarray, chemistries: list[str], shift: float) -> np.ndarray:
    """The chemistry mix with the LFP share shifted (the rest keeps its proportions)."""
    if "LFP" not in chemistries:
        return chemistry
    i = chemistries.index("LFP")
    lfp = np.clip(chemistry[:, i] + shift, 0.0, 1.0)
    rest = np.delete(chemistry, i, axis=1)
    total = rest.sum(axis=1, keepdims=True)
    even = np.full(rest.shape, 1.0 / max(rest.shape[1], 1))
    ratio = np.divide(rest, total, out=even, where=total > 0)
    return np.insert(ratio * (1.0 - lfp)[:, None], i, lfp, axis=1)


def _position(low: np.ndarray, high: np.ndarray, u: np.ndarray) -> np.ndarray:
    return low + u * (high - low)


def draw_inputs(data: ModelData, base: BatteryInputs, share_low: np.ndarray,
                share_high: np.ndarray, n: int, rng: np.random.Generator
                ) -> list[BatteryInputs]:
    """``n`` drawn input sets (see the module docstring), all draws made up front."""
    cap_lo, cap_hi = value_range(data, "battery_capacity")
    ranges = {name: value_range(data, name) for name in (
        "battery_lifetime_scale", "battery_lifetime_shape", "second_life_share",
        "second_life_shape", "second_life_scale")}
    n_g, n_p = base.share.shape[1:]
    u_share = rng.random(n)
    u_cap = rng.random((n, n_g, n_p))
    u_scale, u_shape = rng.random((n, n_g)), rng.random((n, n_g))
    u_second = rng.random((n, 3))
    shift = rng.uniform(-LFP_SHIFT, LFP_SHIFT, n)
    out = []
    for i in range(n):
        out.append(base.replace(
            share=_position(share_low, share_high, u_share[i]),
            capacity=_position(cap_lo, cap_hi, u_cap[i][None]),
            chemistry=shift_lfp(base.chemistry, base.chemistries, shift[i]),
            life_scale=_position(*ranges["battery_lifetime_scale"], u_scale[i]),
            life_shape=_position(*ranges["battery_lifetime_shape"], u_shape[i]),
            second_life_share=_position(*ranges["second_life_share"], u_second[i, 0]),
            second_life_shape=float(_position(*ranges["second_life_shape"], u_second[i, 1])),
            second_life_scale=float(_position(*ranges["second_life_scale"], u_second[i, 2]))))
    return out


def _headline(inp: BatteryInputs, fleet: FixedFleet) -> np.ndarray:
    """End-of-life battery materials ``(T, len(MATERIALS))``, the retired GWh and the first
    material's mass entering recycling (after second life), stacked ``(T, len(MATERIALS) + 2)``."""
    b = evaluate_inputs(inp, fleet)
    idx = [inp.materials.index(m) for m in MATERIALS if m in inp.materials]
    mass = b.retired.sum(axis=(1, 2))[:, idx]
    collected = b.collected.sum(axis=1)[:, idx[:1]]
    return np.column_stack([mass, b.gwh_retired.sum(axis=(1, 2)), collected])


def run_battery_mc(data: ModelData, base: BatteryInputs, fleet: FixedFleet,
                   share_low: np.ndarray, share_high: np.ndarray, n: int,
                   rng: np.random.Generator) -> pd.DataFrame:
    """Monte Carlo of the battery inputs: ``variable, material, year, mean, std, p05, p50,
    p95, unit`` for the end-of-life battery materials and the retired capacity."""
    values = np.stack([_headline(inp, fleet) for inp in
                       draw_inputs(data, base, share_low, share_high, n, rng)])
    pct = np.percentile(values, PERCENTILES, axis=0)
    names = [m for m in MATERIALS if m in base.materials]
    rows = []
    labels = [("battery_eol_material", m, "t") for m in names]
    labels += [("battery_capacity_retired", "", "GWh"),
               ("battery_collected_material", names[0], "t")]
    for j, (var, mat, unit) in enumerate(labels):
        for t, year in enumerate(data.years):
            rows.append((var, mat, year, values[:, t, j].mean(), values[:, t, j].std(ddof=1),
                         *pct[:, t, j], unit))
    return pd.DataFrame(rows, columns=["variable", "material", "year", "mean", "std", "p05",
                                       "p50", "p95", "unit"])


def run_battery_sensitivity(data: ModelData, base: BatteryInputs, fleet: FixedFleet,
                            share_low: np.ndarray, share_high: np.ndarray) -> pd.DataFrame:
    """One at a time: each battery input at the low and high end of its range; columns
    ``parameter, change, material, year, base, value, rel_change``."""
    cap = value_range(data, "battery_capacity")
    scale = value_range(data, "battery_lifetime_scale")
    second = value_range(data, "second_life_share")
    cases = {("powertrain_share", "low path"): base.replace(share=share_low),
             ("powertrain_share", "high path"): base.replace(share=share_high),
             ("battery_capacity", "low"): base.replace(capacity=cap[0]),
             ("battery_capacity", "high"): base.replace(capacity=cap[1]),
             ("battery_lifetime_scale", "low"): base.replace(life_scale=scale[0]),
             ("battery_lifetime_scale", "high"): base.replace(life_scale=scale[1]),
             ("battery_chemistry_share", f"LFP -{LFP_SHIFT:g}"): base.replace(
                 chemistry=shift_lfp(base.chemistry, base.chemistries, -LFP_SHIFT)),
             ("battery_chemistry_share", f"LFP +{LFP_SHIFT:g}"): base.replace(
                 chemistry=shift_lfp(base.chemistry, base.chemistries, LFP_SHIFT)),
             ("second_life_share", "low"): base.replace(second_life_share=second[0]),
             ("second_life_share", "high"): base.replace(second_life_share=second[1])}
    ref = _headline(base, fleet)
    names = [m for m in MATERIALS if m in base.materials]
    names += ["capacity_GWh", f"{names[0]}_collected"]
    rows = []
    for (param, change), inp in cases.items():
        val = _headline(inp, fleet)
        for t, year in enumerate(data.years):
            for j, m in enumerate(names):
                b0 = ref[t, j]
                rows.append((param, change, m, year, b0, val[t, j],
                             val[t, j] / b0 - 1.0 if b0 else np.nan))
    return pd.DataFrame(rows, columns=["parameter", "change", "material", "year", "base",
                                       "value", "rel_change"])


def battery_uncertainty(data_dir: str | None = None, scenario: str = "electrification_central", n: int = 500,
                        seed: int = 20250101, low: str = "electrification_low",
                        high: str = "electrification_high") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Monte Carlo summary and one-at-a-time sensitivity of the battery inputs of
    ``scenario`` (shares drawn between the ``low`` and ``high`` scenarios' paths)."""
    from ..data import load_data
    from ..model import run

    result = run(data_dir, scenario)
    data, system = result.data, result.system
    if system.battery_inputs is None:
        raise ValueError(f"scenario {scenario!r} has no powertrain data")
    fleet = FixedFleet.of(system.traction, result.fleet)
    share_low = load_data(data_dir, low)["powertrain_share"].values
    share_high = load_data(data_dir, high)["powertrain_share"].values
    mc = run_battery_mc(data, system.battery_inputs, fleet, share_low, share_high, n,
                        np.random.default_rng(seed))
    sens = run_battery_sensitivity(data, system.battery_inputs, fleet, share_low, share_high)
    return mc, sens
