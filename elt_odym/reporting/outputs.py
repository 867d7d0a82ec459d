"""Write a run's outputs: staged, then published with a manifest (complete or absent).

Every file goes through :class:`~elt_odym.io.output_folder.OutputFolder`: written into a
staging folder, moved into place at the end, ``manifest.json`` last. Scenario names are checked
by :func:`~elt_odym.safety.check_path_name` before they become folder names, and the
``sources`` sheet names each workbook relative to the data folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import NonFiniteOutputError
from ..fleet.inputs import observations
from ..io.output_folder import OutputFolder
from ..safety import check_path_name, relative_path
from .iamc import write_iamc
from .report import headline_section, run_inputs, sources_section, write_report
from .results import (
    headline_csv,
    relative_paths,
    summary_sheet,
    variables_sheet,
    write_csv,
    write_results_xlsx,
)
from .validation import statistics_path, write_validation
from .workers import Workers


def write_outputs(results: list, out: str | Path | OutputFolder, force: bool = False,
                  figures: bool = True, progress: bool = False, processes: int = 1,
                  drawn: list[Path] | None = None) -> list[Path]:
    """Write ``results.csv``, ``results.xlsx``, ``mass_balance.csv``, ``validation.csv``,
    diagnostics and figures.

    Parameters
    ----------
    results : list of RunResult
        One per scenario; the tables are stacked with a ``scenario`` column.
    out : str, Path or OutputFolder
        Output folder: new or empty unless ``force``; or an open :class:`OutputFolder` (then
        its owner publishes the files when its block ends).
    force : bool
        Allow a non-empty folder; files of the same name are replaced.
    figures : bool
        Also write PNG figures and the Sankey HTML.
    progress : bool
        Show a progress bar over the figures (only on a terminal).
    processes : int
        Processes drawing the figures while this one writes the tables (``elt-odym run``: the
        cores available; the default 1 draws them here, after the tables, which is also what
        suits a notebook). The files are the same either way.
    drawn : list of Path, optional
        Files already written into the staging folder by the processes that ran the
        scenarios (the Sankey pages, made where the flodym system is: a result without its
        system gets no Sankey here).

    Returns
    -------
    list of Path
        The files written, at their final place.
    """
    for r in results:
        check_path_name(r.scenario, "scenario name")
    if isinstance(out, OutputFolder):
        return [out.final(p) for p in _write_all(results, out, figures, progress, processes,
                                                 drawn)]
    with OutputFolder(out, force, command="run") as folder:
        written = [folder.final(p) for p in _write_all(results, folder, figures, progress,
                                                       processes, drawn)]
    return written


def _write_all(results: list, folder: OutputFolder, figures: bool, progress: bool,
               processes: int, drawn: list[Path] | None) -> list[Path]:
    """Write the tables and draw the figures as independent jobs on ``processes`` processes,
    then the report (which shows both); record inputs and scenarios."""
    out = folder.path
    for r in results:
        folder.add_data(r.data)
    config = results[0].data.config
    for path in dict.fromkeys(statistics_path(r) for r in results):
        if path.is_file():  # what write_validation reads
            folder.add_input(path, config.data_dir)
    inputs = run_inputs(out, folder.record())
    tables = table_jobs(results, out)
    write_results_csv = tables.pop("results.csv")

    def results_csv() -> tuple[list[Path], str]:
        """``results.csv``, then the report's headline section, which reads it."""
        return write_results_csv(), headline_section(out, config.data_dir)

    jobs: list[Callable] = [results_csv, lambda: sources_section(config.data_dir, inputs)]
    jobs += tables.values()
    if figures:
        jobs += [job for r in results for job in scenario_figure_jobs(r, out)]
        jobs += shared_figure_jobs(out)
    with _bar(len(jobs), "outputs", progress) as bar:
        done = Workers(jobs, processes, on_done=lambda i: bar.update()).results()
    (csv_paths, headline), sources, *done = done
    written = csv_paths + [p for paths in done for p in paths] + list(drawn or [])
    written.append(write_report(out, config.data_dir, record=folder.record(),
                                name=folder.target.resolve().name,
                                sections={"headline": headline, "sources": sources}))
    return written


def _bar(total: int, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, leave=False, disable=None if progress else True)


def write_tables(results: list, out: Path) -> list[Path]:
    """The CSV tables, ``results.xlsx``, the IAMC files and ``validation.csv`` of ``results``
    (all scenarios), one after another."""
    return [p for job in table_jobs(results, out).values() for p in job()]


def table_jobs(results: list, out: Path) -> dict[str, Callable[[], list[Path]]]:
    """The table outputs of ``results`` (all scenarios stacked) as independent jobs, each
    writing its own files and returning them, by name: ``results.xlsx``, ``results_iamc``
    (CSV and xlsx), ``results.csv`` (with ``headline.csv``), ``diagnostics`` (the other CSV
    tables), ``validation.csv`` (largest first). The tables are checked for non-finite values
    here, before any job writes."""
    table = pd.concat([r.results for r in results], ignore_index=True)
    fits = pd.concat([r.fits_table().assign(scenario=r.scenario) for r in results])
    events = pd.concat([r.events_table().assign(scenario=r.scenario) for r in results])
    balance = pd.concat([r.mass_balance for r in results], ignore_index=True)
    battery = pd.concat([r.battery_results for r in results if r.battery_results is not None]
                        or [pd.DataFrame()], ignore_index=True)
    for name, df in (("results.csv", table), ("mass_balance.csv", balance),
                     ("battery_results.csv", battery)):
        check_finite(df, name)  # before any job writes: outputs complete or absent
    headline = headline_csv(results)  # the one source of the headline's range
    config = results[0].data.config

    def csv(name: str, df: pd.DataFrame) -> Path:
        write_csv(df, out / name)
        return out / name

    def xlsx() -> list[Path]:
        provenance = pd.concat([_sources(r) for r in results])
        sheets = {"variables": variables_sheet(), "stock_fits": fits,
                  "negative_inflow_events": events,
                  "sources": relative_paths(provenance, config.data_dir)}
        write_results_xlsx(table, sheets, out / "results.xlsx",
                           summary_sheet(table, ranges=headline))
        return [out / "results.xlsx"]

    def diagnostics() -> list[Path]:
        return [csv("mass_balance.csv", balance),
                csv("battery_results.csv", battery), csv("stock_fits.csv", fits),
                csv("negative_inflow_events.csv", events)]

    return {"results.xlsx": xlsx,
            "results_iamc": lambda: write_iamc(table, out, config.iamc_product, config.region),
            "results.csv": lambda: [csv("results.csv", table), csv("headline.csv", headline)], "diagnostics": diagnostics,
            "validation.csv": lambda: write_validation(results, out, figures=False)[0]}


def check_finite(table: pd.DataFrame, name: str) -> None:
    """Refuse an output table with values that are not finite numbers (inf, NaN).

    Parameters
    ----------
    table : DataFrame
        The table about to be written; its numeric columns are checked.
    name : str
        Its file name, for the message.

    Raises
    ------
    NonFiniteOutputError
        Naming how many values, the first one's row (scenario, variable, year, ...) and what
        to do; the caller's output folder then publishes nothing.
    """
    numeric = table.select_dtypes("number")
    if numeric.empty:
        return
    bad = ~np.isfinite(numeric.to_numpy(dtype=float))
    if not bad.any():
        return
    row = table.iloc[int(np.nonzero(bad.any(axis=1))[0][0])]
    keys = [c for c in ("scenario", "variable", "process", "truck_type", "material", "year")
            if c in table.columns and str(row[c]) not in ("", "nan")]
    where = ", ".join(f"{c} {row[c]}" for c in keys)
    raise NonFiniteOutputError(
        f"{name}: {int(bad.sum())} value(s) are not finite numbers (inf or NaN), the first at "
        f"{where or 'row ' + str(row.name)}; nothing was published: an input is far out of "
        f"range (elt-odym validate checks the plausible ranges) or the model failed")


def _sources(result) -> pd.DataFrame:
    """The provenance table of a run, workbook paths relative to its data folder."""
    table = result.provenance_table().assign(scenario=result.scenario)
    if "file" in table:
        root = result.data.config.data_dir
        paths = {f: relative_path(f, root) for f in table["file"].unique()}  # ~35, not per row
        table["file"] = table["file"].map(paths)
    return table


def shared_figure_jobs(out: Path) -> list[Callable[[], list[Path]]]:
    """Drawing ``figures/system.png`` (reused while the declaration and the drawing code stay
    the same) and copying ``figures/plotly.min.js``."""
    from ..declaration import ALL_FLOWS, ALL_PROCESSES, ALL_STOCKS
    from . import figure_cache
    from .system_diagram import fig_system
    from .sankey import write_plotlyjs

    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)

    def system() -> list[Path]:
        declared = figure_cache.value_bytes(repr((ALL_PROCESSES, ALL_FLOWS, ALL_STOCKS)))
        return [figure_cache.png(fig_dir / "system.png", [declared], fig_system)]

    return [system, lambda: [write_plotlyjs(fig_dir)]]


def sankey_job(r, out: Path) -> Callable[[], list[Path]]:
    """Writing ``figures/<scenario>/sankey.html`` and ``sankey.json`` (needs the flodym
    system of ``r``)."""
    from .sankey import sankey_figure, write_sankey, write_sankey_json

    folder = out / "figures" / check_path_name(r.scenario, "scenario name")
    sc, year = r.scenario, r.data.options.sankey_year

    def sankey() -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        figure = sankey_figure(r.system, year, sc)
        write_sankey(r.system, year, folder / "sankey.html", sc, figure=figure)
        return [folder / "sankey.html",
                write_sankey_json(r.system, year, folder / "sankey.json", sc, figure)]

    return sankey


def _stock_fit_job(r, folder: Path) -> Callable[[], list[Path]]:
    """The job of ``stock_fit.png`` in ``folder`` (reused from the user's cache folder when its
    data are those of a drawing there)."""
    from . import figure_cache
    from .figures import draw_stock_fit, stock_fit_data

    def job() -> list[Path]:
        data = stock_fit_data(r.fleet, {g: observations(r.data, g) for g in r.fleet.products})
        return [figure_cache.png(folder / "stock_fit.png",
                                 [figure_cache.value_bytes((data, r.scenario))],
                                 lambda p: draw_stock_fit(data, p, r.scenario))]
    return job


def _validation_job(r, folder: Path) -> Callable[[], list[Path]]:
    """The job of ``validation.png`` in ``folder``: none without statistics (as
    :func:`write_validation`)."""
    from . import figure_cache
    from .validation import fig_validation, scenario_validation

    def job() -> list[Path]:
        made = scenario_validation(r)
        if made is None:
            return []
        table, stats = made
        inputs = [figure_cache.frame_bytes(table), figure_cache.frame_bytes(stats),
                  figure_cache.value_bytes(r.scenario)]
        return [figure_cache.png(folder / "validation.png", inputs,
                                 lambda p: fig_validation(table, stats, p, r.scenario))]
    return job


def scenario_figure_jobs(r, out: Path) -> list[Callable[[], list[Path]]]:
    """One job per figure of a scenario (each returns the files it wrote), in
    ``figures/<scenario>/``, the costliest first; the folder is made here, before any job
    runs. A PNG figure whose inputs are those of one in the user's cache folder is copied from
    there (:mod:`~elt_odym.reporting.figure_cache`). The Sankey (:func:`sankey_job`) is among
    them when ``r`` has its flodym system."""
    from . import figure_cache
    from .battery_figures import write_battery_figures
    from .figures import (
        FIGURE_VARIABLES,
        fig_economics,
        fig_energy_carbon,
        fig_fleet,
        fig_materials,
        indexed,
    )

    folder = out / "figures" / check_path_name(r.scenario, "scenario name")
    folder.mkdir(parents=True, exist_ok=True)
    t = indexed(r.results)  # made once, shared by the figures (and by forked processes)
    rel = r.data["factor_range"].scalar()
    sc, year = r.scenario, r.data.options.price_money_year
    value_bytes = figure_cache.value_bytes

    def png(name: str, draw: Callable, *args) -> Callable[[], list[Path]]:
        """The figure ``name`` drawn by ``draw(view, path, *args)`` from the results of its
        variables only (:data:`~elt_odym.reporting.figures.FIGURE_VARIABLES`)."""
        def job() -> list[Path]:
            view = t.restricted(FIGURE_VARIABLES[name])
            inputs = [view.fingerprint(), value_bytes(args)]
            return [figure_cache.png(folder / name, inputs, lambda p: draw(view, p, *args))]
        return job

    return [_validation_job(r, folder), lambda: write_battery_figures(r, folder),
            png("fig2_fleet.png", fig_fleet, sc),
            png("fig5_energy_carbon.png", fig_energy_carbon, rel, sc),
            _stock_fit_job(r, folder),
            png("fig3_materials.png", fig_materials, sc),
            png("fig4_economic_value.png", fig_economics, sc, year)] + (
                [sankey_job(r, out)] if r.system is not None else [])
