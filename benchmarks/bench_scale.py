"""Scale benchmark of the Monte Carlo: draws x product series x where the chunks run.

For 10^3, 10^4 and 10^5 full-model draws (stock, lifetimes, weights, composition, prices,
factors), at the bundled 4 truck types and at 124 synthetic product series (the 4 types tiled
31 times, as 31 provinces x 4 types would be), in-process (threads) and on a local Dask
cluster of 2 worker processes: wall time of the run and the percentiles, CPU time (this process
and the workers) and peak memory (resident set: this process; the largest worker). Each case
runs in a fresh process after one small warm-up run (numba's compiled code comes from its disk
cache; the cluster is started before the clock). Not a test::

    python benchmarks/bench_scale.py [--draws 1000 10000 100000] [--series 4 124]
                                     [--modes threads dask] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

CHILD = r"""
import json, os, resource, sys, time
from elt_odym.data import load_data
from elt_odym.batch import model_arrays
from elt_odym.io.stats_array import Uncertainty
from elt_odym.uncertainty.montecarlo import run_mc
sys.path.insert(0, sys.argv[4])
from bench_scale import tile_base

def main():
    n, series, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    data = load_data(scenario="paper_calibrated")
    data.config.uncertainty.stock_rel_sd = 0.05
    comp = data["material_composition"]
    for key, value in comp.observations.items():  # 5 % normal uncertainty on every share
        comp.uncertainty[key] = Uncertainty("normal", float("nan"), 0.05 * value)
    base = model_arrays(data)
    base = tile_base(base, series // len(base.products))
    client = None
    if mode == "dask":
        from elt_odym.uncertainty.distributed import dask_client
        ctx = dask_client(workers=2)
        client = ctx.__enter__()
    run_mc(data, 200, 0, progress=False, base=base, client=client).summary()  # warm-up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_workers = 0.0
    if client is not None:
        cpu = lambda: sum(client.run(lambda: sum(os.times()[:2])).values())
        cpu_workers = -cpu()
    c0, t0 = os.times(), time.perf_counter()
    res = run_mc(data, n, 1, progress=False, base=base, client=client)
    t1 = time.perf_counter()
    res.summary()
    t2, c2 = time.perf_counter(), os.times()
    worker_peak = 0.0
    if client is not None:
        cpu_workers += cpu()
        worker_peak = max(client.run(
            lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss).values()) / 1024
        ctx.__exit__(None, None, None)
    print(json.dumps({
        "run": t1 - t0, "summary": t2 - t1, "wall": t2 - t0,
        "cpu": (c2.user + c2.system) - (c0.user + c0.system) + cpu_workers,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "before_mb": before / 1024, "worker_peak_mb": worker_peak}))

if __name__ == "__main__":
    main()
"""


def tile_base(base, copies: int):
    """The array model's inputs with every product series repeated ``copies`` times (names
    ``HT_01``, ...), each copy with its own draws; workbook uncertainties copied along."""
    import dataclasses

    import numpy as np

    if copies <= 1:
        return base
    names = [f"{g}_{i + 1:02d}" for i in range(copies) for g in base.products]
    tile = lambda a, axis: np.concatenate([a] * copies, axis=axis)  # noqa: E731
    fleet = dataclasses.replace(base.fleet, stock=tile(base.fleet.stock, 1),
                                shape=tile(base.fleet.shape, 1), scale=tile(base.fleet.scale, 1))
    uncertainty = {}
    for name, entries in base.uncertainty.items():
        if name in ("unit_weight", "weibull_scale", "weibull_shape", "material_composition"):
            entries = {(f"{key[0]}_{i + 1:02d}",) + tuple(key[1:]): unc
                       for i in range(copies) for key, unc in entries.items()}
        uncertainty[name] = entries
    return dataclasses.replace(
        base, products=names, fleet=fleet, weight=tile(base.weight, 0),
        weight_low=tile(base.weight_low, 0), composition=tile(base.composition, 0),
        collection=tile(base.collection, 1), uncertainty=uncertainty)


def run_case(n: int, series: int, mode: str) -> dict:
    """One case in a fresh process; its measurements."""
    here = __file__.rsplit("/", 1)[0] if "/" in __file__ else "."
    out = subprocess.run([sys.executable, "-c", CHILD, str(n), str(series), mode, here],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--series", type=int, nargs="+", default=[4, 124])
    parser.add_argument("--modes", nargs="+", default=["threads", "dask"],
                        choices=["threads", "dask"])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (ranges shown)")
    args = parser.parse_args()
    print(f"{platform.node()} {platform.machine()}, {_cpus()} CPUs, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"{'series':>6} {'draws':>7} {'where':>8} {'wall s':>13} {'of which pct s':>14} "
          f"{'CPU s':>13} {'peak MB':>15} {'worker MB':>9}")
    for series in args.series:
        for n in args.draws:
            for mode in args.modes:
                runs = [run_case(n, series, mode) for _ in range(args.repeat)]
                print(f"{series:>6} {n:>7} {mode:>8} {_span(runs, 'wall'):>13} "
                      f"{_span(runs, 'summary'):>14} {_span(runs, 'cpu'):>13} "
                      f"{_span(runs, 'peak_mb', 0):>15} {_span(runs, 'worker_peak_mb', 0):>9}",
                      flush=True)


def _span(runs: list[dict], key: str, digits: int = 2) -> str:
    lo, hi = min(r[key] for r in runs), max(r[key] for r in runs)
    return f"{lo:.{digits}f}" if lo == hi else f"{lo:.{digits}f}-{hi:.{digits}f}"


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    main()
