"""Lifetime structures (period effects, age cap), transfers between types, the blended stock
path and the best-estimate scenario (issue 11)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from elt_odym.calibration import parameter_draws
from elt_odym.data import load_data
from elt_odym.fleet.hazard import mean_life
from elt_odym.fleet.kernel import FleetBatch, solve_fleet
from elt_odym.fleet.lifetimes import survival_by_age
from elt_odym.system.inputs import base_draws, model_inputs, route_multipliers


def with_options(data, **kw):
    return dataclasses.replace(data, options=data.options.model_copy(update=kw))


# -- hazard and transfers in the kernel: hand cases ------------------------------------------------

def one_cohort(period=None, max_age=None, n=5):
    """Survival of one cohort of 100 trucks entering in year 0 (every year inflow-driven), with a
    constant one-year survival of 0.9 (Weibull shape 1, survival form)."""
    given = np.zeros((n, 1, 1))
    given[0] = 100.0
    batch = FleetBatch(np.zeros((n, 1, 1)), np.ones((n, 1)), np.full((n, 1), -1 / np.log(0.9)),
                       "survival", "retire", history_inflow=given, max_age=max_age,
                       period=None if period is None else np.asarray(period)[:, None, None])
    return solve_fleet(batch).stock[:, 0, 0] / 100.0


def test_period_factor_raises_the_one_year_survival_ratio_to_its_power():
    np.testing.assert_allclose(one_cohort(), 0.9 ** np.arange(5), rtol=1e-13)
    # factor 2 in calendar year 2: that year's survival ratio 0.81 instead of 0.9
    np.testing.assert_allclose(one_cohort([1, 1, 2, 1, 1]),
                               [1.0, 0.9, 0.9 * 0.81, 0.9 * 0.81 * 0.9, 0.9 * 0.81 * 0.81],
                               rtol=1e-13)
    assert np.all(np.isfinite(one_cohort([1, 0.5, 0.5, 0.5, 0.5])))


def test_age_cap_retires_every_truck_at_the_legal_age():
    np.testing.assert_allclose(one_cohort(max_age=np.array([3.0])),
                               [1.0, 0.9, 0.81, 0.0, 0.0], rtol=1e-13)
    assert mean_life(np.array([1.0, 0.9, 0.81, 0.0])) == pytest.approx(0.5 + 0.9 + 0.81)


def test_transfers_move_the_surplus_not_more_than_the_destination_takes():
    """Source 10 -> 4, destination 5 -> 8, no retirement (very long lives): 6 surplus, the
    destination takes 3 new, so 3 move and 3 end their life early."""
    stock = np.array([[10.0, 5.0], [4.0, 8.0]])[:, None, :]
    batch = FleetBatch(stock, np.full((2, 2), 50.0), np.full((2, 2), 1e6), "survival",
                       "retire", routes=((0, 1),))
    res = solve_fleet(batch)
    assert res.early[1, 0].tolist() == [6.0, 0.0]
    assert res.moved_out[1, 0].tolist() == [3.0, 0.0]
    assert res.moved_in[1, 0].tolist() == [0.0, 3.0]
    assert (res.outflow - res.moved_out)[1, 0].tolist() == [3.0, 0.0]  # end of life
    assert (res.inflow - res.moved_in)[1, 0].tolist() == [0.0, 0.0]  # no new vehicles


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
    # a moved vehicle carries the material of its source's cohorts: per vehicle, between the
    # lightest and the heaviest vehicle of the source type
    from elt_odym.system.composition import calc_unit_material

    total = best.system.flows["use => reclassification"].values.sum(axis=1)
    per_unit = calc_unit_material(best.system.inputs.composition).sum(axis=-1)  # (C, G, P)
    moved = f.transfer_out.sum(axis=1)
    src = [best.data.items["g"].index(s) for s in best.data.options.transfers]
    light, heavy = per_unit[..., src, :].min(), per_unit[..., src, :].max()
    has = moved > 0
    assert has.any()
    ratio = total[has] / moved[has]
    assert np.all(ratio >= light * (1 - 1e-9)) and np.all(ratio <= heavy * (1 + 1e-9))
    assert np.all(best.system.flows["use => scrapping"].values >= 0)


def test_best_estimate_lifetimes_are_below_the_legal_age(best):
    f = model_inputs(best.data).fleet
    h = f.n_history
    curve = survival_by_age(np.arange(40)[:, None], f.shape[h], f.scale[h], f.form)
    legal = np.asarray(best.data["legal_max_age"].values)
    capped = np.where(np.arange(40)[:, None] >= legal[None], 0.0, curve)
    assert np.all(mean_life(capped) < legal)
    assert np.all(mean_life(curve) > mean_life(capped))


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
    rows = wide.loc[["best_estimate", "best_estimate-age_cap"]]
    np.testing.assert_allclose(wide.loc["max/min"], rows.max() / rows.min(), rtol=1e-12)
    # the variant changes only the structure: the stock path (hence the 2050 fleet) is shared,
    # and without the cap fewer old trucks retire
    assert wide.loc["best_estimate-age_cap", "eol 2050"] != wide.loc["best_estimate", "eol 2050"]


def test_structural_variant_without_transfers_retires_the_2003_reclassification():
    """best_estimate reclassifies heavy trucks to MT in 2003 (a given transfer, 0.22 M); the
    variant without transfer routes runs (its reclassification is emptied with the routes) and
    retires the fall of the HT stock instead of moving it (the HT trucks at end of life that
    year cover most of the fall, so the end of life rises a little)."""
    from elt_odym.studies.structural import VARIANTS, run_structural

    chosen = tuple(v for v in VARIANTS if v.name in ("best_estimate", "best_estimate-transfers"))
    table = run_structural(variants=chosen)
    eol = table[(table.variable == "eol") & (table.year == 2003)].set_index("variant").value
    given = load_data(scenario="best_estimate")["reclassification"].values.sum()
    assert given > 1e5
    assert eol["best_estimate-transfers"] > eol["best_estimate"] + 1e3


# -- valuation basis and decarbonisation paths -----------------------------------------------------

def test_route_paths_separate_primary_and_secondary(best, runs):
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

def test_mc_draws_lifetimes_and_periods_from_calibration_parameter_sets(bundled, tmp_path):
    from elt_odym.cli import main
    from elt_odym.system.equations import evaluate
    from elt_odym.uncertainty.calibration_draws import (
        read_parameter_sets,
        sample_with_parameter_sets,
    )

    path = bundled / "datasets" / "best_estimate" / "calibration_draws.csv"
    sets = read_parameter_sets(path)
    data = load_data(scenario="best_estimate_study_path")  # the scenario of these draws
    inputs = model_inputs(data)
    opts = data.config.uncertainty
    d = sample_with_parameter_sets(inputs, opts, 500, 3, sets)
    j, h = inputs.products.index("MT"), inputs.n_history
    scales = d.scale_mult[:, j] * inputs.fleet.scale[h, j]
    assert set(np.round(scales, 9)) <= set(np.round(sets["weibull_scale[MT]"], 9))
    assert np.all(d.scale_mult[:, inputs.products.index("HT")] != 1.0)  # lifetime range kept
    period = d.period[h + inputs.years.index(2020), :, j]  # each draw its own period effect
    assert set(np.round(period, 9)) <= set(np.round(sets["period_factor[HT+MT 2019-2022]"], 9))
    assert len(set(np.round(period, 9))) > 10
    # every parameter set at the fitted value and no other range: the deterministic run
    fixed = sets.copy()
    fitted = {"weibull_scale": lambda g: inputs.fleet.scale[h, inputs.products.index(g)]}
    fixed.iloc[:, 1:] = [[fitted["weibull_scale"](c[-3:-1]) if c.startswith("weibull_scale")
                          else inputs.fleet.period[h + inputs.years.index(2020), j]
                          for c in sets.columns[1:]]]
    quiet = opts.model_copy(update=dict(lifetime_shift_years=0.0, weight="none",
                                        prices="none", factors="none", battery="none",
                                        stock="none"))
    d0 = sample_with_parameter_sets(inputs, quiet, 4, 3, fixed)
    eol = evaluate(inputs, d0).values["eol"]
    np.testing.assert_allclose(eol[1], eol[0], rtol=1e-12)
    np.testing.assert_allclose(eol[0], evaluate(inputs, base_draws(inputs)).values["eol"][0],
                               rtol=1e-12)
    assert main(["mc", "--draws", "200", "--out", str(tmp_path / "mc"), "--no-progress",
                 "--calibration-draws", str(path), "-q"]) == 0


def test_old_scenario_name_is_an_alias(runs):
    old, new = runs("paper_calibrated"), runs("paper_reproduction")
    np.testing.assert_array_equal(old.results["value"].to_numpy(), new.results["value"].to_numpy())
