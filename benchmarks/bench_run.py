"""Benchmark of the edit-and-rerun loop (issue 22): prints figures and ratios, never asserts.

    python benchmarks/bench_run.py [--repeat 5] [--all-repeat 1] [--skip-all]

Two kinds of measurement, each repeated and shown as min / median / max:

- **phases**, each repeat in a fresh interpreter (imports cold, as in a command), CPU seconds
  of this process (its share of the interpreter start-up included in the first line): for
  ``--help`` start-up, imports and the parser; for ``validate`` the imports and the reading;
  for ``run`` of the default scenario the imports, reading, model, printed headline, then
  every output job one after another (each table and each figure, as ``--jobs 1`` runs them;
  ``run`` shares them out between processes), the report and the publishing. The system
  diagram is taken from the user's cache folder, as in every run after the first; drawing it
  is shown on its own line, outside the total;
- **commands**, as subprocesses: wall seconds and CPU seconds (user + system of the command
  and its worker processes), CPU / wall (above 1: processes overlap), the load average while
  it ran, and the median wall time against the target of issue 22 (met / NOT met). One
  untimed ``run`` first fills the caches (the system diagram, numba's compiled kernels, the
  file system's).

The machine, the date and the load average before and after are printed: the targets are for
this 2-core machine, quiet; on a busy machine wall times say little and CPU times are the
better guide.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "elt_odym.cli"]
TARGETS = {"--help": 0.3, "validate": 0.5, "run --no-figures": 1.5, "run": 4.0,
           "run --scenario all": 20.0}
"""Issue 22, wall seconds on this 2-core machine, quiet."""
ONCE = "(first run only) "
"""Prefix of a phase that is not part of a run's total."""


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def command(args: list[str], env: dict) -> tuple[float, float, float]:
    """Wall and CPU seconds of one ``elt-odym`` command run as a subprocess, and the load
    average at its end."""
    cpu0, t0 = _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(CLI + args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return (time.perf_counter() - t0, _cpu(resource.RUSAGE_CHILDREN) - cpu0,
            os.getloadavg()[0])


def _clock():
    """A stopwatch of this process's CPU: ``lap(name)`` records the CPU since the last lap."""
    laps: dict[str, float] = {}
    last = [_cpu(resource.RUSAGE_SELF)]

    def lap(name: str) -> None:
        now = _cpu(resource.RUSAGE_SELF)
        laps[name] = laps.get(name, 0.0) + now - last[0]
        last[0] = now

    return laps, lap


def phases_run(out: Path, cache: Path) -> dict[str, float]:
    """The phases of ``elt-odym run`` of the default scenario, one after another."""
    laps, lap = _clock()
    import elt_odym.cli  # noqa: F401  (what every command imports)

    lap("import cli")
    from elt_odym.data import load_data

    lap("import data (numpy, pandas, pydantic)")
    data = load_data()
    lap("read and validate workbooks")
    from elt_odym.model import run

    lap("import model (flodym, scipy, numba)")
    result = run(data=data)
    lap("model")
    from elt_odym.cli.run import headline_lines

    headline_lines(result, 8, 2025, 2050)
    lap("printed headline")
    from elt_odym.io.output_folder import OutputFolder
    from elt_odym.reporting import figures, outputs, report

    lap("import outputs, matplotlib")
    import plotly.graph_objects  # noqa: F401

    lap("import plotly")
    with OutputFolder(out, command="run") as folder:
        folder.add_data(data)
        lap("record the inputs (sha256)")
        stage = folder.path
        for job in outputs.table_jobs([result], stage):
            lap(f"table  {_names(job())}")
        for job in outputs.scenario_figure_jobs(result, stage):
            lap(f"figure {_names(job())}")
        figures.system_png(stage / "figures" / "system.png", cache)  # fills the cache
        lap(f"{ONCE}figure system.png drawn")
        for job in outputs.shared_figure_jobs(stage):
            lap(f"figure {_names(job())}")
        report.write_report(stage, data.config.data_dir, record=folder.record(), name="bench")
        lap("report.html")
    lap("publish (manifest, move into place)")
    return laps


def _names(paths: list[Path]) -> str:
    return ", ".join(p.name for p in paths) or "(nothing)"


def phases_validate() -> dict[str, float]:
    """The phases of ``elt-odym validate``."""
    laps, lap = _clock()
    import elt_odym.cli  # noqa: F401

    lap("import cli")
    from elt_odym.data import validate_data_dir

    lap("import data")
    problems = validate_data_dir()
    lap("read and validate every scenario's workbooks")
    assert not problems
    return laps


def phases_help() -> dict[str, float]:
    """The phases of ``elt-odym --help``."""
    laps, lap = _clock()
    from elt_odym.cli import build_parser

    lap("import cli")
    parser = build_parser()
    lap("build the parser")
    with contextlib.redirect_stdout(io.StringIO()):
        parser.print_help()
    lap("format the help")
    return laps


def child(kind: str) -> None:
    """Run one set of phases in this (fresh) interpreter and print them as JSON: the CPU
    before the first phase (start-up) first."""
    start = _cpu(resource.RUSAGE_SELF)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ELT_ODYM_CACHE_DIR"] = str(Path(tmp) / "cache")
        laps = {"run": lambda: phases_run(Path(tmp) / "out", Path(tmp) / "cache"),
                "validate": phases_validate, "help": phases_help}[kind]()
    print(json.dumps({"interpreter start-up": start} | laps))


def phases(kind: str, repeat: int) -> list[dict[str, float]]:
    """``repeat`` runs of :func:`child` in fresh interpreters."""
    runs = []
    for _ in range(repeat):
        done = subprocess.run([sys.executable, __file__, "--child", kind], check=True,
                              capture_output=True, text=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def spread(values: list[float]) -> str:
    return f"{min(values):7.3f} {statistics.median(values):7.3f} {max(values):7.3f}"


def print_phases(title: str, runs: list[dict[str, float]]) -> None:
    print(f"\n{title} ({len(runs)} runs, fresh interpreter each): CPU s min / median / max, "
          f"share of the median total")
    total = [sum(v for k, v in r.items() if not k.startswith(ONCE)) for r in runs]
    for name in runs[0]:
        values = [r[name] for r in runs]
        share = "" if name.startswith(ONCE) else \
            f"{statistics.median(values) / statistics.median(total):6.1%}"
        print(f"  {name:52s} {spread(values)} {share}")
    print(f"  {'total':52s} {spread(total)}")


def machine() -> str:
    """Platform, processor and cores."""
    model = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (f"{platform.platform()}, {model}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="runs of each command and phase set")
    p.add_argument("--all-repeat", type=int, default=1, help="runs of run --scenario all")
    p.add_argument("--skip-all", action="store_true", help="skip run --scenario all")
    p.add_argument("--child", choices=["run", "validate", "help"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child)
    print(f"elt-odym bench_run: {machine()}")
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
          f"{os.getloadavg()[0]:.2f} at the start")
    for title, kind in (("elt-odym --help", "help"), ("elt-odym validate", "validate"),
                        ("elt-odym run (default scenario; outputs one after another)", "run")):
        print_phases(title, phases(kind, args.repeat))
    measure_commands(args)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


def measure_commands(args) -> None:
    """The commands as subprocesses, their medians against the targets."""
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {"ELT_ODYM_CACHE_DIR": f"{tmp}/cache"}
        commands = {"--help": ["--help"], "validate": ["validate"],
                    "run --no-figures": ["-q", "run", "--no-figures", "--force", "--out",
                                         f"{tmp}/a"],
                    "run": ["-q", "run", "--force", "--out", f"{tmp}/b"]}
        command(commands["run"], env)  # untimed: fills the caches
        measured = {name: [command(argv, env) for _ in range(args.repeat)]
                    for name, argv in commands.items()}
        if not args.skip_all:
            measured["run --scenario all"] = [
                command(["-q", "run", "--scenario", "all", "--force", "--out", f"{tmp}/c"], env)
                for _ in range(args.all_repeat)]
    print("\ncommands (subprocesses): wall s min / median / max, CPU s median, CPU / wall, "
          "load at the end (median), target, result")
    for name, runs in measured.items():
        wall = [w for w, _, _ in runs]
        cpu = statistics.median(c for _, c, _ in runs)
        load = statistics.median(x for _, _, x in runs)
        median = statistics.median(wall)
        verdict = "met" if median <= TARGETS[name] else "NOT met"
        print(f"  elt-odym {name:20s} {spread(wall)}  CPU {cpu:6.2f} {cpu / median:4.2f}  "
              f"load {load:4.1f}  <= {TARGETS[name]:4.1f} s  {verdict} "
              f"({median / TARGETS[name]:.2f} x target)")


if __name__ == "__main__":
    main()
