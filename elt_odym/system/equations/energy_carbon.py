"""Energy and carbon savings of secondary over primary production (the study's Eqs. 8-9).

``E_red = (e_p - e_s) V`` and ``C_red = (c_p - c_s) V``. With a relative range ``r`` on every
factor (Table 1: 20 %), the widest range of a saving is::

    low  = ((1 - r) f_p - (1 + r) f_s) V
    high = ((1 + r) f_p - (1 - r) f_s) V
"""

from __future__ import annotations

import numpy as np


def calc_saving(f_primary: np.ndarray, f_secondary: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Eqs. 8-9: ``(f_p - f_s) * V`` (factors broadcast against ``mass``)."""
    return (np.asarray(f_primary, float) - np.asarray(f_secondary, float)) * np.asarray(mass,
                                                                                        float)


def calc_saving_range(f_primary: np.ndarray, f_secondary: np.ndarray, mass: np.ndarray,
                      rel_range: float) -> tuple[np.ndarray, np.ndarray]:
    """Low and high saving with every factor varied by ``+-rel_range`` (see module docstring)."""
    fp, fs, v = (np.asarray(x, dtype=float) for x in (f_primary, f_secondary, mass))
    low = ((1.0 - rel_range) * fp - (1.0 + rel_range) * fs) * v
    high = ((1.0 + rel_range) * fp - (1.0 - rel_range) * fs) * v
    return low, high


def calc_route_demand(factor: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Energy or carbon of producing ``mass`` by one route: ``f * V`` (the study's Fig. 5)."""
    return np.asarray(factor, dtype=float) * np.asarray(mass, dtype=float)
