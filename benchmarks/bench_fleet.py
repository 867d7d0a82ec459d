"""Benchmark: the fleet through flodym's own StockDrivenDSM, the numpy reference of the tests
and the one compiled kernel, on every bundled scenario's fleet. Not a test::

    python benchmarks/bench_fleet.py [--draws 2000]

Per scenario: ms per run of one parameter set (flodym's model on our lifetime model's survival
table, with the ``allow`` policy and no history, age cap or period effect where the scenario has
them: a comparison of the solve only), and us per set in a batch of ``--draws`` sets with drawn
Weibull scales (the numpy reference with the scenario's hazards vs the kernel with everything).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import flodym as fd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from reference import Hazard, adjust_curves, cohort_survival_batch, solve_batch  # noqa: E402

from elt_odym.data import load_data  # noqa: E402
from elt_odym.fleet.kernel import FleetBatch, solve_fleet  # noqa: E402
from elt_odym.fleet.lifetimes import make_lifetime_model  # noqa: E402
from elt_odym.system.inputs import model_inputs  # noqa: E402


def best_of(func, repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench(scenario: str, n: int) -> None:
    f = model_inputs(load_data(scenario=scenario)).fleet
    n_t, n_g = f.stock.shape
    dims = fd.DimensionSet(dim_list=[
        fd.Dimension(name="Time", letter="t", items=list(f.years), dtype=int),
        fd.Dimension(name="Product", letter="g", items=[f"P{i}" for i in range(n_g)],
                     dtype=str)])
    lifetime = make_lifetime_model(dims, f.shape, f.scale, f.form)

    def flodym_run():
        fd.StockDrivenDSM(dims=dims, lifetime_model=lifetime,
                          stock=fd.StockArray(dims=dims, values=f.stock)).compute()

    hazard = Hazard(f.period, f.max_age)

    def numpy_run(mult: np.ndarray):
        curves = adjust_curves(cohort_survival_batch(f.shape, f.scale, mult, f.form,
                                                     np.ones_like(mult)), hazard)
        solve_batch(f.stock[:, None] * np.ones((1, len(mult), 1)), f.policy, sf_cohorts=curves)

    def kernel_run(mult: np.ndarray):
        solve_fleet(FleetBatch(f.stock[:, None] * np.ones((1, len(mult), 1)), f.shape,
                               f.scale, f.form, f.policy, scale_mult=mult,
                               period=f.period[:, None], max_age=f.max_age, routes=f.routes))

    one = np.ones((1, n_g))
    kernel_run(one)  # compiled code loaded
    flodym_run()
    mult = np.random.default_rng(0).uniform(0.8, 1.2, (n, n_g))
    t_fd, t_np1, t_k1 = best_of(flodym_run), best_of(lambda: numpy_run(one)), \
        best_of(lambda: kernel_run(one))
    t_np, t_k = best_of(lambda: numpy_run(mult), 3), best_of(lambda: kernel_run(mult), 3)
    print(f"{scenario:34s} {n_t:3d} years: flodym {t_fd * 1e3:7.2f} ms, numpy {t_np1 * 1e3:7.2f} "
          f"ms, kernel {t_k1 * 1e3:6.2f} ms per run; batch of {n}: numpy {t_np / n * 1e6:7.1f} "
          f"us, kernel {t_k / n * 1e6:6.1f} us per set ({t_np / t_k:.0f} x)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=2000)
    args = p.parse_args()
    config = load_data().config
    for scenario in [config.default_scenario] + [s for s in config.scenario_names()
                                                 if s != config.default_scenario]:
        bench(scenario, args.draws)


if __name__ == "__main__":
    main()
