"""Benchmark of the Monte Carlo against the issue-19 targets, on every bundled scenario (the
default scenario first). Prints figures, ratios and met / NOT met; never asserts. Not a test::

    python benchmarks/bench_mc.py [--draws 100000] [--repeat 3] [--stage-draws 4000]
                                  [--scenario S ...] [--skip-command] [--skip-in-process]

Every measurement runs in a fresh interpreter. First the numba cache is warmed (a short run
per scenario; on a fresh clone that compiles every kernel once and stores it beside the
sources), and the script says how long that took. Then, per scenario:

1. the cost of one draw in each stage, CPU milliseconds per draw (``time.thread_time`` in the
   threads that do the work) from a run of ``--stage-draws`` draws: sampling, the fleet
   kernel (with its inputs), the rest of the equations, the margins (every series of a
   draw), the summary engine's counting pass and its collecting pass; and how many draws the
   run evaluated in all (pilot and passes: the chunks evaluated again);
2. ``run_mc`` of ``--draws`` draws in-process: wall and CPU seconds, peak resident memory
   of the process, the engine's own peak, passes (target, default scenario: <= 2 s);
3. the whole ``elt-odym mc --draws N`` command, start-up and output files included: wall and
   CPU seconds and the peak resident memory of the process (``getrusage`` of the child;
   targets, default scenario: <= 4 s, <= 0.5 GB).

Figures are ``min / median / max`` over ``--repeat`` runs. Run it on a quiet machine: on a
shared one the wall times measure the other work too (the load is printed before and after;
CPU times are the better guide then).
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

TARGETS = {"command_s": 4.0, "command_gb": 0.5, "in_process_s": 2.0}

WARM = """
import sys, time
from elt_odym.data import load_data
from elt_odym.uncertainty.montecarlo import run_mc
t = time.perf_counter()
run_mc(load_data(scenario=sys.argv[1]), 300, 0, progress=False, chunk=64)
print(time.perf_counter() - t)
"""

IN_PROCESS = """
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
                  "engine_mb": res.stats.peak_bytes / 2**20, "series": res.layout.size,
                  "passes": res.stats.passes, "evaluated": res.stats.evaluated}))
"""

STAGES = """
import collections, importlib, json, sys, threading, time
import elt_odym.uncertainty.montecarlo as mc
import elt_odym.uncertainty.summary as sm
from elt_odym.data import load_data

ev = importlib.import_module("elt_odym.system.equations.evaluate")
cpu = collections.Counter()
lock = threading.Lock()

def timed(owner, name, label):
    func = getattr(owner, name)
    def wrapper(*args, **kwargs):
        t = time.thread_time()
        try:
            return func(*args, **kwargs)
        finally:
            with lock:
                cpu[label] += time.thread_time() - t
    setattr(owner, name, wrapper)

timed(mc.ChunkTask, "draws_of", "sample")
timed(mc, "prepare", "kernel inputs")
timed(ev, "solve_vehicles", "fleet kernel and vehicles")
timed(mc, "evaluate", "evaluate (all)")
timed(mc, "margins", "margins")
timed(sm.Engine, "_count_block", "engine: counting pass")
timed(sm.Engine, "_collect_block", "engine: collecting pass")
draws = collections.Counter()
feed = sm.Engine.feed
def counted(self, values, start):
    draws[self.stage] += values.shape[1]
    feed(self, values, start)
sm.Engine.feed = counted
data = load_data(scenario=sys.argv[1])
mc.run_mc(data, 64, 0, progress=False)
cpu.clear(); draws.clear()
n = int(sys.argv[2])
res = mc.run_mc(data, n, 1, progress=False)
evaluated = sum(draws.values())
out = {"sample": cpu["sample"] / evaluated,
       "kernel": (cpu["kernel inputs"] + cpu["fleet kernel and vehicles"]) / evaluated,
       "equations": (cpu["evaluate (all)"] - cpu["fleet kernel and vehicles"]) / evaluated,
       "margins": cpu["margins"] / evaluated,
       "count": cpu["engine: counting pass"] / max(draws["count"], 1),
       "collect": cpu["engine: collecting pass"] / max(draws["collect"], 1)}
print(json.dumps({"ms": {k: v * 1e3 for k, v in out.items()}, "evaluated": evaluated,
                  "n": n, "passes": res.stats.passes}))
"""

COMMAND = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, capture_output=True)
wall = time.perf_counter() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": r.ru_utime + r.ru_stime, "peak_mb": r.ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict | float:
    """Run ``code`` in a fresh interpreter and parse its last line (JSON)."""
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def command(scenario: str, draws: int) -> dict:
    """Wall, CPU and peak memory of the whole ``elt-odym mc`` command."""
    with tempfile.TemporaryDirectory() as tmp:
        return child(COMMAND, sys.executable, "-m", "elt_odym.cli", "mc", "--draws",
                     str(draws), "--seed", "1", "--scenario", scenario, "--out",
                     str(Path(tmp) / "mc"), "--no-progress", "-q")


def spread(values: list[float], digits: int = 2) -> str:
    """``min / median / max`` of repeated figures."""
    return " / ".join(f"{v:.{digits}f}" for v in (min(values), statistics.median(values),
                                                  max(values)))


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def report_stages(s: dict, cores: int) -> None:
    ms = s["ms"]
    ratio = s["evaluated"] / s["n"]
    per_run = (ms["sample"] + ms["kernel"] + ms["equations"] + ms["margins"]) * ratio \
        + ms["count"] + ms["collect"] * (s["passes"] - 1)
    print("  CPU ms per draw: " + ", ".join(f"{k} {v:.3f}" for k, v in ms.items()))
    print(f"  each draw evaluated {ratio:.2f} times (pilot and {s['passes']} passes): "
          f"{per_run:.3f} CPU ms per draw of the run; 10^5 draws = {per_run * 100:.0f} CPU s, "
          f"at least {per_run * 100 / cores:.0f} s wall on {cores} cores")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--stage-draws", type=int, default=4000)
    p.add_argument("--scenario", nargs="*")
    p.add_argument("--skip-command", action="store_true")
    p.add_argument("--skip-in-process", action="store_true")
    args = p.parse_args(argv)
    from elt_odym.data import load_data

    config = load_data().config
    default = config.default_scenario
    scenarios = args.scenario or [default] + [s for s in config.scenario_names()
                                              if s != default]
    cores = os.cpu_count() or 1
    print(f"{platform.node()} {platform.processor() or platform.machine()}, {cores} CPUs, "
          f"Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load()}")
    warm = [child(WARM, s) for s in scenarios]
    print(f"numba cache warmed: a 300-draw run per scenario, {sum(warm):.1f} s in all (the "
          f"first run on a fresh clone compiles every kernel and caches it)")
    print(f"{args.draws:,} draws; targets ({default}): command <= {TARGETS['command_s']} s "
          f"wall and <= {TARGETS['command_gb']} GB; in-process <= {TARGETS['in_process_s']} s")
    for scenario in scenarios:
        stages = child(STAGES, scenario, str(args.stage_draws))
        print(f"\n{scenario}:")
        report_stages(stages, cores)
        if not args.skip_in_process:
            runs = [child(IN_PROCESS, scenario, str(args.draws)) for _ in range(args.repeat)]
            wall = [r["wall"] for r in runs]
            print(f"  in-process run_mc: {runs[0]['series']:,} series, {runs[0]['passes']} "
                  f"passes, {runs[0]['evaluated']:,} draws evaluated; wall s {spread(wall)}; "
                  f"CPU s {spread([r['cpu'] for r in runs])}; peak MB "
                  f"{spread([r['peak_mb'] for r in runs], 0)} (engine "
                  f"{spread([r['engine_mb'] for r in runs], 0)})"
                  + (f"; <= {TARGETS['in_process_s']} s: "
                     f"{verdict(min(wall) <= TARGETS['in_process_s'])}"
                     if scenario == default else ""))
        if not args.skip_command:
            cmd = [command(scenario, args.draws) for _ in range(args.repeat)]
            wall, peak = [c["wall"] for c in cmd], [c["peak_mb"] for c in cmd]
            print(f"  elt-odym mc: wall s {spread(wall)}; CPU s "
                  f"{spread([c['cpu'] for c in cmd])}; peak MB {spread(peak, 0)}"
                  + (f"; <= {TARGETS['command_s']} s: "
                     f"{verdict(min(wall) <= TARGETS['command_s'])}, <= "
                     f"{TARGETS['command_gb']} GB: "
                     f"{verdict(max(peak) <= TARGETS['command_gb'] * 1024)}"
                     if scenario == default else ""))
    print(f"\nend: {load()}")


if __name__ == "__main__":
    main()
