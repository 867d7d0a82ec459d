"""The summary engine inside the Monte Carlo of the default scenario: through the pilot, the
counting pass and the collecting passes (chunks evaluated again from their seeds), the
percentiles equal ``np.percentile`` of every draw's margins, and the engine stays within its
budget."""

from __future__ import annotations

import numpy as np
import pytest

from elt_odym.batch import margins
from elt_odym.data import load_data
from elt_odym.system.equations import evaluate
from elt_odym.uncertainty.montecarlo import PERCENTILES, mc_inputs, run_mc
from elt_odym.uncertainty.sampling import battery_variants, sample_range
from elt_odym.uncertainty.summary import minimum_bytes

VARIABLES = ["eol", "eol_mass", "stock"]


@pytest.fixture(scope="module")
def best():
    data = load_data()
    assert data.scenario == data.config.default_scenario == "best_estimate"
    return data


def reference(data, n: int, seed: int, layout, chunk: int = 100) -> np.ndarray:
    """Every draw's margins ``(S, n)``, evaluated chunk by chunk outside the engine."""
    inputs, opts = mc_inputs(data), data.config.uncertainty
    variants = battery_variants(inputs, opts, seed) if inputs.battery is not None else None
    parts = []
    for a in range(0, n, chunk):
        d = sample_range(inputs, opts, n, seed, a, min(a + chunk, n), variants)
        parts.append(margins(evaluate(inputs, d, flows=False), layout))
    return np.concatenate(parts, axis=1)


def test_multi_pass_summary_of_the_default_scenario_equals_numpy(best):
    n, seed = 1200, 3
    probe = run_mc(best, 8, seed, progress=False, variables=VARIABLES)
    budget = 2 * minimum_bytes(probe.layout.size)
    res = run_mc(best, n, seed, chunk=90, progress=False, memory_budget=budget,
                 variables=VARIABLES)
    assert sorted(res.layout.variables) == sorted(VARIABLES)
    assert res.stats.passes >= 2  # a counting pass and at least one collecting pass
    assert res.stats.evaluated > n  # chunks were evaluated again
    assert res.stats.peak_bytes <= budget
    x = reference(best, n, seed, res.layout)
    np.testing.assert_array_equal(res.stats.quantiles, np.percentile(x, PERCENTILES, axis=1))
    np.testing.assert_array_equal(res.stats.min, x.min(axis=1))
    np.testing.assert_array_equal(res.stats.max, x.max(axis=1))
    np.testing.assert_allclose(res.stats.mean, x.mean(axis=1), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(res.stats.std, x.std(axis=1, ddof=1), rtol=1e-9, atol=1e-6)
    varying = x.std(axis=1) > 0
    assert varying.mean() > 0.5  # the test exercises brackets, not only constant series


def _fields(d) -> dict:
    """Every array of a Draws (the battery's too), by name."""
    out = {k: v for k, v in vars(d).items() if isinstance(v, np.ndarray)}
    if d.battery is not None:
        out |= {f"battery.{k}": v for k, v in vars(d.battery).items()
                if isinstance(v, np.ndarray)}
    return out


def test_sampled_blocks_are_sample_range_bit_for_bit_and_sampled_once(best, monkeypatch):
    """Chunks of 19 draws over 2,500 draws (three seeded blocks, chunks across their
    borders): the same draws as sample_range, each block sampled once, not once per chunk;
    a pickled copy keeps no block and gives the same draws."""
    import pickle

    from elt_odym.uncertainty import sampling

    inputs, opts = mc_inputs(best), best.config.uncertainty
    n, seed = 2500, 11
    variants = battery_variants(inputs, opts, seed) if inputs.battery is not None else None
    blocks = sampling.SampledBlocks(inputs, opts, n, seed, variants)
    calls = []
    real = sampling.sample
    monkeypatch.setattr(sampling, "sample", lambda *a: calls.append(a[2]) or real(*a))
    chunks = [(a, min(a + 19, n)) for a in range(0, n, 19)]
    got = [blocks(a, b) for a, b in chunks]
    assert calls == [1000, 1000, 500]  # one per block (sample_range: one per chunk and block)
    monkeypatch.setattr(sampling, "sample", real)
    for (a, b), d in zip(chunks[::7] + [(988, 1007), (1995, 2014)],
                         got[::7] + [blocks(988, 1007), blocks(1995, 2014)]):
        want = _fields(sample_range(inputs, opts, n, seed, a, b, variants))
        have = _fields(d)
        assert have.keys() == want.keys() and d.n == b - a
        for name in want:
            np.testing.assert_array_equal(have[name], want[name], err_msg=name)
    assert all(a.flags.writeable for a in _fields(got[0]).values())  # no second numba build
    copy = pickle.loads(pickle.dumps(blocks))
    assert copy._kept == {}
    np.testing.assert_array_equal(copy(5, 30).price, blocks(5, 30).price)


def test_the_model_never_writes_into_its_draws(best):
    """The chunks cut from a sampled block share its arrays: evaluating a chunk (battery
    tables, fleet, every equation, flows too, and its margins) leaves every draw as it was."""
    from elt_odym.system.equations.evaluate import prepare
    from elt_odym.uncertainty import sampling
    from elt_odym.uncertainty.montecarlo import series_of

    inputs, opts = mc_inputs(best), best.config.uncertainty
    variants = battery_variants(inputs, opts, 5) if inputs.battery is not None else None
    blocks = sampling.SampledBlocks(inputs, opts, 1000, 5, variants)
    block = blocks._block(0)
    before = {k: v.copy() for k, v in _fields(block).items()}
    d = blocks(10, 40)
    for flows in (False, True):
        margins(evaluate(inputs, d, plan=prepare(inputs, d), flows=flows),
                series_of(inputs, VARIABLES))
    for name, value in _fields(block).items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


COMPILED_ONCE = """
import sys
from elt_odym.model import run
from elt_odym.reporting.results import headline_mc
result = run()
headline_mc(result, 60, 1)
twice = sorted(f"{name}.{key}" for name, module in list(sys.modules.items())
               if name.startswith("elt_odym") for key, f in vars(module).items()
               if hasattr(f, "py_func") and len(getattr(f, "signatures", ())) > 1)
print(twice)
"""


def test_the_deterministic_run_and_the_monte_carlo_share_every_compiled_kernel():
    """A draw of one and the chunks of the Monte Carlo reach each numba kernel with the same
    types and layouts, so a fresh machine compiles each kernel once (a read-only or
    F-ordered array would compile it again)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", COMPILED_ONCE], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
