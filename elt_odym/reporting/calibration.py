"""Calibration outputs: calibrated workbooks, fitted parameters, residuals and their figure.

Written into a new output folder (staged, published with ``manifest.json``), never among the
inputs: an ``--out`` that is, contains or lies inside the data folder is refused, unless
``in_place`` asks to replace the calibrated files shipped there (:func:`install_calibration`:
no manifest, only the files that change are written, every note of a replaced workbook kept).
"""

from __future__ import annotations

import datetime
import shutil
import tempfile
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..calibration import calibrate, parameter_draws
from ..data import ModelData
from ..errors import OutputExistsError
from ..io.data_update import install
from ..io.folder_lock import FolderLock
from ..io.output_folder import (
    STAGING_PREFIX,
    OutputFolder,
    check_apart,
    input_folders,
    remove_stale_staging,
)
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
                    force: bool = False, progress: bool = False, in_place: bool = False
                    ) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str]]]:
    """Calibrate and write workbooks, ``calibration_parameters.csv``,
    ``calibration_residuals.csv``, ``calibration_draws.csv`` (parameter sets consistent with
    the targets) and ``calibration_residuals.png`` into ``out`` (staged, then published with
    ``manifest.json``; see :class:`OutputFolder`), a folder apart from the data folder; with
    ``in_place``, into a folder inside the data folder (:func:`install_calibration`).

    Returns
    -------
    table, residuals : DataFrame
        The fitted parameters and the residuals.
    written : list of (str, str)
        Each file and what was done with it (``in_place``; empty otherwise).
    """
    folders = input_folders(data_dir)
    if in_place:
        return install_calibration(targets_path, Path(out), folders, data_dir, scenario,
                                   progress)
    try:
        check_apart(out, folders)
    except OutputExistsError as exc:
        raise OutputExistsError(f"{exc}; or, to replace the calibrated files shipped in "
                                f"{out}, add --in-place") from None
    with OutputFolder(out, force, command="calibrate", protect=folders) as folder:
        data, table, residuals = calibrate(targets_path, data_dir, scenario, progress)
        folder.add_data(data)
        folder.add_input(targets_path, data.config.data_dir)
        _write_all(data, table, residuals, Path(targets_path), folder.path)
    return table, residuals, []


def _write_all(data: ModelData, table: pd.DataFrame, residuals: pd.DataFrame,
               targets_path: Path, folder: Path) -> None:
    write_calibrated(data, table, targets_path, folder, data.master.version)
    write_csv(table, folder / "calibration_parameters.csv")
    write_csv(residuals, folder / "calibration_residuals.csv")
    write_csv(parameter_draws(table, DRAWS, DRAWS_SEED), folder / "calibration_draws.csv")
    residual_figure(residuals, folder / "calibration_residuals.png")


def install_calibration(targets_path: str | Path, out: Path, folders: dict[Path, str],
                        data_dir=None, scenario=None, progress: bool = False
                        ) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple[str, str]]]:
    """Calibrate and replace the calibrated files in ``out``, a folder inside the data folder
    (``--in-place``): under ``out``'s lock, the files are written into a staging folder, then
    each one that changes replaces the shipped one (:func:`~elt_odym.io.data_update.install`:
    every ``ref`` and ``log`` row of a replaced workbook kept); no manifest is written (the
    data folder is not an output folder)."""
    root = next(iter(folders))  # the data folder
    real = out.resolve()
    if real == root.resolve() or root.resolve() not in real.parents:
        raise OutputExistsError(f"--in-place replaces calibrated files in a folder inside the "
                                f"data folder {root}; {out} is not one: drop --in-place")
    out.mkdir(exist_ok=True)
    lock = FolderLock(out).acquire()
    staging = None
    try:
        remove_stale_staging(out)  # left by a killed --in-place run; nobody else writes here
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out))
        data, table, residuals = calibrate(targets_path, data_dir, scenario, progress)
        _write_all(data, table, residuals, Path(targets_path), staging)
        done = [(p.name, install(p, out / p.name)) for p in sorted(staging.iterdir())]
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.release()
    return table, residuals, done
