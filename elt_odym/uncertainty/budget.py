"""Memory estimates of the Monte Carlo and Sobol runs, checked against a budget before any work.

The estimates follow the arrays the runs allocate (:mod:`.montecarlo`, :mod:`.batch`,
:mod:`.sobol`), with ``T`` model years, ``G`` truck types, ``M`` materials and ``N`` draws:

- kept samples: float32 ``N x T x K`` per output, ``K`` its labels (``G+1`` for per-type
  outputs, ``M+1`` for per-material ones); the percentiles of the summary partition copies
  of some outputs at a time, so half as much again;
- the draws themselves: float64, about ``4G + G*M + 5M`` numbers per draw (``M`` here the
  assessed metals);
- the chunks in flight: one per worker, each about ``chunk x T_ext^2 x G x 8`` bytes times
  :data:`CHUNK_ARRAYS` (the survival table of cohort-dependent lifetimes), with ``T_ext`` the
  model years plus :data:`SPIN_UP_YEARS` for a spun-up or workbook age structure.

They are estimates, measured to be on the high side (bundled data, 2 CPUs: Monte Carlo of
100,000 draws 1.1 GB estimated, 1.04 GB peak resident; 200,000 draws 1.9 GB and 1.74 GB; Sobol
n = 1024 0.6 GB and 0.48 GB); the budget is the user's to raise.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from ..errors import ResourceLimitError

GB = 1024**3
DEFAULT_BUDGET = 4 * GB
CHUNK_ARRAYS = 1
SPIN_UP_YEARS = 40
"""Years before the model years when the age structure is not ``single_cohort`` (at most)."""
SOBOL_BLOCK = 4096
"""Rows of the Saltelli sample evaluated at once by :func:`.sobol.run_sobol`."""
UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": GB,
         "gb": GB, "t": 1024**4, "tb": 1024**4}


@dataclass(frozen=True)
class Shape:
    """The sizes that drive memory: model years, years before them, types, metals."""

    years: int
    types: int
    materials: int
    pre_years: int = 0

    @classmethod
    def of(cls, data) -> "Shape":
        """The shape of a :class:`~elt_odym.data.ModelData` (materials: the assessed metals)."""
        from ..system.equations.indicators import assessed_materials

        pre = 0 if data.options.age_structure == "single_cohort" else SPIN_UP_YEARS
        return cls(len(data.years), len(data.items["g"]), len(assessed_materials(data)), pre)

    @property
    def labels(self) -> int:
        """Labels over all outputs: 2 per-type outputs, 4 per-material ones, one value."""
        return 2 * (self.types + 1) + 4 * (self.materials + 1) + 1

    def chunk_bytes(self, chunk: int) -> int:
        """Working arrays of one chunk of ``chunk`` draws."""
        t_ext = self.years + self.pre_years
        return CHUNK_ARRAYS * chunk * t_ext**2 * self.types * 8

    def draw_bytes(self, n: int) -> int:
        """The sampled inputs of ``n`` draws."""
        g, m = self.types, self.materials
        return n * (4 * g + g * m + 5 * m) * 8


def estimate_mc_bytes(shape: Shape, draws: int, chunk: int, workers: int | None = None) -> int:
    """Peak memory of a Monte Carlo run of ``draws`` draws (bytes, estimate)."""
    workers = workers or os.cpu_count() or 1
    samples = draws * shape.years * shape.labels * 4
    in_flight = min(workers, -(-draws // chunk)) * shape.chunk_bytes(min(chunk, draws))
    return samples * 3 // 2 + shape.draw_bytes(draws) + in_flight


def estimate_sobol_bytes(shape: Shape, n: int, factors: int | None = None) -> int:
    """Peak memory of a Sobol run with base sample ``n`` (bytes, estimate)."""
    factors = factors or 2 * shape.types + 3
    rows = n * (factors + 2)
    outputs = rows * shape.years * shape.labels * 8 * 2  # every block's outputs, concatenated
    return outputs + rows * factors * 8 + shape.draw_bytes(rows) + shape.chunk_bytes(
        min(rows, SOBOL_BLOCK))


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
