"""What every command shares: exit codes, printing, common arguments, number format.

Exit codes: 0 success, 1 a check failed (validation, mass balance, ``--strict`` targets,
non-finite outputs), 2 bad input or usage, 3 an internal error (a bug), 128 + N a signal (130:
Ctrl-C). Commands print through :meth:`Printer.say` (standard output) and :meth:`Printer.warn`
(standard error), which strip escape sequences and control characters
(:func:`~elt_odym.io.escape.terminal_text`); :func:`elt_odym.cli.main` turns every user error
into one line (``docs/errors.md``).
"""

from __future__ import annotations

import argparse
import os
import sys

from ..io.escape import terminal_text
from ..reporting.numbers import fmt

EXIT_OK, EXIT_CHECK, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
EXIT_SIGNAL = 128
"""A command ended by signal N exits with 128 + N (130: Ctrl-C, 143: SIGTERM)."""


def _emit(parts: tuple, stream) -> None:
    """Print ``parts`` as one terminal-safe text; a closed pipe (``elt-odym ... | head``) drops
    the text instead of ending the command half-way."""
    try:
        print(terminal_text(" ".join(str(p) for p in parts)), file=stream, flush=True)
    except BrokenPipeError:
        try:  # later prints and the flush at exit go nowhere instead of failing
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):
            pass


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on standard error (no usage block):
    ``error: elt-odym mc: argument --draws: 'x' is not an integer (elt-odym mc --help)``;
    exits 2 like argparse. Subcommand parsers are of the same class."""

    def error(self, message: str):
        Printer.warn(f"error: {self.prog}: {' '.join(message.split())} (see {self.prog} "
                     f"--help)")
        raise SystemExit(EXIT_INPUT)


class Printer:
    """Where a command prints: ``quiet`` hides informational lines, never errors or results."""

    def __init__(self, quiet: bool = False):
        self.quiet = quiet

    def say(self, *parts: object) -> None:
        """An informational line on standard output (hidden by ``-q``)."""
        if not self.quiet:
            _emit(parts, sys.stdout)

    def result(self, *parts: object) -> None:
        """A result line on standard output (always shown)."""
        _emit(parts, sys.stdout)

    @staticmethod
    def warn(*parts: object) -> None:
        """A line on standard error."""
        _emit(parts, sys.stderr)


def progress(iterable, desc: str, quiet: bool = False, total: int | None = None):
    """``iterable`` with a tqdm progress bar on standard error; no bar with ``-q`` or when
    standard error is not a terminal (logs, CI, pipes)."""
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, total=total, leave=False,
                disable=True if quiet else None)


class LazyText:
    """Help text made only when the help is shown (``--help`` of another command, or a plain
    parse, never pays for it)."""

    def __init__(self, make):
        self.make = make

    def __str__(self) -> str:
        return self.make()


class LazyHelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions and epilogs as written; resolves :class:`LazyText` when formatting."""

    def _format_text(self, text) -> str:
        return super()._format_text(str(text))


def bundled_scenarios_text() -> str:
    """``name: description`` of the bundled scenarios, for ``--help`` (empty if unreadable)."""
    try:
        from ..config import load_config
        from ..paths import bundled_data_dir

        config = load_config(bundled_data_dir())
    except Exception:  # help must never fail
        return ""
    lines = [f"  {name}{' (default)' if name == config.default_scenario else ''}"
             for name in config.scenarios]
    return "bundled scenarios ('elt-odym scenarios' describes them):\n" + "\n".join(lines)


def table_text(df) -> str:
    """A data frame as text with the CLI's number format."""
    return df.to_string(index=False, na_rep="", float_format=fmt)


def _int_at_least(text: str, minimum: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"{what}, not {value}")
    return value


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    return _int_at_least(text, 1, "must be at least 1")


def power_of_two(text: str) -> int:
    """argparse type: a power of 2 of at least 2 (a Sobol' sample size)."""
    value = _int_at_least(text, 2, "must be a power of 2 of at least 2 (e.g. 512 or 1024)")
    if value & (value - 1):
        lower = 1 << (value.bit_length() - 1)
        raise argparse.ArgumentTypeError(f"must be a power of 2 (the balance of Sobol' points "
                                         f"needs one), not {value}: use {lower} or {lower * 2}")
    return value


def seed_int(text: str) -> int:
    """argparse type: a random seed, an integer >= 0."""
    return _int_at_least(text, 0, "must be 0 or more")


def memory_size(text: str) -> int:
    """argparse type: a memory size such as ``4G`` or ``512M``, in bytes."""
    from ..uncertainty.budget import parse_bytes

    try:
        return parse_bytes(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, not {text}")
    return value


def add_data_args(p: argparse.ArgumentParser, scenario: bool = True, out: bool = True) -> None:
    """``--data``, ``--scenario``, ``--out`` and ``--force``."""
    p.add_argument("--data", help="data folder with config.toml (default: the bundled data)")
    if scenario:
        p.add_argument("--scenario", help="scenario (default: the config's default_scenario)")
    if out:
        p.add_argument("--out", required=True, help="new or empty output folder")
        p.add_argument("--force", action="store_true", help="allow a non-empty output folder")
