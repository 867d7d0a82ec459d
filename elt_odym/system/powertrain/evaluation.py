"""Output variables of the traction chain: packs, capacity, materials, value and savings.

``battery_outputs`` gives the variables of ``results.csv`` (by year and truck type, materials
where they apply); ``battery_detail`` the long table ``battery_results.csv`` with the
powertrain and chemistry dimensions (fleet by powertrain, retired packs and capacity by
powertrain, end-of-life battery materials by chemistry). The variables are registered in
:data:`elt_odym.system.equations.indicators.VARIABLES`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...data import ModelData
from ..equations.economics import calc_economic_value
from ..equations.energy_carbon import calc_saving
from ..equations.indicators import VARIABLES, Output

if TYPE_CHECKING:
    from ..mfa import ELTSystem

DETAIL_COLUMNS = ["scenario", "variable", "truck_type", "powertrain", "chemistry", "material",
                  "year", "value", "unit"]


def battery_assessed(data: ModelData) -> list[str]:
    """Materials with primary and secondary battery energy and carbon factors."""
    names = ("battery_energy_factor", "battery_carbon_factor")
    return [m for m in data.items["m"]
            if all((m, r) in data[n].observations for n in names
                   for r in ("primary", "secondary"))]


def calc_battery_savings(data: ModelData, secondary: np.ndarray) -> dict[str, np.ndarray]:
    """Energy and carbon saved by secondary battery materials ``(T, G, M)`` (Eqs. 8-9 with
    the battery factors; materials without factors save nothing)."""
    materials = data.items["m"]
    out = {}
    for name, param in (("battery_energy_saving", "battery_energy_factor"),
                        ("battery_carbon_saving", "battery_carbon_factor")):
        fp, fs = np.zeros(len(materials)), np.zeros(len(materials))
        for m in battery_assessed(data):
            obs = data[param].observations
            fp[materials.index(m)] = obs[(m, "primary")]
            fs[materials.index(m)] = obs[(m, "secondary")]
        out[name] = calc_saving(fp, fs, secondary)
    return out


def battery_outputs(data: ModelData, system: "ELTSystem") -> list[Output]:
    """The traction chain's variables of ``results.csv`` (empty without the extension)."""
    b = system.battery
    if b is None:
        return []
    tg = {"t": data.years, "g": data.items["g"]}
    tgm = tg | {"m": data.items["m"]}
    price = np.asarray(data["price"].values, float)
    stats = data.items["s"]
    out = [Output(n, v.sum(axis=-1), ("t", "g"), tg) for n, v in (
        ("battery_packs_new", b.packs_new), ("battery_packs_replaced", b.packs_replaced),
        ("battery_packs_retired", b.packs_retired), ("battery_packs_in_use", b.packs_in_use),
        ("battery_capacity_retired", b.gwh_retired))]
    out += [Output("battery_packs_to_second_life", b.packs_to_second_life, ("t", "g"), tg),
            Output("battery_packs_from_second_life", b.packs_from_second_life, ("t", "g"), tg)]
    values = {"battery_eol_material": b.retired.sum(axis=2),
              "fuel_cell_eol_material": b.fuel_cell_retired,
              "battery_collected_material": b.collected,
              "battery_secondary_material": b.recovered}
    for s in ("low", "mean", "high"):
        suffix = "" if s == "mean" else f"_{s}"
        values[f"battery_economic_value{suffix}"] = calc_economic_value(
            b.recovered, price[:, stats.index(s)])
    values |= calc_battery_savings(data, b.recovered)
    return out + [Output(n, v, ("t", "g", "m"), tgm) for n, v in values.items()]


def _long(name: str, values: np.ndarray, dims: tuple[str, ...], items: dict[str, list],
          scenario: str) -> pd.DataFrame:
    """One detail variable as rows of :data:`DETAIL_COLUMNS` (no totals)."""
    grids = np.meshgrid(*[np.arange(len(items[x])) for x in dims], indexing="ij")
    col = {x: np.asarray(items[x], dtype=object)[g.ravel()] for x, g in zip(dims, grids)}
    n = values.size
    empty = np.full(n, "", dtype=object)
    column = {"g": "truck_type", "p": "powertrain", "k": "chemistry", "m": "material"}
    frame = {"scenario": scenario, "variable": name}
    frame |= {column[x]: col.get(x, empty) for x in ("g", "p", "k", "m")}
    frame |= {"year": col["t"].astype(int), "value": values.ravel(),
              "unit": VARIABLES[name].unit}
    return pd.DataFrame(frame)[DETAIL_COLUMNS]


def battery_detail(data: ModelData, system: "ELTSystem", scenario: str) -> pd.DataFrame:
    """``battery_results.csv``: the fleet and packs by powertrain, capacity and end-of-life
    battery materials by chemistry (summed over truck types)."""
    step = system.traction
    if step is None:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    b, fp = step.battery, step.by_powertrain
    items = {x: data.items[x] for x in ("t", "g", "p", "k", "m")}
    parts = [("stock_by_powertrain", fp.stock, ("t", "g", "p")),
             ("inflow_by_powertrain", fp.inflow, ("t", "g", "p")),
             ("eol_by_powertrain", fp.eol, ("t", "g", "p")),
             ("battery_packs_retired_by_powertrain", b.packs_retired, ("t", "g", "p")),
             ("battery_capacity_retired_by_powertrain", b.gwh_retired, ("t", "g", "p")),
             ("battery_capacity_retired_by_chemistry", b.gwh_retired_by_chemistry.sum(axis=1),
              ("t", "k")),
             ("battery_eol_material_by_chemistry", b.retired.sum(axis=1), ("t", "k", "m"))]
    return pd.concat([_long(n, v, d, items, scenario) for n, v, d in parts],
                     ignore_index=True)
