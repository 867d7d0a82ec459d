"""The joint Monte Carlo (issue 20, item 4): the stock projection and the calibration's
lifetimes and period factors drawn per draw with every other group, Sobol by the same groups,
and the headline with its range, saying what it is, from one source."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pydantic import ValidationError

from elt_odym.cli import main
from elt_odym.config import UncertaintyOptions
from elt_odym.data import load_data
from elt_odym.reporting.numbers import fmt
from elt_odym.uncertainty.calibration_draws import (
    read_parameter_sets,
    sets_status,
    with_parameter_sets,
)
from elt_odym.uncertainty.montecarlo import mc_inputs, run_mc
from elt_odym.uncertainty.sampling import (
    DRAW_BLOCK,
    active_groups,
    battery_variants,
    body_columns,
    describe,
    sample,
    sample_range,
    stock_draws,
)
from elt_odym.uncertainty.sobol import sobol_indices


@pytest.fixture(scope="module")
def best():
    return load_data(scenario="best_estimate")


@pytest.fixture(scope="module")
def inputs(best):
    return mc_inputs(best)


def with_options(data, **changes):
    """``data`` whose ``[uncertainty]`` has ``changes``."""
    opts = data.config.uncertainty.model_copy(update=changes)
    return dataclasses.replace(data, config=data.config.model_copy(update={"uncertainty": opts}))


# -- the stock projection per draw -----------------------------------------------------------------

def test_stock_paths_equal_the_deterministic_path_at_zero_spread(best, inputs):
    paths = stock_draws(inputs, 40, np.random.default_rng(3), spread=0.0)
    np.testing.assert_array_equal(paths, np.repeat(inputs.fleet.stock[:, None], 40, axis=1))
    opts = best.config.uncertainty.model_copy(update={"stock_spread": 0.0})
    d = sample(inputs, opts, 40, np.random.default_rng(3))
    np.testing.assert_array_equal(d.stock, paths)


def test_stock_spread_is_zero_where_recorded_and_grows_beyond_the_last_observation(best,
                                                                                    inputs):
    paths = stock_draws(inputs, 3000, np.random.default_rng(5))[inputs.n_history:]
    rel = paths.std(axis=1) / paths.mean(axis=1)  # (T, G)
    years = np.array(inputs.years)
    switch = best.options.switch_year
    history = best["stock_history"].observations
    for j, g in enumerate(inputs.products):
        recorded = [inputs.years.index(y) for y in inputs.years
                    if y <= switch and (y, g) in history]
        assert recorded and np.all(rel[recorded, j] == 0.0), g
        obs = inputs.sources.posteriors()[g].observations
        last = max(y for y, k in zip(obs.years, obs.kinds) if k != "prior")
        after = rel[years >= last, j]
        assert after[-1] > 1.5 * after[0], (g, after[0], after[-1])
        # grows, then holds where the path levels off (NT's decays towards zero: its relative
        # spread peaks at 0.68 and stays within 2 % of it)
        assert np.all(after >= 0.98 * np.maximum.accumulate(after) - 1e-3 * after[-1]), g


def test_joint_draws_do_not_depend_on_chunking(best, inputs):
    opts = best.config.uncertainty
    n = DRAW_BLOCK + 200
    whole = sample_range(inputs, opts, n, 17, 0, n)
    assert "stock" in active_groups(inputs, opts) and whole.period is not None
    for start, stop in ((0, 333), (DRAW_BLOCK - 50, DRAW_BLOCK + 60), (n - 7, n)):
        part = sample_range(inputs, opts, n, 17, start, stop)
        np.testing.assert_array_equal(part.stock, whole.stock[:, start:stop])
        np.testing.assert_array_equal(part.period, whole.period[:, start:stop])
        np.testing.assert_array_equal(part.scale_mult, whole.scale_mult[start:stop])
        np.testing.assert_array_equal(part.body_u, whole.body_u[start:stop])
    a = run_mc(best, 240, 4, chunk=70, progress=False, variables=["eol_mass", "stock"])
    b = run_mc(best, 240, 4, chunk=240, progress=False, workers=1,
               variables=["eol_mass", "stock"])
    pd.testing.assert_frame_equal(a.summary(), b.summary(), rtol=1e-12)
    spread = a.summary().query("variable == 'stock' and truck_type == 'total' and year == 2050")
    assert float(spread["p95"].iloc[0]) > 1.05 * float(spread["p05"].iloc[0])


# -- lifetimes and period factors from the calibration's parameter sets ------------------------------

def test_period_factors_and_lifetimes_come_from_the_scenario_parameter_sets(best, inputs):
    """best_estimate's sets (best_estimate_statistics/): a period factor per calendar year,
    lifetimes and the 2003 reclassification, all from one row per draw."""
    sets = read_parameter_sets(inputs.sources.sets_path)
    assert inputs.sources.sets_path.parent.name == "best_estimate_statistics"
    d = sample(inputs, best.config.uncertainty, 600, np.random.default_rng(8))
    h, j = inputs.n_history, inputs.products.index("MT")
    for y in (2019, 2020, 2021, 2022, 2024):
        period = d.period[h + inputs.years.index(y), :, j]
        column = sets[f"period_factor[HT+MT {y}-{y}]"]
        assert set(np.round(period, 9)) <= set(np.round(column, 9))
        assert len(set(np.round(period, 9))) > 100  # each draw its own period effect
    np.testing.assert_array_equal(d.period[h + inputs.years.index(2018)], 1.0)
    np.testing.assert_array_equal(d.period[h + inputs.years.index(2023)], 1.0)
    ht = inputs.products.index("HT")
    scales = d.scale_mult[:, ht] * inputs.fleet.scale[h, ht]
    assert set(np.round(scales, 9)) <= set(np.round(sets["weibull_scale[HT]"], 9))
    # the same row for HT's scale, each year's factor and the reclassification in a draw
    rows = {round(v, 9): i for i, v in enumerate(sets["weibull_scale[HT]"])}
    route = [src for src, _ in inputs.fleet.routes].index(ht)
    for k in range(50):
        row = rows[round(scales[k], 9)]
        for y in (2020, 2024):
            assert d.period[h + inputs.years.index(y), k, j] == pytest.approx(
                sets[f"period_factor[HT+MT {y}-{y}]"][row], rel=1e-12)
        assert d.given[route, h + inputs.years.index(2003), k] == pytest.approx(
            sets["reclassification[HT 2003]"][row], rel=1e-12)
    mt_shift = (d.scale_mult[:, j] - 1) * inputs.mean_life[j]
    assert np.all(np.abs(mt_shift) <= 1.0 + 1e-12) and mt_shift.std() > 0.3  # MT: the range


def test_period_factors_per_calendar_year(inputs, best):
    sets = pd.DataFrame({"draw": [0, 1, 2], "period_factor[HT 2024]": [1.1, 1.2, 1.3],
                         "period_factor[MT 2019-2020]": [0.5, 0.6, 0.7]})
    mine = with_parameter_sets(inputs, sets)
    opts = best.config.uncertainty.model_copy(update={"stock": "none"})
    d = sample(mine, opts, 300, np.random.default_rng(2))
    h, yi = inputs.n_history, inputs.years.index
    ht, mt = inputs.products.index("HT"), inputs.products.index("MT")
    assert set(np.round(d.period[h + yi(2024), :, ht], 9)) == {1.1, 1.2, 1.3}
    assert set(np.round(d.period[h + yi(2020), :, mt], 9)) == {0.5, 0.6, 0.7}
    row = np.round((d.period[h + yi(2024), :, ht] - 1.0) * 10).astype(int) - 1
    np.testing.assert_allclose(d.period[h + yi(2019), :, mt], sets.iloc[row, 2], rtol=1e-12)
    np.testing.assert_array_equal(d.period[h + yi(2024), :, mt],
                                  inputs.fleet.period[h + yi(2024), mt])
    np.testing.assert_array_equal(d.period[h + yi(2021), :, mt],
                                  inputs.fleet.period[h + yi(2021), mt])


def test_a_reclassification_per_draw_moves_that_many_vehicles(inputs, best):
    """``reclassification[HT 2003]`` (a transfer of given size, as the statistics' calibration
    fits it) per draw: a draw of the scenario's own amount (best_estimate's fitted one) is the
    deterministic run, others move their amount."""
    from elt_odym.system.equations import evaluate
    from elt_odym.system.inputs import base_draws
    from elt_odym.uncertainty.parameter_sets import deterministic_values

    column = "reclassification[HT 2003]"
    own = deterministic_values(inputs, pd.DataFrame(columns=["draw", column]))[column]
    assert own > 100_000.0
    sets = pd.DataFrame({"draw": [0, 1, 2], column: [own, 50_000.0, 100_000.0]})
    quiet = best.config.uncertainty.model_copy(update=dict(
        stock="none", lifetime_shift_years=0.0, weight="none", composition="none",
        prices="none", factors="none", battery="none"))
    mine = with_parameter_sets(inputs, sets)
    d = sample(mine, quiet, 12, np.random.default_rng(1))
    t, ht = inputs.years.index(2003), inputs.products.index("HT")
    route = [src for src, _ in inputs.fleet.routes].index(ht)
    amount = d.given[route, inputs.n_history + t]
    assert set(amount) == {own, 50_000.0, 100_000.0}
    out = evaluate(mine, d, flows=False).values
    det = evaluate(inputs, base_draws(inputs), flows=False).values
    zero = amount == own  # the scenario's own value: the deterministic run
    np.testing.assert_allclose(out["eol"][zero], np.broadcast_to(det["eol"], out["eol"][zero]
                                                                 .shape), rtol=1e-12)
    moved = out["transfer_out"][:, t, ht]
    np.testing.assert_allclose(moved[~zero], amount[~zero], rtol=1e-12)
    np.testing.assert_array_equal(d.given[:, :inputs.n_history + t], 0.0)


def test_sets_with_a_cohort_trend_are_drawn_with_the_trend_at_its_fitted_value():
    data = load_data(scenario="paper_reproduction")
    paper = mc_inputs(data)
    assert paper.sources.sets_path.parent.name == "paper_calibrated"
    sets, why = sets_status(paper)
    assert sets is not None and "scale_trend[all], scale_trend_start[all] kept" in why
    d = sample(paper, data.config.uncertainty, 300, np.random.default_rng(4))
    h, j = paper.n_history, paper.products.index("HT")
    scales = d.scale_mult[:, j] * paper.fleet.scale[h, j]
    assert set(np.round(scales, 9)) <= set(np.round(sets["weibull_scale[HT]"], 9))
    assert d.period is None  # the sets have no period factor


# -- the groups ------------------------------------------------------------------------------------

def test_every_group_is_drawn_and_composition_covers_magnets_pgm_lightweighting(best, inputs):
    opts = best.config.uncertainty
    table = describe(inputs, opts).set_index("group")
    assert table.loc["collection", "drawn"] == False  # noqa: E712 (numpy bool)
    assert "no uncertainty" in table.loc["collection", "how"]
    assert not table.loc["shares", "drawn"]  # best_estimate names no share_paths
    drawn = set(active_groups(inputs, opts))
    assert drawn == {"stock", "lifetimes", "weight", "composition", "prices", "factors",
                     "battery"}
    d = sample(inputs, opts, 2000, np.random.default_rng(1), battery_variants(inputs, opts, 1))
    names = [q.name for q in inputs.composition.uncertain]
    comp = body_columns(inputs, "composition")
    for prefix in ("mass:magnet", "mass:e_motor", "pgm:diesel:Pt", "lightweighting"):
        k = names.index(prefix)
        assert k in comp and d.body_u[:, k].std() > 0.25, prefix
    for k in body_columns(inputs, "weight"):
        assert names[k].startswith("trailer:") and d.body_u[:, k].std() > 0.25
    assert d.battery.capacity_mult.std() > 0 and len(set(d.battery.variant)) > 8
    assert d.battery.lfp_shift.std() > 0 and d.battery.second_life_pos.std() > 0.25
    central = mc_inputs(load_data(scenario="electrification_central"))
    assert "shares" in active_groups(central, opts)
    pos = sample(central, opts, 500, np.random.default_rng(1)).battery.share_pos
    assert 0 <= pos.min() and pos.max() <= 1 and pos.std() > 0.25


def test_switching_a_group_off_leaves_the_others_draws(inputs, best):
    opts = best.config.uncertainty
    a = sample(inputs, opts, 200, np.random.default_rng(6))
    b = sample(inputs, opts.model_copy(update={"composition": "none", "lifetimes": "none"}),
               200, np.random.default_rng(6))
    np.testing.assert_array_equal(a.stock, b.stock)
    np.testing.assert_array_equal(a.price, b.price)
    np.testing.assert_array_equal(a.battery.capacity_mult, b.battery.capacity_mult)
    w = body_columns(inputs, "weight")
    np.testing.assert_array_equal(a.body_u[:, w], b.body_u[:, w])
    assert b.period is None and not np.array_equal(a.scale_mult, b.scale_mult)


def test_groups_set_to_none_are_not_drawn(inputs, best):
    quiet = best.config.uncertainty.model_copy(update=dict(
        stock="none", lifetimes="none", weight="none", composition="none", prices="none",
        factors="none", shares="none", battery="none"))
    assert active_groups(inputs, quiet) == []
    d = sample(inputs, quiet, 5, np.random.default_rng(0))
    assert d.stock is None and d.period is None and np.all(d.scale_mult == 1.0)


@pytest.mark.parametrize("changes,message", [
    ({"stock": "bogus"}, "stock"),
    ({"stock_rel_sd": 0.1}, "stock_rel_sd"),
    ({"stock": "multiplier"}, "stock_rel_sd"),
    ({"lifetimes": "fitted"}, "lifetimes"),
    ({"headline_draws": -1}, "headline_draws"),
    ({"stock_spread": float("nan")}, "stock_spread"),
    ({"groups": ["stock"]}, "groups"),
])
def test_uncertainty_options_are_strict(changes, message):
    with pytest.raises(ValidationError, match=message):
        UncertaintyOptions(**changes)


# -- Sobol by group --------------------------------------------------------------------------------

def test_sobol_groups_on_an_additive_model():
    """y = x1 + 2 x2 + 2 x3 (+ 0 x4), x uniform: groups {x1}, {x2, x3}, {x4} have first-order
    and total indices 1/9, 8/9 and 0."""
    prob = {"num_vars": 4, "names": ["x1", "x2", "x3", "x4"], "bounds": [[0.0, 1.0]] * 4,
            "groups": ["a", "b", "b", "c"]}
    si = sobol_indices(prob, lambda x: {"y": x[:, 0] + 2 * x[:, 1] + 2 * x[:, 2]}, 4096,
                       seed=2)["y"]
    np.testing.assert_allclose(si["S1"], [1 / 9, 8 / 9, 0.0], atol=0.03)
    np.testing.assert_allclose(si["ST"], [1 / 9, 8 / 9, 0.0], atol=0.03)
    assert si["ST"][2] == 0.0


def test_sobol_by_group_on_the_model(best):
    """A group with zero range (the stock projection at zero spread) and groups the output
    does not depend on have index 0; the count of end-of-life trucks depends only on the
    fleet's groups, which share its variance among them."""
    from elt_odym.uncertainty.sobol import run_sobol

    data = with_options(best, stock_spread=0.0, battery="none")
    outputs = (("eol", "total", 2050), ("eol_mass", "total", 2050),
               ("economic_value", "total", 2050))
    table = run_sobol(data, n=64, seed=1, outputs=outputs)
    assert set(table.group) == {"stock projection", "lifetimes and period factors",
                                "unit weights", "composition", "prices",
                                "energy and carbon factors"}
    st = table.pivot(index="output", columns="group", values="ST")
    assert st["stock projection"].abs().max() < 1e-9
    count = table[table.output == "eol total 2050"].set_index("group")
    zero = ["unit weights", "composition", "prices", "energy and carbon factors"]
    assert count.loc[zero, ["S1", "ST"]].abs().max().max() < 1e-9
    assert count.loc["lifetimes and period factors", "ST"] > 0.9
    assert st.loc["eol_mass total 2050", "prices"] < 1e-9
    assert st.loc["economic_value total 2050", "prices"] > 0.02


# -- the headline with its range, from one source -------------------------------------------------

@pytest.fixture(scope="module")
def headline_run(tmp_path_factory):
    import contextlib
    import io

    out = tmp_path_factory.mktemp("headline") / "out"
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        assert main(["run", "--out", str(out), "--no-figures", "--draws", "400"]) == 0
    return out, said.getvalue()


def test_headline_range_brackets_the_deterministic_value_or_says_why(headline_run):
    out, _ = headline_run
    table = pd.read_csv(out / "headline.csv", keep_default_na=False)
    assert set(table.basis) == {"maximum potential"} and (table.draws == 400).all()
    for row in table.itertuples():
        inside = row.p05 <= row.deterministic <= row.p95
        assert inside or "Outside p05-p95" in row.note, row.quantity
        assert row.p05 <= row.median <= row.p95
    mass = table.set_index("quantity").loc["eol_mass"]
    assert mass.p95 > 1.2 * mass.p05  # the stock projection and lifetimes widen it


def test_console_report_and_workbook_show_the_same_headline(headline_run):
    out, said = headline_run
    table = pd.read_csv(out / "headline.csv", keep_default_na=False)
    cols = ["deterministic", "median", "p05", "p95"]
    start = said.index("headline 2050 (maximum potential): deterministic = ")
    block = [line.strip() for line in said[start:].splitlines()[2:2 + len(table)]]
    printed = {q: next(line.split()[-4:] for line in block if line.startswith(q + " "))
               for q in table.quantity}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>maximum potential</b>" in html
    sheet = pd.DataFrame(list(openpyxl.load_workbook(out / "results.xlsx")["summary"]
                              .iter_rows(values_only=True)))
    sheet = sheet.iloc[1:].set_axis(list(sheet.iloc[0]), axis=1).set_index("quantity")
    for row in table.itertuples():
        want = [fmt(getattr(row, c)) for c in cols]
        assert printed[row.quantity] == want, row.quantity
        cells = re.search(rf"<td>{re.escape(row.quantity)}</td>\s*<td>[^<]*</td>\s*"
                          + r"\s*".join([r"<td>([^<]*)</td>"] * 4), html)
        assert cells and list(cells.groups()) == want, row.quantity
        assert sheet.at[row.quantity, "2050"] == pytest.approx(row.deterministic, rel=1e-12)
        for c, name in (("median", "median"), ("p05", "p05"), ("p95", "p95")):
            assert sheet.at[row.quantity, f"2050 Monte Carlo {name}"] == pytest.approx(
                getattr(row, c), rel=1e-12)
        assert sheet.at[row.quantity, "basis"] == "maximum potential"


def test_current_practice_is_said_from_the_data_and_draws_0_skips(tmp_path, capsys):
    out = tmp_path / "cp"
    assert main(["run", "--out", str(out), "--no-figures", "--draws", "0",
                 "--scenario", "open_data_current_practice"]) == 0
    said = capsys.readouterr().out
    assert "open_data_current_practice: current practice, formally collected: 33%" in said
    assert "no Monte Carlo (draws 0)" in said
    table = pd.read_csv(out / "headline.csv", keep_default_na=False, na_values=[""])
    assert set(table.basis) == {"current practice"} and table["median"].isna().all()


def test_a_deterministic_value_outside_the_range_is_explained():
    """Only the trailers drawn, the study's way (one trailer per truck, drawn between none and
    one): the deterministic run counts them in full, the top of the range, so its end-of-life
    weight lies above p95 and the note says why."""
    from elt_odym.model import run
    from elt_odym.reporting.results import OUTSIDE, headline_mc, headline_range_table

    paper = load_data(scenario="paper_reproduction")
    data = with_options(paper, stock="none", lifetimes="none", composition="none",
                        prices="none", factors="none", battery="none")
    result = run(data=data)
    table = headline_range_table(result, headline_mc(result, 200, 3)).set_index("quantity")
    mass = table.loc["eol_mass"]
    assert mass.deterministic > mass.p95
    assert OUTSIDE in mass.note and "trailer:HT" in mass.note
    assert OUTSIDE not in table.loc["eol"].note  # the count does not depend on the weight


def test_a_broken_parameter_set_file_is_one_line_and_exit_2(data_copy, tmp_path, capsys):
    path = data_copy / "best_estimate_statistics" / "calibration_draws.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text[3] = text[3].rsplit(",", 1)[0] + ",lots"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = path.read_bytes()
    assert main(["mc", "--data", str(data_copy), "--draws", "20", "--no-progress",
                 "--out", str(tmp_path / "mc")]) == 2
    err = capsys.readouterr().err
    assert "calibration_draws.csv: row 4, column 'reclassification[HT 2003]': not a " \
           "finite number" in err and "Traceback" not in err
    assert path.read_bytes() == before and not (tmp_path / "mc" / "mc_summary.csv").exists()


def test_the_headline_monte_carlo_reuses_the_runs_fit(best):
    """Given the inputs of a run (its stock projection fitted), the Monte Carlo draws and
    summarises exactly what it would from the data alone."""
    from elt_odym.model import run
    from elt_odym.uncertainty.montecarlo import run_monte_carlo

    result = run(data=best)
    kwargs = {"variables": ["eol_mass", "carbon_saving"], "progress": False}
    fresh = run_monte_carlo(best, 60, 4, **kwargs).summary()
    reused = run_monte_carlo(best, 60, 4, inputs=result.system.inputs, **kwargs).summary()
    pd.testing.assert_frame_equal(fresh, reused)
