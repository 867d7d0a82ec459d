"""Logistic projection of the in-use stock (the study's Eq. 1).

``S(t) = a / (1 + exp(-k (t - t_c)))``, fitted per type by bounded, weighted least squares
(:func:`scipy.optimize.least_squares`) to the recorded history and the stated anchors. Each
observation is weighted by ``1/sigma``: ``sigma`` is the standard deviation of its normal
uncertainty string (``3;;sd``) or, without one, ``fit_default_rel_sigma * value``. Rising curves
have ``k > 0``, declining ones ``k < 0``; both signs and several starting values of ``t_c`` are
tried and the best fit is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

TC_MARGIN = 100.0
N_STARTS = 7  # starting points of t_c spread over the observed years (multi-start)


def logistic(t: np.ndarray, a: float, k: float, t_c: float) -> np.ndarray:
    """Eq. 1: ``a / (1 + exp(-k (t - t_c)))``."""
    return a / (1.0 + np.exp(-k * (np.asarray(t, dtype=float) - t_c)))


@dataclass
class LogisticFit:
    """A fitted logistic curve with its standard errors and fit quality."""

    product: str
    a: float
    k: float
    t_c: float
    se_a: float
    se_k: float
    se_t_c: float
    n_obs: int
    rmse_rel: float
    max_abs_rel: float
    chi2: float

    def __call__(self, t) -> np.ndarray:
        return logistic(t, self.a, self.k, self.t_c)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _sigma(values: np.ndarray, sigmas: np.ndarray, rel_default: float) -> np.ndarray:
    out = np.where(np.isnan(sigmas), rel_default * np.abs(values), sigmas)
    floor = 1e-6 * max(np.abs(values).max(), 1.0)
    return np.maximum(out, floor)


def _solve(years, values, sigma, sign: float, t_start: float, k_bound: float):
    a0 = float(values.max()) * (1.5 if sign > 0 else 1.2)
    x0 = np.array([a0, 0.15 * sign, t_start])
    if sign > 0:
        lo, hi = [1e-9, 1e-6, years.min() - TC_MARGIN], [np.inf, k_bound, years.max() + TC_MARGIN]
    else:
        lo, hi = [1e-9, -k_bound, years.min() - TC_MARGIN], [np.inf, -1e-6, years.max() + TC_MARGIN]

    def residual(p):
        return (logistic(years, *p) - values) / sigma

    return least_squares(residual, x0, bounds=(lo, hi), x_scale=[a0, 0.1, 10.0], xtol=1e-14,
                         ftol=1e-14, gtol=1e-14, max_nfev=20000)


def fit_logistic(product: str, years, values, sigmas=None,
                 rel_default: float = 0.05, k_bound: float = 0.3) -> LogisticFit:
    """Fit Eq. 1 to observations of one type.

    Parameters
    ----------
    product : str
        Type name (for reporting).
    years, values : array_like
        Observations; at least three.
    sigmas : array_like, optional
        Standard deviations; NaN entries use ``rel_default * value``.
    rel_default : float
        Relative standard deviation of observations without one.
    k_bound : float
        Bound on ``|k|`` (1/yr); ``0.3`` means 10 % to 90 % of saturation in no less than
        about 15 years, one truck lifetime (model option ``fit_max_rate``).

    Returns
    -------
    LogisticFit
        Parameters, standard errors from the Jacobian (scaled by the reduced chi-square when
        there are more observations than parameters) and fit quality.
    """
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if years.size < 3:
        raise ValueError(f"{product}: a logistic fit needs at least 3 observations, got "
                         f"{years.size}")
    sigmas = np.full(years.shape, np.nan) if sigmas is None else np.asarray(sigmas, float)
    sigma = _sigma(values, sigmas, rel_default)
    starts = np.linspace(years.min(), years.max(), N_STARTS)
    best = min((_solve(years, values, sigma, s, t0, k_bound) for s in (1.0, -1.0) for t0 in starts),
               key=lambda r: r.cost)
    a, k, t_c = best.x
    dof = years.size - 3
    chi2 = float(2.0 * best.cost)
    try:
        cov = np.linalg.inv(best.jac.T @ best.jac)
        if dof > 0:
            cov *= chi2 / dof
        se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    except np.linalg.LinAlgError:
        se = np.full(3, np.nan)
    rel = (logistic(years, a, k, t_c) - values) / np.where(values != 0, values, 1.0)
    return LogisticFit(product, float(a), float(k), float(t_c), *map(float, se),
                       n_obs=int(years.size), rmse_rel=float(np.sqrt(np.mean(rel**2))),
                       max_abs_rel=float(np.abs(rel).max()), chi2=chi2)
