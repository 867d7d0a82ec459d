"""``elt-odym run --watch``: rerun whenever the analyst saves a workbook, say what changed.

After the first run, the data folder (workbooks, ``config.toml``) and the classification
master's folder are watched (``watchfiles``); when a workbook is saved the scenarios are run
again into the same output folder, atomically as every run (through
:class:`~elt_odym.io.output_folder.OutputFolder`, so an open ``report.html`` shows the new run
when the browser reloads it), and the headline figures that changed are printed. A workbook
saved with an error gives its one-line error and the watch goes on: fix it and save again.
Ctrl-C ends the watch with one line and exit code 130.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from ..reporting.numbers import fmt
from .common import Printer

EXIT_INTERRUPT = 130
WATCHED_SUFFIXES = (".xlsx", ".toml")
CHANGE_RTOL = 1e-12
"""Relative difference below which a headline number counts as unchanged (round-off)."""


def watched_folders(data: str | None) -> list[Path]:
    """The data folder and the classification master's folder (once if they coincide)."""
    from ..config import load_config
    from ..paths import bundled_data_dir

    config = load_config(data or bundled_data_dir())
    folders = [Path(config.data_dir).resolve(), Path(config.classification_path).parent.resolve()]
    return list(dict.fromkeys(folders))


def is_input(path: str | Path) -> bool:
    """A saved workbook or configuration, not Excel's lock file (``~$name.xlsx``) or a
    temporary file (``.name.tmp``)."""
    name = Path(path).name
    return name.endswith(WATCHED_SUFFIXES) and not name.startswith(("~$", "."))


def saved_inputs(folders: list[Path]) -> Iterator[set[Path]]:
    """Each batch of saved inputs under ``folders`` (changes within a moment are one batch)."""
    from watchfiles import watch

    for changes in watch(*folders, watch_filter=lambda _, path: is_input(path)):
        yield {Path(path) for _, path in changes}


def headline_changes(before: dict, after: dict) -> list[str]:
    """Lines for every headline number that changed: ``scenario quantity year: old -> new``.

    ``before`` and ``after`` map a scenario to its two headline tables (by year and
    cumulative, :func:`~elt_odym.reporting.results.headline_tables`).
    """
    lines = []
    for scenario, tables in after.items():
        for old, new in zip(before.get(scenario, ()), tables):
            old, new = old.set_index("quantity"), new.set_index("quantity")
            for quantity in new.index.intersection(old.index):
                unit = new.at[quantity, "unit"]
                for col in new.columns.drop("unit").intersection(old.columns):
                    a, b = float(old.at[quantity, col]), float(new.at[quantity, col])
                    if np.isnan(a) and np.isnan(b) or abs(b - a) <= CHANGE_RTOL * max(
                            abs(a), abs(b)):
                        continue
                    rel = f" ({(b - a) / abs(a):+.1%})" if a else ""
                    lines.append(f"  {scenario} {quantity} {col}: {fmt(a)} -> {fmt(b)} "
                                 f"{unit}{rel}")
    return lines


def _headlines(results: list, first: int, last: int) -> dict:
    from ..reporting.results import headline_tables

    return {r.scenario: headline_tables(r, first, last) for r in results}


def watch(args, printer: Printer, results: list, rerun: Callable[[], list],
          changes: Iterable[set[Path]] | None = None) -> int:
    """Call ``rerun`` (the scenarios again into ``args.out``; it returns their results) on
    every batch of ``changes`` (default: saved inputs of the data folder) until Ctrl-C;
    returns the exit code (130)."""
    from ..errors import EltOdymError

    first, last = args.cumulative
    before = _headlines(results, first, last)
    try:
        folders = watched_folders(args.data)
        printer.result(f"\nwatching {', '.join(map(str, folders))} (Ctrl-C to stop)")
        for batch in changes if changes is not None else saved_inputs(folders):
            names = ", ".join(sorted(p.name for p in batch))
            printer.result(f"\n{names} saved: running again into {args.out}")
            try:
                after = _headlines(rerun(), first, last)
            except (EltOdymError, OSError) as exc:
                from .failures import one_line

                printer.warn(f"error: {one_line(exc)}; fix it and save again")
                continue
            lines = headline_changes(before, after)
            printer.result("headline figures changed:" if lines else
                           "headline figures unchanged")
            for line in lines:
                printer.result(line)
            before = after
    except KeyboardInterrupt:
        printer.warn("stopped watching (Ctrl-C); the last run is in " + str(args.out))
        return EXIT_INTERRUPT
    return EXIT_INTERRUPT
