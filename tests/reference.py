"""The independent numpy reference of the fleet kernel (the solver the package had before it
was compiled once): survival curves per cohort, period effects and age cap applied to them, and
the stock-driven solve. Written with numpy only; the tests hold :func:`elt_odym.fleet.kernel.
solve_fleet` to it (1e-12), beside a plain-loop reference and flodym's ``StockDrivenDSM``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from elt_odym.errors import NegativeInflowError

POLICIES = ("error", "retire", "allow")


@dataclass(frozen=True)
class Hazard:
    """Period factors ``(T, G)`` and age caps ``(G,)`` (either may be None)."""

    period_factor: np.ndarray | None = None
    max_age: np.ndarray | None = None

    @property
    def active(self) -> bool:
        """True if anything changes the Weibull survival."""
        period = self.period_factor is not None and np.any(self.period_factor != 1.0)
        cap = self.max_age is not None and np.any(np.isfinite(self.max_age))
        return bool(period or cap)


@dataclass
class BatchResult:
    """Inflow, outflow (including early retirement), early retirement and negative deficits."""

    inflow: np.ndarray
    outflow: np.ndarray
    early_retirement: np.ndarray
    negative: np.ndarray
    policy: str = "retire"


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
                          form: str, shape_mult: np.ndarray | None = None) -> list[np.ndarray]:
    """Survival curves per cohort, ``[s_c(0..T-1-c) of shape (T-c, N, G) for c in 0..T-1]``.

    ``shape_c``, ``scale_c`` are the cohort parameters ``(C, G)`` shared by all draws and
    ``scale_mult`` (and ``shape_mult``, default 1) the draws' multipliers ``(N, G)``. Since
    ``(k / (eta_c u))^beta_c = (k / eta_c)^beta_c * u^-beta_c``, the power is taken once per
    cohort and age and only multiplied per draw when the shapes are not drawn: one exponential
    per element. Ages at which ``x`` exceeds :data:`X_NEGLIGIBLE` for every draw are not
    computed: the survival keeps its last value there (0 for the survival form,
    ``max(0, 1 - sum phi)`` for the pdf form).
    """
    if form not in ("pdf", "survival"):
        raise ValueError(f"unknown lifetime form {form!r}")
    n = shape_c.shape[0]
    k_all = np.arange(1, n, dtype=float)[:, None, None]
    log_k = np.log(k_all[:, 0])
    drawn_shape = shape_mult is not None and not np.all(shape_mult == 1.0)
    curves = []
    for c in range(n):
        ages = n - c
        out = np.empty((ages,) + scale_mult.shape)
        out[0] = 1.0
        if ages > 1:
            if drawn_shape:
                shape = shape_c[c] * shape_mult
                x = np.exp(shape * (log_k[: ages - 1, :, None]
                                    - np.log(scale_c[c] * scale_mult)))
                live = max(int(np.count_nonzero(x.min(axis=(1, 2)) < X_NEGLIGIBLE)), 1)
                x = x[:live]
            else:
                shape = shape_c[c]
                base_x = np.exp(shape * (log_k[: ages - 1] - np.log(scale_c[c])))
                u = scale_mult ** -shape
                x_min = (base_x * u.min(axis=0)).min(axis=1)  # increasing with age
                live = max(int(np.count_nonzero(x_min < X_NEGLIGIBLE)), 1)
                x = base_x[:live, None, :] * u[None]
            _survival_from_x(x, shape, k_all[:live], form, out[: live + 1])
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
                tolerance: float = 1e-9, names: list[str] | None = None,
                years: list[int] | None = None) -> BatchResult:
    """Solve ``(T, N, G)`` stock paths with one of three survival layouts.

    Parameters
    ----------
    stock : ndarray (T, N, G)
    policy : {"error", "retire", "allow"}
        See the module docstring.
    sf_table : ndarray (T, T, N, G), optional
        ``sf[t, c]``.
    sf_age : ndarray (T, N, G), optional
        Survival by age only (no cohort dependence).
    sf_cohorts : list of ndarray, optional
        Per cohort ``c`` its survival by age, ``(T - c, N, G)`` (:func:`cohort_survival_batch`).
        Exactly one of the three.
    tolerance : float
        A required inflow counts as negative below ``-tolerance * max|S|`` of its type.
    names, years : list, optional
        Type names and years, for the message of :class:`NegativeInflowError`.

    Raises
    ------
    NegativeInflowError
        Under the ``error`` policy, naming the first type and year.
    """
    if policy not in POLICIES:
        raise ValueError(f"negative_inflow policy must be one of {POLICIES}, not {policy!r}")
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
                _raise_negative(negative[t], names, years, t)
            if policy == "retire":
                frac = np.where(neg, (survivors - stock[t]) / np.where(neg, survivors, 1.0), 0.0)
                weight[:t] *= 1.0 - frac
                early[t] = np.where(neg, survivors - stock[t], 0.0)
                need = np.where(neg, 0.0, need)
        inflow[t] = need
        weight[t] = need
    change = np.diff(stock, axis=0, prepend=0.0)
    return BatchResult(inflow, inflow - change, early, negative, policy)


def _raise_negative(deficit: np.ndarray, names: list[str] | None, years: list[int] | None,
                    t: int) -> None:
    """Raise :class:`NegativeInflowError` for the largest deficit of year index ``t``."""
    g = int(np.argmax(deficit.max(axis=0)))
    name = names[g] if names and g < len(names) else f"type {g}"
    year = years[t] if years is not None else f"year index {t}"
    raise NegativeInflowError(
        f"negative inflow for {name} in {year}: the stock falls {float(deficit.max()):,.0f} "
        f"units faster than retirements; choose the 'retire' or 'allow' negative_inflow "
        f"policy or fix the stock data")


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
