"""Powertrains and traction batteries: hand-computed renewal and second life, the kernel's pack
tables against plain loops, invariants of the chain on the bundled scenarios, all-diesel."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from elt_odym.data import load_data, with_values
from elt_odym.fleet.kernel import survival_curves
from elt_odym.model import run
from elt_odym.system.equations.battery import (
    age_tables,
    calc_fitted_age_shares,
    calc_renewal,
    release_matrix,
)
from elt_odym.system.equations.vehicles import profile_layout
from elt_odym.system.inputs import base_draws

def _fixed(n_ages: int, life: float) -> np.ndarray:
    """Survival by age of a Weibull so steep that it is a fixed lifetime (1 before ``life``)."""
    return survival_curves(np.array([400.0]), np.array([life]), n_ages, "survival")[:, 0]


def test_renewal_of_a_fixed_two_year_pack():
    b = _fixed(7, 1.5)  # 1, 1, 0, 0, ...: a pack lives two years
    assert b[:3].tolist() == [1.0, 1.0, 0.0]
    assert calc_renewal(b).tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]


def test_one_pack_per_truck_for_any_weibull():
    b = survival_curves(np.array([2.7, 4.0]), np.array([7.3, 11.0]), 40, "pdf")
    f = calc_fitted_age_shares(b)
    np.testing.assert_allclose(f.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_second_life_release_by_hand():
    r = release_matrix(400.0, 1.5, 4, "survival")  # two years of reuse
    assert (r @ np.array([4.0, 0.0, 0.0, 0.0])).tolist() == [0.0, 0.0, 4.0, 0.0]


@pytest.fixture(scope="module")
def central():
    return run(scenario="electrification_central")


def test_kwh_tables_equal_a_plain_loop(central):
    """``U[c, a, k] = sum_j m[j] b[a-j] cap[c+j] chem[c+j, k]`` against loops over j."""
    inputs = central.system.inputs
    layout = profile_layout(inputs)
    tabs = age_tables(inputs, base_draws(inputs), layout)
    bat, h = inputs.battery, inputs.n_history
    g, i = inputs.products.index("HT"), 0
    p = layout.pack_powertrains[i]
    b = survival_curves(bat.life_shape[g:g + 1], bat.life_scale[g:g + 1],
                        inputs.fleet.stock.shape[0], inputs.fleet.form)[:, 0]
    m = calc_renewal(b)
    for c, a, k in ((h + 10, 12, 0), (h + 30, 5, 1), (h, 20, 2)):
        want = sum(m[j] * b[a - j] * bat.capacity[c + j - h, g, p] * bat.chemistry[c + j - h, k]
                   for j in range(a + 1) if c + j - h < len(inputs.years))
        got = tabs.tables[0, tabs.kwh[i][k], c, a, g]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(tabs.tables[0, tabs.renew[i], 0, 1:, g], m[1:], rtol=1e-15)


@pytest.mark.parametrize("scenario", ["electrification_central", "best_estimate"])
def test_traction_chain_invariants(runs, scenario):
    r = runs(scenario)
    s, t = r.system, r.results
    values = s.results.values
    packs = values["battery_packs_in_use"][0]
    # one pack per battery truck: the trucks by powertrain that carry a pack
    b = r.battery_results
    stock = b[b.variable == "stock_by_powertrain"].pivot_table(
        index=["year", "truck_type"], columns="powertrain", values="value", sort=False)
    battery = stock[[p for p in s.inputs.battery.powertrains if p in ("BEV", "FCEV", "PHEV")]]
    got = battery.sum(axis=1).unstack("truck_type")[r.data.items["g"]].to_numpy()
    np.testing.assert_allclose(packs, got, rtol=1e-12, atol=1e-6)
    # the flow-driven traction material equals the packs' and fuel-cell parts' material in use
    traction = s.stocks["traction material"].stock.values
    assert traction.min() >= -1e-6 * traction.max() and traction.max() > 0
    for name in ("battery_packs_retired", "battery_eol_material", "fuel_cell_eol_material",
                 "battery_collected_material"):
        v = s.results.dense(name)[0]
        assert v.min() >= -1e-9 * max(v.max(), 1.0), name
    assert r.mass_balance_error < 1e-9
    for process in ("traction use", "second life", "traction recycling"):
        part = r.mass_balance[r.mass_balance.process == process]
        assert part.inputs.abs().max() > 0
        assert part.imbalance.abs().max() <= 1e-9 * part.inputs.abs().max()
    assert values["battery_packs_replaced"].sum() > 0
    assert values["battery_packs_from_second_life"].sum() > 0
    assert (t[t.variable == "battery_economic_value"]["unit"] == "USD2016").all()


def test_battery_variables_are_written(central):
    li = central.value("battery_eol_material", 2050, "total", "Li")
    assert li > 0
    detail = central.battery_results
    by_chem = detail[(detail.variable == "battery_eol_material_by_chemistry")
                     & (detail.year == 2050) & (detail.material == "Li")]
    assert by_chem.value.sum() == pytest.approx(li, rel=1e-12)
    gwh = detail[(detail.variable == "battery_capacity_retired_by_chemistry")
                 & (detail.year == 2050)].value.sum()
    assert gwh == pytest.approx(central.value("battery_capacity_retired", 2050), rel=1e-12)


def _all_diesel(data):
    share = np.zeros(data["powertrain_share"].values.shape)
    share[..., 0] = 1.0
    return with_values(data, {"powertrain_share": share})


def _trucks_only(data):
    """The truck system alone: no Powertrain and Chemistry items, the study's composition."""
    data = dataclasses.replace(data, options=data.options.model_copy(
        update={"composition": "single"}))
    return dataclasses.replace(data, items={k: v for k, v in data.items.items()
                                            if k not in ("p", "k")})


@pytest.mark.parametrize("scenario, composition", [
    ("best_estimate", "powertrain"), ("best_estimate", "single"),
    ("paper_reproduction", "single"), ("electrification_high", "powertrain")])
def test_all_diesel_with_todays_composition_reproduces_the_truck_system(scenario, composition):
    """All-diesel shares with today's composition (the study's single one, or the component
    model with cohort changes off, whose diesel truck is today's by construction) give every
    variable, flow and stock of the truck system run without powertrains, to 1e-12; the
    traction chain carries nothing. With the study's one trailer per truck: fewer trailers
    take the trailer's own composition out of the component model's truck and the study's
    single composition out of today's, so the two differ by design."""
    data = load_data(scenario=scenario)
    data = dataclasses.replace(data, options=data.options.model_copy(
        update={"composition": composition}))
    params = dict(data.parameters)  # as if trailer_share.xlsx were absent: the study's one
    params["trailer_share"] = dataclasses.replace(
        params["trailer_share"], values=np.ones(len(data.items["g"])), observations={},
        uncertainty={}, present=False)
    data = dataclasses.replace(data, parameters=params)
    diesel, today = run(data=_all_diesel(data)), run(data=_trucks_only(data))
    assert today.system.inputs.battery is None and today.battery_results.empty
    a, b = diesel.results, today.results
    assert set(b.variable) <= set(a.variable) and len(set(b.variable)) >= 30
    a = a[a.variable.isin(set(b.variable))].reset_index(drop=True)
    keys = ["variable", "truck_type", "material", "year", "unit"]
    assert a[keys].equals(b[keys])
    np.testing.assert_allclose(a.value, b.value, rtol=1e-12, atol=0)
    for name, flow in today.system.flows.items():
        np.testing.assert_allclose(diesel.system.flows[name].values, flow.values, rtol=1e-12,
                                   atol=1e-12 * max(1.0, np.abs(flow.values).max()), err_msg=name)
    for name, stock in today.system.stocks.items():  # accumulated: to 1e-12 of each series
        if name != "fleet":
            want = stock.stock.values
            scale = np.abs(want).max(axis=0, keepdims=True)
            assert (np.abs(diesel.system.stocks[name].stock.values - want)
                    <= 1e-12 * scale).all(), name
    rest = diesel.results[~diesel.results.variable.isin(set(b.variable))]
    assert len(rest) and (rest.value.abs() <= 1e-12).all()
    detail = diesel.battery_results
    by_pt = detail[detail.variable == "eol_by_powertrain"]
    assert (by_pt[by_pt.powertrain != "diesel"].value == 0).all()


def test_validator_knows_the_powertrain_workbooks(data_copy):
    from conftest import set_cell

    from elt_odym.data import validate_data_dir

    set_cell(data_copy / "powertrain_share.xlsx", "Values_Master", "C2", "steam")
    set_cell(data_copy / "battery_capacity.xlsx", "Values_Master", "D3", -5)
    set_cell(data_copy / "second_life_share.xlsx", "Values_Master", "B2", 1.5)
    (data_copy / "electrification" / "high" / "powertrain_share.xlsx").unlink()
    rules = {(p.file.split("/")[-1], p.rule) for p in validate_data_dir(data_copy.parent)}
    assert {("powertrain_share.xlsx", "unknown-item"), ("battery_capacity.xlsx", "below-minimum"),
            ("second_life_share.xlsx", "above-maximum"),
            ("powertrain_share.xlsx", "missing-file")} <= rules


def test_shares_must_sum_to_one(data_copy):
    from conftest import set_cell

    from elt_odym.errors import DataValidationError

    row = 2 + (2002 - 1978) * 5  # (2002, HT, diesel): rows run type, year, powertrain
    set_cell(data_copy / "powertrain_share.xlsx", "Values_Master", f"D{row}", 0.5)
    with pytest.raises(DataValidationError, match="sum-not-one"):
        run(data_copy.parent, "paper_calibrated")


def test_battery_inputs_drawn_in_the_joint_monte_carlo(central):
    """The Monte Carlo draws the pack inputs with the fleet; seeded; the battery sensitivity
    cases move the battery variables the way their mechanism says."""
    from elt_odym.uncertainty.montecarlo import run_mc
    from elt_odym.uncertainty.sensitivity import run_sensitivity

    data = central.data
    a = run_mc(data, 64, 7, chunk=32, progress=False).summary()
    b = run_mc(data, 64, 7, chunk=16, progress=False).summary()
    assert a.equals(b)
    li = a[(a.variable == "battery_eol_material") & (a.material == "Li") & (a.year == 2050)
           & (a.truck_type == "total")]
    assert float(li["std"].iloc[0]) > 0
    sens = run_sensitivity(data)
    part = sens[(sens.variable == "battery_eol_material") & (sens.material == "Li")
                & (sens.year == 2050) & (sens.truck_type == "total")].set_index(
        ["parameter", "change"])["rel_change"]
    assert part["battery_lifetime_scale", "low"] > 0 > part["battery_lifetime_scale", "high"]
    assert part["powertrain_share", "low path"] < 0 < part["powertrain_share", "high path"]
    assert part["battery_capacity", "low"] < 0 < part["battery_capacity", "high"]


def test_cli_battery_mc(tmp_path):
    from elt_odym.cli import main

    assert main(["battery-mc", "--draws", "3", "--out", str(tmp_path / "mc"), "-q"]) == 0
    mc = pd.read_csv(tmp_path / "mc" / "battery_mc_summary.csv")
    li = mc[(mc.variable == "battery_eol_material") & (mc.material == "Li") & (mc.year == 2050)
            & (mc.truck_type == "total")]
    assert len(li) == 1 and float(li["mean"].iloc[0]) > 0
    sens = pd.read_csv(tmp_path / "mc" / "battery_sensitivity.csv")
    assert {"battery_capacity", "battery_lifetime_scale"} <= set(sens.parameter)


def test_spin_up_history_cohorts_stay_diesel():
    data = load_data(scenario="electrification_central")
    data = dataclasses.replace(data, options=data.options.model_copy(
        update={"age_structure": "spin_up"}))
    r = run(data=data)
    assert r.mass_balance_error < 1e-9
    eol = r.system.results.values["eol_by_powertrain"][0]  # (T, G, P)
    stock = r.system.results.values["stock_by_powertrain"][0]
    assert stock.min() > -1e-6 and eol.min() > -1e-6
    np.testing.assert_allclose(stock.sum(axis=-1), r.fleet.stock, rtol=1e-12)
    # trucks from before the first model year retire as diesel: early years are all diesel
    assert eol[0, :, 1:].sum() == 0.0 and eol[0, :, 0].sum() > 0


def test_outputs_include_battery_files(central, tmp_path):
    import pandas as pd

    from elt_odym.reporting.outputs import write_outputs

    written = {p.name for p in write_outputs([central], tmp_path / "out")}
    assert {"battery_results.csv", "battery_materials.png"} <= written
    iamc = pd.read_csv(tmp_path / "out" / "results_iamc.csv")  # the one account, in Mt/yr
    row = iamc[iamc.Variable == "Trucks|End of Life Material incl. Traction Batteries|Li"]
    assert row["Unit"].iloc[0] == "Mt/yr" and float(row["2050"].iloc[0]) == pytest.approx(
        central.value("eol_material_total", 2050, "total", "Li") * 1e-6, rel=1e-9)
    detail = pd.read_csv(tmp_path / "out" / "battery_results.csv", keep_default_na=False)
    chem = detail[detail.variable == "battery_eol_material_by_chemistry"]
    assert set(chem.chemistry) == {"LFP", "NMC811", "NMC622"}


ELECTRIFICATION = ["electrification_low", "electrification_central", "electrification_high"]


@pytest.mark.parametrize("scenario", ELECTRIFICATION + ["best_estimate", "paper_reproduction"])
def test_mass_balance_per_process_year_and_material(runs, scenario):
    """Every process (the traction chain's included), year and material balances to 1e-12 of
    that material's largest flow, so that grams of rhodium are held to their own scale."""
    r = runs(scenario)
    mb = r.mass_balance
    assert len(mb) == (len(set(mb.process)) * len(r.data.years) * len(r.data.items["m"]))
    assert {"traction use", "second life", "traction recycling"} <= set(mb.process)
    scale = np.maximum(mb.inputs.abs(), mb.outputs.abs()).groupby(mb.material).transform("max")
    assert (mb.imbalance.abs() <= 1e-12 * scale).all()
    for metal in ("Rh", "Pd", "Nd", "Li"):
        assert scale[mb.material == metal].max() > 0, metal


@pytest.mark.parametrize("scenario", ELECTRIFICATION + ["best_estimate"])
def test_one_material_account(runs, scenario):
    """``eol_material_total`` is the trucks plus their traction packs and fuel-cell parts, which
    is what leaves use and traction use in the system's flows; under the component model the
    fuel-cell parts are in the trucks (counted once, not in the traction chain)."""
    r = runs(scenario)
    v, f = r.system.results, r.system.flows
    total = v.dense("eol_material_total")[0]
    parts = sum(v.dense(n)[0] for n in ("eol_material", "battery_eol_material",
                                        "fuel_cell_eol_material"))
    np.testing.assert_allclose(total, parts, rtol=1e-12, atol=0)
    leaving = sum(f[k].values for k in ("use => scrapping", "traction use => second life",
                                        "traction use => traction recycling"))
    np.testing.assert_allclose(total, leaving, rtol=1e-12, atol=1e-12 * total.max())
    assert (v.dense("fuel_cell_eol_material") == 0).all()
    m = r.data.items["m"].index("Pt")
    fcev = r.system.inputs.composition.powertrains.index("FCEV")
    assert r.system.inputs.composition.vectors[0, :, fcev, m].min() > 0  # stack platinum
    table = r.results[(r.results.variable == "eol_material_total") & (r.results.year == 2050)]
    by_type = table[(table.truck_type != "total") & (table.material == "Li")].value.sum()
    assert table[(table.truck_type == "total") & (table.material == "Li")].value.iloc[0] == \
        pytest.approx(by_type, rel=1e-12)
