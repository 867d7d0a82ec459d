"""Calibration: free parameters + targets -> bounded least squares -> calibrated workbooks.

Free parameters (``free_parameters`` sheet of a targets workbook; ``item`` is a product type or
``all``):

``weibull_scale``        the Weibull scale eta of a type (yr)
``weibull_shape``        the Weibull shape beta of a type
``scale_trend``          cohort-dependent lifetime: the scale of cohort ``c`` is multiplied by
                         ``exp(scale_trend * max(0, c - scale_trend_start) / 10)``, i.e.
                         ``scale_trend`` is the log-change of the scale per decade of production
``scale_trend_start``    the first cohort year of that trend

The residual of target ``i`` is ``(model_i - target_i) / (tolerance_i * target_i)``, so a
residual within +-1 meets the tolerance. The fit is deterministic (scipy's trust-region
reflective least squares from the given initial values).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from tqdm import tqdm

from .data import ModelData, load_data, with_values
from .errors import CalibrationError
from .fleet.dynamics import project
from .model import run
from .targets import compare, read_targets

KINDS = ("weibull_scale", "weibull_shape", "scale_trend", "scale_trend_start")
TREND_STEP = 10.0  # years per unit of scale_trend: the trend is stated per decade


def cohort_factor(years: list[int], slope: np.ndarray, start: np.ndarray) -> np.ndarray:
    """``exp(slope * max(0, year - start) / 10)`` per model year and type ``(T, G)``."""
    y = np.asarray(years, dtype=float)[:, None]
    return np.exp(slope[None, :] * np.maximum(0.0, y - start[None, :]) / TREND_STEP)


def _vectors(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> dict[str, np.ndarray]:
    products = data.items["g"]
    vec = {"weibull_scale": np.array(data["weibull_scale"].values, float),
           "weibull_shape": np.array(data["weibull_shape"].values, float),
           "scale_trend": np.zeros(len(products)),
           "scale_trend_start": np.full(len(products), float(data.years[0]))}
    for value, row in zip(x, free.itertuples(index=False)):
        idx = slice(None) if row.item in ("all", "") else products.index(row.item)
        vec[row.name][idx] = value
    return vec


def apply(data: ModelData, free: pd.DataFrame, x: np.ndarray) -> ModelData:
    """The data with the free parameters set to ``x``."""
    vec = _vectors(data, free, x)
    updates = {"weibull_scale": vec["weibull_scale"], "weibull_shape": vec["weibull_shape"]}
    if free["name"].isin(["scale_trend", "scale_trend_start"]).any():
        updates["weibull_scale_cohort_factor"] = cohort_factor(
            data.years, vec["scale_trend"], vec["scale_trend_start"])
    return with_values(data, updates)


def _check_free(data: ModelData, free: pd.DataFrame, path: str) -> None:
    for i, row in enumerate(free.itertuples(index=False), start=2):
        if row.name not in KINDS:
            raise CalibrationError(f"{path} [free_parameters] A{i}: {row.name!r} is not one of "
                                   f"{KINDS}")
        if row.item not in ("all", "") and row.item not in data.items["g"]:
            raise CalibrationError(f"{path} [free_parameters] B{i}: {row.item!r} is not a "
                                   f"product type {data.items['g']} or 'all'")
        if not row.lower <= row.initial <= row.upper:
            raise CalibrationError(f"{path} [free_parameters] C{i}: initial {row.initial} is "
                                   f"not within [{row.lower}, {row.upper}]")


def calibrate(targets_path: str | Path, data_dir: str | Path | None = None,
              scenario: str | None = None, progress: bool = False
              ) -> tuple[ModelData, pd.DataFrame, pd.DataFrame]:
    """Fit the free parameters of ``targets_path`` to its targets.

    Returns
    -------
    data : ModelData
        The calibrated data.
    table : DataFrame
        Free parameters with initial and fitted values.
    residuals : DataFrame
        :func:`elt_odym.targets.compare` of the calibrated run.
    """
    targets, free = read_targets(targets_path, with_free=True)
    base = load_data(data_dir, scenario)
    _check_free(base, free, str(targets_path))
    projection = project(base)
    scale = targets["value"].to_numpy(float) * targets["tolerance"].to_numpy(float)
    bar = tqdm(desc="calibrating", unit=" model runs", disable=not progress or None, leave=False)

    def residual(x):
        bar.update(1)
        result = run(data=apply(base, free, x), engine="kernel", projection=projection)
        model = compare(result.results, targets)["model"].to_numpy(float)
        if np.isnan(model).any():
            raise CalibrationError("a target names a value the model does not produce")
        return (model - targets["value"].to_numpy(float)) / scale

    fit = least_squares(residual, free["initial"].to_numpy(float),
                        bounds=(free["lower"].to_numpy(float), free["upper"].to_numpy(float)),
                        x_scale="jac", xtol=1e-10, ftol=1e-10, gtol=1e-10, max_nfev=400)
    bar.close()
    data = apply(base, free, fit.x)
    table = free.assign(fitted=fit.x, cost=fit.cost, status=fit.status)
    result = run(data=data, projection=projection)
    return data, table, compare(result.results, targets)
