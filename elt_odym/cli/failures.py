"""The one line an error ends a command with, and its exit code (``docs/errors.md``)."""

from __future__ import annotations

import errno
import os
import signal
import traceback
from pathlib import Path

from .common import EXIT_BUG, EXIT_CHECK, EXIT_INPUT, EXIT_SIGNAL


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


def one_line(exc: BaseException) -> str:
    """The one-line message of an error (``run --watch`` prints it and goes on watching)."""
    return error_line(exc, None)[1]
