"""Energy and carbon savings of secondary over primary production (the study's Eqs. 8-9).

``E_red = (e_p - e_s) V`` and ``C_red = (c_p - c_s) V``. With a relative range ``r`` on every
factor (Table 1: 20 %), the widest range of a saving is::

    low  = ((1 - r) f_p - (1 + r) f_s) V
    high = ((1 + r) f_p - (1 - r) f_s) V
"""

from __future__ import annotations

import numpy as np

from ..variables import Product


def _scaled(factor: np.ndarray, mass: np.ndarray | Product) -> np.ndarray | Product:
    """``factor * mass`` (factors broadcast against the materials of ``mass``)."""
    if isinstance(mass, Product):
        return mass.times(m=factor)
    return np.asarray(factor, float) * np.asarray(mass, float)


def calc_saving(f_primary: np.ndarray, f_secondary: np.ndarray, mass: np.ndarray | Product
                ) -> np.ndarray | Product:
    """Eqs. 8-9: ``(f_p - f_s) * V`` (factors broadcast against ``mass``)."""
    return _scaled(np.asarray(f_primary, float) - np.asarray(f_secondary, float), mass)


def calc_saving_range(f_primary: np.ndarray, f_secondary: np.ndarray,
                      mass: np.ndarray | Product, rel_range: float):
    """Low and high saving with every factor varied by ``+-rel_range`` (see module docstring)."""
    fp, fs = np.asarray(f_primary, dtype=float), np.asarray(f_secondary, dtype=float)
    low = (1.0 - rel_range) * fp - (1.0 + rel_range) * fs
    high = (1.0 + rel_range) * fp - (1.0 - rel_range) * fs
    return _scaled(low, mass), _scaled(high, mass)


def calc_route_demand(factor: np.ndarray, mass: np.ndarray | Product) -> np.ndarray | Product:
    """Energy or carbon of producing ``mass`` by one route: ``f * V`` (the study's Fig. 5)."""
    return _scaled(factor, mass)
