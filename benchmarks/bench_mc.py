"""Benchmark of the Monte Carlo: flodym per-draw path vs batched kernel, then 10^5 draws.

Prints (1) per-draw times of the same draws through the full flodym model and through the
batched kernel, and their ratio; (2) wall time and peak memory of 10^5 full-model draws (stock,
lifetimes, weights, composition, prices, factors) in a fresh process. Not a test:
``python benchmarks/bench_mc.py [--draws 100000] [--scenario paper_calibrated]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

CHILD = """
import json, resource, sys, time
from elt_odym.data import load_data
from elt_odym.uncertainty.montecarlo import run_mc
from elt_odym.odym_io.stats_array import Uncertainty
data = load_data(scenario=sys.argv[1])
data.config.uncertainty.stock_rel_sd = 0.05
comp = data["material_composition"]
for key, value in comp.observations.items():  # 5 % normal uncertainty on every share
    comp.uncertainty[key] = Uncertainty("normal", float("nan"), 0.05 * value)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
res = run_mc(data, int(sys.argv[2]), 1, progress=False)
wall = time.perf_counter() - t0
t1 = time.perf_counter()
res.summary()
summary = time.perf_counter() - t1
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "summary": summary, "peak_mb": peak / 1024,
                  "before_mb": before / 1024}))
"""


def per_draw(scenario: str, n: int, n_kernel: int) -> tuple[float, float]:
    from elt_odym.data import load_data
    from elt_odym.fleet.dynamics import project
    from elt_odym.model import run
    from elt_odym.uncertainty.batch import base_inputs, data_for_draw, evaluate
    from elt_odym.uncertainty.sampling import sample

    data = load_data(scenario=scenario)
    projection = project(data)
    base = base_inputs(data, projection)
    draws = sample(base, data.config.uncertainty, n_kernel, np.random.default_rng(7))
    t0 = time.perf_counter()
    for i in range(n):  # the first n of the same draws
        run(data=data_for_draw(data, base, draws, i), projection=projection)
    t_flodym = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    evaluate(base, draws)
    t_kernel = (time.perf_counter() - t0) / n_kernel
    return t_flodym, t_kernel


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--scenario", default="paper_calibrated")
    parser.add_argument("--flodym-draws", type=int, default=50)
    parser.add_argument("--kernel-draws", type=int, default=2000)
    args = parser.parse_args()
    t_f, t_k = per_draw(args.scenario, args.flodym_draws, args.kernel_draws)
    print(f"scenario {args.scenario}: the first {args.flodym_draws} of {args.kernel_draws} draws "
          f"through the flodym model, all of them through the kernel")
    print(f"  flodym full model : {t_f * 1e3:9.3f} ms per draw")
    print(f"  batched kernel    : {t_k * 1e3:9.4f} ms per draw (one batch of "
          f"{args.kernel_draws}, one thread)")
    print(f"  ratio             : {t_f / t_k:9.0f} x")
    out = subprocess.run([sys.executable, "-c", CHILD, args.scenario, str(args.draws)],
                         check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    print(f"{args.draws} full-model draws (stocks, lifetimes, weights, composition, prices, "
          f"factors; all CPU threads):")
    print(f"  wall time         : {r['wall']:9.2f} s (+ {r['summary']:.2f} s for percentiles)")
    print(f"  peak memory       : {r['peak_mb']:9.0f} MB (process, {r['before_mb']:.0f} MB "
          f"before the draws)")


if __name__ == "__main__":
    main()
