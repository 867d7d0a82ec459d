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
    table_text,
)

RUN_EXAMPLES = """examples:
  elt-odym run --out results                         the default scenario
  elt-odym run --scenario all --out results_all      every scenario
  elt-odym run --scenario open_data --scenario paper_calibrated --out both
  elt-odym run --data mydata --out myresults --cumulative 2025 2040
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
    """Run scenarios and write the output contract (staged, then published with a manifest)."""
    from ..errors import ConfigError
    from ..io.output_folder import OutputFolder
    from ..reporting.outputs import write_outputs

    first, last = args.cumulative
    if first > last:
        raise ConfigError(f"--cumulative {first} {last}: FIRST is after LAST")
    scenarios = scenario_list(args.data, args.scenario, (first, last))
    with OutputFolder(args.out, args.force, command="run") as folder:  # refuse before work
        results = [_run_one(args, printer, scenario, first, last)
                   for scenario in progress(scenarios, "scenarios", args.quiet)]
        printer.say("\nwriting tables" + ("" if args.no_figures else ", figures, Sankey") +
                    " and report.html ...")
        written = write_outputs(results, folder, figures=not args.no_figures,
                                progress=not args.quiet)
    printer.say(f"\nwrote {len(written)} files and manifest.json to {args.out}")
    return EXIT_OK


def _run_one(args, printer: Printer, scenario: str, first: int, last: int):
    """Run one scenario and print its headline figures."""
    from ..model import run
    from ..reporting.results import headline_tables

    result = run(args.data, scenario)
    printer.say(f"\nscenario {result.scenario}: largest mass-balance error "
                f"{fmt(result.mass_balance_error)} of the largest flow")
    for event in result.fleet.events[: args.max_events]:
        printer.say(f"  negative inflow: {event.describe()}")
    if len(result.fleet.events) > args.max_events:
        printer.say(f"  ... {len(result.fleet.events) - args.max_events} more events in "
                    f"negative_inflow_events.csv")
    table, cumulative = headline_tables(result, first, last)
    printer.result(table_text(table))
    printer.result(f"cumulative {first}-{last}:")
    printer.result(table_text(cumulative))
    return result


def cmd_diagram(args, printer: Printer) -> int:
    """Draw the declared system as a PNG."""
    from ..errors import ConfigError
    from ..io.output_folder import atomic_write
    from ..reporting.figures import fig_system

    out = Path(args.out)
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ConfigError(f"diagram --out {out}: the file name must end in one of "
                          f"{', '.join(IMAGE_SUFFIXES)}")
    atomic_write(out, fig_system)
    printer.say(f"wrote {args.out}")
    return EXIT_OK
