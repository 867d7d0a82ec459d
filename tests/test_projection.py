"""The sampled stock projection: the centre is the deterministic path, the draws' spread is the
fit's covariance, recorded years never move, the priors replace the anchors they name."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elt_odym.data import load_data
from elt_odym.errors import DataValidationError
from elt_odym.fleet.inputs import observations, project, stock_path
from elt_odym.fleet.projection import (
    StockObservations,
    _draw_one,
    draw_projection_parameters,
    fit_posterior,
    logistic,
    logistic_jacobian,
    path_quantiles,
    projection_posteriors,
    sample_stock_paths,
    stock_observations,
    with_priors,
)
from elt_odym.io.statistics import PRIOR_COLUMNS


@pytest.fixture(scope="module")
def best():
    return load_data(None, "best_estimate")


@pytest.fixture(scope="module")
def posteriors(best):
    return projection_posteriors(best)  # the bundled priors


def prior_table(rows) -> pd.DataFrame:
    return pd.DataFrame([dict(zip(PRIOR_COLUMNS + ["row"], (*r, "unit", (r[1],), "assumption",
                                                             "test", "L", "", i + 2)))
                         for i, r in enumerate(rows)], columns=PRIOR_COLUMNS + ["row"])


@pytest.mark.parametrize("scenario", ["best_estimate", "paper_calibrated"])  # blend, switch
def test_zero_spread_without_priors_is_the_deterministic_path(scenario):
    data = load_data(None, scenario)
    paths = sample_stock_paths(data, 3, np.random.default_rng(0), priors=None, spread=0.0)
    np.testing.assert_allclose(paths, np.repeat(project(data).path[:, None, :], 3, axis=1),
                               rtol=1e-12)


def test_zero_spread_with_priors_is_the_path_of_the_prior_fit(best, posteriors):
    paths = sample_stock_paths(best, 2, np.random.default_rng(0), spread=0.0,
                               posteriors=posteriors)
    centre, _ = stock_path(best, {g: p.fit for g, p in posteriors.items()})
    np.testing.assert_allclose(paths[:, 0, :], centre, rtol=1e-12)


def test_observations_are_those_of_the_deterministic_fit(best):
    for g in best.items["g"]:
        obs, (years, values, sigmas) = stock_observations(best, g), observations(best, g)
        np.testing.assert_array_equal(obs.years, years)
        np.testing.assert_array_equal(obs.values, values)
        np.testing.assert_array_equal(obs.sigmas, sigmas)


def test_recorded_years_untouched(best, posteriors):
    paths = sample_stock_paths(best, 500, np.random.default_rng(3), posteriors=posteriors)
    history = best["stock_history"].observations
    for (year, g), value in history.items():
        if year <= best.options.switch_year:
            column = paths[best.years.index(year), :, best.items["g"].index(g)]
            assert (column == value).all()
    assert paths[best.years.index(2050)].std(axis=0).min() > 0  # the projection does move


def test_draws_spread_matches_the_covariance(best, posteriors):
    n = 40_000
    draws = draw_projection_parameters(best, n, np.random.default_rng(11), posteriors=posteriors)
    for j, g in enumerate(draws.products):
        post = posteriors[g]
        if draws.redrawn[j] > 1e-4 * n:  # truncated by the bounds: not the plain normal
            continue
        x = np.column_stack([np.log(draws.a[:, j]), draws.k[:, j], draws.t_c[:, j]])
        se = np.sqrt(np.diag(post.cov) / n)  # standard error of the sample mean
        assert (np.abs(x.mean(axis=0) - post.mean) <= 4 * se + 1e-12).all(), g
        free = post.free
        sd = np.sqrt(np.diag(post.cov))[free]
        np.testing.assert_allclose(x[:, free].std(axis=0), sd, rtol=0.03)
        corr = np.corrcoef(x[:, free].T)
        expected = post.cov[np.ix_(free, free)] / np.outer(sd, sd)
        np.testing.assert_allclose(corr, expected, atol=0.02)
        assert (x[:, ~free] == post.mean[~free]).all()  # held at its bound


def test_draws_stay_inside_the_bounds(best, posteriors):
    draws = draw_projection_parameters(best, 5000, np.random.default_rng(5), posteriors=posteriors)
    k_bound = best.options.fit_max_rate
    for j, g in enumerate(draws.products):
        sign = np.sign(posteriors[g].fit.k)
        assert (np.sign(draws.k[:, j]) == sign).all() and (np.abs(draws.k[:, j]) <= k_bound).all()
        assert (draws.a[:, j] > 0).all()


def reference_draws(post, n, rng, spread):
    """Rejection sampling written plainly: every round draws a normal vector for each draw
    still outside the bounds (in draw order) and checks all three parameters."""
    free = np.flatnonzero(post.free)
    vals, vecs = np.linalg.eigh(post.cov[np.ix_(free, free)])
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    x = np.tile(post.mean, (n, 1))
    todo, redrawn = list(range(n)), 0
    while todo:
        z = rng.standard_normal((len(todo), free.size))
        still = []
        for row, i in zip(z, todo):
            x[i, free] = post.mean[free] + (spread * row[None, :]) @ root.T
            if ((x[i] < post.lower) | (x[i] > post.upper)).any():
                still.append(i)
        todo = still
        redrawn += len(todo)
    return x, redrawn


@pytest.mark.parametrize("spread", [1.0, 0.7])
def test_draws_are_those_of_plain_rejection_sampling(posteriors, spread):
    """The draws (and the redraw count) of every bundled posterior, NT's degenerate one with
    most draws redrawn included, equal plain rejection sampling from the same stream."""
    for g, post in posteriors.items():
        got, n_got = _draw_one(post, 57, np.random.default_rng(8), spread)
        want, n_want = reference_draws(post, 57, np.random.default_rng(8), spread)
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=0)
        assert n_got == n_want


def test_seed_reproduces_and_a_new_seed_changes(best, posteriors):
    a = sample_stock_paths(best, 50, np.random.default_rng(42), posteriors=posteriors)
    b = sample_stock_paths(best, 50, np.random.default_rng(42), posteriors=posteriors)
    c = sample_stock_paths(best, 50, np.random.default_rng(43), posteriors=posteriors)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


@settings(deadline=None, max_examples=50, derandomize=True)
@given(st.floats(12.0, 18.0), st.floats(-0.3, 0.3).filter(lambda k: abs(k) > 0.01),
       st.floats(1995.0, 2040.0))
def test_jacobian_against_finite_differences(log_a, k, t_c):
    t = np.arange(2000.0, 2051.0, 5.0)
    jac = logistic_jacobian(t, log_a, k, t_c)
    x = np.array([log_a, k, t_c])
    for i, h in enumerate((1e-6, 1e-7, 1e-5)):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        numeric = (logistic(t, np.exp(up[0]), *up[1:]) - logistic(t, np.exp(down[0]), *down[1:]))
        np.testing.assert_allclose(jac[:, i], numeric / (2 * h), rtol=1e-5,
                                   atol=1e-7 * np.exp(log_a))


@pytest.mark.parametrize("scenario", ["best_estimate", "best_estimate_study_path"])
def test_prior_equal_to_anchor_changes_nothing(scenario):
    """A prior that restates an anchor (same value and sd) gives the deterministic fit (the
    study path keeps its other anchors, the best estimate has only the 2050 one)."""
    data = load_data(None, scenario)
    obs = stock_observations(data, "ST")
    i = list(obs.years).index(2050)
    same = with_priors(obs, "ST", prior_table([("ST", 2050, obs.values[i], obs.sigmas[i])]))
    assert same.kinds.count("prior") == 1 and same.kinds.count("anchor") == obs.kinds.count(
        "anchor") - 1
    fit = fit_posterior("ST", same, data.options.fit_default_rel_sigma,
                        data.options.fit_max_rate).fit
    ref = project(data).fits["ST"]
    assert (fit.a, fit.k, fit.t_c) == pytest.approx((ref.a, ref.k, ref.t_c), rel=1e-9)


def test_wider_prior_widens_the_saturation(best):
    obs = stock_observations(best, "ST")
    narrow = with_priors(obs, "ST", prior_table([("ST", 2050, 37e6, 0.5e6)]))
    wide = with_priors(obs, "ST", prior_table([("ST", 2050, 37e6, 7.4e6)]))
    sd = [np.sqrt(fit_posterior("ST", o).cov[0, 0]) for o in (narrow, wide)]
    assert sd[1] > 5 * sd[0]


def test_covariance_of_a_straight_case_by_hand():
    """Four points on one curve with sd 1: chi2 = 0, so no inflation, and the covariance is
    (J^T J)^-1 of the analytic Jacobian."""
    years = np.array([2000.0, 2010.0, 2020.0, 2030.0])
    values = logistic(years, 100.0, 0.2, 2015.0)
    obs = StockObservations(years, values, np.ones(4), ("history",) * 4)
    post = fit_posterior("X", obs, k_bound=0.5)
    assert post.inflation == 1.0 and post.free.all()
    assert (post.fit.a, post.fit.k, post.fit.t_c) == pytest.approx((100.0, 0.2, 2015.0),
                                                                   rel=1e-8)
    jac = logistic_jacobian(years, np.log(100.0), 0.2, 2015.0)
    np.testing.assert_allclose(post.cov, np.linalg.inv(jac.T @ jac), rtol=1e-6)


def test_bundled_priors_replace_the_projected_anchors(posteriors):
    kinds = {g: p.observations.kinds for g, p in posteriors.items()}
    years = {g: list(p.observations.years) for g, p in posteriors.items()}
    assert kinds["HT"].count("prior") == 1 and years["HT"].count(2035) == 0
    assert kinds["ST"].count("prior") == 1 and years["ST"].count(2050) == 1
    assert "prior" not in kinds["NT"]
    assert all(p.inflation >= 1.0 for p in posteriors.values())


def test_a_prior_replacing_no_anchor_names_the_cell(best):
    bad = prior_table([("ST", 2040, 30e6, 1e6)])
    with pytest.raises(DataValidationError) as err:
        projection_posteriors(best, bad)
    problem = err.value.problems[0]
    assert problem.rule == "unknown-anchor" and problem.cell == "F2" and "2040" in str(problem)
    with pytest.raises(DataValidationError, match="unknown-item"):
        projection_posteriors(best, prior_table([("XT", 2050, 1.0, 1.0)]))


def test_quantiles_of_the_paths(best, posteriors):
    paths = sample_stock_paths(best, 2000, np.random.default_rng(1), posteriors=posteriors)
    q = path_quantiles(best, paths, (2050,)).set_index("truck_type")
    i = best.years.index(2050)
    assert q.loc["HT", "p50"] == pytest.approx(np.median(paths[i, :, 0]))
    assert q.loc["total", "p95"] == pytest.approx(np.percentile(paths[i].sum(axis=1), 95))
    assert (q.p05 <= q.p50).all() and (q.p50 <= q.p95).all()


# -- the recorded path: records up to switch_year, constant growth between them ----------------

def test_records_are_joined_at_a_constant_growth_rate(best):
    """best_estimate records 2003 and 2010 (and 2017-2021): in between the stock grows at one
    rate per type, by hand; the sampled paths carry the same values in every draw."""
    from elt_odym.fleet.projection import recorded_path

    history = best["stock_history"].observations
    path, source = stock_path(best, project(best).fits)
    for j, g in enumerate(best.items["g"]):
        s03, s10 = history[(2003, g)], history[(2010, g)]
        for y in range(2004, 2010):
            expected = s03 * (s10 / s03) ** ((y - 2003) / 7)
            assert path[best.years.index(y), j] == pytest.approx(expected, rel=1e-12)
            assert source[best.years.index(y), j] == "interpolated"
        ratios = path[best.years.index(2004):best.years.index(2011), j] / \
            path[best.years.index(2003):best.years.index(2010), j]
        np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)  # one growth rate
        values, kind = recorded_path(best.years, history, g, best.options.switch_year)
        assert set(kind[best.years.index(2022):]) == {""}  # after the last record: the fit
    paths = sample_stock_paths(best, 20, np.random.default_rng(2), spread=1.0)
    last = best.years.index(best.options.switch_year)
    np.testing.assert_array_equal(paths[:last + 1], np.repeat(path[:last + 1, None], 20, axis=1))


def test_linear_join_where_a_record_is_not_positive():
    from elt_odym.fleet.projection import recorded_path

    years = list(range(2000, 2006))
    history = {(2000, "X"): 4.0, (2003, "X"): 0.0, (2005, "X"): 10.0}
    values, kind = recorded_path(years, history, "X", 2005)
    np.testing.assert_allclose(values, [4.0, 4.0 * 2 / 3, 4.0 / 3, 0.0, 5.0, 10.0])
    assert list(kind) == ["recorded", "interpolated", "interpolated", "recorded",
                          "interpolated", "recorded"]
    values, kind = recorded_path(years, history, "X", 2003)  # switch_year drops the last one
    assert np.isnan(values[-1]) and kind[-1] == "" and kind[4] == ""


def test_best_estimate_stock_is_the_mps_count_at_year_ends(best):
    """The recorded path meets the MPS year-end counts of 2017 and 2018 (the split by type
    sums to the total) and the study's 2010 figures."""
    path = stock_path(best, project(best).fits)[0]
    total = path.sum(axis=1)
    assert total[best.years.index(2017)] == pytest.approx(23.41e6, abs=2)  # rounding by type
    assert total[best.years.index(2018)] == pytest.approx(25.70e6, abs=2)
    assert total[best.years.index(2010)] == pytest.approx(16.0e6, rel=1e-12)
