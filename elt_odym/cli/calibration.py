"""Calibration commands: ``calibrate`` (fit free parameters) and ``compare`` (against targets)."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_CHECK, EXIT_OK, Printer, add_data_args, table_text


def add_commands(sub, parent) -> None:
    """Register ``calibrate`` and ``compare``."""
    p = sub.add_parser("calibrate", parents=[parent], help="fit free parameters to targets",
                       description="Fit free parameters to targets; write the calibrated "
                                   "workbooks, parameters, residuals and draws into a new "
                                   "folder outside the data folder (with manifest.json), or, "
                                   "with --in-place, replace the calibrated files of a folder "
                                   "inside the data folder (only the files that change; "
                                   "their ref and log notes kept).")
    p.add_argument("--targets", required=True, help="targets workbook with free_parameters")
    add_data_args(p)
    p.add_argument("--in-place", action="store_true",
                   help="--out is a folder inside the data folder (e.g. datasets/open_data): "
                        "replace its calibrated files with the new ones")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("compare", parents=[parent], help="compare results.csv with targets")
    p.add_argument("--results", required=True)
    p.add_argument("--targets", required=True)
    p.add_argument("--out", help="comparison CSV (default: comparison.csv beside results)")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target fails")
    p.set_defaults(func=cmd_compare)


def cmd_calibrate(args, printer: Printer) -> int:
    """Fit free parameters to targets and write calibrated workbooks."""
    from ..reporting.calibration import run_calibration

    table, residuals, done = run_calibration(args.targets, args.out, args.data, args.scenario,
                                             args.force, progress=not args.quiet,
                                             in_place=args.in_place)
    printer.result(table_text(table[["name", "item", "initial", "fitted", "std_error", "at_bound",
                                     "status"]]))
    printer.result(table_text(residuals[["target_id", "target", "model", "rel_error",
                                         "tolerance", "status"]]))
    if not args.in_place:
        printer.say(f"wrote calibrated workbooks and residuals to {args.out}; the data folder "
                    f"is unchanged (--in-place replaces its calibrated files)")
    for name, what in done:
        printer.say(f"  {Path(args.out) / name}: {what}")
    return EXIT_OK


def cmd_compare(args, printer: Printer) -> int:
    """Compare a results.csv with a targets workbook."""
    from ..io.targets import compare, read_targets
    from ..reporting.results import read_results_csv, write_csv

    results = read_results_csv(args.results)
    table = compare(results, read_targets(args.targets))
    out = Path(args.out) if args.out else Path(args.results).with_name("comparison.csv")
    write_csv(table, out)
    cols = ["scenario", "target_id", "target", "model", "rel_error", "tolerance", "status"]
    printer.result(table_text(table[cols]))
    n_fail = int((table["status"] != "pass").sum())
    printer.result(f"{len(table) - n_fail} of {len(table)} targets pass; table written to {out}")
    return EXIT_CHECK if (n_fail and args.strict) else EXIT_OK
