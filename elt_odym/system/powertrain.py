"""Workbooks of the powertrain extension -> the arrays of the battery model."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..data import ModelData
from ..declaration import FUEL_CELL, POWERTRAIN_PARAMETERS
from ..errors import DataValidationError, Problem

T_PER_KG = 1e-3
"""Unit conversion kg -> t (material intensities are given per kWh in kg)."""
T_PER_G = 1e-6
"""Unit conversion g -> t (platinum loading is given in g/kW)."""
GWH_PER_KWH = 1e-6
"""Unit conversion kWh -> GWh."""
SHARE_TOLERANCE = 1e-6
"""Powertrain and chemistry shares must sum to 1 within this tolerance."""
PLATINUM, CARBON_FIBRE = "Pt", "carbon_fibre"
"""Materials of the fuel-cell stack and of the hydrogen tanks (skipped when not classified)."""


@dataclass(frozen=True)
class BatteryInputs:
    """Inputs of the battery model, all on the model years (``T``) and the classification items.

    Attributes
    ----------
    share : (T, G, P) powertrain shares of new trucks.
    capacity : (T, G, P) kWh of a new pack (0: no traction pack).
    chemistry : (T, K) chemistry shares of new packs (by capacity).
    intensity : (K, M) kg per kWh.
    life_shape, life_scale : (G,) Weibull lifetime of a pack.
    second_life_share : (T,) share of retired packs reused.
    second_life_shape, second_life_scale : Weibull duration of the second life.
    recovery : (M,) recovery efficiency of collected traction material.
    fuel_cell : (G, M) t of stack platinum and tank carbon fibre per fuel-cell truck.
    energy, carbon : (M, 2) primary and secondary factors of the battery materials (zero where
        none is given: those save nothing).
    ranges : per uncertain input its low and high arrays (``stats_array`` uniform ranges):
        ``capacity``, ``life_scale``, ``life_shape``, ``second_life_share``,
        ``second_life_shape``, ``second_life_scale``.
    """

    powertrains: list[str]
    chemistries: list[str]
    materials: list[str]
    share: np.ndarray
    capacity: np.ndarray
    chemistry: np.ndarray
    intensity: np.ndarray
    life_shape: np.ndarray
    life_scale: np.ndarray
    second_life_share: np.ndarray
    second_life_shape: float
    second_life_scale: float
    recovery: np.ndarray
    fuel_cell: np.ndarray
    energy: np.ndarray
    carbon: np.ndarray
    form: str = "pdf"
    ranges: dict = dataclasses.field(default_factory=dict)
    share_low: np.ndarray | None = None
    """Low and high powertrain share paths ``(T, G, P)`` the Monte Carlo draws between."""
    share_high: np.ndarray | None = None

    def replace(self, **changes) -> "BatteryInputs":
        """A copy with some arrays replaced (sensitivity and Monte Carlo)."""
        return dataclasses.replace(self, **changes)


def has_powertrains(data: ModelData) -> bool:
    """True when the configuration assigns the Powertrain dimension (the extension is on)."""
    return "p" in data.items and all(p.name in data.parameters for p in POWERTRAIN_PARAMETERS)


def _fuel_cell_content(data: ModelData) -> np.ndarray:
    materials = data.items["m"]
    out = np.zeros((len(data.items["g"]), len(materials)))
    if PLATINUM in materials:
        out[:, materials.index(PLATINUM)] = (data["fuel_cell_power"].values
                                             * data["fuel_cell_pt_loading"].scalar() * T_PER_G)
    if CARBON_FIBRE in materials:
        out[:, materials.index(CARBON_FIBRE)] = data["hydrogen_tank_mass"].values
    return out


def _check_sums(data: ModelData) -> None:
    problems = []
    for name, axis in (("powertrain_share", -1), ("battery_chemistry_share", -1)):
        total = data[name].values.sum(axis=axis)
        bad = np.argwhere(np.abs(total - 1.0) > SHARE_TOLERANCE)
        if bad.size:
            problems.append(Problem(data[name].path, "", "", "sum-not-one",
                                    f"{name} sums to {total[tuple(bad[0])]:.6g}, not 1, at "
                                    f"year {data.years[bad[0][0]]} (and {len(bad) - 1} more)"))
    if problems:
        raise DataValidationError(problems)


def battery_inputs(data: ModelData) -> BatteryInputs | None:
    """The battery model's inputs of a scenario, or None without the powertrain extension.

    Raises
    ------
    DataValidationError
        If the powertrain or chemistry shares of a year do not sum to 1.
    """
    if not has_powertrains(data):
        return None
    _check_sums(data)
    powertrains = data.items["p"]
    if FUEL_CELL not in powertrains:
        raise DataValidationError([Problem(data["powertrain_share"].path, "", "", "missing-item",
                                           f"powertrain {FUEL_CELL!r} is not classified")])
    return BatteryInputs(
        powertrains=list(powertrains), chemistries=list(data.items["k"]),
        materials=list(data.items["m"]), share=data["powertrain_share"].values,
        capacity=data["battery_capacity"].values,
        chemistry=data["battery_chemistry_share"].values,
        intensity=data["battery_material_intensity"].values,
        life_shape=data["battery_lifetime_shape"].values,
        life_scale=data["battery_lifetime_scale"].values,
        second_life_share=data["second_life_share"].values,
        second_life_shape=data["second_life_shape"].scalar(),
        second_life_scale=data["second_life_scale"].scalar(),
        recovery=data["battery_recovery_efficiency"].values,
        fuel_cell=_fuel_cell_content(data),
        energy=_battery_factors(data, "battery_energy_factor"),
        carbon=_battery_factors(data, "battery_carbon_factor"),
        form=data.options.lifetime_form,
        ranges={key: value_range(data, name) for key, name in RANGES.items()})


RANGES = {"capacity": "battery_capacity", "life_scale": "battery_lifetime_scale",
          "life_shape": "battery_lifetime_shape", "second_life_share": "second_life_share",
          "second_life_shape": "second_life_shape", "second_life_scale": "second_life_scale"}
"""The battery inputs the Monte Carlo draws within their ``stats_array`` ranges."""


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


def _battery_factors(data: ModelData, name: str) -> np.ndarray:
    """Primary and secondary factor of every material ``(M, 2)``; zero where none is given."""
    obs = data[name].observations
    return np.array([[obs.get((m, r), 0.0) for r in ("primary", "secondary")]
                     if all((m, r) in obs for r in ("primary", "secondary")) else [0.0, 0.0]
                     for m in data.items["m"]], dtype=float)
