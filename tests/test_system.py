"""The MFA system: a tiny hand-computed case, mass balance and the study's equations end to end."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from elt_odym.data import load_data, with_values
from elt_odym.errors import MassBalanceError
from elt_odym.fleet.inputs import Projection
from elt_odym.system.equations import (
    calc_economic_value,
    calc_inflated,
    calc_saving,
    calc_saving_range,
)
from elt_odym.system.mfa import build_system, check_mass_balance, mass_balance


@pytest.fixture(scope="module")
def data():
    return load_data(scenario="literature")


def tiny_system(data):
    """Type HT only: stock 4, 4, 6, 6, ... trucks; a 2-year lifetime (survival-form Weibull
    with shape 200 and scale 1.5: sf(0) = sf(1) = 1, sf(2) = 0 exactly); 10 t per truck, half
    Fe, a quarter Al; half collected; Fe recovered at 80 %, half of it back into trucks."""
    m = data.items["m"]
    n_t, n_g = len(data.years), len(data.items["g"])
    comp = np.zeros((n_g, len(m))); comp[:, m.index("Fe")] = 0.5; comp[:, m.index("Al")] = 0.25
    eff = np.ones(len(m)); eff[m.index("Fe")] = 0.8
    loop = np.zeros(len(m)); loop[m.index("Fe")] = 0.5
    d = with_values(data, {"unit_weight": np.array([10.0, 1, 1, 1]),
                           "unit_weight_low": np.array([10.0, 1, 1, 1]),
                           "material_composition": comp,
                           "collection_rate": np.full((n_t, n_g), 0.5),
                           "recovery_efficiency": eff, "closed_loop_share": loop,
                           "weibull_shape": np.full(n_g, 200.0),
                           "weibull_scale": np.full(n_g, 1.5)})
    d = dataclasses.replace(d, options=d.options.model_copy(update={"lifetime_form": "survival"}))
    stock = np.zeros((n_t, n_g)); stock[:, 0] = 6.0; stock[:2, 0] = 4.0
    s = build_system(d, Projection(fits={}, path=stock, source=np.full(stock.shape, "test")))
    s.compute()
    return s


def test_tiny_system_by_hand(data):
    s = tiny_system(data)
    m = data.items["m"]
    fe, al = m.index("Fe"), m.index("Al")
    fleet = s.stocks["fleet"]
    # year 0: 4 new; year 1: all 4 survive, none new; year 2: they retire, 6 new
    assert fleet.inflow.values[:3, 0].tolist() == [4.0, 0.0, 6.0]
    assert fleet.outflow.values[:3, 0].tolist() == [0.0, 0.0, 4.0]
    f = {k: v.values for k, v in s.flows.items()}
    # year 2: 4 trucks of 10 t retire: 40 t, Fe 20 t, Al 10 t; half collected: Fe 10, Al 5
    assert f["use => scrapping"][2, 0, fe] == 20.0
    assert f["scrapping => recycling"][2, 0, fe] == 10.0
    assert f["scrapping => sysenv"][2, 0, al] == 5.0
    # Fe recovered 0.8 * 10 = 8; loss 2; half of it back to trucks (4 t), 4 t to other markets
    assert f["recycling => losses"][2, fe] == pytest.approx(2.0)
    assert f["recycling => manufacturing"][2, fe] == pytest.approx(4.0)
    assert f["recycling => sysenv"][2, fe] == pytest.approx(4.0)
    # new trucks year 2: 6 x 10 t x 0.5 = 30 t Fe; 4 t secondary, so 26 t primary
    assert f["primary production => manufacturing"][2, fe] == pytest.approx(26.0)
    assert s.stocks["in-use material"].stock.values[2, 0, fe] == pytest.approx(30.0)
    table = mass_balance(s)
    assert table["imbalance"].abs().max() < 1e-12


def test_mass_balance_check_fails_loudly(data):
    s = tiny_system(data)
    assert check_mass_balance(s, mass_balance(s), 1e-9) < 1e-12
    s.flows["recycling => losses"].values[3, 0] += 1.0
    with pytest.raises(MassBalanceError, match="recycling"):
        check_mass_balance(s, mass_balance(s), 1e-9)


def test_fleet_is_the_declared_stock_driven_model(runs):
    from elt_odym.fleet.lifetimes import WeibullPdfLifetime
    from elt_odym.fleet.stock_model import FleetStockModel
    from elt_odym.system.definition import build_mfa_definition

    fleet_def = next(st for st in build_mfa_definition("pdf").stocks if st.name == "fleet")
    assert fleet_def.subclass is FleetStockModel
    assert fleet_def.lifetime_model_class is WeibullPdfLifetime
    r = runs("paper_calibrated")
    stock = r.system.stocks["fleet"]
    assert isinstance(stock, FleetStockModel) and stock.lifetime_model.inflow_at == "end"
    np.testing.assert_array_equal(stock.outflow.values, r.fleet.eol)


@pytest.mark.parametrize("scenario", ["paper_calibrated", "best_estimate"])
def test_flodym_cohort_arrays_sum_to_the_fleet(runs, scenario):
    """flodym's contract: the declared fleet's stock and outflow by cohort (history cohorts
    included, :attr:`cohort_years`) sum to its stock and outflow in every year."""
    stock = runs(scenario).system.stocks["fleet"]
    by_cohort = stock.get_stock_by_cohort()
    assert by_cohort.shape[1] == len(stock.cohort_years) and by_cohort.max() > 0
    size = stock.stock.values.max()
    np.testing.assert_allclose(by_cohort.sum(axis=1), stock.stock.values, rtol=0,
                               atol=1e-9 * size)
    np.testing.assert_allclose(stock.get_outflow_by_cohort().sum(axis=1), stock.outflow.values,
                               rtol=0, atol=1e-9 * size)
    assert by_cohort.min() >= -1e-9 * size


SCENARIOS = load_data().config.scenario_names()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_bundled_runs_balance(runs, scenario):
    r = runs(scenario)
    assert r.mass_balance_error <= 1e-9
    largest = max(np.abs(f.values).max() for f in r.system.flows.values())
    assert r.mass_balance["imbalance"].abs().max() <= 1e-9 * largest
    for flow in r.system.flows.values():
        assert flow.values.min() >= -1e-9 * largest, flow.name
    np.testing.assert_allclose(r.fleet.balance_error(), 0.0, atol=1e-9 * r.fleet.stock.max())
    err = r.system.stocks["in-use material"].balance_error()
    assert np.abs(err).max() <= 1e-9 * largest


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_output_of_the_system_equals_the_batch_model(runs, scenario):
    """Cross-path: each draw of a batch of three at the deterministic inputs gives every
    variable of ``results.csv`` and ``battery_results.csv`` of the flodym system's run (1e-9),
    and the margins the Monte Carlo summarises equal the run's totals."""
    from elt_odym.batch import margins, series_layout
    from elt_odym.system.equations import evaluate
    from elt_odym.system.inputs import base_draws, model_inputs
    from elt_odym.system.variables import detail, tidy

    ref = runs(scenario)
    inputs = model_inputs(ref.data)
    batch = evaluate(inputs, base_draws(inputs, 3))
    for k in range(3):
        for table, ours in ((ref.results, tidy(batch, scenario, k)),
                            (ref.battery_results, detail(batch, scenario, k))):
            assert list(table.columns) == list(ours.columns) and len(table) == len(ours)
            scale = table.groupby("variable")["value"].transform(lambda x: x.abs().max())
            err = (ours["value"].to_numpy() - table["value"].to_numpy()) / scale.replace(0, 1)
            assert np.abs(err).max() <= 1e-9, table["variable"][np.abs(err).argmax()]
            assert (ours["unit"].to_numpy() == table["unit"].to_numpy()).all()
    layout = series_layout(batch)
    series = margins(batch, layout)
    np.testing.assert_allclose(series[:, 0], series[:, 2], rtol=1e-13, atol=0)
    t = ref.results
    for var in ("eol_mass", "eol_material", "carbon_saving", "economic_value"):
        mat = "" if var == "eol_mass" else "total"
        want = t[(t.variable == var) & (t.truck_type == "total") & (t.material == mat)]
        got = [series[layout.index(var, int(y), "total", mat), 0] for y in want["year"]]
        np.testing.assert_allclose(got, want["value"], rtol=1e-12)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_trucks_by_powertrain_sum_to_the_fleet(runs, scenario):
    """The traction chain's trucks by powertrain sum to the fleet's stock, new trucks and end
    of life in every year and type (1e-9), whatever the scenario's structure."""
    r = runs(scenario)
    if r.system.inputs.battery is None:
        pytest.skip("no powertrain extension")
    b = r.battery_results
    for var, fleet in (("stock_by_powertrain", r.fleet.stock), ("inflow_by_powertrain",
                                                                 r.fleet.inflow),
                       ("eol_by_powertrain", r.fleet.eol)):
        part = b[b.variable == var].groupby(["year", "truck_type"])["value"].sum()
        got = part.unstack("truck_type")[r.data.items["g"]].to_numpy()
        np.testing.assert_allclose(got, fleet, rtol=0, atol=1e-9 * np.abs(fleet).max())


def _series(r, var, g="total", m=""):
    t = r.results
    part = t[(t.variable == var) & (t.truck_type == g) & (t.material == m)]
    return part.set_index("year")["value"]


@pytest.mark.parametrize("metal,cp,cs", [("Fe", 1.67, 0.70), ("Al", 8.80, 0.29),
                                          ("Cu", 1.25, 0.44)])
def test_carbon_saving_is_factor_difference_times_eol_material(runs, metal, cp, cs):
    r = runs("paper_calibrated")  # maximum potential: recovered = end-of-life material
    saving = _series(r, "carbon_saving", "total", metal)
    mass = _series(r, "eol_material", "total", metal)
    np.testing.assert_allclose(saving.values, (cp - cs) * mass.values, rtol=1e-12)
    low, high = (_series(r, f"carbon_saving_{x}", "total", metal) for x in ("low", "high"))
    np.testing.assert_allclose(low.values, (0.8 * cp - 1.2 * cs) * mass.values, rtol=1e-12)
    np.testing.assert_allclose(high.values, (1.2 * cp - 0.8 * cs) * mass.values, rtol=1e-12)
    dec = _series(r, "carbon_saving_decreasing", "total", metal)
    mult = r.data["carbon_factor_multiplier"].values
    np.testing.assert_allclose(dec.values, (cp - cs) * mult * mass.values, rtol=1e-12)
    assert dec[2050] == pytest.approx(0.278 * saving[2050], rel=1e-9)


def test_current_practice_saves_what_is_recovered(runs):
    full, cur = runs("paper_calibrated"), runs("paper_calibrated_current_practice")
    fe_full = _series(full, "carbon_saving", "total", "Fe")[2030]
    fe_cur = _series(cur, "carbon_saving", "total", "Fe")[2030]
    assert fe_cur == pytest.approx(fe_full / 3 * 0.95, rel=1e-9)


def test_calc_functions_by_hand():
    assert calc_economic_value(np.array([2.0, 3.0]), np.array([10.0, 100.0])).tolist() == [20, 300]
    infl = calc_inflated(np.array([100.0, 100.0]), np.array([2023, 2025]), 0.02, 2023)
    assert infl.tolist() == pytest.approx([100.0, 104.04])
    assert calc_saving(14.0, 5.0, 2.0) == 18.0
    low, high = calc_saving_range(14.0, 5.0, 2.0, 0.2)
    assert (low, high) == (pytest.approx((0.8 * 14 - 1.2 * 5) * 2), pytest.approx((1.2 * 14 - 0.8 * 5) * 2))


def test_economic_value_totals(runs):
    r = runs("paper_calibrated")
    t = r.results
    year = t[(t.variable == "economic_value") & (t.year == 2030) & (t.truck_type == "total")]
    total = year[year.material == "total"]["value"].iloc[0]
    assert total == pytest.approx(year[year.material != "total"]["value"].sum(), rel=1e-12)
    low = r.value("economic_value_low", 2030, "total", "total")
    high = r.value("economic_value_high", 2030, "total", "total")
    assert low < total < high
