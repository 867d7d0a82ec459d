"""Monte Carlo on the batched model: chunked, seeded, with a progress bar and bounded memory.

Per draw the outputs of :mod:`elt_odym.uncertainty.batch` are kept as float32 (for the
percentiles); means and standard deviations are accumulated in float64 chunk by chunk
(Chan et al.'s pairwise update), so zero-variance draws reproduce the deterministic run exactly.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from ..data import ModelData
from ..arrays import OUTPUTS, Draws, ModelArrays, evaluate, model_arrays
from .sampling import sample

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
class MCResult:
    """Samples (float32, ``(N, T, K)`` per output), moments and the inputs they came from."""

    base: ModelArrays
    draws: Draws
    samples: dict[str, np.ndarray]
    moments: dict[str, Moments]

    def summary(self) -> pd.DataFrame:
        """``mc_summary.csv``: mean, std and percentiles per variable, label and year."""
        frames = []
        labels = self.base.labels()
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            quantiles = dict(zip(labels, pool.map(
                lambda n: np.percentile(self.samples[n], [5, 50, 95], axis=0), labels)))
        for name, (dim, items, unit) in labels.items():
            q = quantiles[name]
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
           workers: int | None = None) -> MCResult:
    """Run ``n`` Monte Carlo draws of the scenario in ``data``.

    Parameters
    ----------
    data : ModelData
    n : int
        Number of draws.
    seed : int
        Seed of the ``numpy.random.Generator`` (PCG64) that makes every draw.
    chunk : int, optional
        Draws evaluated at once (memory ~ chunk x years^2 x types x 8 bytes for cohort-dependent
        lifetimes); default from ``[uncertainty]``.
    progress : bool
        Show a progress bar (tqdm, on standard error; hidden when not a terminal).
    draws : Draws, optional
        Use these draws instead of sampling (e.g. zero-variance draws).
    workers : int, optional
        Threads evaluating chunks side by side (numpy releases the GIL); default: the number
        of CPUs. Results do not depend on it: chunks are merged in order.
    """
    opts = data.config.uncertainty
    chunk = chunk or opts.chunk
    base = model_arrays(data)
    draws = draws or sample(base, opts, n, np.random.default_rng(seed))
    samples = {name: np.empty((draws.n, len(base.years), len(base.labels()[name][1])),
                              dtype=np.float32) for name in OUTPUTS}
    moments = {name: Moments() for name in OUTPUTS}
    workers = workers or os.cpu_count() or 1
    slices = [slice(i, min(i + chunk, draws.n)) for i in range(0, draws.n, chunk)]

    def work(sl: slice) -> dict[str, Moments]:
        out = evaluate(base, draws.take(sl))
        for name, values in out.items():
            samples[name][sl] = values  # disjoint slices: safe across threads
        return {name: Moments.of(values) for name, values in out.items()}

    with tqdm(total=draws.n, desc="Monte Carlo", unit="draw", disable=not progress or None,
              leave=False) as bar, ThreadPoolExecutor(workers) as pool:
        for wave in range(0, len(slices), workers):  # at most `workers` chunks in memory
            part = slices[wave: wave + workers]
            for sl, chunk_moments in zip(part, pool.map(work, part)):
                for name, m in chunk_moments.items():
                    moments[name].merge(m)
                bar.update(sl.stop - sl.start)
    return MCResult(base, draws, samples, moments)
