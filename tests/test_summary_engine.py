"""The bounded-memory summary engine: exact percentiles (equal to np.percentile), moments,
memory that does not grow with the number of draws, numbers independent of chunks and
threads."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from elt_odym.errors import ResourceLimitError
from elt_odym.uncertainty.summary import (
    BUDGET,
    MIN_PILOT,
    Engine,
    engine_bytes,
    minimum_bytes,
    pilot_plan,
    summarise,
    summarise_array,
    whole_run_bytes,
)

Q = [5, 50, 95]


def small_budget(n_series: int) -> int:
    """The smallest budget the engine accepts: a small pilot, few bins, several passes."""
    return minimum_bytes(n_series)


def check(values: np.ndarray, **kw) -> None:
    """The engine's statistics of ``values (S, n)`` against numpy's."""
    res = summarise_array(values, Q, **kw)
    np.testing.assert_array_equal(res.quantiles, np.percentile(values, Q, axis=1))
    scale = np.abs(values).max(initial=0.0)
    np.testing.assert_allclose(res.mean, values.mean(axis=1), rtol=1e-12, atol=1e-13 * scale)
    if values.shape[1] > 1:
        np.testing.assert_allclose(res.std, values.std(axis=1, ddof=1), rtol=1e-8,
                                   atol=1e-7 * scale)
    else:
        assert np.all(res.std == 0.0)
    np.testing.assert_array_equal(res.min, values.min(axis=1))
    np.testing.assert_array_equal(res.max, values.max(axis=1))


ELEMENTS = (st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
            | st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.integers(1, 5).flatmap(
           lambda s: st.integers(1, 300).flatmap(
               lambda n: arrays(np.float64, (s, n), elements=ELEMENTS))),
       chunk=st.integers(1, 120), small=st.booleans())
def test_percentiles_equal_numpy(values, chunk, small):
    """Ties, point masses, zeros of both signs, n below the pilot and above it, n = 1; with a
    small budget the pilot is 16 draws and the intervals need several passes."""
    budget = small_budget(values.shape[0]) if small else 2**24
    check(values, chunk=chunk, memory_budget=budget)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(300, 3000), share=st.floats(0.0, 1.0),
       atom=st.sampled_from([0.0, 1.0, -2.0]), chunk=st.integers(50, 900))
def test_point_masses_and_constant_series(seed, n, share, atom, chunk):
    """A point mass of any share (at a percentile, below one, everywhere), rounded values, a
    constant series and one that varies only after the pilot."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(6, n))
    x[0, rng.random(n) < share] = atom
    x[1] = np.round(3 * x[1])
    x[2] = atom
    x[3, :] = 5.0
    x[3, -1] = 6.0  # constant through the pilot, not after
    x[4] = rng.integers(0, 2, n) * 1e9
    x[5] = np.exp(8 * x[5])  # heavy right tail
    check(x, chunk=chunk, memory_budget=small_budget(6))
    check(x, chunk=chunk)


def test_nan_gives_nan_as_numpy():
    x = np.random.default_rng(1).normal(size=(3, 500))
    x[1, 300] = np.nan
    res = summarise_array(x, Q, chunk=64)
    ref = np.percentile(x, Q, axis=1)
    np.testing.assert_array_equal(res.quantiles, ref)
    assert np.isnan(res.mean[1]) and np.isnan(res.std[1])
    assert not np.isnan(res.mean[[0, 2]]).any()


def test_one_draw_and_other_percentiles():
    x = np.array([[3.0], [-1.0]])
    res = summarise_array(x, [0, 25, 100], chunk=1)
    np.testing.assert_array_equal(res.quantiles, np.percentile(x, [0, 25, 100], axis=1))
    np.testing.assert_array_equal(res.std, [0.0, 0.0])
    y = np.random.default_rng(2).normal(size=(4, 2000))
    q = [0, 1, 33.3, 50, 99.9, 100]
    np.testing.assert_array_equal(summarise_array(y, q, chunk=333).quantiles,
                                  np.percentile(y, q, axis=1))


class Draws:
    """Reproducible synthetic series: draw ``i`` of series ``s`` a function of ``(i, s)``
    alone (as the model's seeded blocks), of different shapes (normal-like, a point mass at
    0.3, wide); counts the draws it evaluated."""

    def __init__(self, n_series: int):
        self.S, self.evaluated = n_series, 0
        self.scale = np.linspace(0.5, 50.0, n_series)

    def __call__(self, start: int, stop: int) -> np.ndarray:
        self.evaluated += stop - start
        i = np.arange(start, stop, dtype=np.uint64)[None, :]
        s = np.arange(self.S, dtype=np.uint64)[:, None]
        h = (i * np.uint64(0x9E3779B97F4A7C15) + s * np.uint64(0xBF58476D1CE4E5B9))
        h ^= h >> np.uint64(31)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(29)
        u = (h >> np.uint64(11)).astype(float) / 2.0**53
        z = np.log(u / (1.0 - u + 1e-300) + 1e-300)  # logistic
        return np.where(s % 3 == 0, np.maximum(z, 0.3), self.scale[:, None] * z)


def test_memory_does_not_grow_with_draws():
    """The engine's own accounting: at most its budget whatever the number of draws (more
    passes instead), and within engine_bytes, the estimate the budget check uses."""
    s, budget = 300, 600_000
    peaks, passes = [], []
    for n in (2_000, 40_000, 400_000):
        produce = Draws(s)
        res = summarise(produce, n, s, chunk=500, memory_budget=budget)
        peaks.append(res.peak_bytes)
        passes.append(res.passes)
        assert res.peak_bytes <= budget
        assert res.peak_bytes <= engine_bytes(s, n, budget)
        p, groups = pilot_plan(n, s, budget)
        assert produce.evaluated == res.evaluated == p * groups + res.passes * n
        sample = produce(0, n)
        np.testing.assert_array_equal(res.quantiles, np.percentile(sample, Q, axis=1))
    assert passes[2] > passes[0] >= 2  # a 200 times larger run: more passes, same memory


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 200_000), s=st.integers(1, 50_000))
def test_whole_run_bytes_is_the_smallest_single_pass_budget(n, s):
    """With whole_run_bytes the pilot is the whole run (one pass); with a byte less, for runs
    longer than the smallest pilot, it is not."""
    budget = whole_run_bytes(n, s)
    assert pilot_plan(n, s, budget) == (n, 1)
    if n > MIN_PILOT:
        assert pilot_plan(n, s, budget - 1)[0] < n


def test_stats_budget_gives_a_single_pass_when_it_fits():
    """The engine's share of a command's budget: 64 MiB, or all the draws when they fit in an
    eighth of the budget (the headline of run: one evaluation per draw instead of about 2.5);
    never more than the eighth for a run that would not fit."""
    from elt_odym.uncertainty.budget import stats_budget

    gib = 2**30
    assert stats_budget(4 * gib, 10_000) == BUDGET
    assert stats_budget(4 * gib, 10_000, 1_000) == whole_run_bytes(1_000, 10_000) > BUDGET
    assert stats_budget(4 * gib, 41_503, 100_000) == BUDGET  # 33 GB of draws: passes
    assert stats_budget(gib // 2, 10_000, 1_000) == gib // 16  # an eighth of 0.5 GiB
    assert stats_budget(4 * gib, 10_000, 3_000) == BUDGET  # 400 MB: above SINGLE_PASS_MAX
    s, n = 300, 3_000
    res = summarise(Draws(s), n, s, chunk=700, memory_budget=stats_budget(gib, s, n))
    assert res.evaluated == n
    np.testing.assert_array_equal(res.quantiles, np.percentile(Draws(s)(0, n), Q, axis=1))


def test_one_pass_and_several_passes_give_the_same_bits():
    """The whole run as the pilot (one pass) and the bounded engine (a pilot and passes) give
    bit-identical statistics: mean, sd, percentiles, minimum and maximum."""
    s, n = 200, 4_000
    one = summarise(Draws(s), n, s, chunk=700, memory_budget=whole_run_bytes(n, s))
    many = summarise(Draws(s), n, s, chunk=700, memory_budget=minimum_bytes(s))
    assert one.evaluated == n and many.evaluated > n
    for name in ("mean", "std", "quantiles", "min", "max"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name), err_msg=name)


def test_estimate_matches_the_engine():
    """engine_bytes is an upper bound of the engine's accounting and not far above it."""
    s, n = 400, 5_000
    res = summarise(Draws(s), n, s, chunk=700)
    est = engine_bytes(s, n)
    assert res.peak_bytes <= est <= 4 * res.peak_bytes


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_same_numbers_whatever_the_chunks_and_threads(workers):
    s, n = 200, 3_000
    base = summarise(Draws(s), n, s, chunk=1000)
    other = summarise(Draws(s), n, s, chunk=37, workers=workers)
    for name in ("mean", "std", "quantiles", "min", "max"):
        np.testing.assert_array_equal(getattr(base, name), getattr(other, name))


def test_passes_restrict_the_series():
    """A later pass asks only for the series still open (the rest are known)."""
    x = np.random.default_rng(3).normal(size=(5, 1000))
    x[[0, 2]] = 1.0  # constant: known after the counting pass
    asked = []

    def produce(start, stop):
        return x[:, start:stop]

    class Rows:
        def __call__(self, start, stop):
            return produce(start, stop)

        def rows(self, start, stop, rows):
            asked.append(tuple(rows))
            return x[rows, start:stop]

    res = summarise(Rows(), 1000, 5, chunk=250, memory_budget=minimum_bytes(5))
    assert asked and set(asked) == {(1, 3, 4)}
    np.testing.assert_array_equal(res.quantiles, np.percentile(x, Q, axis=1))


def test_engine_refuses_too_small_a_budget():
    with pytest.raises(ResourceLimitError, match="budget"):
        Engine(10_000, 1000, Q, budget=1000)
