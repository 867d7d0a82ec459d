"""Memory estimates of the Monte Carlo and Sobol runs, checked against a budget before any work.

The estimates follow what the runs allocate (:mod:`.montecarlo`, :mod:`elt_odym.batch`,
:mod:`.sobol`):

- the chunks in flight: at most twice the workers (one evaluating per worker, one more
  waiting per worker and the one being summarised), each ``chunk`` draws of every variable's
  arrays (:func:`elt_odym.batch.bytes_per_draw`) and their series (``S`` series, float64);
- the statistics: what the summary engine will hold, :func:`.summary.engine_bytes` (its
  pilot, its counters, the values it keeps), never more than its own budget whatever the
  number of draws (it makes another pass instead);
- Sobol: the sample and its outputs, ``rows x factors`` and ``rows x outputs`` float64, and
  SALib's bootstrap of the confidence intervals (``RESAMPLES x n`` float64 per output, twice).
"""

from __future__ import annotations

import os
import re

from ..errors import ResourceLimitError
from .summary import BUDGET, SINGLE_PASS_MAX, engine_bytes, minimum_bytes, whole_run_bytes

GB = 1024**3
DEFAULT_BUDGET = 4 * GB
UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": GB,
         "gb": GB, "t": 1024**4, "tb": 1024**4}


def estimate_mc_bytes(per_draw: int, n_series: int, draws: int, chunk: int,
                      workers: int | None = None, stats_budget: int = BUDGET) -> int:
    """Peak memory of a Monte Carlo run (bytes, estimate; the interpreter and the scenario's
    data not counted): ``per_draw`` bytes of arrays per draw in a chunk, ``n_series``
    series, the summary engine within ``stats_budget``."""
    workers = workers or os.cpu_count() or 1
    chunk = min(chunk, draws)
    in_flight = min(2 * workers, -(-draws // chunk)) * chunk * (per_draw + 8 * n_series)
    return in_flight + engine_bytes(n_series, draws, stats_budget)


def stats_budget(memory_budget: int, n_series: int, n: int | None = None) -> int:
    """The summary engine's share of a run's ``memory_budget``: an eighth, at most
    :data:`.summary.BUDGET` (a larger budget saves passes only beyond about 10^6 draws),
    at least what the engine needs for ``n_series`` series (:func:`.summary.minimum_bytes`).
    With ``n`` draws whose every series fits in that eighth and in
    :data:`.summary.SINGLE_PASS_MAX` (:func:`.summary.whole_run_bytes`), the engine gets what
    holds them all: the run is one pass (each draw evaluated once instead of about 2.5
    times), as for the headline of ``run``."""
    eighth = memory_budget // 8
    budget = min(BUDGET, eighth)
    whole = None if n is None else whole_run_bytes(n, n_series)
    if whole is not None and budget < whole <= min(eighth, SINGLE_PASS_MAX):
        budget = whole
    return int(max(budget, minimum_bytes(n_series)))


RESAMPLES = 100
"""SALib's default number of bootstrap resamples of a Sobol confidence interval."""


def estimate_sobol_bytes(per_draw: int, n: int, factors: int, outputs: int = 3,
                         chunk: int = 512) -> int:
    """Peak memory of a Sobol run with base sample ``n`` (bytes, estimate)."""
    rows = n * (factors + 2)
    bootstrap = 2 * RESAMPLES * n * 8 * outputs
    return rows * (factors + outputs) * 8 + min(chunk, rows) * per_draw + bootstrap


def check_budget(estimate: int, budget: int, what: str) -> None:
    """Refuse work whose estimated memory exceeds ``budget``.

    Raises
    ------
    ResourceLimitError
        Naming the estimate, the budget and how to raise it.
    """
    if estimate > budget:
        raise ResourceLimitError(
            f"{what} would need about {format_bytes(estimate)} of memory, above the budget of "
            f"{format_bytes(budget)}; use fewer draws, or raise the budget with "
            f"--memory-budget (e.g. --memory-budget {format_bytes(estimate * 1.25, 0)})")


def format_bytes(n: float, digits: int = 1) -> str:
    """``n`` bytes as ``1.5G``, ``300M`` (binary units)."""
    for unit, size in (("T", 1024**4), ("G", GB), ("M", 1024**2), ("K", 1024)):
        if n >= size:
            return f"{n / size:.{digits}f}{unit}"
    return f"{int(n)}B"


def parse_bytes(text: str) -> int:
    """``"4G"``, ``"512M"``, ``"2.5GB"`` or a plain number of bytes to bytes.

    Raises
    ------
    ValueError
        For anything else, or a size that is not positive.
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    if not match or match.group(2).lower() not in UNITS:
        raise ValueError(f"{text!r} is not a size such as 4G, 512M or 1.5G")
    value = float(match.group(1)) * UNITS[match.group(2).lower()]
    if value < 1:
        raise ValueError(f"{text!r} is not a positive size")
    return int(value)
