"""Report command: ``report`` writes ``report.html`` for an output folder.

The folder's ``manifest.json`` stays true: ``report.html`` is rewritten under the folder's lock
and its entry in the manifest gets the new size and sha256
(:func:`~elt_odym.io.output_folder.rewrite_listed`). Nothing else in the folder is written.
"""

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
                    "sources and manifest. It opens offline. The folder's manifest.json is "
                    "updated with the new report's sha256.",
        epilog="example: elt-odym run --out results && elt-odym report results")
    p.add_argument("dir", help="output folder of 'elt-odym run'")
    p.add_argument("--data", help="data folder of the run, for calibration residuals and "
                                  "sources (default: the bundled data)")
    p.set_defaults(func=cmd_report)


def cmd_report(args, printer: Printer) -> int:
    """Write ``report.html`` into the output folder and keep its manifest true."""
    from ..io.output_folder import check_apart, input_folders, read_manifest, rewrite_listed
    from ..paths import bundled_data_dir
    from ..reporting.report import build_report

    out = Path(args.dir)
    if not (out / "results.csv").is_file():
        printer.warn(f"error: {out} has no results.csv; run 'elt-odym run --out {out}' first")
        return EXIT_INPUT
    check_apart(out, input_folders(args.data), "report")
    data = args.data or bundled_data_dir()
    text = build_report(out, data)
    path = rewrite_listed(out, "report.html", lambda p: p.write_text(text, encoding="utf-8"),
                          command="report")
    note = " and its entry in manifest.json" if read_manifest(out) is not None else ""
    printer.say(f"wrote {path}{note}")
    return EXIT_OK
