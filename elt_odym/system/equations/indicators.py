"""All output variables of a run, computed from the fleet, the system and the parameters.

Each variable is an array over named dimensions; :data:`VARIABLES` says its unit, group and
meaning (this is what ``results.xlsx`` explains in its ``variables`` sheet).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...data import ModelData
from ...fleet.inputs import FleetResult
from .economics import calc_economic_value, calc_inflated
from .energy_carbon import calc_route_demand, calc_saving, calc_saving_range


@dataclass(frozen=True)
class Variable:
    """Metadata of an output variable."""

    name: str
    unit: str
    group: str
    description: str


def _v(name, unit, group, description):
    return Variable(name, unit, group, description)


VARIABLES = {v.name: v for v in [
    _v("stock", "unit", "fleet", "trucks in use (stock path: recorded history, then Eq. 1)"),
    _v("inflow", "unit", "fleet", "new trucks entering use (Eq. 2)"),
    _v("eol", "unit", "fleet", "end-of-life trucks (Eq. 3), including early retirement"),
    _v("eol_early", "unit", "fleet", "part of eol retired early by the 'retire' policy"),
    _v("transfer_out", "unit", "fleet",
       "vehicles reclassified out of a type (a transfer, not end of life)"),
    _v("transfer_in", "unit", "fleet", "vehicles reclassified into a type"),
    _v("stock_mass", "t", "fleet", "mass of the trucks in use"),
    _v("eol_mass", "t", "fleet", "mass of end-of-life trucks, truck unit plus trailer"),
    _v("eol_mass_low", "t", "fleet", "mass of end-of-life trucks, truck unit only"),
    _v("eol_material", "t", "materials", "material in end-of-life trucks (Eq. 6)"),
    _v("collected_material", "t", "materials", "end-of-life material formally collected"),
    _v("secondary_material", "t", "materials", "material recovered by recycling"),
    _v("economic_value", "USD", "economics", "value of recovered material, mean prices (Eq. 7)"),
    _v("economic_value_low", "USD", "economics", "the same at the lowest prices"),
    _v("economic_value_high", "USD", "economics", "the same at the highest prices"),
    _v("economic_value_inflated", "USD", "economics",
       "economic_value in nominal USD of each year: inflation at inflation_rate from "
       "inflation_base_year (equal to the prices' money year in best_estimate)"),
    _v("energy_saving", "GJ", "energy_carbon", "energy saved by secondary production (Eq. 8)"),
    _v("energy_saving_low", "GJ", "energy_carbon", "low end, factors +-range"),
    _v("energy_saving_high", "GJ", "energy_carbon", "high end, factors +-range"),
    _v("carbon_saving", "t CO2e", "energy_carbon", "CO2 saved, fixed factors (Eq. 9)"),
    _v("carbon_saving_low", "t CO2e", "energy_carbon", "low end, fixed factors"),
    _v("carbon_saving_high", "t CO2e", "energy_carbon", "high end, fixed factors"),
    _v("carbon_saving_decreasing", "t CO2e", "energy_carbon", "CO2 saved, decreasing factors"),
    _v("carbon_saving_decreasing_low", "t CO2e", "energy_carbon", "low end, decreasing"),
    _v("carbon_saving_decreasing_high", "t CO2e", "energy_carbon", "high end, decreasing"),
    _v("energy_primary", "GJ", "energy_carbon", "energy to make the recovered mass from ore"),
    _v("energy_secondary", "GJ", "energy_carbon", "energy to make it by recycling"),
    _v("carbon_primary", "t CO2e", "energy_carbon", "CO2 of primary production, fixed factors"),
    _v("carbon_secondary", "t CO2e", "energy_carbon", "CO2 of recycling, fixed factors"),
    _v("carbon_primary_decreasing", "t CO2e", "energy_carbon", "primary, decreasing factors"),
    _v("carbon_secondary_decreasing", "t CO2e", "energy_carbon", "recycling, decreasing"),
]}


@dataclass
class Output:
    """One variable's values over named dimensions (``dims`` letters, ``items`` per letter)."""

    name: str
    values: np.ndarray
    dims: tuple[str, ...]
    items: dict[str, list]
    unit_override: str = ""
    """A unit more specific than the variable's, e.g. ``USD2016`` for ``USD``."""

    @property
    def unit(self) -> str:
        return self.unit_override or VARIABLES[self.name].unit


def assessed_materials(data: ModelData) -> list[str]:
    """Materials with primary and secondary energy and carbon factors (Fe, Al, Cu)."""
    out = []
    for m in data.items["m"]:
        keys = [(m, "primary"), (m, "secondary")]
        if all(k in data[n].observations for k in keys for n in ("energy_factor",
                                                                   "carbon_factor")):
            out.append(m)
    return out


def factor_pairs(data: ModelData, name: str, materials: list[str]) -> np.ndarray:
    """Primary and secondary factor of each material, ``(M, 2)`` (Table 1 of the study)."""
    obs = data[name].observations
    return np.array([[obs[(m, "primary")], obs[(m, "secondary")]] for m in materials],
                    dtype=float).reshape(len(materials), 2)


def route_multipliers(data: ModelData) -> np.ndarray:
    """Decreasing-factor multipliers of the primary and secondary carbon factors ``(T, 2)``:
    ``carbon_factor_path`` when present, else ``carbon_factor_multiplier`` for both routes (the
    study's single path)."""
    path = data["carbon_factor_path"]
    if path.present:
        routes = data.items["r"]
        values = np.asarray(path.values, float)
        return values[:, [routes.index("primary"), routes.index("secondary")]]
    one = np.asarray(data["carbon_factor_multiplier"].values, float)
    return np.stack([one, one], axis=1)


def fleet_outputs(data: ModelData, fleet: FleetResult) -> list[Output]:
    """Stock, inflow, end of life (vehicles) and their masses."""
    items = {"t": data.years, "g": data.items["g"]}
    w = np.asarray(data["unit_weight"].values, float)
    w_low = np.asarray(data["unit_weight_low"].values, float)
    tg = ("t", "g")
    return [Output("stock", fleet.stock, tg, items), Output("inflow", fleet.inflow, tg, items),
            Output("eol", fleet.eol, tg, items),
            Output("eol_early", fleet.early_retirement, tg, items),
            Output("transfer_out", _or_zero(fleet.transfer_out, fleet.eol), tg, items),
            Output("transfer_in", _or_zero(fleet.transfer_in, fleet.eol), tg, items),
            Output("stock_mass", fleet.stock * w, tg, items),
            Output("eol_mass", fleet.eol * w, tg, items),
            Output("eol_mass_low", fleet.eol * w_low, tg, items)]


def _or_zero(values: np.ndarray | None, like: np.ndarray) -> np.ndarray:
    return np.zeros_like(like) if values is None else values


def material_outputs(data: ModelData, eol_material: np.ndarray, collected: np.ndarray,
                     secondary: np.ndarray) -> list[Output]:
    """Materials (t, g, m) and their economic value."""
    items = {"t": data.years, "g": data.items["g"], "m": data.items["m"]}
    tgm = ("t", "g", "m")
    price = np.asarray(data["price"].values, float)  # (m, s): low, mean, high
    stats = data.items["s"]
    value = {s: calc_economic_value(secondary, price[:, stats.index(s)]) for s in stats}
    inflated = calc_inflated(value["mean"], np.array(data.years),
                             data["inflation_rate"].scalar(), data.options.inflation_base_year)
    usd = money_unit(data)
    return [Output("eol_material", eol_material, tgm, items),
            Output("collected_material", collected, tgm, items),
            Output("secondary_material", secondary, tgm, items),
            Output("economic_value", value["mean"], tgm, items, usd),
            Output("economic_value_low", value["low"], tgm, items, usd),
            Output("economic_value_high", value["high"], tgm, items, usd),
            Output("economic_value_inflated", inflated, tgm, items, "USD nominal")]


def money_unit(data: ModelData) -> str:
    """``USD<money year of the prices>``, e.g. ``USD2016``."""
    return f"USD{data.options.price_money_year}"


def saving_outputs(data: ModelData, secondary: np.ndarray) -> list[Output]:
    """Energy and carbon savings for the assessed metals (Eqs. 8-9, fixed and decreasing)."""
    metals = assessed_materials(data)
    idx = [data.items["m"].index(m) for m in metals]
    mass = secondary[..., idx]
    items = {"t": data.years, "g": data.items["g"], "m": metals}
    rel = data["factor_range"].scalar()
    mult = route_multipliers(data)[:, None, None, :]
    ep, es = factor_pairs(data, "energy_factor", metals).T
    cp, cs = factor_pairs(data, "carbon_factor", metals).T
    cp_dec, cs_dec = cp * mult[..., 0], cs * mult[..., 1]
    out = {"energy_saving": calc_saving(ep, es, mass),
           "carbon_saving": calc_saving(cp, cs, mass),
           "carbon_saving_decreasing": calc_saving(cp_dec, cs_dec, mass),
           "energy_primary": calc_route_demand(ep, mass),
           "energy_secondary": calc_route_demand(es, mass),
           "carbon_primary": calc_route_demand(cp, mass),
           "carbon_secondary": calc_route_demand(cs, mass),
           "carbon_primary_decreasing": calc_route_demand(cp_dec, mass),
           "carbon_secondary_decreasing": calc_route_demand(cs_dec, mass)}
    for name, fp, fs in (("energy_saving", ep, es), ("carbon_saving", cp, cs),
                         ("carbon_saving_decreasing", cp_dec, cs_dec)):
        out[f"{name}_low"], out[f"{name}_high"] = calc_saving_range(fp, fs, mass, rel)
    return [Output(n, v, ("t", "g", "m"), items) for n, v in out.items()]


# -- powertrains and traction batteries (issue 15): elt_odym.system.powertrain.evaluation ---------------
VARIABLES.update({v.name: v for v in [
    _v("battery_packs_new", "unit", "battery", "traction packs of new battery trucks"),
    _v("battery_packs_replaced", "unit", "battery",
       "replacement packs: a pack died before its truck"),
    _v("battery_packs_retired", "unit", "battery",
       "packs leaving trucks: dead packs replaced and packs of retiring trucks"),
    _v("battery_packs_in_use", "unit", "battery", "packs in the in-use fleet"),
    _v("battery_capacity_retired", "GWh", "battery", "capacity of the packs leaving trucks"),
    _v("battery_packs_to_second_life", "unit", "battery", "retired packs reused"),
    _v("battery_packs_from_second_life", "unit", "battery", "packs ending their second life"),
    _v("battery_eol_material", "t", "battery", "material in the packs leaving trucks"),
    _v("fuel_cell_eol_material", "t", "battery",
       "stack platinum and tank carbon fibre of retiring fuel-cell trucks"),
    _v("battery_collected_material", "t", "battery",
       "traction material entering recycling (after second life)"),
    _v("battery_secondary_material", "t", "battery", "traction material recovered"),
    _v("battery_economic_value", "USD", "battery", "value of recovered traction material, "
       "mean prices"),
    _v("battery_economic_value_low", "USD", "battery", "the same at the lowest prices"),
    _v("battery_economic_value_high", "USD", "battery", "the same at the highest prices"),
    _v("battery_energy_saving", "GJ", "battery",
       "energy saved by secondary battery materials (battery factors)"),
    _v("battery_carbon_saving", "t CO2e", "battery",
       "CO2 saved by secondary battery materials (battery factors)"),
    _v("stock_by_powertrain", "unit", "battery_detail", "trucks in use by powertrain"),
    _v("inflow_by_powertrain", "unit", "battery_detail", "new trucks by powertrain"),
    _v("eol_by_powertrain", "unit", "battery_detail", "end-of-life trucks by powertrain"),
    _v("battery_packs_retired_by_powertrain", "unit", "battery_detail",
       "packs leaving trucks by powertrain"),
    _v("battery_capacity_retired_by_powertrain", "GWh", "battery_detail",
       "capacity leaving trucks by powertrain"),
    _v("battery_capacity_retired_by_chemistry", "GWh", "battery_detail",
       "capacity leaving trucks by chemistry"),
    _v("battery_eol_material_by_chemistry", "t", "battery_detail",
       "end-of-life battery material by chemistry (packs leaving trucks)"),
]})
