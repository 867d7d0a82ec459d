"""Monte Carlo of the whole model: every output of a run, drawn jointly, summarised exactly.

A chunk of draws is sampled where it is evaluated (:func:`~elt_odym.uncertainty.sampling.
sample_range`: seeded blocks, so the numbers do not depend on the chunk size or where chunks
run; :class:`~elt_odym.uncertainty.sampling.SampledBlocks` samples each block once for its
chunks), evaluated by the model's one set of equations (:func:`elt_odym.system.equations.evaluate`,
the compiled fleet kernel inside) and reduced to the margins of every variable
(:func:`elt_odym.batch.margins`: per variable and year its total, each truck type, material,
powertrain and chemistry). The summary engine (:mod:`elt_odym.uncertainty.summary`) gives the
mean, standard deviation and exact percentiles (equal to ``np.percentile``) of every series
within a memory bound, re-evaluating chunks from their seeds where it needs a second pass.
Zero-variance draws reproduce the deterministic run.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from ..batch import LABEL_COLUMNS, SeriesLayout, bytes_per_draw, margins, series_layout
from ..data import ModelData, read_parameter_values
from ..system.equations import evaluate
from ..system.equations.battery import AgeTables
from ..system.equations.evaluate import prepare
from ..system.inputs import Draws, ModelInputs, base_draws, model_inputs
from .sampling import DRAW_BLOCK, SampledBlocks, battery_variants
from .summary import BUDGET, Summary, summarise

SUMMARY_COLUMNS = ["variable", *LABEL_COLUMNS, "year", "mean", "std", "p05", "p50", "p95",
                   "unit"]
PERCENTILES = (5.0, 50.0, 95.0)
CHUNK_BYTES = 32 * 2**20
"""Memory of one running chunk's arrays that :func:`auto_chunk` aims at (about 20 draws of
the default scenario: past the per-call overhead, within the memory target)."""


def mc_inputs(data: ModelData, base: ModelInputs | None = None) -> ModelInputs:
    """The scenario's inputs with the share paths the Monte Carlo draws between (the model
    option ``share_paths``: two scenarios, when named and when the scenario has the powertrain
    extension). ``base``: the inputs of a run of ``data`` already made (its stock projection
    is not fitted again)."""
    inputs = model_inputs(data) if base is None else base
    paths = data.options.share_paths
    if inputs.battery is None or not paths:
        return inputs
    low, high = (read_parameter_values(data.config, name, "powertrain_share") for name in paths)
    battery = dataclasses.replace(inputs.battery, share_low=low, share_high=high)
    return dataclasses.replace(inputs, battery=battery)


def auto_chunk(inputs: ModelInputs, limit: int) -> int:
    """Draws per chunk: at most ``limit``, about :data:`CHUNK_BYTES` of arrays per chunk."""
    return int(max(16, min(limit, CHUNK_BYTES // bytes_per_draw(inputs))))


@dataclass
class MCResult:
    """The series of every output and their statistics."""

    layout: SeriesLayout
    stats: Summary
    n: int
    seed: int

    def summary(self) -> pd.DataFrame:
        """``mc_summary.csv``: mean, std and exact percentiles per variable, label and year."""
        rows, lay, n_t = [], self.layout, len(self.layout.years)
        s = 0
        for name, labels, unit in zip(lay.variables, lay.labels, lay.units):
            for label in labels:
                sl = slice(s, s + n_t)
                rows.append(pd.DataFrame({
                    "variable": name, **dict(zip(LABEL_COLUMNS, label)), "year": lay.years,
                    "mean": self.stats.mean[sl], "std": self.stats.std[sl],
                    "p05": self.stats.quantiles[0, sl], "p50": self.stats.quantiles[1, sl],
                    "p95": self.stats.quantiles[2, sl], "unit": unit}))
                s += n_t
        return pd.concat(rows, ignore_index=True)[SUMMARY_COLUMNS]

    def band(self, variable: str, truck_type: str = "total", material: str = "",
             powertrain: str = "", chemistry: str = "") -> np.ndarray:
        """p05, p50, p95 of one label by year ``(3, T)``."""
        first = self.layout.index(variable, self.layout.years[0], truck_type, material,
                                  powertrain, chemistry)
        return self.stats.quantiles[:, first:first + len(self.layout.years)]


def run_mc(data: ModelData, n: int, seed: int, chunk: int | None = None,
           progress: bool = True, draws: Draws | None = None, workers: int | None = None,
           client=None, inputs: ModelInputs | None = None,
           memory_budget: int = BUDGET, variables: Sequence[str] | None = None,
           layout: SeriesLayout | None = None) -> MCResult:
    """Run ``n`` Monte Carlo draws of the scenario in ``data``.

    Parameters
    ----------
    data : ModelData
    n : int
        Number of draws.
    seed : int
        Root of the seeds (:mod:`elt_odym.uncertainty.sampling`).
    chunk : int, optional
        Draws evaluated per task; default :func:`auto_chunk`. The numbers do not depend on it.
    progress : bool
        Show a progress bar (tqdm, on standard error; hidden when not a terminal).
    draws : Draws, optional
        Use these draws instead of sampling (e.g. zero variance, calibration parameter sets).
    workers : int, optional
        Threads evaluating chunks side by side (default: the number of CPUs).
    client : distributed.Client, optional
        Evaluate the chunks as tasks on this Dask cluster instead; same results.
    inputs : ModelInputs, optional
        The model's inputs if not those of ``data`` (e.g. a benchmark's synthetic series).
    memory_budget : int
        Bytes the statistics may hold (:mod:`elt_odym.uncertainty.summary`).
    variables : sequence of str, optional
        Summarise only these variables (default: every one); the model still evaluates what
        they need.
    layout : SeriesLayout, optional
        :func:`series_of` ``(inputs, variables)`` when the caller has it (not made again).
    """
    opts = data.config.uncertainty
    inputs = inputs or mc_inputs(data)
    n = draws.n if draws is not None else n
    chunk = chunk or auto_chunk(inputs, opts.chunk)
    variants = (battery_variants(inputs, opts, seed)
                if inputs.battery is not None and opts.battery == "range" else None)
    layout = layout or series_of(inputs, variables)
    workers = workers or os.cpu_count() or 1
    # the blocks of the chunks in flight (at most workers + 1) and the one before them
    sampled = SampledBlocks(inputs, opts, n, seed, variants,
                            keep=2 + math.ceil((workers + 1) * chunk / DRAW_BLOCK))
    task = ChunkTask(inputs, draws, layout, sampled, shared_tables(inputs, sampled, draws))
    bar = _progress(n, progress)
    try:
        stats = summarise(task, n, layout.size, chunk=chunk, q=PERCENTILES, workers=workers,
                          memory_budget=memory_budget,
                          run_chunks=_runner(client, workers), progress=bar)
    finally:
        if bar is not None:
            bar.close()
    return MCResult(layout, stats, n, seed)


def series_of(inputs: ModelInputs, variables: Sequence[str] | None = None) -> SeriesLayout:
    """The series a Monte Carlo of ``inputs`` summarises (those of ``variables``, default
    every variable): the layout of the deterministic draw's results."""
    return series_layout(evaluate(inputs, base_draws(inputs), flows=False), variables)


@dataclass
class ChunkTask:
    """Draws ``start..stop-1`` of the run, evaluated and reduced to every series ``(S, n)``: a
    plain callable of picklable fields (a Dask task as it is)."""

    inputs: ModelInputs
    draws: Draws | None
    layout: SeriesLayout
    sampled: SampledBlocks
    tables: AgeTables | None = None

    def draws_of(self, start: int, stop: int) -> Draws:
        """The draws ``start..stop-1`` (the given ones, or sampled from their seeds)."""
        if self.draws is not None:
            return self.draws.take(slice(start, stop))
        return self.sampled(start, stop)

    def results(self, start: int, stop: int):
        """The model's variables for draws ``start..stop-1``."""
        d = self.draws_of(start, stop)
        plan = prepare(self.inputs, d, self.tables)
        return evaluate(self.inputs, d, plan=plan, flows=False)

    def __call__(self, start: int, stop: int) -> np.ndarray:
        return margins(self.results(start, stop), self.layout)

    def rows(self, start: int, stop: int, rows: np.ndarray) -> np.ndarray:
        """The series ``rows`` only (``(R, n)``): the margins of the variables holding
        them."""
        sub, where = self.layout.select(rows)
        return margins(self.results(start, stop), sub)[where]


def shared_tables(inputs: ModelInputs, sampled: SampledBlocks, draws: Draws | None
                  ) -> AgeTables | None:
    """The battery age tables of the run's variants, made once for every chunk (from its
    first draw: the given ones, or those of ``sampled``)."""
    if inputs.battery is None:
        return None
    probe = draws.take(slice(0, 1)) if draws is not None else sampled(0, 1)
    return prepare(inputs, probe).tables


def _runner(client, workers: int):
    """Map a chunk function over ranges, results in order: on the Dask cluster, or threads
    (at most one more chunk in flight than threads, so that memory does not grow with the
    number of chunks)."""
    if client is not None:
        from .distributed import map_in_order

        return lambda func, ranges: map_in_order(client, func, ranges)

    def threads(func, ranges):
        pool = ThreadPoolExecutor(workers)
        try:
            pending: deque = deque()
            for start, stop in ranges:
                pending.append(pool.submit(func, start, stop))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # on Ctrl-C or an error, a chunk still queued is dropped, not run
            pool.shutdown(wait=True, cancel_futures=True)
    return threads


class _Bar:
    """A tqdm progress bar the summary engine advances by draws, one bar per pass."""

    def __init__(self, n: int):
        self._bar, self._stage = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:
            from tqdm import tqdm

            self.close()
            self._stage = stage
            self._bar = tqdm(total=total, desc=f"Monte Carlo, {stage}", unit="draw",
                             leave=False, disable=None)
        self._bar.update(done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _progress(n: int, show: bool) -> _Bar | None:
    return _Bar(n) if show else None


def run_monte_carlo(data: ModelData, n: int, seed: int, chunk: int | None = None,
                    calibration_draws: str | None = None, memory_budget: int = 4 * 2**30,
                    progress: bool = True, client=None,
                    variables: Sequence[str] | None = None,
                    inputs: ModelInputs | None = None) -> MCResult:
    """:func:`run_mc` as the ``mc`` command runs it: the memory estimate checked against
    ``memory_budget`` before any work, the draws of a ``calibration_draws.csv`` when named,
    only ``variables`` summarised if named; ``inputs``: those of a run of ``data`` already
    made (:func:`mc_inputs`).

    Raises
    ------
    ResourceLimitError
        If the estimate exceeds the budget (naming both and how to raise it).
    """
    from .budget import check_budget, estimate_mc_bytes, stats_budget
    from .calibration_draws import read_parameter_sets, sample_with_parameter_sets

    opts = data.config.uncertainty
    inputs = mc_inputs(data, inputs)
    chunk = chunk or auto_chunk(inputs, opts.chunk)
    layout = series_of(inputs, variables)
    n_series = layout.size
    stats = stats_budget(memory_budget, n_series, n)
    check_budget(estimate_mc_bytes(bytes_per_draw(inputs), n_series, n, chunk,
                                   stats_budget=stats),
                 memory_budget, f"a Monte Carlo of {n:,} draws")
    draws = None
    if calibration_draws:
        draws = sample_with_parameter_sets(inputs, opts, n, seed,
                                           read_parameter_sets(calibration_draws))
    return run_mc(data, n, seed, chunk=chunk, progress=progress, draws=draws, client=client,
                  inputs=inputs, memory_budget=stats, variables=variables, layout=layout)
