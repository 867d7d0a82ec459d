"""The fleet's stock and outflow by cohort, rebuilt from the stock-driven solution.

Retirement does not depend on powertrain within a type, so the powertrain of the trucks
retiring in a year follows from the cohorts they come from. With ``sf[t, c]`` the survival of
cohort ``c`` at the end of year ``t``, ``I_c`` the inflow and ``r[t, c]`` the share of the
cohort not retired early by the ``retire`` policy (:mod:`elt_odym.fleet.kernel`: an early
retirement ``E_t`` removes the fraction ``E_t / (S_t + E_t)`` of every existing cohort)::

    S[t, c] = I_c * r[t, c] * sf[t, c]                  (c <= t)
    O[t, c] = S[t-1, c] - S[t, c]  (c < t),   O[t, t] = I_t - S[t, t]

``sum_c S[t, c]`` is the stock of the model cohorts; cohorts before the first model year (a
spin-up or workbook age structure) hold the rest.
"""

from __future__ import annotations

import numpy as np


def calc_early_fraction(stock: np.ndarray, early: np.ndarray) -> np.ndarray:
    """Fraction of every existing cohort retired early in each year, ``(T, G)``."""
    survivors = stock + early
    return np.divide(early, survivors, out=np.zeros_like(early), where=survivors > 0)


def calc_cohort_stock(inflow: np.ndarray, stock: np.ndarray, early: np.ndarray,
                      sf: np.ndarray) -> np.ndarray:
    """Stock by year and cohort ``S[t, c, g]`` of the model cohorts.

    Parameters
    ----------
    inflow, stock, early : ndarray (T, G)
        The fleet's inflow, stock and early retirement (model years).
    sf : ndarray (T, T, G)
        Survival ``sf[t, c]`` of the fleet's lifetime model.
    """
    frac = calc_early_fraction(stock, early)
    n_t = inflow.shape[0]
    remain = np.zeros(sf.shape)
    for t in range(n_t):
        if t:
            remain[t, :t] = remain[t - 1, :t] * (1.0 - frac[t])
        remain[t, t] = 1.0
    return inflow[np.newaxis] * remain * np.tril(np.ones((n_t, n_t)))[..., np.newaxis] * sf


def calc_cohort_outflow(cohort_stock: np.ndarray, inflow: np.ndarray) -> np.ndarray:
    """Outflow by year and cohort ``O[t, c, g]`` (including early retirement)."""
    out = np.zeros(cohort_stock.shape)
    out[1:] = cohort_stock[:-1] - cohort_stock[1:]
    n_t = inflow.shape[0]
    diag = np.arange(n_t)
    out[diag, diag] = inflow - cohort_stock[diag, diag]
    return out
