"""Lifetime structures beyond a cohort's Weibull: calendar-year (period) effects and an age cap.

The Weibull lifetime of a cohort (:mod:`elt_odym.fleet.lifetimes`) gives its survival by age
``s_c(k)``. Two policy mechanisms act on the calendar year instead of the cohort:

Period effect (proportional hazards in the calendar year)
    The one-year survival ratio of cohort ``c`` at age ``k`` (calendar year ``t = c + k``),
    ``r_c(k) = s_c(k) / s_c(k-1)``, becomes ``r_c(k) ** f[t]``. ``f[t] = 1`` leaves the curve
    unchanged; ``f[t] = 2`` doubles the cumulative hazard of that year for every cohort alive,
    as a scrappage programme does (China III phase-out 2019-2022, renewal subsidies from 2024:
    ``datasets/hazard_period_factor.xlsx`` and the validation brief). The ratio form keeps every
    survival within ``[0, 1]`` and non-increasing.
Age cap
    ``s_c(k) = 0`` for ``k >= max_age``: a truck is deregistered in the year it reaches the legal
    age (Order No. 12 [2012]: 15 years, mini trucks 12; ``legal_max_age.xlsx``).

Both are applied where survival is built: the survival table of the flodym stock model
(:func:`adjust_table`, :class:`~elt_odym.fleet.stock_model.FleetStockModel`) and the
per-cohort curves of the array model (:func:`adjust_curves`). The solver
(:func:`~elt_odym.fleet.kernel.solve_batch`) is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Hazard:
    """Period factors and age caps on the fleet's extended time axis.

    Attributes
    ----------
    period_factor : ndarray (T_ext, G) or None
        Multiplier of the one-year hazard in each calendar year and type (1: no effect).
    max_age : ndarray (G,) or None
        Legal maximum age per type (yr); ``inf`` or None: no cap.
    """

    period_factor: np.ndarray | None = None
    max_age: np.ndarray | None = None

    @property
    def active(self) -> bool:
        """True if anything changes the Weibull survival."""
        period = self.period_factor is not None and np.any(self.period_factor != 1.0)
        cap = self.max_age is not None and np.any(np.isfinite(self.max_age))
        return bool(period or cap)


def adjust_curve(curve: np.ndarray, cohort: int, hazard: Hazard) -> np.ndarray:
    """Apply ``hazard`` to one cohort's survival by age.

    Parameters
    ----------
    curve : ndarray (A, ..., G)
        Survival at ages ``0..A-1`` of the cohort entering at index ``cohort`` of the extended
        axis; the last axis is the type.
    cohort : int
        Index of the cohort's entry year (calendar year of age ``k``: ``cohort + k``).
    hazard : Hazard

    Returns
    -------
    ndarray
        The adjusted curve (a new array), ``curve[0]`` unchanged.
    """
    n_ages = curve.shape[0]
    out = np.array(curve, dtype=float)
    if hazard.period_factor is not None and n_ages > 1:
        factor = np.asarray(hazard.period_factor, float)[cohort + 1: cohort + n_ages]
        trailing = (None,) * (curve.ndim - 2)
        # s'(k) = s(k) * prod_{j<=k} r_j^(f_j - 1): only the years with f != 1 change the curve
        for j in np.flatnonzero(np.any(factor != 1.0, axis=-1)) + 1:
            prev, now = curve[j - 1], curve[j]
            ratio = np.divide(now, prev, out=np.zeros_like(prev), where=prev > 0)
            correction = np.ones(np.broadcast_shapes(ratio.shape, factor[j - 1].shape))
            np.power(np.minimum(ratio, 1.0), factor[j - 1][trailing] - 1.0, out=correction,
                     where=ratio > 0)  # a curve already at 0 stays 0
            out[j:] *= correction
    if hazard.max_age is not None:
        for g, cap in enumerate(np.asarray(hazard.max_age, float)):
            if np.isfinite(cap):
                out[int(np.ceil(cap)):, ..., g] = 0.0
    return out


def adjust_curves(curves: list[np.ndarray], hazard: Hazard | None) -> list[np.ndarray]:
    """:func:`adjust_curve` for every cohort of :func:`~elt_odym.fleet.kernel.cohort_survival_batch`
    (``curves[c]`` of shape ``(T - c, N, G)``); unchanged if ``hazard`` is None or inactive."""
    if hazard is None or not hazard.active:
        return curves
    return [adjust_curve(curve, c, hazard) for c, curve in enumerate(curves)]


def adjust_table(sf: np.ndarray, hazard: Hazard | None) -> np.ndarray:
    """Apply ``hazard`` to a survival table ``sf[t, c, ..., G]`` (flodym layout)."""
    if hazard is None or not hazard.active:
        return sf
    out = np.array(sf, dtype=float)
    for c in range(sf.shape[1]):
        out[c:, c] = adjust_curve(sf[c:, c], c, hazard)
    return out


def mean_life(curve: np.ndarray) -> np.ndarray:
    """Mean lifetime (yr) of a cohort from its survival at integer ages: ``1/2 + sum_{k>=1} s(k)``.

    The trapezoidal rule for ``integral_0^inf s``: for a Weibull survival curve it is the
    Weibull mean to within about 0.01 yr; with an age cap it is below ``max_age``.
    """
    return 0.5 + np.asarray(curve, float)[1:].sum(axis=0)
