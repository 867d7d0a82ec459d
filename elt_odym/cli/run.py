"""Model commands: ``run`` (scenarios to the output contract) and ``diagram``."""

from __future__ import annotations

from pathlib import Path

from ..reporting.numbers import fmt
from .common import (
    EXIT_OK,
    LazyHelpFormatter,
    LazyText,
    Printer,
    add_data_args,
    bundled_scenarios_text,
    positive_int,
    progress,
    seed_int,
    table_text,
)

RUN_EXAMPLES = """examples:
  elt-odym run --out results                         the default scenario
  elt-odym run --scenario all --out results_all      every scenario
  elt-odym run --scenario open_data --scenario paper_calibrated --out both
  elt-odym run --data mydata --out myresults --cumulative 2025 2040
  elt-odym run --data mydata --out myresults --watch  rerun on every save in Excel
  elt-odym run --out results --draws 0               no Monte Carlo range of the headline
"""


IMAGE_SUFFIXES = (".png", ".svg", ".pdf")


def add_commands(sub, parent) -> None:
    """Register ``run`` and ``diagram``."""
    p = sub.add_parser("run", parents=[parent], help="run scenarios and write the results",
                       description="Run scenarios, print headline figures and write results, "
                                   "figures, Sankey and report.html into a new folder.",
                       epilog=LazyText(lambda: RUN_EXAMPLES + "\n" + bundled_scenarios_text()),
                       formatter_class=LazyHelpFormatter)
    add_data_args(p, scenario=False)
    p.add_argument("--scenario", action="append",
                   help="scenario name (repeatable; 'all' for every scenario)")
    p.add_argument("--no-figures", action="store_true", help="skip PNG and HTML figures")
    p.add_argument("--max-events", type=positive_int, default=8,
                   help="negative-inflow events shown")
    p.add_argument("--cumulative", type=int, nargs=2, default=[2025, 2050],
                   metavar=("FIRST", "LAST"), help="years of the cumulative summary")
    p.add_argument("--watch", action="store_true",
                   help="after the run, rerun into the same folder whenever a workbook or "
                        "config.toml of the data folder is saved, and print what changed in "
                        "the headline figures; Ctrl-C ends")
    p.add_argument("--draws", type=seed_int, default=None, metavar="N",
                   help="draws of the Monte Carlo of the headline variables, whose median and "
                        "p05-p95 are shown beside the deterministic value (default: "
                        "[uncertainty] headline_draws of config.toml; 0: none)")
    p.add_argument("--jobs", type=positive_int, default=None, metavar="N",
                   help="processes for scenarios and figures (default: the cores available; "
                        "1: one after another, the same files)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("diagram", parents=[parent], help="draw the declared system")
    p.add_argument("--out", default="system.png")
    p.set_defaults(func=cmd_diagram)


def scenario_list(data: str | None, names: list[str] | None,
                  years: tuple[int, int] | None = None) -> list[str]:
    """``--scenario`` values (none: the default, names, or ``all``), checked before any work.

    Raises :class:`~elt_odym.errors.ConfigError` for an unknown scenario or when ``years``
    (first, last) lies outside a scenario's model years.
    """
    from ..config import load_config
    from ..errors import ConfigError
    from ..paths import bundled_data_dir

    config = load_config(data or bundled_data_dir())
    twice = sorted({n for n in names or [] if names.count(n) > 1})
    if twice:
        raise ConfigError(f"--scenario {twice[0]} is given more than once: name each scenario "
                          f"once")
    if names and "all" in names and len(names) > 1:
        raise ConfigError("--scenario all runs every scenario: give it alone, or name the "
                          "scenarios one by one")
    if not names:
        names = [config.default_scenario]
    elif names == ["all"]:
        names = config.scenario_names()
    for name in names:
        _, _, options = config.resolve(name)
        if years and (years[0] < options.first_year or years[1] > options.last_year):
            raise ConfigError(f"--cumulative {years[0]} {years[1]} is outside the years "
                              f"{options.first_year}-{options.last_year} of scenario {name!r}")
    return names


def cmd_run(args, printer: Printer) -> int:
    """Run scenarios and write the output contract (staged, then published with a manifest).

    Several scenarios run in parallel processes (``--jobs``, default: the cores available),
    each also drawing its own figures; the tables are then written here, from the results in
    the order of the scenarios, so the files are those of a run one scenario after another.
    """
    from ..config import load_config
    from ..errors import ConfigError
    from ..paths import bundled_data_dir
    from .data import warn_edits

    first, last = args.cumulative
    if first > last:
        raise ConfigError(f"--cumulative {first} {last}: FIRST is after LAST")
    scenarios = scenario_list(args.data, args.scenario, (first, last))
    warn_edits(printer, load_config(args.data or bundled_data_dir()), scenarios)
    results = run_once(args, printer, scenarios, args.force)
    if args.watch:
        from .watch import watch

        return watch(args, printer, results,
                     rerun=lambda: run_once(args, printer, scenarios, force=True))
    return EXIT_OK


def run_once(args, printer: Printer, scenarios: list[str], force: bool) -> list:
    """Run ``scenarios`` and publish the outputs into ``args.out``; return the results."""
    from ..io.output_folder import OutputFolder, input_folders
    from ..reporting.outputs import write_outputs
    from ..reporting.workers import available_processes, can_fork

    processes = args.jobs or available_processes()
    with OutputFolder(args.out, force, command="run",
                      protect=input_folders(args.data)) as folder:  # refuse before work
        drawn = None
        if len(scenarios) > 1 and processes > 1 and can_fork():
            results, drawn = _run_in_workers(args, printer, scenarios, folder.path, processes)
        else:
            results = []
            for scenario in progress(scenarios, "scenarios", args.quiet):
                result = _run_scenario(args, scenario)[0]
                _print(printer, headline_lines(result, args.max_events, *args.cumulative))
                results.append(result)
        printer.say("\nwriting tables" + ("" if args.no_figures else ", figures, Sankey") +
                    " and report.html ...")
        written = write_outputs(results, folder, figures=not args.no_figures,
                                progress=not args.quiet, processes=processes, drawn=drawn)
    printer.say(f"\nwrote {len(written)} files and manifest.json to {args.out}")
    return results


def _run_scenario(args, scenario: str, out: Path | None = None):
    """Run one scenario and the Monte Carlo of its headline; with ``out``, also write its
    Sankey there (in a worker, which has the flodym system; the other figures are drawn with
    the tables)."""
    from ..model import run

    result = with_headline_range(run(args.data, scenario), args.draws)
    if out is None:
        return result, []
    from ..reporting.outputs import sankey_job

    return result, sankey_job(result, out)()


def _run_in_workers(args, printer: Printer, scenarios: list[str], out: Path,
                    processes: int) -> tuple[list, list[Path] | None]:
    """Run the scenarios (and write their Sankey) on ``processes`` forked workers; print each
    scenario's headline in order; the results come back without their flodym system."""
    import dataclasses

    from tqdm import tqdm

    from ..reporting.workers import run_all
    from ..system import mfa  # noqa: F401 - flodym, scipy and numba imported once, before forking

    first, last = args.cumulative
    figures = not args.no_figures

    def job(scenario: str):
        def work():
            result, paths = _run_scenario(args, scenario, out if figures else None)
            lines = headline_lines(result, args.max_events, first, last)
            return dataclasses.replace(result, system=None), lines, paths
        return work

    with tqdm(total=len(scenarios), desc="scenarios", leave=False,
              disable=True if args.quiet else None) as bar:
        done = run_all([job(s) for s in scenarios], processes, on_done=lambda i: bar.update())
    for _, lines, _ in done:
        _print(printer, lines)
    drawn = [p for _, _, paths in done for p in paths] if figures else None
    return [result for result, _, _ in done], drawn


def with_headline_range(result, draws: int | None):
    """``result`` with its :attr:`~elt_odym.model.RunResult.headline_range`: a Monte Carlo of
    ``draws`` draws of the headline variables (None: ``headline_draws`` of the config; 0:
    none), seeded with the config's ``seed``; its CPU time is logged."""
    import dataclasses
    import logging
    import time

    from ..reporting.results import headline_mc, headline_range_table

    opts = result.data.config.uncertainty
    n = opts.headline_draws if draws is None else draws
    start = time.process_time()
    mc = headline_mc(result, n, opts.seed) if n > 0 else None
    logging.getLogger(__name__).info("scenario %s: headline Monte Carlo of %d draws in %.1f s "
                                     "CPU", result.scenario, n, time.process_time() - start)
    return dataclasses.replace(result, headline_range=headline_range_table(result, mc))


def headline_lines(result, max_events: int, first: int, last: int) -> list[tuple[bool, str]]:
    """What ``run`` prints for a scenario: ``(is_result, text)`` lines (results are shown
    with ``-q`` too): mass balance, negative-inflow events, what the headline is (maximum
    potential or current practice), the deterministic tables and the headline year with its
    Monte Carlo range."""
    from ..model import recycling_basis
    from ..reporting.results import headline_range_text, headline_tables

    lines = [(False, f"\nscenario {result.scenario}: largest mass-balance error "
                     f"{fmt(result.mass_balance_error)} of the largest flow")]
    events = result.fleet.events
    lines += [(False, f"  negative inflow: {event.describe()}") for event in events[:max_events]]
    if len(events) > max_events:
        lines.append((False, f"  ... {len(events) - max_events} more events in "
                             f"negative_inflow_events.csv"))
    table, cumulative = headline_tables(result, first, last)
    basis, how = recycling_basis(result.data)
    lines += [(True, f"{result.scenario}: {basis}, {how}"),
              (True, "deterministic run:"), (True, table_text(table)),
              (True, f"cumulative {first}-{last} (deterministic run):"),
              (True, table_text(cumulative))]
    if result.headline_range is not None:
        lines.append((True, headline_range_text(result.headline_range)))
    return lines


def _print(printer: Printer, lines: list[tuple[bool, str]]) -> None:
    for is_result, text in lines:
        (printer.result if is_result else printer.say)(text)


def cmd_diagram(args, printer: Printer) -> int:
    """Draw the declared system as a PNG."""
    from ..errors import ConfigError
    from ..io.output_folder import atomic_write
    from ..reporting.system_diagram import fig_system

    out = Path(args.out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ConfigError(f"diagram --out {out}: the file name must end in one of "
                          f"{', '.join(IMAGE_SUFFIXES)}")
    atomic_write(out, fig_system)
    printer.say(f"wrote {args.out}")
    return EXIT_OK
