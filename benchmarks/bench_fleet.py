"""Benchmark: one fleet solution through flodym, the numpy solver and the compiled kernel.

Prints per-run times for one parameter set (flodym's stock-driven model with our lifetime
model, :func:`~elt_odym.fleet.kernel.solve_batch` on per-cohort curves, and the fused compiled
kernel), then per-set times in a batch of 2,000 sets with drawn Weibull scales. Not a test;
run with ``python benchmarks/bench_fleet.py``.
"""

from __future__ import annotations

import time

import flodym as fd
import numpy as np

from elt_odym.batch import model_arrays
from elt_odym.data import load_data
from elt_odym.fleet.kernel import cohort_survival_batch, solve_batch
from elt_odym.fleet.kernel_numba import solve_fused
from elt_odym.fleet.lifetimes import make_lifetime_model
from elt_odym.fleet.stock_model import FleetStockModel


def best_of(func, repeat: int = 5) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    f = model_arrays(load_data(scenario="paper_calibrated")).fleet
    n_t, n_g = f.stock.shape
    dims = fd.DimensionSet(dim_list=[
        fd.Dimension(name="Time", letter="t", items=list(f.years), dtype=int),
        fd.Dimension(name="Product", letter="g", items=[f"P{i}" for i in range(n_g)],
                     dtype=str)])

    def flodym_run():
        model = FleetStockModel(dims=dims, negative_inflow=f.policy,
                                lifetime_model=make_lifetime_model(dims, f.shape, f.scale,
                                                                   f.form),
                                stock=fd.StockArray(dims=dims, values=f.stock))
        model.compute()

    def numpy_run(n: int, mult: np.ndarray):
        curves = cohort_survival_batch(f.shape, f.scale, mult, f.form, np.ones_like(mult))
        solve_batch(np.repeat(f.stock[:, None], n, axis=1), f.policy, sf_cohorts=curves)

    def fused_run(n: int, mult: np.ndarray):
        solve_fused(f.stock, np.ones_like(mult), f.shape, f.scale, mult, np.ones_like(mult),
                    f.form, f.policy)

    one = np.ones((1, n_g))
    fused_run(1, one)  # compiled code loaded
    t_flodym = best_of(flodym_run)
    t_numpy, t_fused = best_of(lambda: numpy_run(1, one)), best_of(lambda: fused_run(1, one))
    print(f"fleet model, {n_t} years x {n_g} types, policy {f.policy}, form {f.form}")
    print(f"  flodym          : {t_flodym * 1e3:8.2f} ms per run")
    print(f"  numpy solver    : {t_numpy * 1e3:8.2f} ms per run")
    print(f"  compiled kernel : {t_fused * 1e3:8.2f} ms per run")
    n = 2000
    mult = np.random.default_rng(0).uniform(0.8, 1.2, (n, n_g))
    t_np = best_of(lambda: numpy_run(n, mult), 3)
    t_fu = best_of(lambda: fused_run(n, mult), 3)
    print(f"  batch of {n}: numpy {t_np / n * 1e6:7.1f} us per set, compiled "
          f"{t_fu / n * 1e6:7.1f} us per set ({t_np / t_fu:.1f} x), "
          f"{t_flodym / (t_fu / n):,.0f} x faster per set than flodym")


if __name__ == "__main__":
    main()
