"""Benchmark of the Monte Carlo against the issue-19 targets, on every bundled scenario (the
default scenario first). Prints figures and ratios; never asserts. Not a test::

    python benchmarks/bench_mc.py [--draws 100000] [--repeat 3] [--scenario S ...]

For each scenario, in fresh processes with a warm compile cache:

1. CPU time per draw of each stage of a chunk (sampling, kernel, equations, margins), one
   thread, best of ``--repeat``;
2. ``run_mc`` of ``--draws`` draws in-process: wall and CPU time, peak resident memory, the
   number of series summarised (target: <= 2 s, <= 0.5 GB for 10^5 draws);
3. the whole ``elt-odym mc --draws N`` command, start-up included: wall time (target <= 4 s).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, os, resource, sys, time
from elt_odym.data import load_data
from elt_odym.uncertainty.montecarlo import run_mc

data = load_data(scenario=sys.argv[1])
run_mc(data, 64, 0, progress=False)  # loads the compiled code (disk cache)
c0, t0 = os.times(), time.perf_counter()
res = run_mc(data, int(sys.argv[2]), 1, progress=False)
res.summary()
t1, c1 = time.perf_counter(), os.times()
print(json.dumps({"wall": t1 - t0, "cpu": c1.user + c1.system - c0.user - c0.system,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "series": res.layout.size, "passes": res.stats.passes}))
"""

STAGES = """
import json, sys, time
from elt_odym.batch import margins, series_layout
from elt_odym.data import load_data
from elt_odym.fleet.kernel import solve_fleet
from elt_odym.system.equations.evaluate import evaluate, prepare
from elt_odym.uncertainty.montecarlo import mc_inputs, shared_tables
from elt_odym.uncertainty.sampling import battery_variants, sample_range

data = load_data(scenario=sys.argv[1])
n, repeat = int(sys.argv[2]), int(sys.argv[3])
inputs, opts = mc_inputs(data), data.config.uncertainty
variants = battery_variants(inputs, opts, 1) if inputs.battery is not None else None
tables = shared_tables(inputs, opts, 1, n, variants, None)
best = {}
for _ in range(repeat + 1):  # the first round compiles and warms
    clock = time.process_time
    t0 = clock(); d = sample_range(inputs, opts, n, 1, 0, n, variants)
    t1 = clock(); plan = prepare(inputs, d, tables); sol = solve_fleet(plan.batch)
    t2 = clock(); r = evaluate(inputs, d, plan=plan, solution=sol, flows=False)
    t3 = clock(); layout = series_layout(r); margins(r, layout)
    t4 = clock()
    for k, v in (("sample", t1 - t0), ("kernel", t2 - t1), ("equations", t3 - t2),
                 ("margins", t4 - t3)):
        best[k] = min(best.get(k, 1e9), v / n * 1e3)
print(json.dumps(best))
"""


def child(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh interpreter and parse its JSON line."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def command_wall(scenario: str, draws: int) -> float:
    """Wall seconds of the whole ``elt-odym mc`` command (start-up included)."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "elt_odym.cli", "mc", "--draws", str(draws),
                        "--scenario", scenario, "--out", str(Path(tmp) / "mc"),
                        "--no-progress", "-q"], check=True, capture_output=True)
        return time.perf_counter() - start


def spread(values: list[float]) -> str:
    """``min / median / max`` of repeated figures."""
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--chunk-draws", type=int, default=512)
    p.add_argument("--scenario", nargs="*")
    args = p.parse_args(argv)
    from elt_odym.data import load_data

    config = load_data().config
    scenarios = args.scenario or [config.default_scenario] + [
        s for s in config.scenario_names() if s != config.default_scenario]
    print(f"{platform.node()} {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load "
          f"{os.getloadavg()[0]:.1f}")
    print(f"{args.draws:,} draws; targets (default scenario): in-process <= 2 s wall, "
          f"<= 500 MB; command <= 4 s wall")
    for scenario in scenarios:
        stages = child(STAGES, scenario, str(args.chunk_draws), str(args.repeat))
        runs = [child(CHILD, scenario, str(args.draws)) for _ in range(args.repeat)]
        cmd = [command_wall(scenario, args.draws) for _ in range(args.repeat)]
        wall, peak = [r["wall"] for r in runs], [r["peak_mb"] for r in runs]
        print(f"\n{scenario}: {runs[0]['series']:,} series, {runs[0]['passes']} pass(es)")
        print("  CPU ms per draw (best of %d): " % args.repeat
              + ", ".join(f"{k} {v:.3f}" for k, v in stages.items())
              + f"; total {sum(stages.values()):.3f}")
        print(f"  in-process wall s (min/median/max): {spread(wall)}; CPU s "
              f"{spread([r['cpu'] for r in runs])}; peak MB {spread(peak)}; "
              f"{'met' if min(wall) <= 2 and min(peak) <= 500 else 'not met'}")
        print(f"  elt-odym mc wall s: {spread(cmd)}; {'met' if min(cmd) <= 4 else 'not met'}")


if __name__ == "__main__":
    main()
