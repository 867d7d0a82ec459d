"""Economic value of recovered material (the study's Eq. 7) and inflation adjustment."""

from __future__ import annotations

import numpy as np

from ..variables import Product


def calc_economic_value(mass: np.ndarray | Product, price: np.ndarray) -> np.ndarray | Product:
    """Eq. 7 per material: ``T_j = p_j * V_j``.

    Parameters
    ----------
    mass : ndarray (..., M) or Product
        Mass ``V_j`` in t, materials on the last axis.
    price : ndarray (..., M)
        Price ``p_j`` in USD/t (per draw ``(N, 1, M)`` where drawn).

    Returns
    -------
    ndarray (..., M) or Product
        Value in USD; sum over the last axis for the study's total ``T``.
    """
    if isinstance(mass, Product):
        return mass.times(m=price)
    return np.asarray(mass, dtype=float) * np.asarray(price, dtype=float)


def calc_inflated(value: np.ndarray | Product, years: np.ndarray, rate: float,
                  base_year: int) -> np.ndarray | Product:
    """``value * (1 + rate) ** (year - base_year)``; years on the first axis of an array, the
    year axis of a :class:`~elt_odym.system.variables.Product`."""
    factor = (1.0 + rate) ** (np.asarray(years, dtype=float) - base_year)
    if isinstance(value, Product):
        return value.times(m=factor[None, :, None])
    return np.asarray(value, dtype=float) * factor.reshape((-1,) + (1,) * (np.ndim(value) - 1))
