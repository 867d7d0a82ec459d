"""Every equation of the model, once, for a batch of draws: :func:`evaluate`.

The fleet (:mod:`.vehicles`, the compiled kernel), the material in the trucks and its recovery
(:mod:`.materials`, Eq. 6), value (:mod:`.economics`, Eq. 7), energy and carbon savings
(:mod:`.energy_carbon`, Eqs. 8-9) and the traction chain (:mod:`.battery`), each array with the
draws first. The deterministic run is the batch of one
(:func:`elt_odym.system.inputs.base_draws`); the flodym system fills its flows and stocks from
the same :class:`~elt_odym.system.variables.Results`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...fleet.kernel import FleetBatch, FleetSolution
from ..inputs import Draws, ModelInputs
from ..variables import Product, Results
from . import battery as bat_eq
from .economics import calc_economic_value, calc_inflated
from .energy_carbon import calc_route_demand, calc_saving, calc_saving_range
from .materials import (
    body_vectors,
    calc_closed_loop,
    calc_collected,
    calc_mass,
    calc_material,
    calc_secondary,
)
from .vehicles import (
    ProfileLayout,
    Vehicles,
    fleet_batch,
    profile_layout,
    profiles,
    solve_vehicles,
)


@dataclass(frozen=True)
class Plan:
    """What a batch needs before the fleet is solved: the profile layout, the kernel's input
    (:class:`~elt_odym.fleet.kernel.FleetBatch`) and the battery age tables."""

    layout: ProfileLayout
    batch: FleetBatch
    tables: bat_eq.AgeTables | None


def prepare(inputs: ModelInputs, draws: Draws, tables: bat_eq.AgeTables | None = None
            ) -> Plan:
    """The profiles, age tables and kernel input of a batch (:mod:`.vehicles`,
    :mod:`.battery`); ``tables`` (:func:`.battery.age_tables` of the same variants) are
    reused when given: the chunks of one Monte Carlo share them."""
    layout = profile_layout(inputs)
    prof = profiles(inputs, draws, layout)
    tabs = None
    if inputs.battery is not None and layout.packs:
        tabs = tables or bat_eq.age_tables(inputs, draws, layout)
    variant = None if draws.battery is None else draws.battery.variant
    batch = fleet_batch(inputs, draws, prof, *(() if tabs is None else (
        tabs.kernel, tabs.table_profile, variant)), slots=layout.slots())
    return Plan(layout, batch, tabs)


def evaluate(inputs: ModelInputs, draws: Draws, keep_cohorts: bool = False,
             plan: Plan | None = None, solution: FleetSolution | None = None,
             flows: bool = True) -> Results:
    """All output variables, the system's flows and its material stocks for ``draws``.

    Parameters
    ----------
    inputs : ModelInputs
        The scenario's deterministic inputs.
    draws : Draws
        Per-draw inputs (:func:`~elt_odym.system.inputs.base_draws` for the deterministic run).
    keep_cohorts : bool
        Keep the fleet's stock by cohort (a batch of one).
    plan, solution : optional
        The batch's :func:`prepare` and the kernel's solution of ``plan.batch``, if already
        made (the flodym system solves its declared fleet stock first).
    flows : bool
        Also the flows and material stocks of the system (the Monte Carlo needs only the
        variables).
    """
    plan = plan or prepare(inputs, draws)
    layout, tabs = plan.layout, plan.tables
    veh = solve_vehicles(inputs, plan.batch, keep_cohorts, solution)
    vec, mass, low = body_vectors(inputs, draws, layout)
    values = _truck_variables(inputs, draws, veh, vec, mass, low)
    flow_values, stocks = _truck_flows(inputs, veh, vec, values) if flows else ({}, {})
    total = values["eol_material"].dense()
    if tabs is not None:
        chain = bat_eq.calc_traction(inputs, draws, layout, veh, tabs, flows)
        _add_traction(inputs, draws, veh, layout, chain, values,
                      flow_values if flows else None, stocks)
        total = total + chain["pack_retired"] + chain["fc_retired"]
    values["eol_material_total"] = Product(total)
    items = {"t": list(inputs.years), "g": list(inputs.products), "m": list(inputs.materials)}
    if inputs.battery is not None:
        items |= {"p": list(inputs.battery.powertrains), "k": list(inputs.battery.chemistries)}
    units = {name: inputs.money for name in ("economic_value", "economic_value_low",
                                             "economic_value_high", "battery_economic_value",
                                             "battery_economic_value_low",
                                             "battery_economic_value_high")}
    units["economic_value_inflated"] = "USD nominal"
    return Results(values, items, list(inputs.metals), units, flow_values, stocks, veh)


def _truck_variables(inputs: ModelInputs, draws: Draws, veh: Vehicles, vec: np.ndarray,
                     mass: np.ndarray, low: np.ndarray) -> dict:
    """Fleet, materials, value and savings of the truck system."""
    eol_material = Product(calc_material(veh.eol_by, vec))  # Eq. 6: V = sum_i W_i(t) e_ij
    collected = calc_collected(eol_material, inputs.collection)
    secondary = calc_secondary(collected, inputs.recovery)
    values = {"stock": veh.stock, "inflow": veh.new, "eol": veh.eol, "eol_early": veh.early,
              "transfer_out": veh.transfer_out, "transfer_in": veh.transfer_in,
              "stock_mass": calc_mass(veh.stock_by, mass),
              "eol_mass": calc_mass(veh.eol_by, mass), "eol_mass_low": calc_mass(veh.eol_by, low),
              "eol_material": eol_material, "collected_material": collected,
              "secondary_material": secondary}
    values |= _economics(inputs, draws, secondary, "economic_value")
    values |= _savings(inputs, draws, secondary)
    return values


def _truck_flows(inputs: ModelInputs, veh: Vehicles, vec: np.ndarray, values: dict):
    """The flows and the in-use material stock of the truck system."""
    new_material = calc_material(veh.new_by, vec)
    eol_dense = values["eol_material"].dense()
    collected_dense = values["collected_material"].dense()
    secondary_t = values["secondary_material"].dense().sum(axis=2)
    demand, collected_t = new_material.sum(axis=2), collected_dense.sum(axis=2)
    closed = calc_closed_loop(secondary_t, demand, inputs.closed_loop)
    moved_out = calc_material(veh.moved_out_by, vec)
    moved_in = calc_material(veh.moved_in_by, vec)
    flows = {"manufacturing => use": new_material, "use => scrapping": eol_dense,
             "scrapping => recycling": collected_dense,
             "scrapping => sysenv": eol_dense - collected_dense,
             "recycling => losses": collected_t - secondary_t,
             "recycling => manufacturing": closed, "recycling => sysenv": secondary_t - closed,
             "primary production => manufacturing": demand - closed,
             "sysenv => primary production": demand - closed,
             "use => reclassification": moved_out.sum(axis=2)}
    initial = np.einsum("nfg,nfgm->ngm", veh.initial_by, vec)
    stocks = {"in-use material": (new_material + moved_in, eol_dense + moved_out, initial)}
    return flows, stocks


def _economics(inputs: ModelInputs, draws: Draws, secondary: Product, name: str,
               inflated: bool = True) -> dict:
    """Eq. 7 at the draw's mean prices and at the lowest and highest (and inflated)."""
    out = {name: calc_economic_value(secondary, draws.price[:, None, :]),
           f"{name}_low": calc_economic_value(secondary, inputs.price[:, 0]),
           f"{name}_high": calc_economic_value(secondary, inputs.price[:, 2])}
    if inflated:
        out[f"{name}_inflated"] = calc_inflated(out[name], np.array(inputs.years),
                                                inputs.inflation_rate,
                                                inputs.inflation_base_year)
    return out


def _savings(inputs: ModelInputs, draws: Draws, secondary: Product) -> dict:
    """Eqs. 8-9 for the assessed metals: fixed and decreasing factors, +-range."""
    idx = [inputs.materials.index(m) for m in inputs.metals]

    def per_material(factor: np.ndarray) -> np.ndarray:  # (N, T|1, K) -> (N, T|1, M)
        full = np.zeros(factor.shape[:-1] + (len(inputs.materials),))
        full[..., idx] = factor
        return full

    ep, es = draws.energy[:, None, :, 0], draws.energy[:, None, :, 1]
    cp, cs = draws.carbon[:, None, :, 0], draws.carbon[:, None, :, 1]
    mult = inputs.route_mult[None, :, None, :]
    cp_dec, cs_dec = cp * mult[..., 0], cs * mult[..., 1]
    mass = secondary.only(idx)
    out = {}
    for name, fp, fs in (("energy_saving", ep, es), ("carbon_saving", cp, cs),
                         ("carbon_saving_decreasing", cp_dec, cs_dec)):
        fp, fs = per_material(fp), per_material(fs)
        out[name] = calc_saving(fp, fs, mass)
        out[f"{name}_low"], out[f"{name}_high"] = calc_saving_range(fp, fs, mass,
                                                                    inputs.rel_range)
    for name, factor in (("energy_primary", ep), ("energy_secondary", es),
                         ("carbon_primary", cp), ("carbon_secondary", cs),
                         ("carbon_primary_decreasing", cp_dec),
                         ("carbon_secondary_decreasing", cs_dec)):
        out[name] = calc_route_demand(per_material(factor), mass)
    return out


def _add_traction(inputs, draws, veh, layout, chain, values, flows, stocks) -> None:
    """The traction chain's variables, flows and stocks (:mod:`.battery`)."""
    bat = inputs.battery
    packs, kwh = chain["packs"], chain["kwh"]
    collected = Product(chain["collected"])
    recovered = collected.times(m=bat.recovery)
    values |= _economics(inputs, draws, recovered, "battery_economic_value", inflated=False)
    values |= {
        "battery_packs_new": packs["new"].sum(axis=3),
        "battery_packs_replaced": packs["replaced"].sum(axis=3),
        "battery_packs_retired": packs["retired"].sum(axis=3),
        "battery_packs_in_use": packs["in_use"].sum(axis=3),
        "battery_capacity_retired": kwh["retired"].sum(axis=(3, 4)) * bat_eq.GWH_PER_KWH,
        "battery_packs_to_second_life": chain["packs_to_second"],
        "battery_packs_from_second_life": chain["packs_from_second"],
        "battery_eol_material": Product(chain["pack_retired"]),
        "fuel_cell_eol_material": Product(chain["fc_retired"]),
        "battery_collected_material": collected,
        "battery_secondary_material": recovered,
        "battery_energy_saving": calc_saving(bat.energy[:, 0], bat.energy[:, 1], recovered),
        "battery_carbon_saving": calc_saving(bat.carbon[:, 0], bat.carbon[:, 1], recovered),
        "stock_by_powertrain": np.moveaxis(veh.stock_by[:, :, layout.shares], 2, 3),
        "inflow_by_powertrain": np.moveaxis(veh.new_by[:, :, layout.shares], 2, 3),
        "eol_by_powertrain": np.moveaxis(veh.eol_by[:, :, layout.shares], 2, 3),
        "battery_packs_retired_by_powertrain": packs["retired"],
        "battery_capacity_retired_by_powertrain": kwh["retired"].sum(axis=4)
        * bat_eq.GWH_PER_KWH,
        "battery_capacity_retired_by_chemistry": chain["gwh_by_chemistry"],
        "battery_eol_material_by_chemistry": chain["by_chemistry"]}
    if flows is None:
        return
    fitted = chain["pack_fitted"] + chain["fc_fitted"]
    leaving = chain["pack_retired"] + chain["fc_retired"]
    flows |= {"sysenv => traction manufacturing": fitted.sum(axis=2),
              "traction manufacturing => traction use": fitted,
              "traction use => second life": chain["to_second"],
              "traction use => traction recycling": leaving - chain["to_second"],
              "second life => traction recycling": chain["from_second"],
              "traction recycling => sysenv": recovered.dense().sum(axis=2),
              "traction recycling => losses": (chain["collected"]
                                               - recovered.dense()).sum(axis=2)}
    zero = np.zeros_like(fitted[:, 0])
    in_use_before = zero  # no traction packs before the first model year
    stocks["traction material"] = (fitted, leaving, in_use_before)
    stocks["second-life material"] = (chain["to_second"], chain["from_second"], zero)
