"""Calibration: free parameters + targets -> bounded least squares -> calibrated workbooks.

Free parameters (``free_parameters`` sheet of a targets workbook; ``item`` is a product type or
``all``):

``weibull_scale``        the Weibull scale eta of a type (yr)
``weibull_shape``        the Weibull shape beta of a type
``scale_trend``          cohort-dependent lifetime: the scale of cohort ``c`` is multiplied by
                         ``exp(scale_trend * max(0, c - scale_trend_start) / 10)``, i.e.
                         ``scale_trend`` is the log-change of the scale per decade of production
``scale_trend_start``    the first cohort year of that trend
``period_factor``        a period effect (:mod:`elt_odym.fleet.hazard`): the multiplier of the
                         one-year scrapping hazard in calendar years ``Y0-Y1`` for the types
                         named; ``item`` is ``"HT+MT 2019-2022"`` (types joined by ``+`` or
                         ``all``, a space, the years); written to ``hazard_period_factor``
``reclassification``     vehicles re-registered out of a type in one year and moved along its
                         transfer route (a transfer of a given amount, :mod:`elt_odym.fleet.
                         kernel`); ``item`` is ``"HT 2003"`` (the source type, a space, the
                         year); written to ``reclassification``

The residual of target ``i`` is ``(model_i - target_i) / (tolerance_i * target_i)``, so a
residual within +-1 meets the tolerance. The fit is deterministic (scipy's trust-region
reflective least squares from the given initial values) and runs on the array model
(:mod:`elt_odym.batch`): each residual is one batch-of-one evaluation, the targets read
straight from its arrays (:class:`TargetIndex`).

Reading the tolerance as one standard deviation of the target, the Jacobian at the optimum gives
the parameters' covariance ``c (J^T J)^-1``, with ``c = max(1, chi2 / dof)`` (``chi2 = 2 cost``,
``dof`` the targets less the parameters not at a bound): inflated when the targets scatter more
than their tolerances say, never shrunk (as the stock projection's,
:mod:`elt_odym.fleet.projection`). The standard errors are the square roots of its diagonal,
the correlations (columns ``corr[name[item]]`` of ``calibration_parameters.csv``) its
normalised off-diagonal; :func:`parameter_draws` draws parameter sets from it. A parameter
whose column of ``J`` is (near) zero or collinear with others is *not determined* by the
targets and should be fixed (README, Calibration). A parameter at a bound is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from tqdm import tqdm

from .batch import series_layout, variable_margins
from .data import ModelData, load_data, with_values
from .errors import CalibrationError
from .fleet.inputs import given_transfers, lifetime_parameters, period_factors, project
from .io.targets import read_targets
from .system.equations import evaluate
from .system.inputs import ModelInputs, base_draws, model_inputs

KINDS = ("weibull_scale", "weibull_shape", "scale_trend", "scale_trend_start", "period_factor",
         "reclassification")
TREND_STEP = 10.0  # years per unit of scale_trend: the trend is stated per decade
MAX_EVALUATIONS = 400
"""Model runs a fit may take (a flat direction, a parameter drifting to its bound, is slow)."""
CONDITION_LIMIT = 1e10
"""Above this condition number of ``J^T J`` the fitted parameters are not all determined."""
RESIDUAL_COLUMNS = ["scenario", "target_id", "variable", "truck_type", "material", "year",
                    "unit", "target", "model", "rel_error", "tolerance", "status", "source"]


def cohort_factor(years: list[int], slope: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``exp(slope * max(0, year - start) / 10)`` per model year and type ``(T, G)``."""
    y = np.asarray(years, dtype=float)[:, None]
    return np.exp(slope[None, :] * np.maximum(0.0, y - start[None, :]) / TREND_STEP)


def period_item(item: str, products: list[str], years: list[int]) -> tuple[list[int], list[int]]:
    """Year and type indices of a ``period_factor`` item such as ``"HT+MT 2019-2022"``.

    Raises
    ------
    ValueError
        If the item is not of that form or names unknown types or years.
    """
    try:
        types, span = str(item).split()
        first, last = (int(v) for v in span.split("-"))
    except ValueError:
        raise ValueError(f"period_factor item {item!r} is not like 'HT+MT 2019-2022'") from None
    names = products if types == "all" else types.split("+")
    if any(n not in products for n in names) or first not in years or last not in years:
        raise ValueError(f"period_factor item {item!r}: types must be of {products} or 'all', "
                         f"years within {years[0]}-{years[-1]}")
    return (list(range(years.index(first), years.index(last) + 1)),
            [products.index(n) for n in names])


def reclassification_item(item: str, products: list[str], years: list[int]) -> tuple[int, int]:
    """Year and type indices of a ``reclassification`` item such as ``"HT 2003"``.

    Raises
    ------
    ValueError
        If the item is not of that form or names an unknown type or year.
    """
    try:
        name, year = str(item).split()
        t, g = years.index(int(year)), products.index(name)
    except ValueError:
        raise ValueError(f"reclassification item {item!r} is not like 'HT 2003' (a type of "
                         f"{products}, a year within {years[0]}-{years[-1]})") from None
    return t, g


def _vectors(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> dict[str, np.ndarray]:
    products = data.items["g"]
    vec = {"weibull_scale": np.array(data["weibull_scale"].values, float),
           "weibull_shape": np.array(data["weibull_shape"].values, float),
           "scale_trend": np.zeros(len(products)),
           "scale_trend_start": np.full(len(products), float(data.years[0])),
           "period_factor": np.array(data["hazard_period_factor"].values, float),
           "reclassification": np.array(data["reclassification"].values, float)}
    for value, row in zip(x, free.itertuples(index=False)):
        if row.name == "period_factor":
            rows, cols = period_item(row.item, products, data.years)
            vec["period_factor"][np.ix_(rows, cols)] = value
            continue
        if row.name == "reclassification":
            vec["reclassification"][reclassification_item(row.item, products, data.years)] = value
            continue
        idx = slice(None) if row.item in ("all", "") else products.index(row.item)
        vec[row.name][idx] = value
    return vec


def _has_period(free: pd.DataFrame) -> bool:
    return bool((free["name"] == "period_factor").any())


def _has_trend(free: pd.DataFrame) -> bool:
    return bool(free["name"].isin(["scale_trend", "scale_trend_start"]).any())


def _has_reclassification(free: pd.DataFrame) -> bool:
    return bool((free["name"] == "reclassification").any())


def apply(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> ModelData:
    """The data with the free parameters set to ``x``."""
    vec = _vectors(data, free, x)
    updates = {"weibull_scale": vec["weibull_scale"], "weibull_shape": vec["weibull_shape"]}
    if _has_trend(free):
        updates["weibull_scale_cohort_factor"] = cohort_factor(
            data.years, vec["scale_trend"], vec["scale_trend_start"])
    if _has_period(free):
        updates["hazard_period_factor"] = vec["period_factor"]
    if _has_reclassification(free):
        updates["reclassification"] = vec["reclassification"]
    return with_values(data, updates)


def apply_inputs(data: ModelData, base: ModelInputs, free: pd.DataFrame,
                 x: np.ndarray) -> ModelInputs:
    """The model's inputs with the free parameters set to ``x`` (what :func:`apply` does to
    the workbooks, straight on the cohort lifetimes and period factors)."""
    vec = _vectors(data, free, x)
    factor = (cohort_factor(data.years, vec["scale_trend"], vec["scale_trend_start"])
              if _has_trend(free) else None)
    h = base.n_history
    shape, scale = lifetime_parameters(data, h, vec["weibull_shape"], vec["weibull_scale"],
                                       factor)
    changes = {"shape": shape, "scale": scale}
    if _has_period(free):
        changes["period"] = period_factors(data, h, vec["period_factor"])
    if _has_reclassification(free):
        changes["given"] = given_transfers(data, h, base.fleet.routes, vec["reclassification"])
    return base.with_fleet(**changes)


@dataclass
class TargetIndex:
    """Where each target sits in the margins of the model's variables
    (:func:`elt_odym.batch.variable_margins`): variable, label position and year index."""

    variables: list[str]
    years: np.ndarray
    labels: np.ndarray
    values: np.ndarray
    tolerance: np.ndarray

    @classmethod
    def build(cls, base: ModelInputs, targets: pd.DataFrame, path: str) -> "TargetIndex":
        """Locate every target; an unknown variable, label, year or unit is an error."""
        layout = series_layout(evaluate(base, base_draws(base)))
        out = {"variables": [], "years": [], "labels": []}
        for row, t in enumerate(targets.itertuples(index=False), start=2):
            where = f"{path} [targets] row {row} ({t.target_id})"
            if t.variable not in layout.variables:
                raise CalibrationError(f"{where}: variable {t.variable!r} is not one of "
                                       f"{layout.variables}")
            v = layout.variables.index(t.variable)
            label = (str(t.truck_type), "", "", str(t.material))
            if label not in layout.labels[v]:
                raise CalibrationError(f"{where}: no {t.variable} for truck_type "
                                       f"{t.truck_type!r}, material {t.material!r}")
            unit = layout.units[v]
            if t.unit != unit or int(t.year) not in base.years:
                raise CalibrationError(f"{where}: unit {t.unit!r} (model: {unit!r}) or year "
                                       f"{t.year} outside {base.years[0]}-{base.years[-1]}")
            out["variables"].append(t.variable)
            out["years"].append(base.years.index(int(t.year)))
            out["labels"].append(layout.labels[v].index(label))
        return cls(out["variables"], np.array(out["years"]), np.array(out["labels"]),
                   targets["value"].to_numpy(float), targets["tolerance"].to_numpy(float))

    def model_values(self, inputs: ModelInputs) -> np.ndarray:
        """The model's value of every target (a batch of one)."""
        results = evaluate(inputs, base_draws(inputs))
        cache: dict = {}
        margins = {v: variable_margins(results, v, cache)[0] for v in set(self.variables)}
        return np.array([margins[v][t, k] for v, t, k in zip(self.variables, self.years,
                                                             self.labels)])

    def residuals(self, model: np.ndarray) -> np.ndarray:
        """``(model - target) / (tolerance * target)``."""
        return (model - self.values) / (self.tolerance * self.values)


def _check_free(data: ModelData, free: pd.DataFrame, path: str) -> None:
    for i, row in enumerate(free.itertuples(index=False), start=2):
        if row.name not in KINDS:
            raise CalibrationError(f"{path} [free_parameters] A{i}: {row.name!r} is not one of "
                                   f"{KINDS}")
        if row.name in ("period_factor", "reclassification"):
            parse = period_item if row.name == "period_factor" else reclassification_item
            try:
                parse(row.item, data.items["g"], data.years)
            except ValueError as exc:
                raise CalibrationError(f"{path} [free_parameters] B{i}: {exc}") from None
            if row.name == "reclassification" and row.item.split()[0] not in \
                    data.options.transfers:
                raise CalibrationError(f"{path} [free_parameters] B{i}: {row.item!r}: the type "
                                       "has no transfer route (model option transfers)")
        elif row.item not in ("all", "") and row.item not in data.items["g"]:
            raise CalibrationError(f"{path} [free_parameters] B{i}: {row.item!r} is not a "
                                   f"product type {data.items['g']} or 'all'")
        if not row.lower < row.upper:
            raise CalibrationError(f"{path} [free_parameters] D{i}: lower {row.lower} must be "
                                   f"below upper {row.upper}; to hold {row.name} fixed, delete "
                                   f"its row and set the value in its workbook")
        if not row.lower <= row.initial <= row.upper:
            raise CalibrationError(f"{path} [free_parameters] C{i}: initial {row.initial} is "
                                   f"not within [{row.lower}, {row.upper}]")


def parameter_covariance(jac: np.ndarray) -> tuple[np.ndarray, float]:
    """The covariance ``(J^T J)^-1`` of the fitted parameters and the condition number of
    ``J^T J``.

    A parameter with an all-zero column of ``J`` (the targets do not see it) gets an infinite
    variance and no covariance with the others.
    """
    jtj = jac.T @ jac
    cond = float(np.linalg.cond(jtj)) if jtj.size else 0.0
    seen = np.any(jac != 0, axis=0)
    cov = np.zeros((jac.shape[1], jac.shape[1]))
    cov[~seen, ~seen] = np.inf
    if seen.any():
        cov[np.ix_(seen, seen)] = np.linalg.pinv(jtj[np.ix_(seen, seen)])
    return cov, cond


def parameter_errors(jac: np.ndarray) -> tuple[np.ndarray, float]:
    """Standard errors ``sqrt(diag((J^T J)^-1))`` and the condition number of ``J^T J``.

    A parameter with an all-zero column of ``J`` (the targets do not see it) gets ``inf``.
    """
    cov, cond = parameter_covariance(jac)
    return np.sqrt(np.maximum(np.diag(cov), 0.0)), cond


def correlations(cov: np.ndarray) -> np.ndarray:
    """Correlation matrix of a covariance; 0 off the diagonal where a variance is 0 or inf."""
    sd = np.sqrt(np.maximum(np.diag(cov), 0.0))
    ok = np.isfinite(sd) & (sd > 0)
    out = np.eye(sd.size)
    sub = np.ix_(ok, ok)
    out[sub] = cov[sub] / np.outer(sd[ok], sd[ok])
    return np.clip(out, -1.0, 1.0)


def column_name(name: str, item: str) -> str:
    """``name[item]``: a free parameter's column in ``calibration_draws.csv`` and its
    correlation column ``corr[name[item]]`` in ``calibration_parameters.csv``."""
    return f"{name}[{item}]"


def calibrate(targets_path: str | Path, data_dir: str | Path | None = None,
              scenario: str | None = None, progress: bool = False
              ) -> tuple[ModelData, pd.DataFrame, pd.DataFrame]:
    """Fit the free parameters of ``targets_path`` to its targets on the array model.

    Returns
    -------
    data : ModelData
        The calibrated data.
    table : DataFrame
        Free parameters with initial and fitted values, standard error, ``at_bound``, the
        condition number of ``J^T J`` and the fit's cost and status.
    residuals : DataFrame
        Target, model, relative error and pass/fail per target (:data:`RESIDUAL_COLUMNS`).
    """
    targets, free = read_targets(targets_path, with_free=True)
    data = load_data(data_dir, scenario)
    _check_free(data, free, str(targets_path))
    base = model_inputs(data, project(data))
    index = TargetIndex.build(base, targets, str(targets_path))
    lower, upper = free["lower"].to_numpy(float), free["upper"].to_numpy(float)
    with tqdm(desc="calibrating", unit=" model runs", disable=not progress or None,
              leave=False) as bar:
        def residual(x: np.ndarray) -> np.ndarray:
            bar.update(1)
            return index.residuals(index.model_values(apply_inputs(data, base, free, x)))

        fit = least_squares(residual, free["initial"].to_numpy(float), bounds=(lower, upper),
                            x_scale="jac", xtol=1e-10, ftol=1e-10, gtol=1e-10,
                            max_nfev=MAX_EVALUATIONS)
    cov, cond = parameter_covariance(fit.jac)
    span = upper - lower
    at_bound = (np.abs(fit.x - lower) < 1e-6 * span) | (np.abs(fit.x - upper) < 1e-6 * span)
    dof = len(targets) - int((~at_bound).sum())
    inflation = max(1.0, 2.0 * fit.cost / dof) if dof > 0 else 1.0
    cov = cov * inflation
    err = np.sqrt(np.maximum(np.diag(cov), 0.0))
    table = free.assign(fitted=fit.x, std_error=err, at_bound=at_bound, condition=cond,
                        cost=fit.cost, status=fit.status, inflation=inflation)
    corr = correlations(cov)
    for j, row in enumerate(free.itertuples(index=False)):
        table[f"corr[{column_name(row.name, row.item)}]"] = corr[:, j]
    model = index.model_values(apply_inputs(data, base, free, fit.x))
    return apply(data, free, fit.x), table, residual_table(targets, model, data.scenario)


def residual_table(targets: pd.DataFrame, model: np.ndarray, scenario: str) -> pd.DataFrame:
    """Target, model value, relative error and pass/fail per target."""
    t = targets.copy()
    t["scenario"], t["target"], t["model"] = scenario, t["value"], model
    t["rel_error"] = (t["model"] - t["target"]) / t["target"]
    t["status"] = np.where(t["rel_error"].abs() <= t["tolerance"], "pass", "fail")
    return t[RESIDUAL_COLUMNS].reset_index(drop=True)


def parameter_draws(table: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """Parameter sets consistent with the targets: draws from the normal approximation of the
    fit, ``N(fitted, C)`` truncated to the bounds by redrawing whole sets.

    ``C`` is the covariance of the fit when ``table`` carries its correlation columns
    ``corr[name[item]]`` (:func:`calibrate`), else ``diag(std_error^2)``. Parameters the
    targets do not determine (``std_error`` infinite or NaN) stay at their fitted value, as do
    parameters at a bound (both also leave the covariance). A set with any parameter outside
    its bounds is drawn again (up to 100 rounds, then the stragglers are clipped).

    Returns
    -------
    DataFrame
        ``draw`` and one column per free parameter, named ``name[item]``
        (:func:`column_name`).
    """
    rng = np.random.default_rng(seed)
    fitted = table["fitted"].to_numpy(float)
    se = table["std_error"].to_numpy(float)
    lower, upper = table["lower"].to_numpy(float), table["upper"].to_numpy(float)
    names = [column_name(r.name, r.item) for r in table.itertuples(index=False)]
    vary = np.isfinite(se) & (se > 0) & ~table["at_bound"].to_numpy(bool)
    corr = np.eye(len(names))
    columns = [f"corr[{c}]" for c in names]
    if all(c in table.columns for c in columns):
        corr = table[columns].to_numpy(float)
    values = np.tile(fitted, (n, 1))
    if vary.any():
        v = np.flatnonzero(vary)
        cov = corr[np.ix_(v, v)] * np.outer(se[v], se[v])
        vals, vecs = np.linalg.eigh(cov)
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        todo = np.arange(n)
        for _ in range(100):
            values[np.ix_(todo, v)] = fitted[v] + rng.standard_normal((todo.size, v.size)) @ root.T
            bad = np.any((values[todo] < lower) | (values[todo] > upper), axis=1)
            todo = todo[bad]
            if todo.size == 0:
                break
        values = np.clip(values, lower, upper)
    return pd.DataFrame({"draw": np.arange(n), **{c: values[:, j] for j, c in
                                                   enumerate(names)}})
