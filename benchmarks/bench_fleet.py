"""Benchmark: one fleet solution through the flodym path and through the batched kernel.

Prints per-run times and their ratio, then the kernel's per-set time for a batch. Not a test;
run with ``python benchmarks/bench_fleet.py``.
"""

from __future__ import annotations

import time

import numpy as np

from elt_odym.data import load_data
from elt_odym.fleet.dynamics import (_solve_flodym, extended_stock, lifetime_parameters,
                                     project)
from elt_odym.fleet.kernel import solve_batch, survival_table_batch


def best_of(func, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    data = load_data(scenario="paper_calibrated")
    proj = project(data)
    years, stock = extended_stock(data, proj.path)
    shape, scale = lifetime_parameters(data, len(years) - len(data.years))
    form, policy = data.options.lifetime_form, data.options.negative_inflow

    def flodym_run():
        _solve_flodym(data, years, stock, shape, scale)

    def kernel_run():
        table = survival_table_batch(shape[:, None], scale[:, None], form)
        solve_batch(stock[:, None], policy, sf_table=table)

    t_flodym, t_kernel = best_of(flodym_run), best_of(kernel_run)
    print(f"fleet model, {len(years)} years x {stock.shape[1]} types, policy {policy}")
    print(f"  flodym path : {t_flodym * 1e3:8.2f} ms per run")
    print(f"  kernel (1)  : {t_kernel * 1e3:8.2f} ms per run")
    print(f"  ratio       : {t_flodym / t_kernel:8.1f} x")
    n = 2000
    rng = np.random.default_rng(0)
    f = rng.uniform(0.8, 1.2, (1, n, 1))
    sh = np.repeat(shape[:, None], n, axis=1)
    sc = scale[:, None] * f

    def batch():
        table = survival_table_batch(sh, sc, form)
        solve_batch(np.repeat(stock[:, None], n, axis=1), policy, sf_table=table)

    t_batch = best_of(batch, 3)
    print(f"  kernel batch of {n}: {t_batch:6.3f} s, {t_batch / n * 1e6:8.1f} us per set, "
          f"{t_flodym / (t_batch / n):8.0f} x faster per set than the flodym path")


if __name__ == "__main__":
    main()
