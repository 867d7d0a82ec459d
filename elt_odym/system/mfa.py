"""The end-of-life-truck MFA system on flodym: the declared system, filled by the equations.

:meth:`ELTSystem.compute` evaluates the model's equations (:mod:`elt_odym.system.equations`)
for one draw, the deterministic one, exactly as the batch model evaluates them for many: the
declared fleet stock (:class:`~elt_odym.fleet.stock_model.FleetStockModel`) solves the compiled
kernel as a batch of one and fills its flodym arrays, cohorts included; every declared flow and
material stock takes its values from the same :class:`~elt_odym.system.variables.Results`;
flodym's mass-balance check and our table per process, year and material follow.

The declared parameters (read through a flodym :class:`~flodym.DataReader`) are the system's:
a user who changes ``system.parameters["unit_weight"]`` and calls :meth:`compute` again sees it.
"""

from __future__ import annotations

import dataclasses

import flodym as fd
import numpy as np
import pandas as pd
from pydantic import ConfigDict

from ..data import ModelData, with_values
from ..declaration import ALL_FLOWS, ALL_PROCESSES, ALL_STOCKS, FLEET_STOCK
from ..errors import MassBalanceError
from ..fleet.inputs import FleetResult, Projection, project
from .composition import calc_cohort_composition
from .definition import build_mfa_definition
from .equations.evaluate import evaluate, prepare
from .inputs import ModelInputs, base_draws, model_inputs
from .variables import Results


class ScenarioReader(fd.DataReader):
    """flodym :class:`~flodym.DataReader` of one scenario: dimensions from the classification,
    the declared parameters (:data:`~elt_odym.declaration.SYSTEM_PARAMETERS`) from the
    scenario's inputs (the first three derived: the stock path and the cohort lifetimes)."""

    def __init__(self, data: ModelData, inputs: ModelInputs):
        self.data, self.inputs = data, inputs

    def read_dimension(self, definition: fd.DimensionDefinition) -> fd.Dimension:
        """The items of a dimension (model years for time)."""
        return fd.Dimension(name=definition.name, letter=definition.letter,
                            items=list(self.data.items[definition.letter]),
                            dtype=definition.dtype)

    def read_parameter_values(self, parameter_name: str, dims: fd.DimensionSet
                              ) -> fd.Parameter:
        """A declared parameter; the fleet's three are derived from the workbooks."""
        fleet, h = self.inputs.fleet, self.inputs.n_history
        derived = {"fleet_stock": fleet.stock[h:], "lifetime_shape": fleet.shape[h:],
                   "lifetime_scale": fleet.scale[h:]}
        values = derived.get(parameter_name)
        if values is None:
            values = self.data[parameter_name].values
        return fd.Parameter(name=parameter_name, dims=dims, values=np.asarray(values, float))


class ELTSystem(fd.MFASystem):
    """The declared system; :meth:`compute` evaluates the equations for the deterministic draw
    and fills every flow and stock (see the module docstring)."""

    model_config = ConfigDict(protected_namespaces=(), extra="allow",
                              arbitrary_types_allowed=True)

    inputs: ModelInputs | None = None
    data: ModelData | None = None
    projection: Projection | None = None
    results: Results | None = None
    """Every output variable of the run (a batch of one), after :meth:`compute`."""

    def model_inputs(self) -> ModelInputs:
        """The scenario's inputs with the values of the declared parameters."""
        prm, inputs, h = self.parameters, self.inputs, self.inputs.n_history
        fleet = inputs.fleet
        fleet = dataclasses.replace(
            fleet, stock=np.concatenate([fleet.stock[:h], prm["fleet_stock"].values]),
            shape=np.concatenate([fleet.shape[:h], prm["lifetime_shape"].values]),
            scale=np.concatenate([fleet.scale[:h], prm["lifetime_scale"].values]))
        composition = inputs.composition
        body = {"unit_weight": prm["unit_weight"].values,
                "material_composition": prm["material_composition"].values}
        if any(not np.array_equal(v, self.data[k].values) for k, v in body.items()):
            composition = calc_cohort_composition(with_values(self.data, body), fleet.years)
        return dataclasses.replace(
            inputs, fleet=fleet, weight=body["unit_weight"], composition=composition,
            collection=prm["collection_rate"].values, recovery=prm["recovery_efficiency"].values,
            closed_loop=prm["closed_loop_share"].values)

    def compute(self) -> None:
        """Solve the fleet, then fill every flow and the material stocks."""
        inputs = self.model_inputs()
        draws = base_draws(inputs)
        plan = prepare(inputs, draws)
        fleet, prm = self.stocks[FLEET_STOCK], self.parameters
        fleet.stock[...] = prm["fleet_stock"]
        fleet.lifetime_model.weibull_shape = prm["lifetime_shape"].values
        fleet.lifetime_model.weibull_scale = prm["lifetime_scale"].values
        fleet.negative_inflow = inputs.fleet.policy
        fleet.batch = plan.batch
        fleet.compute()
        self.results = evaluate(inputs, draws, plan=plan, solution=fleet.solution)
        for name, values in self.results.flows.items():
            self.flows[name].values[...] = values[0]
        for name, (inflow, outflow, initial) in self.results.stocks.items():
            stock = self.stocks[name]
            stock.inflow.values[...] = inflow[0]
            stock.outflow.values[...] = outflow[0]
            stock.initial = initial[0]
            stock.compute()

    def fleet_result(self) -> FleetResult:
        """The fleet in vehicles (model years) with its fits and negative-inflow events."""
        fleet, r, inputs = self.stocks[FLEET_STOCK], self.results, self.inputs
        v = {name: r.values[name][0] for name in ("stock", "inflow", "eol", "eol_early",
                                                   "transfer_out", "transfer_in")}
        return FleetResult(
            years=list(self.dims["t"].items), products=list(self.dims["g"].items),
            stock=v["stock"], inflow=v["inflow"], eol=v["eol"], early_retirement=v["eol_early"],
            initial_stock=fleet.initial, transfer_out=v["transfer_out"],
            transfer_in=v["transfer_in"], stock_source=self.projection.source,
            fits=self.projection.fits, events=fleet.events(), ext_years=inputs.fleet.years,
            ext_stock=inputs.fleet.stock)


def build_system(data: ModelData, projection: Projection | None = None) -> ELTSystem:
    """The flodym system of the declaration with the scenario's parameters (flodym's
    :meth:`~flodym.MFASystem.from_data_reader`); call :meth:`ELTSystem.compute` next."""
    projection = projection or project(data)
    inputs = model_inputs(data, projection)
    definition = build_mfa_definition(data.options.lifetime_form)
    system = ELTSystem.from_data_reader(definition, ScenarioReader(data, inputs))
    system.inputs, system.projection, system.data = inputs, projection, data
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
    years, materials = system.dims["t"].items, system.dims["m"].items
    frames = []
    for process, p in parts.items():
        frames.append(pd.DataFrame({
            "process": process, "year": np.repeat(years, len(materials)),
            "material": np.tile(np.asarray(materials, dtype=object), len(years)),
            "inputs": p["inputs"].ravel(), "outputs": p["outputs"].ravel(),
            "stock_change": p["stock_change"].ravel(),
            "imbalance": (p["inputs"] - p["outputs"] - p["stock_change"]).ravel()}))
    return pd.concat(frames, ignore_index=True)


def check_mass_balance(system: ELTSystem, table: pd.DataFrame, tolerance: float) -> float:
    """flodym's :meth:`~flodym.MFASystem.check_mass_balance` at ``tolerance * max|flow|``, and
    the same rule on our per-process, per-year, per-material ``table``; a flow, a stock (its
    values, inflow or outflow) or a balance that is not a finite number fails it.

    Returns the relative error ``max|imbalance| / max|flow|``.

    Raises
    ------
    MassBalanceError
        Naming the flows and stocks that are not finite, or the worst (process, year,
        material) of every process out of balance.
    """
    bad = [f"flow {name!r}" for name, f in system.flows.items()
           if not np.all(np.isfinite(f.values))]
    bad += [f"stock {name!r}" for name, s in system.stocks.items()
            if not all(np.all(np.isfinite(a.values)) for a in (s.stock, s.inflow, s.outflow))]
    if bad or not np.all(np.isfinite(table[["inputs", "outputs", "stock_change", "imbalance"]])):
        raise MassBalanceError(f"mass balance cannot hold: {', '.join(bad) or 'the balance'} "
                               f"holds values that are not finite numbers (inf or NaN); an "
                               f"input is far out of range (elt-odym validate checks the "
                               f"plausible ranges)")
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
