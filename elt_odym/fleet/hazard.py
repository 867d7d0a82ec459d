"""Lifetime structures beyond a cohort's Weibull: calendar-year (period) effects and an age cap.

The Weibull lifetime of a cohort (:mod:`elt_odym.fleet.lifetimes`) gives its survival by age
``s_c(k)``. Two policy mechanisms act on the calendar year instead of the cohort; the fleet
kernel (:mod:`elt_odym.fleet.kernel`) applies both where it computes survival:

Period effect (proportional hazards in the calendar year)
    The one-year survival ratio of cohort ``c`` at age ``k`` (calendar year ``t = c + k``),
    ``r_c(k) = s_c(k) / s_c(k-1)``, becomes ``r_c(k) ** f[t]``. ``f[t] = 1`` leaves the curve
    unchanged; ``f[t] = 2`` doubles the cumulative hazard of that year for every cohort alive,
    as a scrappage programme does (China III phase-out 2019-2022 under the Diesel Truck Action
    Plan, Huanqi [2018] 179; equipment-renewal subsidies from 2024, NDRC/MOF of 25 Jul 2024:
    ``datasets/period_effects.xlsx``, ``datasets/best_estimate/hazard_period_factor.xlsx`` and
    the documentation's validation page). The ratio form keeps every
    survival within ``[0, 1]`` and non-increasing.
Age cap
    ``s_c(k) = 0`` for ``k >= max_age``: a truck is deregistered in the year it reaches the legal
    age (Order No. 12 [2012]: 15 years, mini trucks 12; ``legal_max_age.xlsx``).
"""

from __future__ import annotations

import numpy as np


def mean_life(curve: np.ndarray) -> np.ndarray:
    """Mean lifetime (yr) of a cohort from its survival at integer ages: ``1/2 + sum_{k>=1} s(k)``.

    The trapezoidal rule for ``integral_0^inf s``: for a Weibull survival curve it is the
    Weibull mean to within about 0.01 yr; with an age cap it is below ``max_age``.
    """
    return 0.5 + np.asarray(curve, float)[1:].sum(axis=0)
