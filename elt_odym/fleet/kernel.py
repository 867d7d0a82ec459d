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


@dataclass
class BatchResult:
    """Inflow, outflow (including early retirement), early retirement and negative events."""

    inflow: np.ndarray
    outflow: np.ndarray
    early_retirement: np.ndarray
    negative: np.ndarray


def _survival_from_x(x: np.ndarray, shape: np.ndarray, k: np.ndarray, form: str,
                     out: np.ndarray) -> np.ndarray:
    """Fill ``out[1:]`` from ``x = (k/eta)^beta`` (ages ``k >= 1``); ``out[0] = 1``."""
    out[0] = 1.0
    if form == "survival":
        np.exp(-x, out=out[1:])
        return out
    phi = np.exp(-x)
    phi *= x
    phi *= shape / k
    np.cumsum(phi, axis=0, out=phi)
    np.subtract(1.0, phi, out=out[1:])
    np.maximum(out, 0.0, out=out)
    return out


def survival_by_age_batch(shape: np.ndarray, scale: np.ndarray, n_ages: int,
                          form: str) -> np.ndarray:
    """Survival ``s[k]`` for ages ``k = 0..n_ages-1``; ``shape`` and ``scale`` are ``(N, G)``.

    Written for speed with ``x = (k/eta)^beta = exp(beta (ln k - ln eta))``: the survival form
    is ``exp(-x)``, the pdf form ``1 - cumsum(beta/k * x * exp(-x))`` (the study's Eq. 4).
    """
    shape = np.asarray(shape, dtype=float)
    scale = np.asarray(scale, dtype=float)
    rest = np.broadcast_shapes(shape.shape, scale.shape)
    out = np.ones((n_ages,) + rest)
    if n_ages < 2:
        return out
    if form not in ("pdf", "survival"):
        raise ValueError(f"unknown lifetime form {form!r}")
    k = np.arange(1, n_ages, dtype=float).reshape((-1,) + (1,) * len(rest))
    x = np.log(k) - np.log(scale)
    x *= shape
    np.exp(x, out=x)
    return _survival_from_x(x, shape, k, form, out)


X_NEGLIGIBLE = 45.0  # beyond x = (k/eta)^beta = 45, exp(-x) < 3e-20: survival and pdf are 0


def cohort_survival_batch(shape_c: np.ndarray, scale_c: np.ndarray, scale_mult: np.ndarray,
                          form: str) -> list[np.ndarray]:
    """Survival curves per cohort, ``[s_c(0..T-1-c) of shape (T-c, N, G) for c in 0..T-1]``.

    ``shape_c``, ``scale_c`` are the cohort parameters ``(C, G)`` shared by all draws and
    ``scale_mult`` the draws' scale multipliers ``(N, G)``. Since
    ``(k / (eta_c u))^beta_c = (k / eta_c)^beta_c * u^-beta_c``, the power is taken once per
    cohort and age and only multiplied per draw: one exponential per element. Ages at which
    ``x`` exceeds :data:`X_NEGLIGIBLE` for every draw are not computed: the survival keeps its
    last value there (0 for the survival form, ``max(0, 1 - sum phi)`` for the pdf form).
    """
    if form not in ("pdf", "survival"):
        raise ValueError(f"unknown lifetime form {form!r}")
    n = shape_c.shape[0]
    k_all = np.arange(1, n, dtype=float)[:, None, None]
    log_k = np.log(k_all[:, 0])
    curves = []
    for c in range(n):
        ages = n - c
        out = np.empty((ages,) + scale_mult.shape)
        out[0] = 1.0
        if ages > 1:
            base_x = np.exp(shape_c[c] * (log_k[: ages - 1] - np.log(scale_c[c])))
            u = scale_mult ** -shape_c[c]
            x_min = (base_x * u.min(axis=0)).min(axis=1)  # increasing with age
            live = max(int(np.count_nonzero(x_min < X_NEGLIGIBLE)), 1)
            x = base_x[:live, None, :] * u[None]
            _survival_from_x(x, shape_c[c], k_all[:live], form, out[: live + 1])
            out[live + 1:] = 0.0 if form == "survival" else out[live]
        curves.append(out)
    return curves


def survival_table_batch(shape: np.ndarray, scale: np.ndarray, form: str) -> np.ndarray:
    """Survival table ``sf[t, c]`` for cohort-dependent parameters ``(C, N, G)``, ``C = T``."""
    n = shape.shape[0]
    table = np.zeros((n,) + shape.shape)
    for c in range(n):
        table[c:, c] = survival_by_age_batch(shape[c], scale[c], n - c, form)
    return table


def solve_batch(stock: np.ndarray, policy: str, sf_table: np.ndarray | None = None,
                sf_age: np.ndarray | None = None, sf_cohorts: list[np.ndarray] | None = None,
                tolerance: float = 1e-9) -> BatchResult:
    """Solve ``(T, N, G)`` stock paths with one of three survival layouts.

    Parameters
    ----------
    stock : ndarray (T, N, G)
    policy : {"error", "retire", "allow"}
        As in :class:`~elt_odym.fleet.stock_model.FleetStockModel`; ``error`` raises
        ``ValueError`` here (the kernel has no names to report).
    sf_table : ndarray (T, T, N, G), optional
        ``sf[t, c]``.
    sf_age : ndarray (T, N, G), optional
        Survival by age only (no cohort dependence).
    sf_cohorts : list of ndarray, optional
        Per cohort ``c`` its survival by age, ``(T - c, N, G)`` (:func:`cohort_survival_batch`).
        Exactly one of the three.
    """
    if sum(x is not None for x in (sf_table, sf_age, sf_cohorts)) != 1:
        raise ValueError("give exactly one of sf_table, sf_age and sf_cohorts")
    n_t = stock.shape[0]
    inflow = np.zeros(stock.shape)
    weight = np.zeros(stock.shape)  # inflow_c * r_c: what is left of each cohort's entry
    early = np.zeros(stock.shape)
    negative = np.zeros(stock.shape)
    scale = np.maximum(np.abs(stock).max(axis=0), 1.0)
    for t in range(n_t):
        survivors, sf_tt = _survivors(t, weight, sf_table, sf_age, sf_cohorts)
        need = (stock[t] - survivors) / sf_tt
        neg = need < -tolerance * scale
        if np.any(neg):
            negative[t] = np.where(neg, -need * sf_tt, 0.0)
            if policy == "error":
                raise ValueError(f"negative inflow in year index {t}")
            if policy == "retire":
                frac = np.where(neg, (survivors - stock[t]) / np.where(neg, survivors, 1.0), 0.0)
                weight[:t] *= 1.0 - frac
                early[t] = np.where(neg, survivors - stock[t], 0.0)
                need = np.where(neg, 0.0, need)
        inflow[t] = need
        weight[t] = need
    change = np.diff(stock, axis=0, prepend=0.0)
    return BatchResult(inflow, inflow - change, early, negative)


def _survivors(t, weight, sf_table, sf_age, sf_cohorts):
    """``sum_{c<t} weight_c * sf[t, c]`` and ``sf[t, t]`` for the given layout."""
    if sf_table is not None:
        return np.einsum("cng,cng->ng", weight[:t], sf_table[t, :t]), sf_table[t, t]
    if sf_age is not None:
        return np.einsum("cng,cng->ng", weight[:t], sf_age[t:0:-1]), sf_age[0]
    survivors = np.zeros(weight.shape[1:])
    for c in range(t):
        survivors += weight[c] * sf_cohorts[c][t - c]
    return survivors, sf_cohorts[t][0]
