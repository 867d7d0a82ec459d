"""The fleet by powertrain: each year's new trucks split by the powertrain shares of that year.

A cohort keeps its powertrain, so (``s[c, g, p]`` the share of powertrain ``p`` in the new
trucks of type ``g`` in year ``c``)::

    inflow[t, g, p] = I[t, g] * s[t, g, p]
    stock[t, g, p]  = sum_c S[t, c, g] * s[c, g, p]
    eol[t, g, p]    = sum_c O[t, c, g] * s[c, g, p]

The reference powertrain (the first item, diesel) takes the remainder of each total, so it also
holds the cohorts before the first model year, and all-diesel shares give the totals exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FleetByPowertrain:
    """Stock, inflow and end of life (vehicles) by year, type and powertrain ``(T, G, P)``."""

    stock: np.ndarray
    inflow: np.ndarray
    eol: np.ndarray


def calc_by_cohort_share(by_cohort: np.ndarray, share: np.ndarray) -> np.ndarray:
    """``sum_c X[t, c, g] * s[c, g, p]`` -> ``(T, G, P)``."""
    return np.einsum("tcg,cgp->tgp", by_cohort, share)


def with_reference_remainder(total: np.ndarray, split: np.ndarray) -> np.ndarray:
    """Replace the reference powertrain (index 0) by ``total`` minus the others."""
    out = split.copy()
    out[..., 0] = total - split[..., 1:].sum(axis=-1)
    return out


def split_fleet(total_stock: np.ndarray, total_inflow: np.ndarray, total_eol: np.ndarray,
                cohort_stock: np.ndarray, cohort_outflow: np.ndarray,
                share: np.ndarray) -> FleetByPowertrain:
    """The fleet by powertrain (see the module docstring); totals are ``(T, G)``."""
    inflow = total_inflow[..., np.newaxis] * share
    return FleetByPowertrain(
        stock=with_reference_remainder(total_stock, calc_by_cohort_share(cohort_stock, share)),
        inflow=with_reference_remainder(total_inflow, inflow),
        eol=with_reference_remainder(total_eol, calc_by_cohort_share(cohort_outflow, share)))
