"""The ``elt-odym`` command line: each subcommand is a thin call into the Python API.

Commands live by concept: :mod:`.data` (init, validate, scenarios), :mod:`.run` (run, diagram),
:mod:`.calibration` (calibrate, compare) and :mod:`.uncertainty` (sensitivity, mc, sobol);
:mod:`.app` holds the parser and the error contract. Exit codes: 0 success, 1 a check failed,
2 bad input (one line, no traceback; ``--debug`` shows it), 3 an internal error (a bug),
128 + N a signal (130: Ctrl-C); ``docs/errors.md``.

This module imports nothing at first, so that Ctrl-C pressed while the command line is still
being imported ends in one line too (exit 130), as it does later.
"""

from __future__ import annotations

LAZY = ("build_parser", "error_line", "signals_as_interrupts", "EXAMPLES")
"""Names of :mod:`.app` also reachable here (imported when first used)."""


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (``elt-odym`` calls ``sys.exit`` with it).

    Every error ends in one line on standard error (``--debug`` shows the traceback instead):
    exit 1 a check failed, 2 bad input or usage, 3 an internal error (a bug), 128 + N signal N
    (130: Ctrl-C); ``docs/errors.md`` describes the contract.
    """
    try:
        from . import app
    except KeyboardInterrupt:
        return interrupted_early()
    return app.main(argv)


def interrupted_early() -> int:
    """Ctrl-C before a command started: one line on standard error; exit 130 (128 + SIGINT,
    :data:`~elt_odym.cli.common.EXIT_SIGNAL` is not imported yet)."""
    import sys

    sys.stderr.write("error: interrupted (SIGINT) before the command started; nothing was "
                     "read or written\n")
    return 130


def __getattr__(name: str):
    if name in LAZY:
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module 'elt_odym.cli' has no attribute {name!r}")
