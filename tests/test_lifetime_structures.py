"""Lifetime structures (period effects, age cap), transfers between types, the blended stock
path and the best-estimate scenario (issue 11)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from elt_odym.batch import calc_fleet_flows, fixed_draws, model_arrays
from elt_odym.calibration import parameter_draws
from elt_odym.data import load_data
from elt_odym.fleet.hazard import Hazard, adjust_curve, adjust_table, mean_life
from elt_odym.fleet.kernel import cohort_survival_batch
from elt_odym.fleet.transfers import split_transfers, transfer_matrix


def with_options(data, **kw):
    return dataclasses.replace(data, options=data.options.model_copy(update=kw))


# -- hazard: hand cases ---------------------------------------------------------------------------

def test_period_factor_raises_the_one_year_survival_ratio_to_its_power():
    s = np.array([1.0, 0.9, 0.81, 0.729])[:, None]  # constant 10 % hazard, one type
    factor = np.ones((6, 1))
    factor[3] = 2.0  # calendar index 3 = age 2 of the cohort entering at index 1
    out = adjust_curve(s, 1, Hazard(period_factor=factor))
    np.testing.assert_allclose(out[:, 0], [1.0, 0.9, 0.9 * 0.81, 0.9 * 0.81 * 0.9], rtol=1e-12)


def test_factor_one_and_no_cap_leave_the_curve_unchanged():
    s = np.array([1.0, 0.95, 0.7, 0.2, 0.0])[:, None]
    assert not Hazard(np.ones((5, 1)), np.array([np.inf])).active
    np.testing.assert_allclose(adjust_curve(s, 0, Hazard(period_factor=np.ones((5, 1)))), s,
                               rtol=1e-14)


def test_age_cap_retires_every_truck_at_the_legal_age():
    s = np.array([1.0, 0.99, 0.97, 0.94, 0.9])[:, None] * np.ones((1, 2))
    out = adjust_curve(s, 0, Hazard(max_age=np.array([3.0, np.inf])))
    np.testing.assert_array_equal(out[:, 0], [1.0, 0.99, 0.97, 0.0, 0.0])
    np.testing.assert_array_equal(out[:, 1], s[:, 1])
    assert mean_life(out[:, 0]) == pytest.approx(0.5 + 0.99 + 0.97)


def test_table_and_cohort_curves_agree():
    """The flodym layout (table) and the array layout (curves) get the same adjustment."""
    n, g = 12, 2
    shape, scale = np.full((n, g), 3.3), np.array([[6.0, 9.0]]) * np.ones((n, 1))
    curves = cohort_survival_batch(shape, scale, np.ones((1, g)), "pdf")
    table = np.zeros((n, n, g))
    for c, curve in enumerate(curves):
        table[c:, c] = curve[:, 0]
    hz = Hazard(np.where(np.arange(n)[:, None] == 5, 3.0, 1.0) * np.ones((1, g)),
                np.array([7.0, 10.0]))
    adj = adjust_table(table, hz)
    for c, curve in enumerate(curves):
        np.testing.assert_allclose(adj[c:, c], adjust_curve(curve, c, hz)[:, 0], rtol=1e-12)
    assert np.all(np.diff(adj, axis=0)[np.tril_indices(n - 1)] <= 1e-15)  # never increasing


# -- transfers: hand case and invariants ----------------------------------------------------------

def test_split_transfers_moves_the_surplus_not_more_than_the_destination_takes():
    inflow = np.array([[10.0, 5.0], [0.0, 3.0]])
    outflow = np.array([[2.0, 1.0], [8.0, 1.0]])
    early = np.array([[0.0, 0.0], [6.0, 0.0]])
    f = split_transfers(inflow, outflow, early, {0: 1})
    np.testing.assert_allclose(f.transfer_out, [[0, 0], [3, 0]])  # capped by inflow[1, 1]
    np.testing.assert_allclose(f.transfer_in, [[0, 0], [0, 3]])
    np.testing.assert_allclose(f.eol, [[2, 1], [5, 1]])
    np.testing.assert_allclose(f.inflow, [[10, 5], [0, 0]])
    np.testing.assert_allclose(f.early, [[0, 0], [3, 0]])
    per_unit = np.array([[2.0, 1.0], [5.0, 5.0]])
    moved = transfer_matrix(f.transfer_out, {0: 1}, per_unit)
    np.testing.assert_allclose(moved[1], [[0, 0], [6, 3]])  # source material, at destination


@pytest.fixture(scope="module")
def best(runs):
    return runs("best_estimate")


def test_best_estimate_balances_vehicles_and_material_with_transfers(best):
    f = best.fleet
    assert f.transfer_out.sum() > 0
    np.testing.assert_allclose(f.transfer_out.sum(axis=1), f.transfer_in.sum(axis=1), rtol=1e-12)
    assert np.abs(f.balance_error()).max() <= 1e-9 * np.abs(f.stock).max()
    assert best.mass_balance_error <= 1e-12
    material = best.system.stocks["in-use material"]
    assert np.abs(material.balance_error()).max() <= 1e-9 * np.abs(material.stock.values).max()
    # the material leaving the source types equals the material entering the destinations
    w = np.asarray(best.data["unit_weight"].values)
    moved_mass = (f.transfer_out * w).sum(axis=1)
    total = best.system.flows["use => reclassification"].values.sum(axis=1)
    comp_sum = np.asarray(best.data["material_composition"].values).sum(axis=1)
    assert np.all(comp_sum == pytest.approx(comp_sum[0]))
    np.testing.assert_allclose(total, moved_mass * comp_sum[0], rtol=1e-12, atol=1e-6)
    assert np.all(best.system.flows["use => scrapping"].values >= 0)


def test_array_model_covers_hazard_and_transfers(best):
    base = model_arrays(best.data)
    assert best.data.options.age_cap and base.fleet.hazard is not None
    flows = calc_fleet_flows(base, fixed_draws(base, 1))
    scale = np.abs(best.fleet.stock).max()
    for name, ref in (("eol", best.fleet.eol), ("inflow", best.fleet.inflow),
                      ("transfer_out", best.fleet.transfer_out)):
        np.testing.assert_allclose(getattr(flows, name)[:, 0], ref, atol=1e-9 * scale)


def test_best_estimate_lifetimes_are_below_the_legal_age(best):
    base = model_arrays(best.data)
    f = base.fleet
    curves = cohort_survival_batch(f.shape, f.scale, np.ones((1, len(base.products))), f.form)
    legal = np.asarray(best.data["legal_max_age"].values)
    adjusted = adjust_curve(curves[f.n_history][:, 0], f.n_history,
                            dataclasses.replace(f.hazard, period_factor=None))
    life = mean_life(adjusted)
    assert np.all(life < legal)
    assert np.all(adjusted[legal.astype(int).max():] == 0)


# -- the stock path --------------------------------------------------------------------------------

def test_blend_joins_the_records_without_a_step():
    data = load_data(scenario="best_estimate")
    from elt_odym.fleet.inputs import fit_stocks, stock_path

    fits = fit_stocks(data)
    blend, source = stock_path(data, fits)
    switch, _ = stock_path(with_options(data, stock_join="switch"), fits)
    years = data.years
    i = years.index(data.options.switch_year)
    # the blended path is the fit plus the recorded residual decaying with blend_years
    for j, g in enumerate(data.items["g"]):
        r = blend[i, j] - float(fits[g](years[i]))
        expect = fits[g](years[i + 1:]) + r * np.exp(-(np.array(years[i + 1:]) - years[i])
                                                     / data.options.blend_years)
        np.testing.assert_allclose(blend[i + 1:, j], expect, rtol=1e-12)
    assert set(source[i + 1]) == {"blend"}
    # the join step shrinks: |change in the first fitted year - change in the next| is smaller
    jump = lambda s: np.abs(np.diff(s[i: i + 3], n=2, axis=0))[0]  # noqa: E731
    assert np.all(jump(blend) <= jump(switch) + 1e-6)
    assert jump(blend)[0] < 0.5 * jump(switch)[0]  # HT: the 47 % step of the switch


# -- calibration draws -----------------------------------------------------------------------------

def test_parameter_draws_are_seeded_bounded_and_centred():
    table = pd.DataFrame({"name": ["weibull_scale", "period_factor", "weibull_scale"],
                          "item": ["MT", "HT+MT 2019-2022", "ST"], "fitted": [10.0, 1.5, 9.0],
                          "std_error": [1.0, 2.0, np.inf], "lower": [3.0, 1.0, 3.0],
                          "upper": [40.0, 6.0, 40.0], "at_bound": [False, False, False]})
    a, b = parameter_draws(table, 4000, 7), parameter_draws(table, 4000, 7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(parameter_draws(table, 4000, 8))
    assert a["weibull_scale[MT]"].mean() == pytest.approx(10.0, abs=0.1)
    assert a["weibull_scale[MT]"].std() == pytest.approx(1.0, rel=0.05)
    assert a["period_factor[HT+MT 2019-2022]"].between(1.0, 6.0).all()
    assert (a["weibull_scale[ST]"] == 9.0).all()  # not determined: fixed


def test_shipped_best_estimate_draws_match_its_parameters(bundled):
    folder = bundled / "datasets" / "best_estimate"
    table = pd.read_csv(folder / "calibration_parameters.csv")
    draws = pd.read_csv(folder / "calibration_draws.csv")
    assert list(draws.columns[1:]) == [f"{r.name}[{r.item}]" for r in table.itertuples()]
    assert not table["at_bound"].any()


# -- structural uncertainty ------------------------------------------------------------------------

def test_structural_variants_side_by_side():
    from elt_odym.studies.structural import VARIANTS, run_structural, spread

    chosen = tuple(v for v in VARIANTS if v.name in ("best_estimate", "best_estimate-age_cap"))
    table = run_structural(variants=chosen)
    wide = spread(table, (2050,))
    assert list(wide.index) == ["best_estimate", "best_estimate-age_cap", "max/min"]
    assert np.all(wide.loc["max/min"] >= 1.0)
    # the variant changes only the structure: the stock path (hence the 2050 fleet) is shared,
    # and without the cap fewer old trucks retire
    assert wide.loc["best_estimate-age_cap", "eol 2050"] != wide.loc["best_estimate", "eol 2050"]


# -- valuation basis and decarbonisation paths -----------------------------------------------------

def test_best_estimate_arrays_equal_the_system_for_values_and_savings(best):
    from elt_odym.batch import evaluate

    base = model_arrays(best.data)
    out = evaluate(base, fixed_draws(base, 1))
    for var, label in (("carbon_saving_decreasing", "total"), ("carbon_saving", "total"),
                       ("economic_value", "total")):
        t = best.results
        ref = t[(t.variable == var) & (t.truck_type == "total") & (t.material == label)]
        dim, items, unit = base.labels()[var]
        assert unit == ref["unit"].iloc[0]
        np.testing.assert_allclose(out[var][0, :, items.index(label)], ref["value"], rtol=1e-9)


def test_route_paths_separate_primary_and_secondary(best, runs):
    from elt_odym.system.equations.indicators import route_multipliers

    paths = route_multipliers(best.data)
    i = best.data.years.index(2050)
    assert paths[i, 1] < paths[i, 0] < 1.0  # secondary (grid) falls faster
    single = route_multipliers(runs("paper_reproduction").data)
    np.testing.assert_array_equal(single[:, 0], single[:, 1])
    # Eq. 9 with the two paths, by hand, for Fe in 2050
    t = best.results
    pick = lambda v: t[(t.variable == v) & (t.year == 2050) & (t.truck_type == "total")  # noqa
                       & (t.material == "Fe")]["value"].iloc[0]
    cp, cs = (best.data["carbon_factor"].observations[("Fe", r)] for r in ("primary", "secondary"))
    mass = pick("secondary_material")
    assert pick("carbon_saving_decreasing") == pytest.approx(
        (cp * paths[i, 0] - cs * paths[i, 1]) * mass, rel=1e-12)


def test_economic_values_carry_their_money_year(best, runs):
    units = best.results.groupby("variable")["unit"].first()
    assert units["economic_value"] == "USD2016" and units["economic_value_inflated"] == "USD nominal"
    assert best.data.options.inflation_base_year == best.data.options.price_money_year
    # secondary (scrap) prices value the same material lower than commodity prices
    paper = runs("paper_reproduction")
    per_t = lambda r: (r.value("economic_value", 2010, "total", "total")  # noqa: E731
                       / r.value("secondary_material", 2010, "total", "total"))
    assert per_t(best) < per_t(paper)


# -- Monte Carlo over calibration parameter sets ---------------------------------------------------

def test_mc_draws_lifetimes_from_calibration_parameter_sets(bundled, tmp_path):
    from elt_odym.cli import main
    from elt_odym.uncertainty.calibration_draws import (
        read_parameter_sets,
        sample_with_parameter_sets,
    )

    path = bundled / "datasets" / "best_estimate" / "calibration_draws.csv"
    sets = read_parameter_sets(path)
    data = load_data(scenario="best_estimate")
    d = sample_with_parameter_sets(data, 500, 3, sets)
    base = model_arrays(data)
    j = base.products.index("MT")
    scales = d.scale_mult[:, j] * base.fleet.scale[base.n_pre, j]
    assert set(np.round(scales, 9)) <= set(np.round(sets["weibull_scale[MT]"], 9))
    assert np.all(d.scale_mult[:, base.products.index("HT")] != 1.0)  # lifetime range kept
    # every parameter set at the fitted value and no other range: the deterministic run
    fixed = sets.copy()
    fixed.iloc[:, 1:] = [[base.fleet.scale[base.n_pre, base.products.index(c[-3:-1])]
                          if c.startswith("weibull_scale") else 1.0 for c in sets.columns[1:]]]
    quiet = dataclasses.replace(data, config=data.config.model_copy(update={
        "uncertainty": data.config.uncertainty.model_copy(update=dict(
            lifetime_shift_years=0.0, weight="none", prices="none", factors="none"))}))
    d0 = sample_with_parameter_sets(quiet, 4, 3, fixed)
    flows = calc_fleet_flows(base, d0)
    np.testing.assert_allclose(flows.eol[:, 1], flows.eol[:, 0], rtol=1e-12)
    np.testing.assert_allclose(flows.eol[:, 0], calc_fleet_flows(base, fixed_draws(base, 1)
                                                                 ).eol[:, 0], rtol=1e-12)
    assert main(["mc", "--draws", "200", "--out", str(tmp_path / "mc"), "--no-progress",
                 "--calibration-draws", str(path), "-q"]) == 0


def test_period_factor_below_one_on_an_emptied_cohort_stays_finite():
    s = np.array([1.0, 0.5, 0.0, 0.0])[:, None]
    out = adjust_curve(s, 0, Hazard(period_factor=np.full((5, 1), 0.5)))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out[:, 0], [1.0, 0.5 ** 0.5, 0.0, 0.0])


def test_old_scenario_name_is_an_alias(runs):
    old, new = runs("paper_calibrated"), runs("paper_reproduction")
    np.testing.assert_array_equal(old.results["value"].to_numpy(), new.results["value"].to_numpy())
