"""Report command: ``report`` writes ``report.html`` for an output folder."""

from __future__ import annotations

from pathlib import Path

from .common import EXIT_INPUT, EXIT_OK, Printer


def add_commands(sub, parent) -> None:
    """Register ``report``."""
    p = sub.add_parser(
        "report", parents=[parent],
        help="write report.html (tables, figures, Sankey, checks, sources) for an output folder",
        description="One self-contained HTML page for an output folder of 'elt-odym run': "
                    "headline tables, figures, Sankey, calibration residuals, mass balance, "
                    "sources and manifest. It opens offline.",
        epilog="example: elt-odym run --out results && elt-odym report results")
    p.add_argument("dir", help="output folder of 'elt-odym run'")
    p.add_argument("--data", help="data folder of the run, for calibration residuals and "
                                  "sources (default: the bundled data)")
    p.set_defaults(func=cmd_report)


def cmd_report(args, printer: Printer) -> int:
    """Write ``report.html`` into the output folder."""
    from ..paths import bundled_data_dir
    from ..reporting.report import write_report

    out = Path(args.dir)
    if not (out / "results.csv").is_file():
        printer.warn(f"error: {out} has no results.csv; run 'elt-odym run --out {out}' first")
        return EXIT_INPUT
    path = write_report(out, args.data or bundled_data_dir())
    printer.say(f"wrote {path}")
    return EXIT_OK
