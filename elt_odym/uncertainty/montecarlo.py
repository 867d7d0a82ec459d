"""Monte Carlo on the array model: chunks as tasks, seeded blocks, bounded memory.

A chunk (:func:`run_chunk`) makes its own draws (:func:`~elt_odym.uncertainty.sampling.
sample_range`: fixed blocks of draws, each from its own spawned seed), evaluates the array model
(:func:`~elt_odym.batch_numba.evaluate_series`, compiled; the numpy
:func:`~elt_odym.batch.evaluate` when the fleet needs the numpy path) and returns per output its
float64 mean and sum of squared deviations and its values as float32 ``(T, K, n)``. Chunks run
on threads in this process, or as tasks on a Dask cluster
(:mod:`elt_odym.uncertainty.distributed`); they are merged in chunk order (Chan et al.'s
pairwise update), so the result is the same wherever they ran, and the draws do not depend on
the chunk size. Zero-variance draws reproduce the deterministic run.

Percentiles are exact (equal to ``np.percentile``) without keeping every draw
(:mod:`elt_odym.uncertainty.quantiles`). Memory: per series the first 8,192 draws (float32)
until the percentile bounds are set, then about 12 % of the draws (those near a percentile),
the total end-of-life weight's draws for the figure (``T x N`` float32), and per running chunk
its inputs and outputs (``chunk x T x (4 G + 2 K) x 8`` bytes; :func:`auto_chunk` keeps it near
64 MB): no ``years x years`` array.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..batch import (
    OUTPUTS,
    Draws,
    ModelArrays,
    evaluate,
    fused_kernel_applies,
    model_arrays,
)
from ..batch_numba import evaluate_series
from ..config import UncertaintyOptions
from ..data import ModelData
from .quantiles import StreamQuantiles
from .sampling import sample_range
from .stats import chunk_moments, percentiles, series_moments

logger = logging.getLogger(__name__)

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
    """Moments and percentiles per output (``(T, K)`` and ``(3, T, K)``), the draws of the
    total end-of-life weight (float32 ``(T, 1, N)``) and the inputs they came from."""

    base: ModelArrays
    moments: dict[str, Moments]
    quantiles: dict[str, np.ndarray]
    series: dict[str, np.ndarray]
    draws: Draws | None = None

    @property
    def samples(self) -> dict[str, np.ndarray]:
        """The kept draws as ``(N, T, K)``: ``eol_mass`` with its total only (``K = 1``)."""
        return {name: np.moveaxis(v, 2, 0) for name, v in self.series.items()}

    def summary(self) -> pd.DataFrame:
        """``mc_summary.csv``: mean, std and percentiles (``np.percentile``'s ``'linear'``
        method, exact) per variable, label and year."""
        frames = []
        for name, (dim, items, unit) in self.base.labels().items():
            q, mom = self.quantiles[name], self.moments[name]
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
        Draws evaluated per task; default :func:`auto_chunk` (at most ``[uncertainty]``
        ``chunk``). The numbers do not depend on it.
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
    base = base or model_arrays(data)
    chunk = chunk or auto_chunk(base, opts.chunk)
    n = draws.n if draws is not None else n
    bounds = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]
    tasks = [(base, opts, seed, n, a, b, None if draws is None else draws.take(slice(a, b)))
             for a, b in bounds]
    shapes = {name: (len(base.years), len(base.labels()[name][1])) for name in OUTPUTS}
    stream = {name: StreamQuantiles(int(np.prod(shapes[name])), n) for name in OUTPUTS}
    kept = {"eol_mass": np.empty((len(base.years), 1, n), dtype=np.float32)}
    moments = {name: Moments() for name in OUTPUTS}
    workers = workers or os.cpu_count() or 1
    with tqdm(total=n, desc="Monte Carlo", unit="draw", disable=not progress or None,
              leave=False) as bar, ThreadPoolExecutor(workers) as feeders:
        for res in _in_order(tasks, workers, client):
            list(feeders.map(lambda name: stream[name].add(  # outputs side by side (nogil)
                res.values[name].reshape(-1, res.stop - res.start)), OUTPUTS))
            for name in OUTPUTS:
                moments[name].merge(res.moments[name])
            kept["eol_mass"][:, :, res.start:res.stop] = res.values["eol_mass"][:, -1:]
            bar.update(res.stop - res.start)
    quantiles = _finish_quantiles(stream, shapes, tasks, workers, client)
    return MCResult(base, moments, quantiles, kept, draws)


CHUNK_BYTES = 64 * 2**20
"""Memory of one running chunk that :func:`auto_chunk` aims at."""


def auto_chunk(base: ModelArrays, limit: int) -> int:
    """Draws per chunk: at most ``limit``, and about :data:`CHUNK_BYTES` of kernel arrays
    (``4 x T x G`` doubles per draw) and outputs (``2 x T x K``) per chunk."""
    n_k = sum(len(base.labels()[name][1]) for name in OUTPUTS)
    per_draw = len(base.fleet.years) * (4 * len(base.products) + 2 * n_k) * 8
    return int(max(64, min(limit, CHUNK_BYTES // per_draw)))


def _finish_quantiles(stream: dict, shapes: dict, tasks: list[tuple], workers: int,
                      client=None) -> dict[str, np.ndarray]:
    """Percentiles of every output; series whose bounds missed are evaluated again, alone,
    and selected from all their draws (rare: a pilot unlike the rest)."""
    out, missed = {}, {}
    for name, sq in stream.items():
        out[name], failed = sq.result()
        if failed.any():
            missed[name] = np.nonzero(failed)[0]
    if missed:
        logger.info("percentile bounds missed for %d series: evaluating them again",
                    sum(len(v) for v in missed.values()))
        parts = {name: [] for name in missed}
        for res in _in_order(tasks, workers, client):
            for name, rows in missed.items():
                flat = res.values[name].reshape(-1, res.stop - res.start)
                parts[name].append(flat[rows])
        for name, rows in missed.items():
            out[name][:, rows] = percentiles(np.concatenate(parts[name], axis=1),
                                             stream[name].q, workers)
    return {name: q.reshape((q.shape[0],) + shapes[name]) for name, q in out.items()}


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
