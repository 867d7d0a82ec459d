"""Logistic projection of the in-use stock (the study's Eq. 1), fitted and sampled.

``S(t) = a / (1 + exp(-k (t - t_c)))``, fitted per type by bounded, weighted least squares
(:func:`scipy.optimize.least_squares`) to the recorded history and the stated anchors. Each
observation is weighted by ``1/sigma``: ``sigma`` is the standard deviation of its normal
uncertainty string (``3;;sd``) or, without one, ``fit_default_rel_sigma * value``. Rising curves
have ``k > 0``, declining ones ``k < 0``; both signs and several starting values of ``t_c`` are
tried and the best fit is kept.

Sampling the projection (issue 20)
    Where the fit's targets are the study's own projections (the 2035/2050 anchors), they are
    replaced by stated priors (``stock_projection_priors.xlsx``, read by
    :func:`~elt_odym.io.statistics.read_stock_priors`): a prior ``value +- sd`` is one more
    weighted observation, and the anchors it ``replaces`` leave the fit. The fit with the
    priors is the centre (the posterior mode) of a normal approximation of the parameters
    ``x = (log a, k, t_c)`` per type, with covariance ``c (J^T J)^-1`` from the weighted
    Jacobian ``J`` at the centre. ``c = max(1, chi2 / dof)`` inflates the covariance when the
    observations scatter more than their sds say, and never shrinks it (with ``dof`` the
    observations and priors less the free parameters). ``log a`` keeps every drawn saturation
    positive and makes the degenerate ``a``-``t_c`` direction of a declining curve nearly
    linear. A parameter at a bound of the fit (``|k| = fit_max_rate``) is held at it. Draws
    outside the fit's bounds (a rate of the wrong sign or above the bound, ``t_c`` beyond its
    margin) are drawn again: the draws are the normal truncated to the bounds, and the number
    redrawn is reported. Each draw's stock path is built like the deterministic one
    (:func:`elt_odym.fleet.inputs.stock_path`): the recorded years stay as recorded in every
    draw, and under ``stock_join = "blend"`` the draw's own residual at the last recorded year
    decays after it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from ..errors import DataValidationError, Problem
from ..io.statistics import read_stock_priors
from . import fit_cache

if TYPE_CHECKING:
    from ..data import ModelData

log = logging.getLogger(__name__)

TC_MARGIN = 100.0
N_STARTS = 7  # starting points of t_c spread over the observed years (multi-start)
K_MIN = 1e-6  # the smallest |k| of a fit: a rising curve has k >= K_MIN, a declining one <= -K_MIN
PRIORS_FILE = "stock_projection_priors.xlsx"
"""The priors workbook of a data folder (next to ``config.toml``)."""
MAX_FIT_EVALUATIONS = 400
"""Evaluations of one start of the fit. The bundled fits converge within about 100; a fit that
has not converged by then is degenerate: a declining curve whose saturation runs off towards
infinity while the curve over the observed years stays an exponential decay (best_estimate's
NT, 18 % a year from 2003). Its last point is kept (it is logged), which bounds the time of a
run instead of crawling along the valley for thousands of evaluations."""
MAX_REDRAWS = 1000
"""Rounds of redrawing out-of-bounds draws before giving up (a prior far outside the bounds)."""


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
    t_lo, t_hi = years.min() - TC_MARGIN, years.max() + TC_MARGIN
    if sign > 0:
        lo, hi = [1e-9, K_MIN, t_lo], [np.inf, k_bound, t_hi]
    else:
        lo, hi = [1e-9, -k_bound, t_lo], [np.inf, -K_MIN, t_hi]

    def residual(p):
        return (logistic(years, *p) - values) / sigma

    return least_squares(residual, x0, bounds=(lo, hi), x_scale=[a0, 0.1, 10.0], xtol=1e-14,
                         ftol=1e-14, gtol=1e-14, max_nfev=MAX_FIT_EVALUATIONS)


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

    Notes
    -----
    A fit of the same observations, sds and options by the same code is taken from the user's
    cache folder (:mod:`~elt_odym.fleet.fit_cache`), bit-identical to computing it again.
    """
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if years.size < 3:
        raise ValueError(f"{product}: a logistic fit needs at least 3 observations, got "
                         f"{years.size}")
    sigmas = np.full(years.shape, np.nan) if sigmas is None else np.asarray(sigmas, float)
    sigma = _sigma(values, sigmas, rel_default)
    where = fit_cache.folder()
    key = None if where is None else fit_cache.fit_key(
        years, values, sigma, rel_default, k_bound,
        repr((N_STARTS, TC_MARGIN, K_MIN, MAX_FIT_EVALUATIONS)))
    entry = fit_cache.load(where, key, _FIELDS)
    if entry is None:
        entry = _fit_entry(years, values, sigma, k_bound)
        fit_cache.store(where, key, entry)
    fit = LogisticFit(product, **entry["fit"])
    if entry["status"] == 0:
        log.info("%s: the logistic fit stopped after %d evaluations (a degenerate curve: "
                 "a = %.3g, t_c = %.1f); its last point is used", product, entry["nfev"],
                 fit.a, fit.t_c)
    return fit


_FIELDS = tuple(f.name for f in fields(LogisticFit) if f.name != "product")
"""The fields of a fit kept in the cache (:mod:`~elt_odym.fleet.fit_cache`)."""


def _fit_entry(years: np.ndarray, values: np.ndarray, sigma: np.ndarray,
               k_bound: float) -> dict:
    """The best of the multi-start fits as a :mod:`~elt_odym.fleet.fit_cache` entry: the
    fields of the :class:`LogisticFit` but its type, and the best solve's status and
    evaluations."""
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
    fit = dict(a=float(a), k=float(k), t_c=float(t_c), se_a=float(se[0]), se_k=float(se[1]),
               se_t_c=float(se[2]), n_obs=int(years.size),
               rmse_rel=float(np.sqrt(np.mean(rel**2))), max_abs_rel=float(np.abs(rel).max()),
               chi2=chi2)
    return {"fit": fit, "status": int(best.status), "nfev": int(best.nfev)}


# -- sampling the projection (module docstring: "Sampling the projection") ----------------------

@dataclass(frozen=True)
class StockObservations:
    """One type's fit targets: years, values, sds (NaN: default) and where each comes from
    (``"history"``, ``"anchor"`` or ``"prior"``)."""

    years: np.ndarray
    values: np.ndarray
    sigmas: np.ndarray
    kinds: tuple[str, ...]


def stock_observations(data: "ModelData", product: str) -> StockObservations:
    """The recorded history and stated anchors of one type, as the deterministic fit uses them
    (the same years, values and sds as :func:`elt_odym.fleet.inputs.observations`)."""
    rows = {}
    for name, kind in (("stock_history", "history"), ("stock_anchors", "anchor")):
        p = data[name]
        for (year, g), value in p.observations.items():
            if g != product:
                continue
            unc = p.uncertainty[(year, g)]
            sigma = unc.p2 if unc.kind == "normal" else np.nan
            rows[(year, name)] = (float(year), float(value), float(sigma), kind)
    ordered = sorted(rows.values(), key=lambda r: r[:3])
    arr = np.array([r[:3] for r in ordered], dtype=float).reshape(-1, 3)
    return StockObservations(arr[:, 0], arr[:, 1], arr[:, 2], tuple(r[3] for r in ordered))


def with_priors(obs: StockObservations, product: str, priors: pd.DataFrame | None,
                path: str = "") -> StockObservations:
    """Replace the anchors that ``priors`` replace by the priors of ``product``.

    A prior replaces those of its years that are anchors of the type (a scenario may state
    only some of them, e.g. the 2050 level of a statement about 2035-2050).

    Raises
    ------
    DataValidationError
        If a prior replaces no anchor of the type.
    """
    if priors is None or priors.empty:
        return obs
    mine = priors[priors["truck_type"] == product]
    replaced = {int(y) for rep in mine["replaces"] for y in rep}
    anchors = {int(y) for y, k in zip(obs.years, obs.kinds) if k == "anchor"}
    problems = [Problem(path, "priors", f"F{r.row}", "unknown-anchor",
                        f"{product}: replaces {'; '.join(map(str, r.replaces))}, none of which "
                        f"is a year of the type's stock_anchors {sorted(anchors)}")
                for r in mine.itertuples(index=False)
                if not any(y in anchors for y in r.replaces)]
    if problems:
        raise DataValidationError(problems)
    keep = np.array([not (k == "anchor" and int(y) in replaced)
                     for y, k in zip(obs.years, obs.kinds)], dtype=bool)
    return StockObservations(
        np.concatenate([obs.years[keep], mine["year"].to_numpy(float)]),
        np.concatenate([obs.values[keep], mine["value"].to_numpy(float)]),
        np.concatenate([obs.sigmas[keep], mine["sd"].to_numpy(float)]),
        tuple(k for k, kept in zip(obs.kinds, keep) if kept) + ("prior",) * len(mine))


def logistic_jacobian(t: np.ndarray, log_a: float, k: float, t_c: float) -> np.ndarray:
    """``dS/d(log a, k, t_c)`` of Eq. 1 at the times ``t``, shape ``(len(t), 3)``."""
    t = np.asarray(t, dtype=float)
    a = np.exp(log_a)
    e = np.exp(-k * (t - t_c))
    s = a / (1.0 + e)
    common = a * e / (1.0 + e) ** 2
    return np.column_stack([s, common * (t - t_c), -common * k])


@dataclass(frozen=True)
class ProjectionPosterior:
    """The normal approximation of one type's parameters ``(log a, k, t_c)``.

    Attributes
    ----------
    fit : LogisticFit
        The centre: the fit to the history, the anchors kept and the priors.
    mean : ndarray (3,)
        ``(log a, k, t_c)`` of the centre.
    cov : ndarray (3, 3)
        Covariance; rows and columns of parameters held at a bound are zero.
    free : ndarray (3,) of bool
        Parameters that vary (not at a bound of the fit).
    inflation : float
        ``max(1, chi2 / dof)``, already applied to ``cov``.
    lower, upper : ndarray (3,)
        The bounds of the fit, in the same parameters.
    observations : StockObservations
        What was fitted.
    """

    fit: LogisticFit
    mean: np.ndarray
    cov: np.ndarray
    free: np.ndarray
    inflation: float
    lower: np.ndarray
    upper: np.ndarray
    observations: StockObservations


def fit_posterior(product: str, obs: StockObservations, rel_default: float = 0.05,
                  k_bound: float = 0.3) -> ProjectionPosterior:
    """Fit Eq. 1 to ``obs`` (priors included) and approximate its parameters by a normal.

    Parameters
    ----------
    product : str
        Type name.
    obs : StockObservations
        History, anchors and priors (:func:`with_priors`).
    rel_default, k_bound : float
        As in :func:`fit_logistic` (``fit_default_rel_sigma``, ``fit_max_rate``).
    """
    fit = fit_logistic(product, obs.years, obs.values, obs.sigmas, rel_default, k_bound)
    sigma = _sigma(obs.values, obs.sigmas, rel_default)
    mean = np.array([np.log(fit.a), fit.k, fit.t_c])
    sign = 1.0 if fit.k > 0 else -1.0
    k_range = sorted((sign * K_MIN, sign * k_bound))
    lower = np.array([-np.inf, k_range[0], obs.years.min() - TC_MARGIN])
    upper = np.array([np.inf, k_range[1], obs.years.max() + TC_MARGIN])
    tol = 1e-9 * np.maximum(1.0, np.abs(mean))
    free = ~((np.abs(mean - lower) <= tol) | (np.abs(mean - upper) <= tol))
    jac = logistic_jacobian(obs.years, *mean) / sigma[:, None]
    dof = obs.years.size - int(free.sum())
    inflation = max(1.0, fit.chi2 / dof) if dof > 0 else 1.0
    cov = np.zeros((3, 3))
    sub = jac[:, free]
    cov[np.ix_(free, free)] = np.linalg.pinv(sub.T @ sub) * inflation
    return ProjectionPosterior(fit, mean, cov, free, inflation, lower, upper, obs)


def default_priors(data: "ModelData") -> pd.DataFrame | None:
    """The priors workbook of the data folder (:data:`PRIORS_FILE`), or None without one."""
    path = Path(data.config.data_dir) / PRIORS_FILE
    if not path.is_file():
        log.info("no %s in %s: the anchors stay observations of the fit", PRIORS_FILE,
                 data.config.data_dir)
        return None
    return read_stock_priors(path)


def projection_posteriors(data: "ModelData", priors: pd.DataFrame | None | str = "data"
                          ) -> dict[str, ProjectionPosterior]:
    """:func:`fit_posterior` of every type.

    Parameters
    ----------
    data : ModelData
        The scenario's data (history, anchors, ``fit_default_rel_sigma``, ``fit_max_rate``).
    priors : DataFrame, None or ``"data"``
        A table of :func:`~elt_odym.io.statistics.read_stock_priors`; ``"data"``: the data
        folder's :data:`PRIORS_FILE` (none if absent); None: no priors (the anchors are
        observations, as in the deterministic fit).
    """
    path = str(Path(data.config.data_dir) / PRIORS_FILE)
    if isinstance(priors, str):
        priors = default_priors(data)
    products = data.items["g"]
    if priors is not None:
        unknown = [Problem(path, "priors", f"A{r.row}", "unknown-item",
                           f"truck_type {r.truck_type!r} is not one of {products}")
                   for r in priors.itertuples(index=False) if r.truck_type not in products]
        if unknown:
            raise DataValidationError(unknown)
    opts = data.options
    return {g: fit_posterior(g, with_priors(stock_observations(data, g), g, priors, path),
                             opts.fit_default_rel_sigma, opts.fit_max_rate)
            for g in products}


@dataclass
class ProjectionDraws:
    """Parameter draws per type: ``a``, ``k``, ``t_c`` of shape ``(N, G)``."""

    products: list[str]
    a: np.ndarray
    k: np.ndarray
    t_c: np.ndarray
    redrawn: np.ndarray
    """Draws redrawn because they fell outside the fit's bounds, per type ``(G,)``."""
    posteriors: dict[str, ProjectionPosterior] = field(default_factory=dict)


def _draw_one(post: ProjectionPosterior, n: int, rng: np.random.Generator,
              spread: float) -> tuple[np.ndarray, int]:
    """``n`` draws of ``(log a, k, t_c)`` inside the bounds, and how many were redrawn."""
    free = np.flatnonzero(post.free)
    vals, vecs = np.linalg.eigh(post.cov[np.ix_(free, free)])
    root_t = (vecs * np.sqrt(np.clip(vals, 0.0, None))).T  # cov = root @ root.T
    centre, lower, upper = post.mean[free], post.lower[free], post.upper[free]
    x = np.tile(post.mean, (n, 1))  # the parameters held at a bound stay at the centre
    todo, redrawn = np.arange(n), 0
    for _ in range(MAX_REDRAWS + 1):
        z = rng.standard_normal((todo.size, free.size))
        rows = centre + spread * z @ root_t
        bad = ((rows < lower) | (rows > upper)).any(axis=1)
        x[todo[~bad][:, None], free] = rows[~bad]
        todo = todo[bad]
        if todo.size == 0:
            return x, redrawn
        redrawn += todo.size
    raise ValueError(f"{post.fit.product}: {todo.size} of {n} projection draws stay outside "
                     f"the fit's bounds after {MAX_REDRAWS} redraws; widen fit_max_rate or "
                     "narrow the priors")


def draw_projection_parameters(data: "ModelData", n: int, rng: np.random.Generator,
                               priors: pd.DataFrame | None | str = "data", spread: float = 1.0,
                               posteriors: dict[str, ProjectionPosterior] | None = None
                               ) -> ProjectionDraws:
    """Draw the projection's parameters per type from the fit's normal approximation.

    Parameters
    ----------
    data : ModelData
        The scenario's data.
    n : int
        Number of draws.
    rng : numpy.random.Generator
        The only source of randomness (types are drawn in the order of ``data.items["g"]``).
    priors : DataFrame, None or ``"data"``
        See :func:`projection_posteriors` (ignored when ``posteriors`` is given).
    spread : float
        Multiplier of the standard deviations; 0 gives ``n`` copies of the centre.
    posteriors : dict, optional
        Precomputed :func:`projection_posteriors` (to draw many chunks without refitting).

    Returns
    -------
    ProjectionDraws
    """
    posteriors = posteriors or projection_posteriors(data, priors)
    products = data.items["g"]
    out = np.empty((3, n, len(products)))
    redrawn = np.zeros(len(products), dtype=int)
    for j, g in enumerate(products):
        x, redrawn[j] = _draw_one(posteriors[g], n, rng, spread)
        out[:, :, j] = x.T
        if redrawn[j]:
            log.info("%s: %d of %d projection draws redrawn inside the fit's bounds", g,
                     redrawn[j], n)
    return ProjectionDraws(list(products), np.exp(out[0]), out[1], out[2], redrawn, posteriors)


def recorded_path(years: list[int], history: dict, product: str, switch_year: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """One type's recorded stock path: the records up to ``switch_year`` and, between two
    recorded years, the stock interpolated at a constant growth rate (geometrically; linearly
    where a record is not positive).

    Parameters
    ----------
    years : list of int
        Model years.
    history : dict
        ``stock_history`` observations ``{(year, type): value}``.
    product : str
        The type.
    switch_year : int
        The last year whose record is used.

    Returns
    -------
    values : ndarray (T,)
        The recorded or interpolated stock, NaN outside the recorded years' span.
    kind : ndarray (T,) of str
        ``"recorded"``, ``"interpolated"`` or ``""`` (outside the span).
    """
    recorded = sorted(y for y in years if y <= switch_year and (y, product) in history)
    values = np.full(len(years), np.nan)
    kind = np.full(len(years), "", dtype=object)
    for y0, y1 in zip(recorded[:-1], recorded[1:]):
        v0, v1 = float(history[(y0, product)]), float(history[(y1, product)])
        for y in range(y0 + 1, y1):
            f = (y - y0) / (y1 - y0)
            i = years.index(y)
            values[i] = v0 * (v1 / v0) ** f if v0 > 0 and v1 > 0 else v0 + f * (v1 - v0)
            kind[i] = "interpolated"
    for y in recorded:
        values[years.index(y)], kind[years.index(y)] = history[(y, product)], "recorded"
    return values, kind


def stock_paths(data: "ModelData", draws: ProjectionDraws) -> np.ndarray:
    """Stock by model year, draw and type ``(T, N, G)`` from parameter draws.

    The deterministic :func:`elt_odym.fleet.inputs.stock_path` is this for a draw of one (the
    fitted parameters). Recorded values up to ``switch_year`` and the interpolation between
    them (:func:`recorded_path`) in every draw, the drawn curve elsewhere, and under
    ``stock_join = "blend"`` the draw's residual at the last recorded year decaying with
    ``exp(-(t - t_r) / blend_years)``.
    """
    years = np.asarray(data.years, dtype=float)
    history = data["stock_history"].observations
    opts = data.options
    t = years[:, None, None]
    paths = draws.a[None] / (1.0 + np.exp(-draws.k[None] * (t - draws.t_c[None])))
    for j, g in enumerate(draws.products):
        values, kind = recorded_path(data.years, history, g, opts.switch_year)
        known = kind != ""
        paths[known, :, j] = values[known, None]
        recorded = [y for y, k in zip(data.years, kind) if k == "recorded"]
        if opts.stock_join == "blend" and recorded:
            last = max(recorded)
            curve = logistic(last, draws.a[:, j], draws.k[:, j], draws.t_c[:, j])
            gap = years[years > last] - last
            decay = np.exp(-gap / opts.blend_years)[:, None]
            paths[years > last, :, j] += (history[(last, g)] - curve)[None] * decay
    return paths


def sample_stock_paths(data: "ModelData", n: int, rng: np.random.Generator,
                       priors: pd.DataFrame | None | str = "data", spread: float = 1.0,
                       posteriors: dict[str, ProjectionPosterior] | None = None
                       ) -> np.ndarray:
    """``n`` sampled stock paths of the model years, ``(T, N, G)`` (what the Monte Carlo
    draws per draw): :func:`draw_projection_parameters`, then :func:`stock_paths`."""
    return stock_paths(data, draw_projection_parameters(data, n, rng, priors, spread,
                                                        posteriors))


def path_quantiles(data: "ModelData", paths: np.ndarray, years: tuple[int, ...] = (2050,),
                   q: tuple[float, ...] = (5.0, 50.0, 95.0)) -> pd.DataFrame:
    """Percentiles of sampled paths per year and type (and ``total``): columns ``year,
    truck_type, p05, p50, p95`` (named after ``q``)."""
    rows = []
    labels = list(data.items["g"]) + ["total"]
    full = np.concatenate([paths, paths.sum(axis=2, keepdims=True)], axis=2)
    for y in years:
        values = np.percentile(full[data.years.index(y)], q, axis=0)  # (Q, G + 1)
        for j, g in enumerate(labels):
            rows.append({"year": y, "truck_type": g,
                         **{f"p{p:02.0f}": values[i, j] for i, p in enumerate(q)}})
    return pd.DataFrame(rows)
