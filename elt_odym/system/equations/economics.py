"""Economic value of recovered material (the study's Eq. 7) and inflation adjustment."""

from __future__ import annotations

import numpy as np


def calc_economic_value(mass: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Eq. 7 per material: ``T_j = p_j * V_j``.

    Parameters
    ----------
    mass : ndarray (..., M)
        Mass ``V_j`` in t, materials on the last axis.
    price : ndarray (M,)
        Price ``p_j`` in USD/t.

    Returns
    -------
    ndarray (..., M)
        Value in USD; sum over the last axis for the study's total ``T``.
    """
    return np.asarray(mass, dtype=float) * np.asarray(price, dtype=float)


def calc_inflated(value: np.ndarray, years: np.ndarray, rate: float,
                  base_year: int) -> np.ndarray:
    """``value * (1 + rate) ** (year - base_year)``, years on the first axis of ``value``."""
    years = np.asarray(years, dtype=float)
    factor = (1.0 + rate) ** (years - base_year)
    return np.asarray(value, dtype=float) * factor.reshape((-1,) + (1,) * (np.ndim(value) - 1))
