"""The ``elt-odym`` command line: each subcommand is a thin call into the Python API.

Commands live by concept: :mod:`.data` (init, validate, scenarios), :mod:`.run` (run, diagram),
:mod:`.calibration` (calibrate, compare) and :mod:`.uncertainty` (sensitivity, mc, sobol).
Exit codes: 0 success, 1 a check failed, 2 bad input (one line, no traceback; ``--debug``
shows it), 3 an internal error (a bug), 128 + N a signal (130: Ctrl-C); ``docs/errors.md``.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import signal
import threading
import traceback
from contextlib import contextmanager
from pathlib import Path

from ..io.safe_open import WorkbookLimits, workbook_limits
from .common import (
    EXIT_BUG,
    EXIT_CHECK,
    EXIT_INPUT,
    EXIT_SIGNAL,
    OneLineParser,
    Printer,
    positive_float,
    positive_int,
)

EXAMPLES = """examples:
  elt-odym run --out results                      default scenario, bundled data
  elt-odym run --scenario all --out results_all   every scenario
  elt-odym scenarios                              list the scenarios of a data folder
  elt-odym scenarios --files --scenario open_data which workbook each parameter comes from
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

    parser = OneLineParser(
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
    """Entry point; returns the exit code (``elt-odym`` calls ``sys.exit`` with it).

    Every error ends in one line on standard error (``--debug`` shows the traceback instead):
    exit 1 a check failed, 2 bad input or usage, 3 an internal error (a bug), 128 + N signal N
    (130: Ctrl-C); ``docs/errors.md`` describes the contract.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error, printed in one line
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    printer = Printer(quiet=args.quiet)
    limits = WorkbookLimits(args.max_workbook_mb, args.max_xml_mb, args.max_rows,
                            args.max_cells)
    with signals_as_interrupts():
        try:
            with workbook_limits(limits):
                return args.func(args, printer)
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the one-line contract
            if args.debug:
                raise
            code, message = error_line(exc, args)
            printer.warn(f"error: {message}")
            return code


@contextmanager
def signals_as_interrupts():
    """SIGTERM and SIGHUP raise :class:`~elt_odym.errors.Interrupted` in this process (as
    Ctrl-C raises KeyboardInterrupt), so an output folder is cleaned up the same way; a forked
    worker ends on them as before. Restores the previous handlers afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from ..errors import Interrupted

    owner = os.getpid()

    def handler(signum, frame):
        if os.getpid() != owner:  # a forked worker inherits the handler: end as it would
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        raise Interrupted(signum)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is not None:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def error_line(exc: BaseException, args) -> tuple[int, str]:
    """The exit code and the one-line message of an error that ends a command."""
    from ..errors import (
        DataValidationError,
        EltOdymError,
        MassBalanceError,
        NonFiniteOutputError,
    )

    if isinstance(exc, KeyboardInterrupt):
        signum = getattr(exc, "signum", signal.SIGINT)
        return EXIT_SIGNAL + signum, (
            f"interrupted ({signal.Signals(signum).name}); an output folder holds a run only "
            f"when it has its manifest.json (nothing half-written is published): run the "
            f"command again")
    if isinstance(exc, (MassBalanceError, NonFiniteOutputError)):
        return EXIT_CHECK, _flat(str(exc))
    if isinstance(exc, DataValidationError) and len(exc.problems) > 1:
        data = f" --data {args.data}" if getattr(args, "data", None) else ""
        return EXIT_INPUT, (f"{_flat(str(exc.problems[0]))} (and {len(exc.problems) - 1} more "
                            f"problem(s): elt-odym validate{data} lists them all)")
    if isinstance(exc, DataValidationError) and exc.problems:
        return EXIT_INPUT, _flat(str(exc.problems[0]))
    if isinstance(exc, EltOdymError):
        return EXIT_INPUT, _flat(str(exc))
    if isinstance(exc, OSError):
        return EXIT_INPUT, _os_error(exc, args)
    return EXIT_BUG, _internal(exc)


def _os_error(exc: OSError, args) -> str:
    """A file-system error naming the file or folder and what to do."""
    folder = getattr(args, "out", None) or getattr(args, "dir", None)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        where = folder or (Path(exc.filename).parent if exc.filename else "the output folder")
        writing = f" (writing {Path(exc.filename).name})" if exc.filename else ""
        return (f"{where}: no space left on the device (disk full or quota reached){writing}: "
                f"free space there, or write elsewhere (--out)")
    name = exc.filename or folder or ""
    hint = ("; check its permissions, or choose a folder you can write to"
            if exc.errno in (errno.EACCES, errno.EPERM) else "")
    text = exc.strerror or str(exc) or type(exc).__name__
    return _flat(f"{name}: {text}{hint}" if name else f"{text}{hint}")


def _internal(exc: BaseException) -> str:
    """An unexpected error: where it happened, and that it is a bug (no traceback)."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}elt_odym{os.sep}" in f.filename] or frames
    where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return _flat(f"internal error ({type(exc).__name__}: {exc}){where}; this is a bug of "
                 f"elt-odym, not of the input: rerun with --debug and report the traceback")


def _flat(text: str) -> str:
    """``text`` on one line (a message never spans lines)."""
    return " ".join(text.split())


def _one_line(exc: BaseException) -> str:
    """The one-line message of an error (``run --watch`` prints it and goes on watching)."""
    return error_line(exc, None)[1]
