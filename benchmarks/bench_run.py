"""Benchmark of the edit-and-rerun loop (issue 22): prints figures and ratios, never asserts.

    python benchmarks/bench_run.py [--repeat 5] [--all-repeat 1] [--skip-all]

Two kinds of measurement, each repeated and shown as min / median / max:

- **commands**, as subprocesses (interpreter start-up and imports included), wall and CPU
  (user + system of the child and its workers): ``--help``, ``validate``, ``run`` of the default
  scenario with and without figures, ``run --scenario all``; their medians against the targets
  of issue 22, met or not met;
- **phases**, each repeat in a fresh interpreter (imports cold, as in a command): the imports,
  reading the workbooks, the model, the printed headline, each output file, each figure (drawn
  one after another here; ``run`` draws them in parallel while it writes the tables) and the
  report, for ``run``; imports and reading for ``validate``; start-up, imports and argparse for
  ``--help``.

The load average is printed before and after: the targets are for a quiet machine.
"""

from __future__ import annotations

import argparse
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


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one ``elt-odym`` command run as a subprocess."""
    cpu0, t0 = _cpu_children(), time.perf_counter()
    subprocess.run(CLI + args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _cpu_children() - cpu0


def _clock():
    """A stopwatch for the phases: ``lap(name)`` records the time since the previous lap."""
    laps: dict[str, float] = {}
    last = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        laps[name] = laps.get(name, 0.0) + now - last[0]
        last[0] = now

    return laps, lap


def phases_run(out: Path) -> dict[str, float]:
    """The phases of ``elt-odym run`` of the default scenario, one after another."""
    laps, lap = _clock()
    import elt_odym.cli  # noqa: F401  (what every command imports)

    lap("import cli")
    from elt_odym.data import load_data

    lap("import data (numpy, pydantic)")
    data = load_data()
    lap("read and validate workbooks")
    from elt_odym.model import run

    lap("import model (flodym, scipy)")
    result = run(data=data)
    lap("model")
    from elt_odym.reporting.results import headline_tables

    headline_tables(result, 2025, 2050)
    lap("printed headline")
    from elt_odym.io.output_folder import OutputFolder
    from elt_odym.reporting import outputs  # noqa: F401

    lap("import outputs")
    with OutputFolder(out, command="run") as folder:
        folder.add_data(data)
        _tables(result, folder.path, lap)
        _figures(result, folder.path, lap)
        from elt_odym.reporting.report import write_report

        write_report(folder.path, data.config.data_dir, record=folder.record(), name="bench")
        lap("report.html")
    lap("publish (manifest, move into place)")
    return laps


def _tables(result, stage: Path, lap) -> None:
    """The table outputs of one run, each timed (as ``write_tables`` writes them)."""
    from elt_odym.reporting import iamc, outputs, results

    data, table = result.data, result.results
    results.write_csv(table, stage / "results.csv")
    lap("results.csv")
    for name, df in (("mass_balance.csv", result.mass_balance),
                     ("battery_results.csv", result.battery_results),
                     ("stock_fits.csv", result.fits_table()),
                     ("negative_inflow_events.csv", result.events_table())):
        results.write_csv(df, stage / name)
    lap("other CSV tables")
    sheets = {"variables": results.variables_sheet(), "stock_fits": result.fits_table(),
              "negative_inflow_events": result.events_table(),
              "sources": results.relative_paths(outputs._sources(result), data.config.data_dir)}
    results.write_results_xlsx(table, sheets, stage / "results.xlsx",
                               results.summary_sheet(table))
    lap("results.xlsx")
    iamc.write_iamc(table, stage, data.config.iamc_product, data.config.region)
    lap("results_iamc.csv + .xlsx")


def _figures(result, stage: Path, lap) -> None:
    """Every figure of one run, drawn one after another, each timed."""
    import matplotlib  # noqa: F401
    import plotly.graph_objects  # noqa: F401

    from elt_odym.reporting import outputs

    lap("import matplotlib, plotly")
    jobs = outputs.shared_figure_jobs(stage) + outputs.scenario_figure_jobs(result, stage)
    names = ["system.png", "plotly.min.js", "fig2_fleet", "fig3_materials",
             "fig4_economic_value", "fig5_energy_carbon", "stock_fit", "sankey html+json",
             "battery_materials"]
    for name, job in zip(names, jobs):
        job()
        lap(f"figure {name}")


def phases_validate() -> dict[str, float]:
    """The phases of ``elt-odym validate``."""
    laps, lap = _clock()
    import elt_odym.cli  # noqa: F401

    lap("import cli")
    from elt_odym.data import validate_data_dir

    lap("import data (numpy, pydantic)")
    problems = validate_data_dir()
    lap("read and validate every scenario's workbooks")
    assert not problems
    return laps


def phases_help() -> dict[str, float]:
    """The phases of ``elt-odym --help`` (start-up is measured by the parent)."""
    import contextlib
    import io

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
    """Run one set of phases in this (fresh) interpreter and print them as JSON."""
    with tempfile.TemporaryDirectory() as tmp:
        laps = {"run": lambda: phases_run(Path(tmp) / "out"), "validate": phases_validate,
                "help": phases_help}[kind]()
    print(json.dumps(laps))


def phases(kind: str, repeat: int) -> list[dict[str, float]]:
    """``repeat`` runs of :func:`child` in fresh interpreters."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child", kind], check=True,
                              capture_output=True, text=True)
        laps = json.loads(done.stdout.strip().splitlines()[-1])
        laps = {"interpreter start-up": time.perf_counter() - t0 - sum(laps.values())} | laps
        runs.append(laps)
    return runs


def spread(values: list[float]) -> str:
    return (f"{min(values):7.3f} {statistics.median(values):7.3f} {max(values):7.3f}")


def print_phases(title: str, runs: list[dict[str, float]]) -> None:
    print(f"\n{title} ({len(runs)} runs, fresh interpreter each): seconds min / median / max")
    total = [sum(r.values()) for r in runs]
    for name in runs[0]:
        values = [r[name] for r in runs]
        share = statistics.median(values) / statistics.median(total)
        print(f"  {name:44s} {spread(values)}  {share:5.1%}")
    print(f"  {'total':44s} {spread(total)}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=5, help="runs of each command and phase set")
    p.add_argument("--all-repeat", type=int, default=1, help="runs of run --scenario all")
    p.add_argument("--skip-all", action="store_true", help="skip run --scenario all")
    p.add_argument("--child", choices=["run", "validate", "help"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child)
    print(f"elt-odym bench_run: {platform.platform()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    for title, kind in (("elt-odym --help", "help"), ("elt-odym validate", "validate"),
                        ("elt-odym run (default scenario, figures drawn one after another)",
                         "run")):
        print_phases(title, phases(kind, args.repeat))
    commands = {"--help": ["--help"], "validate": ["validate"]}
    with tempfile.TemporaryDirectory() as tmp:
        commands |= {"run --no-figures": ["-q", "run", "--no-figures", "--force", "--out",
                                          f"{tmp}/a"],
                     "run": ["-q", "run", "--force", "--out", f"{tmp}/b"]}
        measured = {name: [command(argv) for _ in range(args.repeat)]
                    for name, argv in commands.items()}
        if not args.skip_all:
            measured["run --scenario all"] = [
                command(["-q", "run", "--scenario", "all", "--force", "--out", f"{tmp}/c"])
                for _ in range(args.all_repeat)]
    print("\ncommands (subprocesses): wall s min / median / max, CPU s median, target, result")
    for name, runs in measured.items():
        wall = [w for w, _ in runs]
        cpu = statistics.median(c for _, c in runs)
        median = statistics.median(wall)
        verdict = "met" if median <= TARGETS[name] else "NOT met"
        print(f"  elt-odym {name:22s} {spread(wall)}  CPU {cpu:6.2f}  <= {TARGETS[name]:4.1f} s"
              f"  {verdict} (median {median / TARGETS[name]:.2f} x target)")
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
