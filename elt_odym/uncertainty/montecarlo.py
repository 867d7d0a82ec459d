"""Monte Carlo on the array model: chunks as tasks, seeded blocks, bounded memory.

A chunk (:func:`run_chunk`) makes its own draws (:func:`~elt_odym.uncertainty.sampling.
sample_range`: fixed blocks of draws, each from its own spawned seed), evaluates the array model
(:func:`~elt_odym.arrays_numba.evaluate_series`, compiled; the numpy
:func:`~elt_odym.arrays.evaluate` when the fleet needs the numpy path) and returns per output its
float64 mean and sum of squared deviations and its values as float32 ``(T, K, n)``. Chunks run
on threads in this process, or as tasks on a Dask cluster
(:mod:`elt_odym.uncertainty.distributed`); they are merged in chunk order (Chan et al.'s
pairwise update), so the result is the same wherever they ran, and the draws do not depend on
the chunk size. Zero-variance draws reproduce the deterministic run.

Memory: the samples, ``N x T x K x 4`` bytes over all outputs (about 0.5 GB for 10^5 draws of
the bundled 4 types, 49 years, 26 series per year), plus per running chunk its inputs and
outputs (``chunk x T x (G + K) x 8`` bytes and the kernel's ``2 x T x 256`` doubles per
thread): no ``years x years`` array.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..arrays import (OUTPUTS, Draws, ModelArrays, evaluate, fused_kernel_applies,
                      model_arrays)
from ..arrays_numba import evaluate_series
from ..config import UncertaintyOptions
from ..data import ModelData
from .sampling import sample_range
from .stats import chunk_moments, percentiles, series_moments

SUMMARY_COLUMNS = ["variable", "truck_type", "material", "year", "mean", "std", "p05", "p50",
                   "p95", "unit"]


@dataclass
class Moments:
    """Running count, mean and sum of squared deviations (float64)."""

    n: int = 0
    mean: np.ndarray | None = None
    m2: np.ndarray | None = None

    @classmethod
    def of(cls, x: np.ndarray) -> "Moments":
        """Moments of one chunk ``(n, ...)``."""
        mean = x.mean(axis=0)
        return cls(x.shape[0], mean, ((x - mean) ** 2).sum(axis=0))

    def add(self, x: np.ndarray) -> None:
        """Merge the moments of another chunk."""
        self.merge(Moments.of(x))

    def merge(self, other: "Moments") -> None:
        """Chan et al.'s pairwise update (exact for zero variance)."""
        n_b, mean_b, m2_b = other.n, other.mean, other.m2
        if self.n == 0:
            self.n, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.n + n_b
        delta = mean_b - self.mean
        self.mean = self.mean + delta * n_b / n
        self.m2 = self.m2 + m2_b + delta**2 * self.n * n_b / n
        self.n = n

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / max(self.n - 1, 1))


@dataclass
class ChunkResult:
    """What one chunk sends back: per output its moments and float32 values ``(T, K, n)``."""

    start: int
    stop: int
    moments: dict[str, Moments]
    values: dict[str, np.ndarray]


def run_chunk(base: ModelArrays, opts: UncertaintyOptions, seed: int, n: int, start: int,
              stop: int, draws: Draws | None = None) -> ChunkResult:
    """Draws ``start .. stop-1`` of an ``n``-draw run: sample, evaluate, summarise.

    ``draws`` (the chunk's own, already sliced) replaces the sampling, e.g. zero variance.
    A plain function of picklable arguments: a Dask task as it is.
    """
    d = draws if draws is not None else sample_range(base, opts, n, seed, start, stop)
    moments, values = {}, {}
    if fused_kernel_applies(base.fleet):  # compiled outputs, already (T, K, n)
        stats = {name: series_moments(v) for name, v in evaluate_series(base, d).items()}
    else:
        stats = {name: chunk_moments(np.moveaxis(v, 0, 1)) for name, v in
                 evaluate(base, d).items()}
    for name, (mean, m2, values[name]) in stats.items():
        moments[name] = Moments(stop - start, mean, m2)
    return ChunkResult(start, stop, moments, values)


@dataclass
class MCResult:
    """Samples (float32 ``(T, K, N)`` per output), moments and the inputs they came from."""

    base: ModelArrays
    series: dict[str, np.ndarray]
    moments: dict[str, Moments]
    draws: Draws | None = None
    workers: int | None = field(default=None, repr=False)

    @property
    def samples(self) -> dict[str, np.ndarray]:
        """Per output the draws as ``(N, T, K)`` (views of :attr:`series`)."""
        return {name: np.moveaxis(v, 2, 0) for name, v in self.series.items()}

    def summary(self) -> pd.DataFrame:
        """``mc_summary.csv``: mean, std and percentiles (``np.percentile``'s ``'linear'``
        method, by selection) per variable, label and year."""
        frames = []
        for name, (dim, items, unit) in self.base.labels().items():
            q = percentiles(self.series[name], [5, 50, 95], self.workers)
            mom = self.moments[name]
            for k, item in enumerate(items):
                g, m = (item, "") if dim == "g" else ("total", item)
                frames.append(pd.DataFrame({
                    "variable": name, "truck_type": g, "material": m, "year": self.base.years,
                    "mean": mom.mean[:, k], "std": mom.std[:, k], "p05": q[0, :, k],
                    "p50": q[1, :, k], "p95": q[2, :, k], "unit": unit}))
        return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def run_mc(data: ModelData, n: int, seed: int, chunk: int | None = None,
           progress: bool = True, draws: Draws | None = None,
           workers: int | None = None, client=None,
           base: ModelArrays | None = None) -> MCResult:
    """Run ``n`` Monte Carlo draws of the scenario in ``data``.

    Parameters
    ----------
    data : ModelData
    n : int
        Number of draws.
    seed : int
        Root of the seeds: draw block ``b`` uses ``SeedSequence(seed).spawn(...)[b]``
        (:mod:`elt_odym.uncertainty.sampling`).
    chunk : int, optional
        Draws evaluated per task; default from ``[uncertainty]``. The numbers do not depend
        on it.
    progress : bool
        Show a progress bar (tqdm, on standard error; hidden when not a terminal).
    draws : Draws, optional
        Use these draws instead of sampling (e.g. zero-variance draws).
    workers : int, optional
        Threads evaluating chunks side by side in this process (the kernel releases the GIL);
        default: the number of CPUs. Results do not depend on it.
    client : distributed.Client, optional
        Run the chunks as tasks on this Dask cluster instead
        (:func:`elt_odym.uncertainty.distributed.dask_client`); same results.
    base : ModelArrays, optional
        The array model's inputs, if not those of ``data`` (e.g. the scale benchmark's
        synthetic product series).
    """
    opts = data.config.uncertainty
    chunk = chunk or opts.chunk
    base = base or model_arrays(data)
    n = draws.n if draws is not None else n
    bounds = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    tasks = [(base, opts, seed, n, a, b, None if draws is None else draws.take(slice(a, b)))
             for a, b in bounds]
    series = {name: np.empty((len(base.years), len(base.labels()[name][1]), n),
                             dtype=np.float32) for name in OUTPUTS}
    moments = {name: Moments() for name in OUTPUTS}
    workers = workers or os.cpu_count() or 1
    with tqdm(total=n, desc="Monte Carlo", unit="draw", disable=not progress or None,
              leave=False) as bar:
        for res in _in_order(tasks, workers, client):
            for name in OUTPUTS:
                series[name][:, :, res.start:res.stop] = res.values[name]
                moments[name].merge(res.moments[name])
            bar.update(res.stop - res.start)
    return MCResult(base, series, moments, draws, workers)


def _in_order(tasks: list[tuple], workers: int, client=None):
    """Results of :func:`run_chunk` over ``tasks`` in task order, at most ``2 x workers``
    (threads) or ``2 x`` the cluster's threads (Dask) in flight."""
    if client is not None:
        from .distributed import submit_in_order

        yield from submit_in_order(client, run_chunk, tasks)
        return
    with ThreadPoolExecutor(workers) as pool:
        pending: deque = deque()
        for task in tasks:
            pending.append(pool.submit(run_chunk, *task))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
