"""Calibration outputs: calibrated workbooks, fitted parameters, residuals and their figure."""

from __future__ import annotations

import datetime
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..calibration import calibrate, parameter_draws
from ..data import ModelData
from ..io.output_folder import OutputFolder
from ..io.workbook import new_parameter_workbook, write_parameter_workbook
from .results import write_csv

DRAWS = 1000
"""Parameter sets written to ``calibration_draws.csv`` (:func:`~elt_odym.calibration.parameter_draws`)."""
DRAWS_SEED = 20250101


def _calib_ref(targets_path: Path) -> dict:
    return {"ref_id": "CALIB", "confidence": "M",
            "source": f"fitted by elt-odym calibrate to {targets_path.name}",
            "note": "re-run: elt-odym calibrate --targets ... (README, Calibration)"}


def write_calibrated(data: ModelData, table: pd.DataFrame, targets_path: Path, out: Path,
                     version: str) -> list[Path]:
    """Write the workbooks of the fitted parameters into ``out``."""
    today = datetime.date.today().isoformat()
    refs = [_calib_ref(targets_path)]
    log = [{"date": today, "author": "elt-odym calibrate", "change": "calibrated"}]
    names = set(table["name"])
    written = []
    for name in ("weibull_scale", "weibull_shape"):
        if name not in names:
            continue
        p = data[name]
        rows = [(g, float(v), "", f"[CALIB|M] fitted ({name})")
                for g, v in zip(data.items["g"], p.values)]
        pw = new_parameter_workbook(name, p.spec.description + " (calibrated)", p.spec.unit,
                                    [("Product", data.config.dimensions["Product"])], rows,
                                    refs, version, log=log)
        written.append(out / f"{name}.xlsx")
        write_parameter_workbook(pw, written[-1])
    if names & {"scale_trend", "scale_trend_start"}:
        comment = ("exp(scale_trend * max(0, cohort - scale_trend_start) / 10): "
                   + _fitted(table, ("scale_trend", "scale_trend_start")))
        written.append(_write_year_type_table(data, "weibull_scale_cohort_factor", comment,
                                              refs, log, version, out))
    if "period_factor" in names:
        comment = (f"period effects fitted by elt-odym calibrate: "
                   f"{_fitted(table, ('period_factor',))}; 1 elsewhere")
        written.append(_write_year_type_table(data, "hazard_period_factor", comment, refs,
                                              log, version, out))
    if "reclassification" in names:
        comment = (f"reclassification fitted by elt-odym calibrate: "
                   f"{_fitted(table, ('reclassification',))}; 0 elsewhere")
        written.append(_write_year_type_table(data, "reclassification", comment, refs, log,
                                              version, out))
    return written


def _fitted(table: pd.DataFrame, kinds: tuple[str, ...]) -> str:
    """The fitted values of some kinds of free parameter, for a workbook's comment."""
    return "; ".join(f"{r.name}[{r.item}] = {r.fitted:.6g} +- {r.std_error:.3g}"
                     for r in table.itertuples() if r.name in kinds)


def _write_year_type_table(data: ModelData, name: str, comment: str, refs, log, version,
                           out: Path) -> Path:
    """A calibrated parameter by year and type, written as a TABLE workbook."""
    p = data[name]
    rows = [(y, g, float(p.values[i, j])) for i, y in enumerate(data.years)
            for j, g in enumerate(data.items["g"])]
    pw = new_parameter_workbook(
        name, p.spec.description + " (calibrated)", p.spec.unit,
        [("Time", data.config.dimensions["Time"]), ("Product", data.config.dimensions["Product"])],
        rows, refs, version, source="CALIB", confidence="M", table=(["Product"], "Time"),
        comment=comment, log=log)
    path = out / f"{name}.xlsx"
    write_parameter_workbook(pw, path)
    return path


def residual_figure(residuals: pd.DataFrame, path: Path) -> None:
    """Bar chart of relative error divided by tolerance per target."""
    fig = Figure(figsize=(10, 0.3 * len(residuals) + 1.5), layout="constrained")
    ax = fig.subplots()
    ratio = (residuals["rel_error"] / residuals["tolerance"]).to_numpy(float)
    colors = ["tab:green" if abs(r) <= 1 else "tab:red" for r in ratio]
    ax.barh(residuals["target_id"].astype(str), ratio, color=colors)
    ax.axvline(-1, color="k", ls=":")
    ax.axvline(1, color="k", ls=":")
    ax.set_xlabel("relative error / tolerance (|x| <= 1 passes)")
    ax.invert_yaxis()
    fig.savefig(path, dpi=110)


def run_calibration(targets_path: str | Path, out: str | Path, data_dir=None, scenario=None,
                    force: bool = False, progress: bool = False
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibrate and write workbooks, ``calibration_parameters.csv``,
    ``calibration_residuals.csv``, ``calibration_draws.csv`` (parameter sets consistent with
    the targets) and ``calibration_residuals.png`` into ``out`` (staged,
    then published with ``manifest.json``; see :class:`OutputFolder`)."""
    with OutputFolder(out, force, command="calibrate") as folder:
        data, table, residuals = calibrate(targets_path, data_dir, scenario, progress)
        folder.add_data(data)
        folder.add_input(targets_path, data.config.data_dir)
        staged = folder.path
        write_calibrated(data, table, Path(targets_path), staged, data.master.version)
        write_csv(table, staged / "calibration_parameters.csv")
        write_csv(residuals, staged / "calibration_residuals.csv")
        write_csv(parameter_draws(table, DRAWS, DRAWS_SEED), staged / "calibration_draws.csv")
        residual_figure(residuals, staged / "calibration_residuals.png")
    return table, residuals
