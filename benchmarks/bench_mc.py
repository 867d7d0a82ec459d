"""Benchmark of the Monte Carlo against its targets.

Prints (1) per-draw times of the same draws through the full flodym model
(:func:`elt_odym.model.run`) and through the array model (sampling, compiled fleet kernel and
outputs, moments; one thread), measured in this process, and their ratio (target >= 2,000 x);
(2) wall time, CPU time and peak memory of 10^5 full-model draws with every output's
percentiles in a fresh process (target <= 2 s, <= 0.5 GB); (3) the wall time of the whole
``elt-odym mc`` command for 10^5 draws, start-up included, with a warm compile cache
(target <= 4 s). Not a test::

    python benchmarks/bench_mc.py [--draws 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = """
import json, os, resource, sys, time
from elt_odym.data import load_data
from elt_odym.uncertainty.montecarlo import run_mc
from elt_odym.io.stats_array import Uncertainty

def main():
    data = load_data(scenario=sys.argv[1])
    data.config.uncertainty.stock_rel_sd = 0.05
    comp = data["material_composition"]
    for key, value in comp.observations.items():  # 5 % normal uncertainty on every share
        comp.uncertainty[key] = Uncertainty("normal", float("nan"), 0.05 * value)
    run_mc(data, 100, 0, progress=False).summary()  # loads the compiled code (disk cache)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c0, t0 = os.times(), time.perf_counter()
    res = run_mc(data, int(sys.argv[2]), 1, progress=False)
    t1 = time.perf_counter()
    res.summary()
    t2, c2 = time.perf_counter(), os.times()
    print(json.dumps({"run": t1 - t0, "summary": t2 - t1, "wall": t2 - t0,
                      "cpu": c2.user + c2.system - c0.user - c0.system,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "before_mb": before / 1024}))

if __name__ == "__main__":
    main()
"""


def per_draw(scenario: str, n_flodym: int, n_array: int) -> tuple[float, float]:
    """CPU seconds per draw (both single-threaded; CPU time, since other jobs share this
    machine): the flodym model run vs the array model (best of 3), the same draws."""
    from elt_odym.batch import model_arrays
    from elt_odym.data import load_data, with_values
    from elt_odym.fleet.inputs import project
    from elt_odym.model import run
    from elt_odym.uncertainty.montecarlo import run_chunk
    from elt_odym.uncertainty.sampling import sample_range

    data = load_data(scenario=scenario)
    opts = data.config.uncertainty
    projection = project(data)
    base = model_arrays(data, projection)
    draws = sample_range(base, opts, n_array, 7, 0, n_array)
    mean = data.items["s"].index("mean")
    t0 = time.process_time()
    for i in range(n_flodym):  # the first draws, lifetime scales, weights and mean prices
        price = np.array(data["price"].values, float)
        price[:, mean] = draws.price[i]
        d = with_values(data, {"weibull_scale": np.asarray(data["weibull_scale"].values)
                               * draws.scale_mult[i], "unit_weight": draws.weight[i],
                               "price": price})
        run(data=d, projection=projection)
    t_flodym = (time.process_time() - t0) / n_flodym
    run_chunk(base, opts, 7, n_array, 0, 100)  # compiled code loaded
    times = []
    for _ in range(3):
        t0 = time.process_time()
        run_chunk(base, opts, 7, n_array, 0, n_array)
        times.append(time.process_time() - t0)
    return t_flodym, min(times) / n_array


def command(n: int, scenario: str) -> float:
    """Wall seconds of ``elt-odym mc --draws n`` in a fresh process (figure included)."""
    exe = Path(sys.executable).with_name("elt-odym")
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([str(exe), "-q", "mc", "--draws", str(n), "--scenario", scenario,
                        "--no-progress", "--out", str(Path(tmp) / "mc")], check=True,
                       capture_output=True)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=100_000)
    parser.add_argument("--scenario", default="paper_calibrated")
    parser.add_argument("--flodym-draws", type=int, default=10)
    parser.add_argument("--array-draws", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{platform.node()} {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load {os.getloadavg()[0]:.1f}")
    t_f, t_a = per_draw(args.scenario, args.flodym_draws, args.array_draws)
    print(f"per draw, scenario {args.scenario} (same draws, same process, one thread, "
          f"CPU time):")
    print(f"  flodym model run   : {t_f * 1e3:10.3f} ms")
    print(f"  array model        : {t_a * 1e6:10.3f} us   ratio {t_f / t_a:,.0f} x "
          f"(target >= 2,000 x)")
    command(200, args.scenario)  # the compile cache is warm from here on
    runs, cmds = [], []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", CHILD, args.scenario, str(args.draws)],
                             check=True, capture_output=True, text=True)
        runs.append(json.loads(out.stdout))
        cmds.append(command(args.draws, args.scenario))
    print(f"{args.draws:,} full-model draws, every output's percentiles, in-process "
          f"({args.repeat} runs):")
    print(f"  wall               : {_span(runs, 'wall')} s (of which percentiles "
          f"{_span(runs, 'summary')} s; target <= 2 s)")
    print(f"  CPU                : {_span(runs, 'cpu')} s")
    print(f"  peak memory        : {_span(runs, 'peak_mb', 0)} MB (target <= 500 MB; "
          f"{_span(runs, 'before_mb', 0)} MB before the draws)")
    print(f"  elt-odym mc command: {min(cmds):.2f}-{max(cmds):.2f} s wall, start-up and "
          f"figure included (target <= 4 s)")


def _span(runs: list[dict], key: str, digits: int = 2) -> str:
    lo, hi = min(r[key] for r in runs), max(r[key] for r in runs)
    return f"{lo:.{digits}f}-{hi:.{digits}f}"


if __name__ == "__main__":
    main()
