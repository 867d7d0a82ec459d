"""The output variables: what each is (unit, group, dimensions, meaning), the arrays a batch of
draws gives (:class:`Results`), and their tidy long forms (``results.csv``,
``battery_results.csv``).

Every variable is an array ``(N, T, ...)`` over the draws and its dimensions (letters ``g``
type, ``m`` material, ``p`` powertrain, ``k`` chemistry); a variable with a powertrain or
chemistry dimension goes to ``battery_results.csv``, the others to ``results.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COLUMNS = ["scenario", "variable", "truck_type", "material", "year", "value", "unit"]
DETAIL_COLUMNS = ["scenario", "variable", "truck_type", "powertrain", "chemistry", "material",
                  "year", "value", "unit"]
TOTAL = "total"
METALS = "metals"
"""The ``materials`` of a variable over the assessed metals only (Fe, Al, Cu)."""


@dataclass(frozen=True)
class Variable:
    """Metadata of an output variable."""

    name: str
    unit: str
    group: str
    description: str
    dims: tuple[str, ...] = ("t", "g")
    materials: str = "all"
    """``all`` materials or the assessed ``metals`` on the ``m`` axis."""

    @property
    def detail(self) -> bool:
        """True if the variable belongs to ``battery_results.csv``."""
        return "p" in self.dims or "k" in self.dims


def _v(name, unit, group, description, dims=("t", "g"), materials="all"):
    return Variable(name, unit, group, description, dims, materials)


TG, TGM = ("t", "g"), ("t", "g", "m")
VARIABLES: dict[str, Variable] = {v.name: v for v in [
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
    _v("eol_material", "t", "materials", "material in end-of-life trucks (Eq. 6)", TGM),
    _v("eol_material_total", "t", "materials",
       "all the material that leaves the fleet: the trucks (eol_material) and their traction "
       "packs leaving them (battery_eol_material; fuel-cell parts where the traction chain "
       "carries them): what recyclers receive", TGM),
    _v("collected_material", "t", "materials", "end-of-life material formally collected", TGM),
    _v("secondary_material", "t", "materials", "material recovered by recycling", TGM),
    _v("economic_value", "USD", "economics", "value of recovered material, mean prices (Eq. 7)",
       TGM),
    _v("economic_value_low", "USD", "economics", "the same at the lowest prices", TGM),
    _v("economic_value_high", "USD", "economics", "the same at the highest prices", TGM),
    _v("economic_value_inflated", "USD", "economics",
       "economic_value in nominal USD of each year: inflation at inflation_rate from "
       "inflation_base_year (equal to the prices' money year in best_estimate)", TGM),
    *[_v(n, u, "energy_carbon", d, TGM, METALS) for n, u, d in [
        ("energy_saving", "GJ", "energy saved by secondary production (Eq. 8)"),
        ("energy_saving_low", "GJ", "low end, factors +-range"),
        ("energy_saving_high", "GJ", "high end, factors +-range"),
        ("carbon_saving", "t CO2e", "CO2 saved, fixed factors (Eq. 9)"),
        ("carbon_saving_low", "t CO2e", "low end, fixed factors"),
        ("carbon_saving_high", "t CO2e", "high end, fixed factors"),
        ("carbon_saving_decreasing", "t CO2e", "CO2 saved, decreasing factors"),
        ("carbon_saving_decreasing_low", "t CO2e", "low end, decreasing"),
        ("carbon_saving_decreasing_high", "t CO2e", "high end, decreasing"),
        ("energy_primary", "GJ", "energy to make the recovered mass from ore"),
        ("energy_secondary", "GJ", "energy to make it by recycling"),
        ("carbon_primary", "t CO2e", "CO2 of primary production, fixed factors"),
        ("carbon_secondary", "t CO2e", "CO2 of recycling, fixed factors"),
        ("carbon_primary_decreasing", "t CO2e", "primary, decreasing factors"),
        ("carbon_secondary_decreasing", "t CO2e", "recycling, decreasing")]],
    _v("battery_packs_new", "unit", "battery", "traction packs of new battery trucks"),
    _v("battery_packs_replaced", "unit", "battery",
       "replacement packs: a pack died before its truck"),
    _v("battery_packs_retired", "unit", "battery",
       "packs leaving trucks: dead packs replaced and packs of retiring trucks"),
    _v("battery_packs_in_use", "unit", "battery", "packs in the in-use fleet"),
    _v("battery_capacity_retired", "GWh", "battery", "capacity of the packs leaving trucks"),
    _v("battery_packs_to_second_life", "unit", "battery", "retired packs reused"),
    _v("battery_packs_from_second_life", "unit", "battery", "packs ending their second life"),
    _v("battery_eol_material", "t", "battery", "material in the packs leaving trucks", TGM),
    _v("fuel_cell_eol_material", "t", "battery",
       "stack platinum and tank carbon fibre of retiring fuel-cell trucks", TGM),
    _v("battery_collected_material", "t", "battery",
       "traction material entering recycling (after second life)", TGM),
    _v("battery_secondary_material", "t", "battery", "traction material recovered", TGM),
    _v("battery_economic_value", "USD", "battery", "value of recovered traction material, "
       "mean prices", TGM),
    _v("battery_economic_value_low", "USD", "battery", "the same at the lowest prices", TGM),
    _v("battery_economic_value_high", "USD", "battery", "the same at the highest prices", TGM),
    _v("battery_energy_saving", "GJ", "battery",
       "energy saved by secondary battery materials (battery factors)", TGM),
    _v("battery_carbon_saving", "t CO2e", "battery",
       "CO2 saved by secondary battery materials (battery factors)", TGM),
    _v("stock_by_powertrain", "unit", "battery_detail", "trucks in use by powertrain",
       ("t", "g", "p")),
    _v("inflow_by_powertrain", "unit", "battery_detail", "new trucks by powertrain",
       ("t", "g", "p")),
    _v("eol_by_powertrain", "unit", "battery_detail", "end-of-life trucks by powertrain",
       ("t", "g", "p")),
    _v("battery_packs_retired_by_powertrain", "unit", "battery_detail",
       "packs leaving trucks by powertrain", ("t", "g", "p")),
    _v("battery_capacity_retired_by_powertrain", "GWh", "battery_detail",
       "capacity leaving trucks by powertrain", ("t", "g", "p")),
    _v("battery_capacity_retired_by_chemistry", "GWh", "battery_detail",
       "capacity leaving trucks by chemistry", ("t", "k")),
    _v("battery_eol_material_by_chemistry", "t", "battery_detail",
       "end-of-life battery material by chemistry (packs leaving trucks)", ("t", "k", "m")),
]}


@dataclass(frozen=True)
class Product:
    """A variable over ``(t, g, m)`` as ``base[n, t, g, m] * tg[t, g] * m[n, t, m]`` (materials
    ``idx`` of ``base``): the form of every material variable, a base material scaled by
    collection, recovery, prices or factors. :meth:`dense` is the array; the Monte Carlo sums
    its margins without forming it (:mod:`elt_odym.batch`)."""

    base: np.ndarray
    tg: np.ndarray | None = None
    m: np.ndarray | None = None
    idx: tuple[int, ...] | None = None

    def times(self, tg: np.ndarray | None = None, m: np.ndarray | None = None) -> "Product":
        """This variable scaled by ``tg[t, g]`` and ``m[..., m]`` (broadcast to
        ``(N|1, T|1, M)``, over all materials of ``base``)."""
        new_tg = self.tg if tg is None else (tg if self.tg is None else self.tg * tg)
        if m is not None:
            m = np.asarray(m, float)
            m = m.reshape((1,) * (3 - m.ndim) + m.shape)
        new_m = self.m if m is None else (m if self.m is None else self.m * m)
        return Product(self.base, new_tg, new_m, self.idx)

    def only(self, idx: list[int]) -> "Product":
        """The same over the materials ``idx`` only."""
        return Product(self.base, self.tg, self.m, tuple(idx))

    def dense(self) -> np.ndarray:
        """The array ``(N, T, G, M)`` (``M`` the materials ``idx``)."""
        out = self.base
        if self.tg is not None:
            out = out * self.tg[None, :, :, None]
        if self.m is not None:
            out = out * self.m[:, :, None, :]
        return out if self.idx is None else out[..., list(self.idx)]


@dataclass
class Results:
    """Every output variable of a batch of draws, ``(N, T, ...)`` each, with its items.

    ``items`` maps the letters ``t g m p k`` to their items (``m``: all materials); ``metals``
    are the items of the variables over the assessed metals; ``units`` overrides a
    variable's unit (``USD2016`` for ``USD``); ``flows`` and ``stocks`` are the arrays the
    flodym system is filled with (:mod:`elt_odym.system.mfa`).
    """

    values: dict[str, np.ndarray]
    items: dict[str, list]
    metals: list[str]
    units: dict[str, str] = field(default_factory=dict)
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    stocks: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    vehicles: object = None

    @property
    def n(self) -> int:
        """Number of draws."""
        return self.dense("stock").shape[0]

    def dense(self, name: str) -> np.ndarray:
        """The array of a variable (a :class:`Product` formed)."""
        value = self.values[name]
        return value.dense() if isinstance(value, Product) else value

    def unit(self, name: str) -> str:
        """The unit of a variable (with the money year where it has one)."""
        return self.units.get(name, VARIABLES[name].unit)

    def labels(self, name: str) -> dict[str, list]:
        """The items of each dimension of a variable (``m``: its materials)."""
        var = VARIABLES[name]
        return {x: (self.metals if x == "m" and var.materials == METALS else self.items[x])
                for x in var.dims}


def _with_totals(values: np.ndarray, dims: tuple[str, ...], labels: dict[str, list]):
    """Append a ``total`` item along the product and material axes."""
    labels = {x: list(map(str, labels[x])) if x != "t" else list(labels[x]) for x in dims}
    for axis, x in enumerate(dims):
        if x in ("g", "m"):
            values = np.concatenate([values, values.sum(axis=axis, keepdims=True)], axis=axis)
            labels[x] = labels[x] + [TOTAL]
    return values, labels


def _long(results: Results, name: str, draw: int, totals: bool) -> dict[str, np.ndarray]:
    """The columns of one variable of one draw."""
    var = VARIABLES[name]
    values, labels = results.dense(name)[draw], results.labels(name)
    if totals:
        values, labels = _with_totals(values, var.dims, labels)
    else:
        labels = {x: [str(i) for i in v] if x != "t" else list(v) for x, v in labels.items()}
    grids = np.meshgrid(*[np.arange(len(labels[x])) for x in var.dims], indexing="ij")
    col = {x: np.asarray(labels[x], dtype=object)[g.ravel()] for x, g in zip(var.dims, grids)}
    n = values.size
    empty = np.full(n, "", dtype=object)
    return {"variable": name, "truck_type": col.get("g", empty), "powertrain": col.get("p", empty),
            "chemistry": col.get("k", empty), "material": col.get("m", empty),
            "year": col["t"].astype(int), "value": values.ravel(), "unit": results.unit(name)}


def tidy(results: Results, scenario: str, draw: int = 0) -> pd.DataFrame:
    """``results.csv``: every variable without a powertrain or chemistry dimension, with totals
    over truck type and material."""
    frames = [pd.DataFrame({"scenario": scenario, **_long(results, name, draw, True)})
              for name in results.values if not VARIABLES[name].detail]
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def detail(results: Results, scenario: str, draw: int = 0) -> pd.DataFrame:
    """``battery_results.csv``: the variables by powertrain or chemistry (no totals)."""
    frames = [pd.DataFrame({"scenario": scenario, **_long(results, name, draw, False)})
              for name in results.values if VARIABLES[name].detail]
    if not frames:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    return pd.concat(frames, ignore_index=True)[DETAIL_COLUMNS]


def money_year_of(table: pd.DataFrame, scenario: str) -> str | None:
    """The money year of a scenario's economic values, read from their unit (``USD2016``)."""
    units = table.loc[(table["scenario"] == scenario) & (table["variable"] == "economic_value"),
                      "unit"]
    found = units.astype(str).str.extract(r"^USD(\d{4})$")[0].dropna()
    return str(found.iloc[0]) if len(found) else None
