"""The batched numpy kernel: the stock-driven model for many parameter sets at once.

Same maths and convention as :mod:`elt_odym.fleet.stock_model` (see there), written
independently and laid out for speed: arrays are ``(T, N, G)`` (year, draw, type) and the
survival table ``(T, C, N, G)``. When the lifetime parameters do not depend on the cohort the
table is never built: survival depends on age only and the kernel uses ``sf[t, c] = s[t - c]``.

The outflow follows from the number balance ``outflow_t = inflow_t - (S_t - S_{t-1})``, which
holds exactly because every policy keeps the stock on its path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lifetimes import weibull_pdf


@dataclass
class BatchResult:
    """Inflow, outflow (including early retirement), early retirement and negative events."""

    inflow: np.ndarray
    outflow: np.ndarray
    early_retirement: np.ndarray
    negative: np.ndarray


def survival_by_age_batch(shape: np.ndarray, scale: np.ndarray, n_ages: int,
                          form: str) -> np.ndarray:
    """Survival ``s[k]`` for ages ``k = 0..n_ages-1``; ``shape`` and ``scale`` are ``(N, G)``."""
    k = np.arange(n_ages, dtype=float).reshape((-1,) + (1,) * np.ndim(shape))
    if form == "survival":
        return np.exp(-((k / scale) ** shape))
    s = np.ones((n_ages,) + np.broadcast_shapes(np.shape(shape), np.shape(scale)))
    s[1:] = np.maximum(1.0 - np.cumsum(weibull_pdf(k[1:], shape, scale), axis=0), 0.0)
    return s


def survival_table_batch(shape: np.ndarray, scale: np.ndarray, form: str) -> np.ndarray:
    """Survival table ``sf[t, c]`` for cohort-dependent parameters ``(C, N, G)``, ``C = T``."""
    n = shape.shape[0]
    table = np.zeros((n,) + shape.shape)
    for c in range(n):
        table[c:, c] = survival_by_age_batch(shape[c], scale[c], n - c, form)
    return table


def solve_batch(stock: np.ndarray, policy: str, sf_table: np.ndarray | None = None,
                sf_age: np.ndarray | None = None, tolerance: float = 1e-9) -> BatchResult:
    """Solve ``(T, N, G)`` stock paths with a survival table or an age-only survival.

    Parameters
    ----------
    stock : ndarray (T, N, G)
    policy : {"error", "retire", "allow"}
        As in :class:`~elt_odym.fleet.stock_model.FleetStockModel`; ``error`` raises
        ``ValueError`` here (the kernel has no names to report).
    sf_table : ndarray (T, T, N, G), optional
    sf_age : ndarray (T, N, G), optional
        Exactly one of the two.
    """
    if (sf_table is None) == (sf_age is None):
        raise ValueError("give exactly one of sf_table and sf_age")
    n_t = stock.shape[0]
    inflow = np.zeros(stock.shape)
    remain = np.ones(stock.shape)
    early = np.zeros(stock.shape)
    negative = np.zeros(stock.shape)
    scale = np.maximum(np.abs(stock).max(axis=0), 1.0)
    for t in range(n_t):
        if sf_table is not None:
            sf_t, sf_tt = sf_table[t, :t], sf_table[t, t]
        else:
            sf_t, sf_tt = sf_age[t:0:-1], sf_age[0]
        survivors = np.einsum("cng,cng->ng", inflow[:t] * remain[:t], sf_t)
        need = (stock[t] - survivors) / sf_tt
        neg = need < -tolerance * scale
        if np.any(neg):
            negative[t] = np.where(neg, -need * sf_tt, 0.0)
            if policy == "error":
                raise ValueError(f"negative inflow in year index {t}")
            if policy == "retire":
                frac = np.where(neg, (survivors - stock[t]) / np.where(neg, survivors, 1.0), 0.0)
                remain[:t] *= 1.0 - frac
                early[t] = np.where(neg, survivors - stock[t], 0.0)
                need = np.where(neg, 0.0, need)
        inflow[t] = need
    change = np.diff(stock, axis=0, prepend=0.0)
    return BatchResult(inflow, inflow - change, early, negative)
