"""The ``elt-odym`` command line: each subcommand is a thin call into the Python API.

Exit codes: 0 success, 1 a check failed (validation, mass balance, targets), 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from pathlib import Path

from .errors import DataValidationError, EltOdymError, MassBalanceError

EXIT_OK, EXIT_CHECK, EXIT_INPUT = 0, 1, 2


def _print(*args) -> None:
    print(*args, flush=True)


def cmd_init(args) -> int:
    """Copy the bundled classification and datasets into a folder to edit in Excel."""
    from .paths import bundled_root

    target = Path(args.dir)
    if target.exists() and any(target.iterdir()):
        print(f"error: {target} is not empty; choose a new folder", file=sys.stderr)
        return EXIT_INPUT
    root = bundled_root()
    for sub in ("classification", "datasets"):
        shutil.copytree(root / sub, target / sub)
    _print(f"copied classification/ and datasets/ to {target}")
    _print(f"edit the workbooks, then: elt-odym validate --data {target} && "
           f"elt-odym run --data {target} --out results")
    return EXIT_OK


def cmd_validate(args) -> int:
    """Validate every workbook of every scenario; list all problems."""
    from .data import validate_data_dir

    problems = validate_data_dir(args.data)
    if problems:
        _print(f"{len(problems)} problem(s):")
        for p in problems:
            _print(f"  - {p}")
        return EXIT_CHECK
    _print("all workbooks are valid")
    return EXIT_OK


def _scenarios(args) -> list[str | None]:
    from .config import load_config
    from .paths import bundled_data_dir

    if not args.scenario:
        return [None]
    if args.scenario == ["all"]:
        return load_config(args.data or bundled_data_dir()).scenario_names()
    return args.scenario


def cmd_run(args) -> int:
    """Run scenarios and write the output contract."""
    from .model import cumulative_summary, run, summary
    from .reporting.outputs import prepare_out_dir, write_outputs

    prepare_out_dir(args.out, args.force)  # refuse early, before any work
    results = []
    for scenario in _scenarios(args):
        result = run(args.data, scenario)
        results.append(result)
        _print(f"\nscenario {result.scenario}: largest mass-balance error "
               f"{result.mass_balance_error:.2e} of the largest flow")
        for event in result.fleet.events[: args.max_events]:
            _print(f"  negative inflow: {event.describe()}")
        if len(result.fleet.events) > args.max_events:
            _print(f"  ... {len(result.fleet.events) - args.max_events} more events in "
                   f"negative_inflow_events.csv")
        _print(summary(result).to_string(index=False, float_format=lambda v: f"{v:,.3g}"))
        first, last = args.cumulative
        _print(f"cumulative {first}-{last}:")
        _print(cumulative_summary(result, first, last).to_string(
            index=False, na_rep="", float_format=lambda v: f"{v:,.4g}"))
    written = write_outputs(results, args.out, force=True, figures=not args.no_figures)
    _print(f"\nwrote {len(written)} files to {args.out}")
    return EXIT_OK


def cmd_diagram(args) -> int:
    """Draw the declared system as a PNG."""
    from .reporting.figures import fig_system

    fig_system(Path(args.out))
    _print(f"wrote {args.out}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with all subcommands."""
    parser = argparse.ArgumentParser(prog="elt-odym", description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="copy the bundled workbooks into DIR to edit")
    p.add_argument("dir")
    p.set_defaults(func=cmd_init)
    p = sub.add_parser("validate", help="check every workbook, report every problem")
    p.add_argument("--data", help="data folder (default: bundled)")
    p.set_defaults(func=cmd_validate)
    p = sub.add_parser("run", help="run the model and write results")
    p.add_argument("--data", help="data folder (default: bundled)")
    p.add_argument("--scenario", action="append",
                   help="scenario name (repeatable; 'all' for every scenario)")
    p.add_argument("--out", required=True, help="new or empty output folder")
    p.add_argument("--force", action="store_true", help="allow a non-empty output folder")
    p.add_argument("--no-figures", action="store_true", help="skip PNG and HTML figures")
    p.add_argument("--max-events", type=int, default=8, help="negative-inflow events shown")
    p.add_argument("--cumulative", type=int, nargs=2, default=[2025, 2050],
                   metavar=("FIRST", "LAST"), help="years of the cumulative summary")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("diagram", help="draw the declared system")
    p.add_argument("--out", default="system.png")
    p.set_defaults(func=cmd_diagram)
    _add_more(sub)
    return parser


def _add_more(sub) -> None:
    from .cli_more import add_subcommands

    add_subcommands(sub)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (``elt-odym`` calls ``sys.exit`` with it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except DataValidationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except MassBalanceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CHECK
    except EltOdymError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INPUT
