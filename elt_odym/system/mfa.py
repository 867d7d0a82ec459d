"""The end-of-life-truck MFA system on flodym: fleet stock -> material flows, the study's equations.

Symbols (Xu et al. 2025): ``W_i(t)`` mass of end-of-life trucks of type ``i`` in year ``t``
(``eol * unit_weight``), ``e_ij`` share of material ``j`` in type ``i``, ``V_j`` mass of
material ``j`` in end-of-life trucks (Eq. 6). Beyond the study's maximum potential, scrapping
splits into formal collection (rate ``c``) and the rest, and recycling recovers a share ``eta_j``
of the collected material as secondary material; the remainder is a loss.
"""

from __future__ import annotations

import flodym as fd
import numpy as np
import pandas as pd
from pydantic import ConfigDict

from ..data import ModelData
from ..declaration import ALL_FLOWS, ALL_PROCESSES, ALL_STOCKS, FLEET_STOCK
from ..errors import MassBalanceError
from ..fleet.inputs import FleetInputs, FleetResult, Projection, fleet_inputs, project
from ..fleet.stock_model import FleetStockModel
from ..fleet.transfers import FleetFlows, split_transfers, transfer_matrix
from .definition import build_mfa_definition
from .powertrain.battery import BatteryResult
from .powertrain.inputs import BatteryInputs, battery_inputs
from .powertrain.system_step import TractionStep, calc_traction_step


class ScenarioReader(fd.DataReader):
    """flodym :class:`~flodym.DataReader` of one scenario: dimensions from the classification,
    the declared parameters (:data:`~elt_odym.declaration.SYSTEM_PARAMETERS`) from the workbooks
    and the fleet inputs."""

    def __init__(self, data: ModelData, fleet: FleetInputs):
        self.data, self.fleet = data, fleet

    def read_dimension(self, definition: fd.DimensionDefinition) -> fd.Dimension:
        """The items of a dimension (model years for time)."""
        return fd.Dimension(name=definition.name, letter=definition.letter,
                            items=list(self.data.items[definition.letter]),
                            dtype=definition.dtype)

    def read_parameter_values(self, parameter_name: str, dims: fd.DimensionSet
                              ) -> fd.Parameter:
        """A declared parameter; the fleet's three are derived from the workbooks."""
        h = self.fleet.n_history
        derived = {"fleet_stock": self.fleet.model_stock, "lifetime_shape": self.fleet.shape[h:],
                   "lifetime_scale": self.fleet.scale[h:]}
        if parameter_name in derived:
            values = derived[parameter_name]
        else:
            values = self.data[parameter_name].values
        return fd.Parameter(name=parameter_name, dims=dims, values=np.asarray(values, float))


class ELTSystem(fd.MFASystem):
    """The declared system; :meth:`compute` solves the fleet stock, then every material flow."""

    model_config = ConfigDict(protected_namespaces=(), extra="allow",
                              arbitrary_types_allowed=True)

    fleet_inputs: FleetInputs | None = None
    projection: Projection | None = None
    vehicles: FleetFlows | None = None
    """The fleet's vehicle flows with transfers separated (after :meth:`compute`)."""
    battery_inputs: BatteryInputs | None = None
    traction: TractionStep | None = None

    def compute(self) -> None:
        """Fill the fleet, every flow and the material stock (equations read like the study's)."""
        prm, flows = self.parameters, self.flows
        fleet = self._compute_fleet()
        material_per_unit = prm["unit_weight"] * prm["material_composition"]  # t/unit (g,m)
        vehicles, moved_out, moved_in = self._compute_transfers(fleet, material_per_unit)
        new, eol = (fd.FlodymArray(dims=fleet.stock.dims, values=v)
                    for v in (vehicles.inflow, vehicles.eol))

        flows["manufacturing => use"][...] = new * material_per_unit
        flows["use => scrapping"][...] = eol * material_per_unit  # Eq. 6: V = W_i e_ij
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
        material = self.stocks["in-use material"]
        material.inflow[...] = flows["manufacturing => use"].values + moved_in
        material.outflow[...] = flows["use => scrapping"].values + moved_out
        material.initial = fleet.initial[:, np.newaxis] * material_per_unit.values
        material.compute()
        self._compute_batteries(fleet)

    def _compute_batteries(self, fleet: FleetStockModel) -> None:
        """The powertrain extension (issue 15): the fleet by powertrain and the traction chain
        (:mod:`elt_odym.system.powertrain`); the traction flows stay zero without it. Nothing of the
        truck part above depends on this step."""
        flows = self.flows
        if self.battery_inputs is not None:
            self.traction = calc_traction_step(self.battery_inputs, fleet)
            for name, values in self.traction.flows().items():
                flows[name].values[...] = values
        for stock_name, (into, out_of) in {
                "traction material": ("traction manufacturing => traction use",
                                       ("traction use => second life",
                                        "traction use => traction recycling")),
                "second-life material": ("traction use => second life",
                                         ("second life => traction recycling",))}.items():
            stock = self.stocks[stock_name]
            stock.inflow[...] = flows[into]
            stock.outflow.values[...] = sum(flows[n].values for n in out_of)
            stock.compute()

    @property
    def battery(self) -> BatteryResult | None:
        """The traction chain's packs and materials (None without the extension)."""
        return self.traction.battery if self.traction else None

    def _compute_fleet(self) -> FleetStockModel:
        """The stock-driven fleet (Eqs. 2-3) with the declared lifetime model."""
        prm, inputs = self.parameters, self.fleet_inputs
        fleet = self.stocks[FLEET_STOCK]
        fleet.stock[...] = prm["fleet_stock"]
        fleet.lifetime_model.weibull_shape = prm["lifetime_shape"].values
        fleet.lifetime_model.weibull_scale = prm["lifetime_scale"].values
        h = inputs.n_history
        fleet.history = inputs.stock[:h] if h else None
        fleet.history_prms = {"weibull_shape": inputs.shape[:h], "weibull_scale": inputs.scale[:h]}
        fleet.negative_inflow = inputs.policy
        fleet.hazard = inputs.hazard
        fleet.compute()
        return fleet

    def _compute_transfers(self, fleet: FleetStockModel, material_per_unit: fd.FlodymArray
                           ) -> tuple[FleetFlows, np.ndarray, np.ndarray]:
        """Reclassification (:mod:`elt_odym.fleet.transfers`): vehicles that leave one type's
        stock for another's, kept apart from new trucks and end of life.

        Returns the vehicle flows and the material leaving and entering each type ``(t,g,m)``;
        the flow ``use => reclassification`` (from ``use`` back to ``use``) carries their sum
        over types: the type changes, so the balance holds over year and material.
        """
        routes = self.fleet_inputs.transfers
        vehicles = split_transfers(fleet.inflow.values, fleet.outflow.values,
                                   fleet.early_retirement, routes)
        per_unit = material_per_unit.values  # (g, m)
        moved_out = vehicles.transfer_out[..., None] * per_unit[None]
        moved_in = transfer_matrix(vehicles.transfer_out, routes, per_unit)
        self.flows["use => reclassification"][...] = moved_out.sum(axis=1)
        self.vehicles = vehicles
        return vehicles, moved_out, moved_in

    def secondary_by_type(self) -> fd.FlodymArray:
        """Recovered secondary material by year, type and material (what the savings count)."""
        return self.flows["scrapping => recycling"] * self.parameters["recovery_efficiency"]

    def fleet_result(self) -> FleetResult:
        """The fleet in vehicles (model years) with its fits and negative-inflow events."""
        fleet, inputs, v = self.stocks[FLEET_STOCK], self.fleet_inputs, self.vehicles
        return FleetResult(
            years=list(self.dims["t"].items), products=list(self.dims["g"].items),
            stock=fleet.stock.values, inflow=v.inflow, eol=v.eol,
            early_retirement=v.early, initial_stock=fleet.initial,
            transfer_out=v.transfer_out, transfer_in=v.transfer_in,
            stock_source=self.projection.source, fits=self.projection.fits,
            events=fleet.events(), ext_years=inputs.years, ext_stock=inputs.stock)


def build_system(data: ModelData, projection: Projection | None = None) -> ELTSystem:
    """The flodym system of the declaration with the scenario's parameters (flodym's
    :meth:`~flodym.MFASystem.from_data_reader`); call :meth:`ELTSystem.compute` next."""
    projection = projection or project(data)
    inputs = fleet_inputs(data, projection)
    definition = build_mfa_definition(data.options.lifetime_form)
    system = ELTSystem.from_data_reader(definition, ScenarioReader(data, inputs))
    system.fleet_inputs, system.projection = inputs, projection
    system.battery_inputs = battery_inputs(data)
    return system


def mass_balance(system: ELTSystem) -> pd.DataFrame:
    """Balance of every process, year and material: inputs - outputs - stock change.

    Returns a tidy table with columns ``process, year, material, inputs, outputs,
    stock_change, imbalance``. ``sysenv`` balances the system as a whole.
    """
    shape = (system.dims["t"].len, system.dims["m"].len)
    parts = {p: {"inputs": np.zeros(shape), "outputs": np.zeros(shape),
                 "stock_change": np.zeros(shape)} for p in ALL_PROCESSES}
    for spec in ALL_FLOWS:
        values = system.flows[spec.key].sum_values_to(("t", "m"))
        parts[spec.to_process]["inputs"] += values
        parts[spec.from_process]["outputs"] += values
    for spec in ALL_STOCKS:
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
    """flodym's :meth:`~flodym.MFASystem.check_mass_balance` at ``tolerance * max|flow|``, and
    the same rule on our per-process, per-year, per-material ``table``.

    Returns the relative error ``max|imbalance| / max|flow|``.

    Raises
    ------
    MassBalanceError
        Naming the worst (process, year, material) of every process out of balance.
    """
    largest = max(float(np.abs(f.values).max()) for f in system.flows.values())
    worst = float(table["imbalance"].abs().max())
    relative = worst / largest if largest > 0 else worst
    try:
        system.check_mass_balance(tolerance=tolerance * max(largest, 1.0), raise_error=True)
        flodym_ok = True
    except ValueError:
        flodym_ok = False
    if relative > tolerance or not flodym_ok:
        bad = table[table["imbalance"].abs() > tolerance * largest]
        if bad.empty:
            bad = table
        worst_rows = bad.loc[bad.groupby("process")["imbalance"].apply(lambda x: x.abs().idxmax())]
        detail = "; ".join(f"{r.process!r} {r.year} {r.material!r}: {r.imbalance:.6g} t"
                           for r in worst_rows.itertuples())
        raise MassBalanceError(
            f"mass balance violated ({relative:.3g} of the largest flow, tolerance "
            f"{tolerance:g}); worst per process: {detail}")
    return relative
