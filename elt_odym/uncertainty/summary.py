"""Exact Monte Carlo statistics of many series (placeholder keeping every draw; the bounded-
memory engine replaces it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np


@dataclass
class Summary:
    """Mean, standard deviation (ddof=1), percentiles ``(Q, S)``, min, max of every series."""

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    min: np.ndarray
    max: np.ndarray
    passes: int = 1


def summarise(produce: Callable[[int, int], np.ndarray], n: int, n_series: int, *,
              chunk: int, q: Sequence[float] = (5, 50, 95), workers: int = 1,
              memory_budget: int = 256 * 2**20, run_chunks=None, progress=None) -> Summary:
    """Statistics of ``produce(start, stop)`` ``(S, stop - start)`` over draws ``0..n-1``."""
    ranges = [(a, min(a + chunk, n)) for a in range(0, n, chunk)]
    if run_chunks is None:
        parts = [produce(a, b) for a, b in ranges]
    else:
        parts = list(run_chunks(produce, ranges))
    values = np.concatenate(parts, axis=1)
    if progress is not None:
        progress(n)
    std = values.std(axis=1, ddof=1) if n > 1 else np.zeros(n_series)
    return Summary(values.mean(axis=1), std, np.percentile(values, q, axis=1),
                   values.min(axis=1), values.max(axis=1))
