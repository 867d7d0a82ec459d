"""The powertrain step of :meth:`elt_odym.system.mfa.ELTSystem.compute`: fleet -> traction flows.

Flows of the traction chain (declared in :data:`elt_odym.declaration.TRACTION_FLOWS`)::

    sysenv => traction manufacturing              = sum_g fitted
    traction manufacturing => traction use        = packs fitted (new trucks, replacements)
                                                    + fuel-cell stacks and tanks of new trucks
    traction use => second life                   = s2 * retired packs
    traction use => traction recycling            = (1 - s2) * retired packs + fuel-cell parts
    second life => traction recycling             = packs leaving second life
    traction recycling => sysenv                  = eta_m * collected
    traction recycling => losses                  = (1 - eta_m) * collected
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...declaration import FUEL_CELL
from ...fleet.stock_model import FleetStockModel
from .battery import BatteryResult, calc_battery
from .cohorts import calc_cohort_outflow, calc_cohort_stock
from .inputs import BatteryInputs
from .shares import FleetByPowertrain, split_fleet


@dataclass(frozen=True)
class TractionStep:
    """The fleet by powertrain and by cohort, and the traction chain of one run."""

    by_powertrain: FleetByPowertrain
    cohort_stock: np.ndarray
    cohort_outflow: np.ndarray
    battery: BatteryResult

    def flows(self) -> dict[str, np.ndarray]:
        """Values of every traction flow (see the module docstring)."""
        b = self.battery
        fitted = b.installed + b.fuel_cell_installed
        collected = b.collected
        recovered = b.recovered.sum(axis=1)
        return {
            "sysenv => traction manufacturing": fitted.sum(axis=1),
            "traction manufacturing => traction use": fitted,
            "traction use => second life": b.to_second_life.sum(axis=2),
            "traction use => traction recycling": ((b.retired - b.to_second_life).sum(axis=2)
                                                   + b.fuel_cell_retired),
            "second life => traction recycling": b.from_second_life.sum(axis=2),
            "traction recycling => sysenv": recovered,
            "traction recycling => losses": collected.sum(axis=1) - recovered}


def calc_traction_step(inp: BatteryInputs, fleet: FleetStockModel) -> TractionStep:
    """Fleet by cohort and powertrain, then the traction chain, from the solved fleet stock
    (a :class:`~elt_odym.fleet.stock_model.FleetStockModel`)."""
    inflow, stock = fleet.inflow.values, fleet.stock.values
    cohort_stock = calc_cohort_stock(inflow, stock, fleet.early_retirement,
                                     fleet.lifetime_model.sf)
    cohort_outflow = calc_cohort_outflow(cohort_stock, inflow)
    by_pt = split_fleet(stock, inflow, fleet.outflow.values, cohort_stock, cohort_outflow,
                        inp.share)
    fc = inp.powertrains.index(FUEL_CELL)
    battery = calc_battery(inp, cohort_stock, cohort_outflow, inflow,
                           (by_pt.inflow[..., fc], by_pt.eol[..., fc], by_pt.stock[..., fc]))
    return TractionStep(by_pt, cohort_stock, cohort_outflow, battery)
