"""Benchmark of the one-engine targets (issue 10): prints figures, never asserts.

    python benchmarks/bench_engine.py [--repeat 3]

Measures, on the bundled data:

- one calibration residual (the model's equations, a batch of one, targets read from the
  margins of its variables);
- ``elt-odym calibrate`` of the paper scenario, CPU seconds of the whole command;
- ``elt-odym run --no-figures`` of one scenario, CPU seconds;
- ``elt-odym validate``, wall and CPU seconds.

Commands run as subprocesses (start-up and imports included); CPU is user + system time of
the child. Targets: residual <= 10 ms, calibrate <= 10 s CPU, run <= 2 s CPU, validate <= 0.6 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "elt_odym.cli"]


def residual_ms(n: int = 50) -> float:
    """Median time of one calibration residual (ms)."""
    import dataclasses

    from elt_odym.calibration import TargetIndex
    from elt_odym.data import load_data
    from elt_odym.io.targets import read_targets
    from elt_odym.system.inputs import model_inputs

    data = load_data(scenario="paper_calibrated")
    base = dataclasses.replace(model_inputs(data), battery=None)  # as calibrate does
    path = ROOT / "datasets" / "calibration_paper.xlsx"
    index = TargetIndex.build(base, read_targets(path), str(path))
    times = []
    for _ in range(n):
        start = time.perf_counter()
        index.residuals(index.model_values(base))
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one CLI command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(CLI + args, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}")
    rows = {"calibration residual (ms)": [residual_ms() for _ in range(args.repeat)]}
    with tempfile.TemporaryDirectory() as tmp:
        jobs = {
            "calibrate paper (s CPU)": lambda i: command(
                ["calibrate", "--targets", "datasets/calibration_paper.xlsx", "--scenario",
                 "literature", "--out", f"{tmp}/cal{i}", "-q"])[1],
            "run --no-figures (s CPU)": lambda i: command(
                ["run", "--no-figures", "--out", f"{tmp}/run{i}", "-q"])[1],
            "validate (s wall)": lambda i: command(["validate"])[0],
            "validate (s CPU)": lambda i: command(["validate"])[1],
        }
        for name, job in jobs.items():
            rows[name] = [job(i) for i in range(args.repeat)]
    targets = {"calibration residual (ms)": 10, "calibrate paper (s CPU)": 10,
               "run --no-figures (s CPU)": 2, "validate (s wall)": 0.6, "validate (s CPU)": 0.6}
    print(f"{'measure':28s} {'min':>8s} {'median':>8s} {'max':>8s} {'target':>8s}")
    for name, values in rows.items():
        print(f"{name:28s} {min(values):8.3f} {statistics.median(values):8.3f} "
              f"{max(values):8.3f} {targets[name]:8.3g}")


if __name__ == "__main__":
    main()
