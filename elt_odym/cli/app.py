"""The parser of every subcommand and the error contract of :func:`elt_odym.cli.main`, which
imports this module when a command starts."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from contextlib import contextmanager

from ..io.safe_open import WorkbookLimits, workbook_limits
from .common import EXIT_INPUT, OneLineParser, Printer, positive_float, positive_int
from .failures import error_line

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
    """The command line (:func:`elt_odym.cli.main`); returns the exit code.

    Every error ends in one line on standard error (``--debug`` shows the traceback instead):
    exit 1 a check failed, 2 bad input or usage, 3 an internal error (a bug), 128 + N signal N
    (130: Ctrl-C); ``docs/errors.md`` describes the contract.
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error, printed in one line
        return exc.code if isinstance(exc.code, int) else EXIT_INPUT
    except KeyboardInterrupt:  # Ctrl-C while the commands are imported: nothing started yet
        from . import interrupted_early

        return interrupted_early()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    printer = Printer(quiet=args.quiet)
    limits = WorkbookLimits(args.max_workbook_mb, args.max_xml_mb, args.max_rows,
                            args.max_cells)
    try:  # an interrupt still pending when the handlers are restored is raised there too
        with signals_as_interrupts(), workbook_limits(limits):
            return args.func(args, printer)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the one-line contract
        if args.debug:
            raise
        code, message = error_line(exc, args)
        printer.warn(f"error: {message}")
        return code


RETRY_S = 0.05
"""Seconds after which a signal that arrived inside a compiler callback is raised again."""


def llvmlite_folder() -> str | None:
    """The folder of the llvmlite package in use (None if it is not imported)."""
    module = sys.modules.get("llvmlite")
    path = getattr(module, "__file__", None)
    return None if path is None else os.path.normcase(os.path.dirname(os.path.abspath(path)))


def in_compiler_callback(frame) -> bool:
    """Whether ``frame`` runs inside llvmlite (numba compiling): an exception raised there, in
    a ctypes callback, would be printed as "ignored" and lost, and the command would go on."""
    folder = llvmlite_folder()
    if folder is None:
        return False
    prefix = folder + os.sep
    while frame is not None:
        if os.path.normcase(frame.f_code.co_filename).startswith(prefix):
            return True
        frame = frame.f_back
    return False


@contextmanager
def signals_as_interrupts():
    """Ctrl-C (SIGINT, unless ignored), SIGTERM and SIGHUP raise
    :class:`~elt_odym.errors.Interrupted` in this process (a KeyboardInterrupt), so an output
    folder is cleaned up the same way. A signal that arrives while numba compiles inside
    llvmlite is raised again :data:`RETRY_S` later rather than lost, or when the block ends if
    that comes first; a forked worker ends on it as it would without this handler. Restores the
    previous handlers afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from ..errors import Interrupted

    owner = os.getpid()
    pending: dict[int, threading.Timer] = {}

    def handler(signum, frame):
        if os.getpid() != owner:  # a forked worker inherits the handler: end as it would
            if signum == signal.SIGINT:
                raise KeyboardInterrupt
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if in_compiler_callback(frame):
            timer = threading.Timer(RETRY_S, signal.raise_signal, (signum,))
            timer.daemon = True
            pending[signum] = timer
            timer.start()
            return
        pending.pop(signum, None)
        raise Interrupted(signum)

    previous = {}
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)
        if signum is None or (name == "SIGINT"
                              and signal.getsignal(signum) is not signal.default_int_handler):
            continue  # Ctrl-C ignored (a job started in the background) stays ignored
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for timer in pending.values():
            timer.cancel()
        for signum, old in previous.items():
            signal.signal(signum, old)
        if pending:  # a signal deferred out of the compiler and not raised yet
            raise Interrupted(next(iter(pending)))
