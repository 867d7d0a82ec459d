"""Uncertainty: distributions, the seeded joint Monte Carlo of every output, zero variance,
draws against the system run, Sobol."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from elt_odym.batch import margins, series_layout
from elt_odym.cli import main
from elt_odym.data import load_data
from elt_odym.io.stats_array import parse_stats_array, sample_triangular
from elt_odym.system.equations import evaluate
from elt_odym.system.equations.materials import trailer_multipliers
from elt_odym.system.inputs import base_draws, model_inputs
from elt_odym.uncertainty.montecarlo import mc_inputs, run_mc
from elt_odym.uncertainty.sampling import sample
from elt_odym.uncertainty.sobol import sobol_indices


@pytest.fixture(scope="module")
def data():
    return load_data(scenario="paper_calibrated")


@pytest.mark.parametrize("text,value,mean,std", [
    ("3;;2", 10.0, 10.0, 2.0),
    ("2;;0.1", 10.0, 10.0 * np.exp(0.005), 10.0 * np.exp(0.005) * np.sqrt(np.exp(0.01) - 1)),
    ("4;2;4", 3.0, 3.0, 2 / np.sqrt(12)),
    ("5;1;;4", 2.0, (1 + 2 + 4) / 3, np.sqrt((1 + 4 + 16 - 2 - 4 - 8) / 18)),
    ("8;2;3", 0.0, 3 * 0.886226925, 3 * np.sqrt(1 - 0.886226925**2)),
])
def test_sample_moments(text, value, mean, std):
    x = parse_stats_array(text).sample(value, 200_000, np.random.default_rng(3))
    assert x.mean() == pytest.approx(mean, rel=0.01)
    assert x.std() == pytest.approx(std, rel=0.02)


def test_own_triangular_matches_formula():
    x = sample_triangular(np.random.default_rng(1), np.array([1.0]), np.array([2.0]),
                    np.array([4.0]), 200_000)[:, 0]
    assert x.mean() == pytest.approx(7 / 3, rel=0.01)
    assert x.min() >= 1.0 and x.max() <= 4.0
    degenerate = sample_triangular(np.random.default_rng(1), np.array([5.0]), np.array([5.0]),
                             np.array([5.0]), 10)
    assert np.all(degenerate == 5.0)


@pytest.mark.parametrize("scenario", ["paper_calibrated", "best_estimate"])
def test_zero_variance_reproduces_deterministic_run(runs, scenario):
    data = load_data(scenario=scenario)
    inputs = mc_inputs(data)
    res = run_mc(data, 300, 0, chunk=128, progress=False, draws=base_draws(inputs, 300))
    s = res.summary()
    det = runs(scenario)
    for var, g, m in (("eol", "total", ""), ("eol_mass", "HT", ""), ("eol_material", "total", "Cu"),
                      ("economic_value", "total", "total"), ("carbon_saving", "total", "Fe"),
                      ("carbon_saving_decreasing", "total", "total"),
                      ("energy_saving", "total", "total")):
        part = s[(s.variable == var) & (s.truck_type == g) & (s.material == m)]
        expected = np.array([det.value(var, y, g, m) for y in part.year])
        np.testing.assert_allclose(part["mean"], expected, rtol=1e-9, atol=1e-6)
        assert np.all(part["std"] <= 1e-9 * np.abs(expected).max() + 1e-6)
        np.testing.assert_allclose(part["p50"], expected, rtol=1e-6)
    # every series of mc_summary.csv is a margin of a variable of results.csv
    t = det.results
    keyed = t.set_index(["variable", "truck_type", "material", "year"])["value"]
    flat = s[s.powertrain.eq("") & s.chemistry.eq("")]
    want = keyed.reindex(pd.MultiIndex.from_frame(flat[["variable", "truck_type", "material",
                                                        "year"]]))
    assert want.notna().all()
    np.testing.assert_allclose(flat["mean"], want, rtol=1e-9, atol=1e-6)


def test_mc_summarises_every_variable_of_the_run(runs):
    r = runs("best_estimate")
    s = run_mc(r.data, 50, 3, chunk=25, progress=False).summary()
    assert set(s.variable) == set(r.results.variable) | set(r.battery_results.variable)
    assert list(s.columns) == ["variable", "truck_type", "powertrain", "chemistry", "material",
                               "year", "mean", "std", "p05", "p50", "p95", "unit"]
    li = s[(s.variable == "battery_eol_material") & (s.material == "Li") & (s.year == 2040)]
    assert float(li["std"].iloc[0]) > 0


def test_percentiles_of_the_summary_equal_numpy_on_the_draws(data):
    """mc_summary's p05/p50/p95 are np.percentile of the draws' margins, exactly."""
    inputs = mc_inputs(data)
    from elt_odym.uncertainty.sampling import battery_variants, sample_range

    opts = data.config.uncertainty
    res = run_mc(data, 40, 5, chunk=15, progress=False)
    d = sample_range(inputs, opts, 40, 5, 0, 40, battery_variants(inputs, opts, 5))
    series = margins(evaluate(inputs, d), res.layout)
    np.testing.assert_array_equal(res.stats.quantiles, np.percentile(series, [5, 50, 95],
                                                                     axis=1))
    np.testing.assert_allclose(res.stats.mean, series.mean(axis=1), rtol=1e-12)


def test_seed_reproducible_and_chunk_independent(data):
    a = run_mc(data, 300, 11, chunk=100, progress=False).summary()
    b = run_mc(data, 300, 11, chunk=230, progress=False, workers=1).summary()
    c = run_mc(data, 300, 12, chunk=100, progress=False).summary()
    pd.testing.assert_frame_equal(a, b, rtol=1e-12)
    assert not np.allclose(a["mean"], c["mean"])


def test_draws_equal_the_system_run_with_the_same_inputs(data):
    """Each draw of the batch model equals the flodym system run on data carrying that draw's
    lifetime scales, weights and mean prices."""
    from elt_odym.data import with_values
    from elt_odym.model import run

    base = model_inputs(data)
    opts = data.config.uncertainty.model_copy(update={"battery": "none", "stock": "none"})
    draws = sample(base, opts, 3, np.random.default_rng(5))
    out = evaluate(base, draws)
    layout = series_layout(out)
    series = margins(out, layout)
    mean = data.items["s"].index("mean")
    for i in range(3):
        price = np.array(data["price"].values, float)
        price[:, mean] = draws.price[i]
        trailer = trailer_multipliers(base.composition, draws.body_u, 3)[i]
        weight = base.weight_low + trailer * (base.weight - base.weight_low)
        d = with_values(data, {"weibull_scale": np.asarray(data["weibull_scale"].values)
                               * draws.scale_mult[i], "unit_weight": weight, "price": price})
        r = run(data=d)
        for var in ("eol_mass", "economic_value", "battery_eol_material"):
            m = "" if var == "eol_mass" else "total"
            got = [series[layout.index(var, y, "total", m), i] for y in base.years]
            want = [r.value(var, y, "total", m) for y in base.years]
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-3)


def test_group_ranges_are_respected(data):
    base = mc_inputs(data)
    ranges = data.config.uncertainty.model_copy(update={"lifetimes": "range"})  # not the sets
    d = sample(base, ranges, 5000, np.random.default_rng(2))
    trailer = trailer_multipliers(base.composition, d.body_u, d.n)
    assert np.all((trailer >= 0) & (trailer <= 1)) and trailer.std() > 0.2
    assert np.all(d.price >= base.price[:, 0] - 1e-9) and np.all(d.price <= base.price[:, 2])
    r = base.rel_range
    assert np.all(d.carbon <= base.carbon * (1 + r)) and np.all(d.carbon >= base.carbon * (1 - r))
    shift = (d.scale_mult - 1) * base.mean_life
    assert np.all(np.abs(shift) <= 1.0 + 1e-12)
    b, opts = d.battery, data.config.uncertainty
    assert np.all(np.abs(b.lfp_shift) <= opts.lfp_shift) and b.lfp_shift.std() > 0
    assert np.all((b.second_life_pos >= 0) & (b.second_life_pos <= 1))


def test_sobol_on_ishigami():
    a, b = 7.0, 0.1
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}

    def ishigami(x):
        y = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
        return {"y": y}

    si = sobol_indices(prob, ishigami, 4096, seed=1)["y"]
    np.testing.assert_allclose(si["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    np.testing.assert_allclose(si["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_cli_mc_sensitivity_sobol(tmp_path, capsys):
    assert main(["mc", "--draws", "300", "--seed", "4", "--out", str(tmp_path / "mc"),
                 "--no-progress"]) == 0
    s = pd.read_csv(tmp_path / "mc" / "mc_summary.csv", keep_default_na=False)
    assert list(s.columns) == ["variable", "truck_type", "powertrain", "chemistry", "material",
                               "year", "mean", "std", "p05", "p50", "p95", "unit"]
    assert np.all(s["p05"] <= s["p50"] + 1e-6) and np.all(s["p50"] <= s["p95"] + 1e-6)
    assert (tmp_path / "mc" / "mc_eol_weight.png").stat().st_size > 10_000
    assert main(["sensitivity", "--out", str(tmp_path / "sens"),
                 "--scenario", "paper_reproduction"]) == 0
    t = pd.read_csv(tmp_path / "sens" / "sensitivity.csv", keep_default_na=False)
    row = t[(t.parameter == "weight") & (t.variable == "eol_mass") & (t.truck_type == "total")
            & (t.year == 2050)]
    assert row["rel_change"].iloc[0] == pytest.approx(-0.11, abs=0.01)  # the study's -11 %
    assert main(["sobol", "--n", "64", "--out", str(tmp_path / "sobol")]) == 0
    so = pd.read_csv(tmp_path / "sobol" / "sobol.csv")
    mass = so[so.output == "eol_mass total 2050"].set_index("group")
    assert "stock projection" in mass.index
    # prices and energy/carbon factors do not move the end-of-life weight: index 0
    assert mass.loc[["prices", "energy and carbon factors"], ["S1", "ST"]].abs().max().max() < 1e-9


def test_draw_blocks_come_from_spawned_seeds(data):
    """Block b of the draws is sampled with SeedSequence(seed).spawn(...)[b], and any range
    of draws is the same slice of the whole."""
    from elt_odym.uncertainty.sampling import DRAW_BLOCK, sample_range

    base, opts = mc_inputs(data), data.config.uncertainty
    n = 2 * DRAW_BLOCK + 300
    whole = sample_range(base, opts, n, 9, 0, n)
    child = np.random.SeedSequence(9).spawn(3)[1]
    block1 = sample(base, opts, DRAW_BLOCK, np.random.default_rng(child))
    np.testing.assert_array_equal(whole.scale_mult[DRAW_BLOCK:2 * DRAW_BLOCK],
                                  block1.scale_mult)
    part = sample_range(base, opts, n, 9, DRAW_BLOCK - 7, n - 5)
    np.testing.assert_array_equal(part.price, whole.price[DRAW_BLOCK - 7:n - 5])


def test_same_summary_in_process_and_on_a_local_dask_cluster(data, tmp_path):
    """mc_summary.csv is the same file in-process (threads, any chunk) and on a local Dask
    cluster (2 workers); Sobol indices too."""
    from elt_odym.reporting.results import write_csv
    from elt_odym.uncertainty.distributed import dask_client
    from elt_odym.uncertainty.sobol import run_sobol

    local = run_mc(data, 600, 21, chunk=250, progress=False)
    with dask_client(workers=2, processes=False) as client:
        remote = run_mc(data, 600, 21, chunk=250, progress=False, client=client)
        sobol_remote = run_sobol(data, n=64, seed=3, client=client)
    write_csv(local.summary(), tmp_path / "a.csv")
    write_csv(remote.summary(), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    pd.testing.assert_frame_equal(sobol_remote, run_sobol(data, n=64, seed=3))
    other_chunk = run_mc(data, 600, 21, chunk=450, progress=False, workers=1).summary()
    pd.testing.assert_frame_equal(local.summary(), other_chunk, rtol=1e-12)


def test_cli_mc_on_a_dask_scheduler(tmp_path):
    """``elt-odym mc --scheduler ADDRESS`` writes the same mc_summary.csv as in-process."""
    from distributed import LocalCluster

    args = ["mc", "--draws", "400", "--seed", "2", "--chunk", "150", "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster:
        assert main(args + ["--scheduler", cluster.scheduler_address,
                            "--out", str(tmp_path / "b")]) == 0
    assert ((tmp_path / "a" / "mc_summary.csv").read_bytes()
            == (tmp_path / "b" / "mc_summary.csv").read_bytes())


def test_variables_keyword_summarises_only_those(data):
    """``variables`` keeps the named variables' series, the same numbers as the full run."""
    full = run_mc(data, 60, 4, chunk=25, progress=False)
    part = run_mc(data, 60, 4, chunk=25, progress=False, variables=["eol_mass", "eol"])
    assert part.layout.variables == ["eol", "eol_mass"]
    a = full.summary()
    a = a[a.variable.isin(["eol", "eol_mass"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, part.summary())
    with pytest.raises(KeyError, match="no variable"):
        run_mc(data, 10, 4, progress=False, variables=["nonsense"])


def test_memory_estimate_covers_the_engine(data):
    """The budget check's estimate of the statistics (engine_bytes) bounds what the summary
    engine held by its own accounting, on the model, through several passes."""
    from elt_odym.uncertainty.budget import estimate_mc_bytes
    from elt_odym.uncertainty.summary import engine_bytes, minimum_bytes

    inputs = mc_inputs(data)
    layout = series_layout(evaluate(inputs, base_draws(inputs), flows=False))
    budget = 2 * minimum_bytes(layout.size)
    res = run_mc(data, 1500, 8, chunk=100, progress=False, memory_budget=budget)
    assert res.stats.passes >= 2
    assert res.stats.peak_bytes <= engine_bytes(layout.size, 1500, budget) <= budget
    assert estimate_mc_bytes(10**6, layout.size, 1500, 100, 2, budget) >= \
        res.stats.peak_bytes + 4 * 100 * 10**6
