"""The ``elt-odym`` command line: each subcommand is a thin call into the Python API.

Commands live by concept: :mod:`.data` (init, validate, scenarios), :mod:`.run` (run, diagram),
:mod:`.calibration` (calibrate, compare) and :mod:`.uncertainty` (sensitivity, mc, sobol).
Exit codes: 0 success, 1 a check failed, 2 bad input (one line, no traceback; ``--debug``
shows it).
"""

from __future__ import annotations

import argparse
import logging

from ..io.safe_open import WorkbookLimits, workbook_limits
from .common import EXIT_CHECK, EXIT_INPUT, Printer, positive_float, positive_int

EXAMPLES = """examples:
  elt-odym run --out results                      default scenario, bundled data
  elt-odym run --scenario all --out results_all   every scenario
  elt-odym scenarios                              list the scenarios of a data folder
  elt-odym init mydata && elt-odym validate --data mydata
  elt-odym mc --draws 100000 --out mc             Monte Carlo
  elt-odym report results                         report.html for an output folder

scenarios: elt-odym scenarios (bundled: literature, open_data, paper_calibrated, ...)
"""


def _global_options(suppress: bool) -> argparse.ArgumentParser:
    """``-v``, ``-q`` and ``--debug``, accepted before and after the subcommand."""
    default = argparse.SUPPRESS if suppress else None
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("-v", "--verbose", action="store_true", default=default or False,
                   help="log progress")
    p.add_argument("-q", "--quiet", action="store_true", default=default or False,
                   help="print results and errors only")
    p.add_argument("--debug", action="store_true", default=default or False,
                   help="show the traceback of an error")
    limits = WorkbookLimits()
    for flag, kind, value, what in (
            ("--max-workbook-mb", positive_float, limits.max_file_mb, "size of a workbook (MB)"),
            ("--max-xml-mb", positive_float, limits.max_uncompressed_mb,
             "uncompressed XML of a workbook (MB)"),
            ("--max-rows", positive_int, limits.max_rows, "rows of one sheet"),
            ("--max-cells", positive_int, limits.max_cells, "cells of a workbook")):
        p.add_argument(flag, type=kind, default=default or value,
                       help=f"refuse input workbooks above this {what}; default {value:,g}")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with all subcommands."""
    from ..version import __version__
    from . import battery, calibration, data, odym, report, run, uncertainty

    parser = argparse.ArgumentParser(
        prog="elt-odym", parents=[_global_options(False)],
        description="Dynamic MFA of China's end-of-life trucks on flodym.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"elt-odym {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parent = _global_options(True)
    for module in (data, run, report, calibration, uncertainty, battery, odym):
        module.add_commands(sub, parent)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (``elt-odym`` calls ``sys.exit`` with it)."""
    from ..errors import DataValidationError, EltOdymError, MassBalanceError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    printer = Printer(quiet=args.quiet)
    limits = WorkbookLimits(args.max_workbook_mb, args.max_xml_mb, args.max_rows,
                            args.max_cells)
    try:
        with workbook_limits(limits):
            return args.func(args, printer)
    except (MassBalanceError, DataValidationError, EltOdymError, OSError) as exc:
        if args.debug:
            raise
        code = EXIT_CHECK if isinstance(exc, MassBalanceError) else EXIT_INPUT
        printer.warn(f"error: {_one_line(exc)}")
        return code


def _one_line(exc: BaseException) -> str:
    """The message of a user error; a validation error keeps its list of problems."""
    from ..errors import DataValidationError

    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}"
    if isinstance(exc, DataValidationError) and len(exc.problems) == 1:
        return str(exc.problems[0])
    return str(exc)
