"""Embedding: the end-of-life-truck system inside a larger flodym model.

A user's steel model adds two processes, a *steel scrap market* and *EAF steelmaking*. The
secondary material that the truck system sends to other markets (``recycling => sysenv``) goes
to the scrap market instead; the market also takes other scrap from outside, and EAF steelmaking
turns the Fe scrap into steel with a yield, the rest is slag. The combined system is a plain
flodym ``MFASystem`` whose flows are the truck system's flows plus the new ones, and flodym's own
``check_mass_balance`` checks the whole.

Run: ``python examples/embed_steel_market.py`` (the test suite runs it too).
"""

from __future__ import annotations

import flodym as fd
import numpy as np
from elt_odym.system.stocks import MaterialStock

from elt_odym.declaration import ALL_FLOWS, ALL_PROCESSES, ALL_STOCKS
from elt_odym.model import run

EAF_YIELD = 0.9           # illustrative: steel out per t of Fe scrap in
OTHER_SCRAP_FACTOR = 3.0  # illustrative: other Fe scrap per t of truck Fe scrap


def combined_definition() -> fd.MFADefinition:
    """The truck system's declaration, rerouted into the user's steel processes."""
    processes = list(ALL_PROCESSES) + ["steel scrap market", "EAF steelmaking"]
    flows = [fd.FlowDefinition(from_process_name=f.from_process, to_process_name=f.to_process,
                               dim_letters=f.dims, name_override=f.name or None)
             for f in ALL_FLOWS if f.key != "recycling => sysenv"]
    flows += [
        fd.FlowDefinition(from_process_name="recycling", to_process_name="steel scrap market",
                          dim_letters=("t", "m")),
        fd.FlowDefinition(from_process_name="sysenv", to_process_name="steel scrap market",
                          dim_letters=("t", "m")),
        fd.FlowDefinition(from_process_name="steel scrap market",
                          to_process_name="EAF steelmaking", dim_letters=("t", "m")),
        fd.FlowDefinition(from_process_name="steel scrap market", to_process_name="sysenv",
                          dim_letters=("t", "m"), name_override="non-ferrous scrap to markets"),
        fd.FlowDefinition(from_process_name="EAF steelmaking", to_process_name="sysenv",
                          dim_letters=("t", "m"), name_override="steel"),
        fd.FlowDefinition(from_process_name="EAF steelmaking", to_process_name="sysenv",
                          dim_letters=("t", "m"), name_override="slag"),
    ]
    dims = [fd.DimensionDefinition(name=n, letter=x, dtype=d) for n, x, d in
            (("Time", "t", int), ("Product", "g", str), ("Material", "m", str))]
    stocks = [fd.StockDefinition(name=s.name, dim_letters=s.dims, subclass=MaterialStock,
                                 process_name=s.process or None) for s in ALL_STOCKS]
    return fd.MFADefinition(dimensions=dims, processes=processes, flows=flows, stocks=stocks)


class SteelModel(fd.MFASystem):
    """The user's larger model: truck flows copied in, steel processes computed."""

    def compute_from(self, trucks: fd.MFASystem) -> None:
        for name, flow in trucks.flows.items():
            if name in self.flows:
                self.flows[name][...] = flow
        for name, stock in trucks.stocks.items():
            mine = self.stocks[name]
            mine.inflow[...], mine.outflow[...] = stock.inflow, stock.outflow
            mine.initial = stock.initial
            mine.compute()
        truck_scrap = trucks.flows["recycling => sysenv"]
        self.flows["recycling => steel scrap market"][...] = truck_scrap
        fe = self.dims["m"].items.index("Fe")
        other = np.zeros(self.flows["sysenv => steel scrap market"].shape)
        other[:, fe] = OTHER_SCRAP_FACTOR * truck_scrap.values[:, fe]
        self.flows["sysenv => steel scrap market"].values[...] = other
        into_market = truck_scrap.values + other
        to_eaf = np.zeros_like(into_market)
        to_eaf[:, fe] = into_market[:, fe]
        self.flows["steel scrap market => EAF steelmaking"].values[...] = to_eaf
        self.flows["non-ferrous scrap to markets"].values[...] = into_market - to_eaf
        self.flows["steel"].values[...] = EAF_YIELD * to_eaf
        self.flows["slag"].values[...] = (1 - EAF_YIELD) * to_eaf


def main() -> SteelModel:
    trucks = run(scenario="open_data").system
    definition = combined_definition()
    processes = fd.make_processes(definition.processes)
    model = SteelModel(
        dims=trucks.dims, parameters={}, processes=processes,
        flows=fd.make_empty_flows(processes=processes, flow_definitions=definition.flows,
                                  dims=trucks.dims),
        stocks=fd.make_empty_stocks(processes=processes, stock_definitions=definition.stocks,
                                    dims=trucks.dims))
    model.compute_from(trucks)
    model.check_mass_balance()  # flodym's own check over every process of the combined model
    model.check_flows(raise_error=True)
    steel = model.flows["steel"].sum_values_to(("t",))
    years = model.dims["t"].items
    print(f"EAF steel from truck and other scrap: {steel[years.index(2030)] / 1e6:.1f} Mt in "
          f"2030, {steel[years.index(2050)] / 1e6:.1f} Mt in 2050; combined mass balance holds")
    return model


if __name__ == "__main__":
    main()
