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

The residual of target ``i`` is ``(model_i - target_i) / (tolerance_i * target_i)``, so a
residual within +-1 meets the tolerance. The fit is deterministic (scipy's trust-region
reflective least squares from the given initial values) and runs on the array model
(:mod:`elt_odym.batch`): each residual is one batch-of-one evaluation, the targets read
straight from its arrays (:class:`TargetIndex`).

Reading the tolerance as one standard deviation of the target, the Jacobian at the optimum gives
each parameter's standard error, ``sqrt(diag((J^T J)^-1))``; a parameter whose column of ``J``
is (near) zero or collinear with others is *not determined* by the targets and should be fixed
(README, Calibration). A parameter at a bound is flagged.
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
from .fleet.inputs import lifetime_parameters, period_factors, project
from .io.targets import read_targets
from .system.equations import evaluate
from .system.inputs import ModelInputs, base_draws, model_inputs

KINDS = ("weibull_scale", "weibull_shape", "scale_trend", "scale_trend_start", "period_factor")
TREND_STEP = 10.0  # years per unit of scale_trend: the trend is stated per decade
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


def _vectors(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> dict[str, np.ndarray]:
    products = data.items["g"]
    vec = {"weibull_scale": np.array(data["weibull_scale"].values, float),
           "weibull_shape": np.array(data["weibull_shape"].values, float),
           "scale_trend": np.zeros(len(products)),
           "scale_trend_start": np.full(len(products), float(data.years[0])),
           "period_factor": np.array(data["hazard_period_factor"].values, float)}
    for value, row in zip(x, free.itertuples(index=False)):
        if row.name == "period_factor":
            rows, cols = period_item(row.item, products, data.years)
            vec["period_factor"][np.ix_(rows, cols)] = value
            continue
        idx = slice(None) if row.item in ("all", "") else products.index(row.item)
        vec[row.name][idx] = value
    return vec


def _has_period(free: pd.DataFrame) -> bool:
    return bool((free["name"] == "period_factor").any())


def _has_trend(free: pd.DataFrame) -> bool:
    return bool(free["name"].isin(["scale_trend", "scale_trend_start"]).any())


def apply(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> ModelData:
    """The data with the free parameters set to ``x``."""
    vec = _vectors(data, free, x)
    updates = {"weibull_scale": vec["weibull_scale"], "weibull_shape": vec["weibull_shape"]}
    if _has_trend(free):
        updates["weibull_scale_cohort_factor"] = cohort_factor(
            data.years, vec["scale_trend"], vec["scale_trend_start"])
    if _has_period(free):
        updates["hazard_period_factor"] = vec["period_factor"]
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
        if row.name == "period_factor":
            try:
                period_item(row.item, data.items["g"], data.years)
            except ValueError as exc:
                raise CalibrationError(f"{path} [free_parameters] B{i}: {exc}") from None
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


def parameter_errors(jac: np.ndarray) -> tuple[np.ndarray, float]:
    """Standard errors ``sqrt(diag((J^T J)^-1))`` and the condition number of ``J^T J``.

    A parameter with an all-zero column of ``J`` (the targets do not see it) gets ``inf``.
    """
    jtj = jac.T @ jac
    cond = float(np.linalg.cond(jtj)) if jtj.size else 0.0
    seen = np.any(jac != 0, axis=0)
    err = np.full(jac.shape[1], np.inf)
    if seen.any():
        cov = np.linalg.pinv(jtj[np.ix_(seen, seen)])
        err[seen] = np.sqrt(np.maximum(np.diag(cov), 0.0))
    return err, cond


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
                            x_scale="jac", xtol=1e-10, ftol=1e-10, gtol=1e-10, max_nfev=400)
    err, cond = parameter_errors(fit.jac)
    span = upper - lower
    at_bound = (np.abs(fit.x - lower) < 1e-6 * span) | (np.abs(fit.x - upper) < 1e-6 * span)
    table = free.assign(fitted=fit.x, std_error=err, at_bound=at_bound, condition=cond,
                        cost=fit.cost, status=fit.status)
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
    fit, ``N(fitted, diag(std_error^2))`` truncated to the bounds by redrawing.

    Parameters the targets do not determine (``std_error`` infinite or NaN) stay at their fitted
    value, as do parameters at a bound. The correlations of ``(J^T J)^-1`` are not kept (the
    table carries only the standard errors): the draws are a conservative envelope for the
    Monte Carlo (``elt-odym mc --calibration-draws``).

    Returns
    -------
    DataFrame
        ``draw`` and one column per free parameter, named ``name[item]``.
    """
    rng = np.random.default_rng(seed)
    out = {"draw": np.arange(n)}
    for row in table.itertuples(index=False):
        se = float(row.std_error)
        values = np.full(n, float(row.fitted))
        if np.isfinite(se) and se > 0 and not bool(row.at_bound):
            values = rng.normal(row.fitted, se, n)
            for _ in range(100):  # redraw outside the bounds (truncated normal)
                bad = (values < row.lower) | (values > row.upper)
                if not bad.any():
                    break
                values[bad] = rng.normal(row.fitted, se, int(bad.sum()))
            values = np.clip(values, row.lower, row.upper)
        out[f"{row.name}[{row.item}]"] = values
    return pd.DataFrame(out)
