"""The compiled fused kernel against the numpy solver (the reference), to 1e-12."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elt_odym.batch import (
    calc_fleet,
    calc_fleet_numpy,
    fixed_draws,
    fused_kernel_applies,
    model_arrays,
)
from elt_odym.errors import NegativeInflowError
from elt_odym.fleet import kernel_numba
from elt_odym.fleet.inputs import FleetInputs
from elt_odym.fleet.kernel import cohort_survival_batch, solve_batch

pytestmark = pytest.mark.skipif(not kernel_numba.AVAILABLE, reason="numba not installed")


@st.composite
def batches(draw):
    """Random stock paths (rising and falling), cohort lifetimes, per-draw multipliers."""
    n_t, n_g, n = draw(st.integers(2, 30)), draw(st.integers(1, 3)), draw(st.integers(1, 6))
    steps = draw(st.lists(st.floats(-0.35, 0.5), min_size=n_t * n_g, max_size=n_t * n_g))
    stock = draw(st.floats(10.0, 1e6)) * np.cumprod(1 + np.reshape(steps, (n_t, n_g)), axis=0)
    trend = draw(st.lists(st.floats(-0.05, 0.05), min_size=2, max_size=2))
    cohort = np.exp(np.outer(np.arange(n_t), trend))
    shape_c = draw(st.floats(0.8, 6.0)) * cohort[:, :1] * np.ones((1, n_g))
    scale_c = draw(st.floats(1.5, 30.0)) * cohort[:, 1:] * np.ones((1, n_g))
    if draw(st.booleans()):  # lifetime independent of the cohort
        shape_c, scale_c = shape_c[:1].repeat(n_t, 0), scale_c[:1].repeat(n_t, 0)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    mults = [rng.uniform(0.8, 1.2, (n, n_g)) for _ in range(3)]
    if draw(st.booleans()):  # shapes not drawn: the one-exponential branch
        mults[2] = np.ones((n, n_g))
    policy = draw(st.sampled_from(["retire", "allow", "error"]))
    form = draw(st.sampled_from(["pdf", "survival"]))
    return stock, shape_c, scale_c, mults, policy, form


def numpy_reference(stock, shape_c, scale_c, mults, policy, form):
    """Survival curves and solve of :mod:`elt_odym.fleet.kernel` (the reference)."""
    stock_mult, scale_mult, shape_mult = mults
    curves = cohort_survival_batch(shape_c, scale_c, scale_mult, form, shape_mult)
    return solve_batch(stock[:, None, :] * stock_mult[None], policy, sf_cohorts=curves)


@settings(max_examples=150, deadline=None)
@given(batches())
def test_fused_kernel_equals_numpy_solver(case):
    stock, shape_c, scale_c, mults, policy, form = case
    stock_mult, scale_mult, shape_mult = mults
    try:
        ref = numpy_reference(*case)
    except NegativeInflowError as err:
        with pytest.raises(NegativeInflowError) as got:
            kernel_numba.solve_fused(stock, stock_mult, shape_c, scale_c, scale_mult,
                                     shape_mult, form, policy)
        assert str(got.value) == str(err)
        return
    res = kernel_numba.solve_fused(stock, stock_mult, shape_c, scale_c, scale_mult, shape_mult,
                                   form, policy, block=4)
    size = np.abs(stock).max() + np.abs(ref.inflow).max()
    for name in ("inflow", "outflow", "early_retirement", "negative"):
        np.testing.assert_allclose(getattr(res, name), getattr(ref, name), rtol=0,
                                   atol=1e-12 * size, err_msg=name)


def test_vectorised_exp_is_exact_to_an_ulp():
    y = np.concatenate([-np.geomspace(1e-12, 700, 5000), np.linspace(-50, 50, 5001)])
    got = y.copy()
    kernel_numba._vexp(got, np.empty(y.size, dtype=np.int64))
    np.testing.assert_allclose(got, np.exp(y), rtol=4.5e-16, atol=0)


@pytest.mark.parametrize("scenario,structure", [("paper_calibrated", None),
                                                ("open_data", "spin_up")])
def test_array_model_dispatch_equals_numpy_path(scenario, structure):
    """calc_fleet on the compiled kernel equals the numpy path on the bundled data, with
    history years (spin-up) and drawn scales and shapes."""
    from elt_odym.data import load_data

    data = load_data(scenario=scenario)
    if structure:
        data.options.age_structure = structure
    base = model_arrays(data)
    assert fused_kernel_applies(base.fleet)
    if structure:
        assert base.fleet.n_history > 0
    d = fixed_draws(base, 50)
    rng = np.random.default_rng(3)
    d.scale_mult, d.shape_mult = rng.uniform(0.85, 1.15, (2, 50, len(base.products)))
    d.stock_mult = rng.normal(1.0, 0.05, (50, len(base.products)))
    got, want = calc_fleet(base, d), calc_fleet_numpy(base, d)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())


def test_other_lifetime_structures_go_to_numpy():
    """A FleetInputs with a field the kernel does not know, set away from its default
    (e.g. a future age cap), is not sent to the compiled kernel."""

    @dataclasses.dataclass
    class Capped(FleetInputs):
        age_cap: int | None = None

    args = dict(years=[2000, 2001], stock=np.ones((2, 1)), shape=np.ones((2, 1)),
                scale=np.ones((2, 1)), n_history=0, form="pdf", policy="retire")
    assert fused_kernel_applies(Capped(**args))
    assert not fused_kernel_applies(Capped(**args, age_cap=30))
    assert not fused_kernel_applies(dataclasses.replace(Capped(**args), form="other"))


@pytest.mark.parametrize("drawn_composition", [False, True])
def test_compiled_outputs_equal_numpy_evaluate(drawn_composition):
    """evaluate_series (compiled, series-major) equals evaluate (numpy) for every output."""
    from elt_odym.batch import evaluate
    from elt_odym.batch_numba import evaluate_series
    from elt_odym.data import load_data
    from elt_odym.io.stats_array import Uncertainty
    from elt_odym.uncertainty.sampling import sample_range

    data = load_data(scenario="paper_calibrated")
    data.config.uncertainty.stock_rel_sd = 0.05
    if drawn_composition:
        comp = data["material_composition"]
        for key, value in comp.observations.items():
            comp.uncertainty[key] = Uncertainty("normal", float("nan"), 0.05 * value)
    base = model_arrays(data)
    d = sample_range(base, data.config.uncertainty, 300, 4, 0, 300)
    assert (d.composition is not None) == drawn_composition
    got, want = evaluate_series(base, d), evaluate(base, d)
    assert set(got) == set(want)
    for name, values in want.items():
        ref = np.moveaxis(values, 0, 2)
        np.testing.assert_allclose(got[name], ref, rtol=1e-12, atol=1e-12 * np.abs(ref).max(),
                                   err_msg=name)


def test_without_numba_the_numpy_path_runs_with_a_warning(monkeypatch, caplog):
    """If numba were missing: the numpy solver, numpy statistics, the same summary."""
    from elt_odym import batch as arrays
    from elt_odym.data import load_data
    from elt_odym.uncertainty.montecarlo import run_mc

    data = load_data(scenario="paper_calibrated")
    compiled = run_mc(data, 300, 5, chunk=100, progress=False).summary()
    monkeypatch.setattr(kernel_numba, "AVAILABLE", False)
    monkeypatch.setattr(arrays, "_WARNED", [])
    with caplog.at_level("WARNING"):
        plain = run_mc(data, 300, 5, chunk=100, progress=False).summary()
    assert any("numba is not installed" in r.message for r in caplog.records)
    import pandas as pd

    pd.testing.assert_frame_equal(plain, compiled, rtol=1e-9)
