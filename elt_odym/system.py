"""The end-of-life-truck MFA system on flodym: fleet -> material flows, with the study's equations.

Symbols (Xu et al. 2025): ``W_i(t)`` mass of end-of-life trucks of type ``i`` in year ``t``
(``eol * unit_weight``), ``e_ij`` share of material ``j`` in type ``i``, ``V_j`` mass of
material ``j`` in end-of-life trucks (Eq. 6). Beyond the study's maximum potential, scrapping
splits into formal collection (rate ``c``) and the rest, and recycling recovers a share ``eta_j``
of the collected material as secondary material; the remainder is a loss.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import flodym as fd
from pydantic import ConfigDict

from .data import ModelData
from .definition import FLOWS, PROCESSES, STOCKS, build_mfa_definition
from .errors import MassBalanceError
from .fleet.dynamics import FleetResult


class ELTSystem(fd.MFASystem):
    """The declared system; :meth:`compute` fills every flow and stock from the fleet."""

    model_config = ConfigDict(protected_namespaces=(), extra="allow",
                              arbitrary_types_allowed=True)

    fleet: FleetResult | None = None

    def fleet_array(self, values: np.ndarray, name: str) -> fd.FlodymArray:
        return fd.FlodymArray(dims=self.dims.get_subset(("t", "g")), values=values, name=name)

    def compute(self) -> None:
        """Fill flows and stocks (equations below read like the study's)."""
        prm, flows = self.parameters, self.flows
        material_per_unit = prm["unit_weight"] * prm["material_composition"]  # t/unit (g,m)
        inflow = self.fleet_array(self.fleet.inflow, "inflow")
        eol = self.fleet_array(self.fleet.eol, "eol")

        flows["manufacturing => use"][...] = inflow * material_per_unit
        flows["use => scrapping"][...] = eol * material_per_unit  # Eq. 6: V = W_i(t) e_ij
        flows["scrapping => recycling"][...] = prm["collection_rate"] * flows["use => scrapping"]
        flows["scrapping => sysenv"][...] = (flows["use => scrapping"]
                                             - flows["scrapping => recycling"])
        collected = flows["scrapping => recycling"].sum_to(("t", "m"))
        secondary = prm["recovery_efficiency"] * collected
        flows["recycling => losses"][...] = collected - secondary
        demand = flows["manufacturing => use"].sum_to(("t", "m"))
        flows["recycling => manufacturing"][...] = (prm["closed_loop_share"] * secondary
                                                    ).minimum(demand)
        flows["recycling => sysenv"][...] = secondary - flows["recycling => manufacturing"]
        flows["primary production => manufacturing"][...] = (
            demand - flows["recycling => manufacturing"])
        flows["sysenv => primary production"][...] = flows["primary production => manufacturing"]
        self._compute_stocks(material_per_unit)

    def _compute_stocks(self, material_per_unit: fd.FlodymArray) -> None:
        fleet = self.stocks["fleet"]
        fleet.inflow.values[...] = self.fleet.inflow
        fleet.outflow.values[...] = self.fleet.eol
        fleet.initial = self.fleet.initial_stock
        fleet.compute()
        material = self.stocks["in-use material"]
        material.inflow[...] = self.flows["manufacturing => use"]
        material.outflow[...] = self.flows["use => scrapping"]
        material.initial = self.fleet.initial_stock[:, np.newaxis] * material_per_unit.values
        material.compute()

    def secondary_by_type(self) -> fd.FlodymArray:
        """Recovered secondary material by year, type and material (what the savings count)."""
        return self.flows["scrapping => recycling"] * self.parameters["recovery_efficiency"]


def build_system(data: ModelData, fleet: FleetResult) -> ELTSystem:
    """Create the flodym system of the declaration with the scenario's parameters."""
    definition = build_mfa_definition()
    dims = data.flodym_dims(("t", "g", "m"))
    processes = fd.make_processes(definition.processes)
    flows = fd.make_empty_flows(processes=processes, flow_definitions=definition.flows, dims=dims)
    stocks = fd.make_empty_stocks(processes=processes, stock_definitions=definition.stocks,
                                  dims=dims)
    names = ("unit_weight", "material_composition", "collection_rate", "recovery_efficiency",
             "closed_loop_share")
    parameters = {n: data.parameter(n) for n in names}
    return ELTSystem(dims=dims, parameters=parameters, processes=processes, flows=flows,
                     stocks=stocks, fleet=fleet)


def mass_balance(system: ELTSystem) -> pd.DataFrame:
    """Balance of every process, year and material: inputs - outputs - stock change.

    Returns a tidy table with columns ``process, year, material, inputs, outputs,
    stock_change, imbalance``. ``sysenv`` balances the system as a whole.
    """
    shape = (system.dims["t"].len, system.dims["m"].len)
    parts = {p: {"inputs": np.zeros(shape), "outputs": np.zeros(shape),
                 "stock_change": np.zeros(shape)} for p in PROCESSES}
    for spec in FLOWS:
        values = system.flows[spec.key].sum_values_to(("t", "m"))
        parts[spec.to_process]["inputs"] += values
        parts[spec.from_process]["outputs"] += values
    for spec in STOCKS:
        if spec.process:
            stock = system.stocks[spec.name]
            change = (stock.inflow - stock.outflow).sum_values_to(("t", "m"))
            parts[spec.process]["stock_change"] += change
            parts["sysenv"]["stock_change"] -= change
    rows = []
    years, materials = system.dims["t"].items, system.dims["m"].items
    for process, p in parts.items():
        imbalance = p["inputs"] - p["outputs"] - p["stock_change"]
        for i, y in enumerate(years):
            for j, m in enumerate(materials):
                rows.append((process, y, m, p["inputs"][i, j], p["outputs"][i, j],
                             p["stock_change"][i, j], imbalance[i, j]))
    return pd.DataFrame(rows, columns=["process", "year", "material", "inputs", "outputs",
                                       "stock_change", "imbalance"])


def check_mass_balance(system: ELTSystem, table: pd.DataFrame, tolerance: float) -> float:
    """Raise :class:`MassBalanceError` if ``max|imbalance| > tolerance * max|flow|``.

    Returns the relative error ``max|imbalance| / max|flow|``.
    """
    largest = max(float(np.abs(f.values).max()) for f in system.flows.values())
    worst = float(table["imbalance"].abs().max())
    relative = worst / largest if largest > 0 else worst
    if relative > tolerance:
        bad = table[table["imbalance"].abs() > tolerance * largest]
        worst_rows = bad.loc[bad.groupby("process")["imbalance"].apply(lambda x: x.abs().idxmax())]
        detail = "; ".join(f"{r.process!r} {r.year} {r.material!r}: {r.imbalance:.6g} t"
                           for r in worst_rows.itertuples())
        raise MassBalanceError(
            f"mass balance violated ({relative:.3g} of the largest flow, tolerance "
            f"{tolerance:g}); worst per process: {detail}")
    return relative
