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
from .report import write_report
from .results import (
    headline_csv,
    relative_paths,
    summary_sheet,
    variables_sheet,
    write_csv,
    write_results_xlsx,
)
from .validation import write_validation
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
        The scenarios' figures, already drawn into the staging folder (by the processes that
        ran the scenarios): only the shared figures are drawn here.

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
    """Start the figures in other processes, write the tables, wait for the figures, then the
    report (which shows both); record inputs and scenarios."""
    out = folder.path
    for r in results:
        folder.add_data(r.data)
    jobs = []
    if figures:
        jobs = shared_figure_jobs(out) + ([] if drawn is not None else [
            job for r in results for job in scenario_figure_jobs(r, out)])
    with _bar(len(jobs), "figures", progress) as bar:
        pending = Workers(jobs, processes, on_done=lambda i: bar.update())
        written = write_tables(results, out)
        validation, inputs = write_validation(results, out, figures)
        written += validation
        written += [p for paths in pending.results() for p in paths] + list(drawn or [])
    config = results[0].data.config
    for path in inputs:
        folder.add_input(path, config.data_dir)
    written.append(write_report(out, config.data_dir, record=folder.record(),
                                name=folder.target.resolve().name))
    return written


def _bar(total: int, desc: str, progress: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, leave=False, disable=None if progress else True)


def write_tables(results: list, out: Path) -> list[Path]:
    """The CSV tables, ``results.xlsx`` and the IAMC files of ``results`` (all scenarios)."""
    table = pd.concat([r.results for r in results], ignore_index=True)
    balance = pd.concat([r.mass_balance for r in results], ignore_index=True)
    fits = pd.concat([r.fits_table().assign(scenario=r.scenario) for r in results])
    events = pd.concat([r.events_table().assign(scenario=r.scenario) for r in results])
    provenance = pd.concat([_sources(r) for r in results])
    written = []
    battery = pd.concat([r.battery_results for r in results if r.battery_results is not None]
                        or [pd.DataFrame()], ignore_index=True)
    for name, df in (("results.csv", table), ("mass_balance.csv", balance),
                     ("battery_results.csv", battery)):
        check_finite(df, name)  # before anything is written: outputs complete or absent
    for name, df in (("results.csv", table), ("mass_balance.csv", balance),
                     ("battery_results.csv", battery),
                     ("stock_fits.csv", fits), ("negative_inflow_events.csv", events)):
        write_csv(df, out / name)
        written.append(out / name)
    config = results[0].data.config
    sheets = {"variables": variables_sheet(), "stock_fits": fits,
              "negative_inflow_events": events,
              "sources": relative_paths(provenance, config.data_dir)}
    headline = headline_csv(results)  # the one source of the headline's range
    write_csv(headline, out / "headline.csv")
    written.append(out / "headline.csv")
    write_results_xlsx(table, sheets, out / "results.xlsx",
                       summary_sheet(table, ranges=headline))
    written.append(out / "results.xlsx")
    written += write_iamc(table, out, config.iamc_product, config.region)
    return written


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


def write_figures(results: list, out: Path, progress: bool = False,
                  processes: int = 1) -> list[Path]:
    """PNG figures per scenario in ``figures/<scenario>/``, the Sankey HTML and the shared
    figures (system diagram, plotly.js), on ``processes`` processes."""
    jobs = shared_figure_jobs(out) + [j for r in results for j in scenario_figure_jobs(r, out)]
    with _bar(len(jobs), "figures", progress) as bar:
        done = Workers(jobs, processes, on_done=lambda i: bar.update()).results()
    return [p for paths in done for p in paths]


def shared_figure_jobs(out: Path) -> list[Callable[[], list[Path]]]:
    """Drawing ``figures/system.png`` and copying ``figures/plotly.min.js``."""
    from .figures import fig_system
    from .sankey import write_plotlyjs

    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)

    def system() -> list[Path]:
        fig_system(fig_dir / "system.png")
        return [fig_dir / "system.png"]

    return [system, lambda: [write_plotlyjs(fig_dir)]]


def scenario_figure_jobs(r, out: Path) -> list[Callable[[], list[Path]]]:
    """One job per figure of a scenario (each returns the files it wrote), in
    ``figures/<scenario>/``; the folder is made here, before any job runs."""
    from .battery_figures import write_battery_figures
    from .figures import (
        fig_economics,
        fig_energy_carbon,
        fig_fleet,
        fig_materials,
        fig_stock_fit,
        indexed,
    )
    from .sankey import sankey_figure, write_sankey, write_sankey_json

    folder = out / "figures" / check_path_name(r.scenario, "scenario name")
    folder.mkdir(parents=True, exist_ok=True)
    t = indexed(r.results)  # made once, shared by the figures (and by forked processes)
    rel = r.data["factor_range"].scalar()
    sc, year, sankey_year = r.scenario, r.data.options.price_money_year, r.data.options.sankey_year

    def png(name: str, draw: Callable[[Path], None]) -> Callable[[], list[Path]]:
        def job() -> list[Path]:
            draw(folder / name)
            return [folder / name]
        return job

    def sankey() -> list[Path]:
        figure = sankey_figure(r.system, sankey_year, sc)
        write_sankey(r.system, sankey_year, folder / "sankey.html", sc, figure=figure)
        return [folder / "sankey.html",
                write_sankey_json(r.system, sankey_year, folder / "sankey.json", sc, figure)]

    def stock_fit(path: Path) -> None:
        obs = {g: observations(r.data, g) for g in r.fleet.products}
        fig_stock_fit(r.fleet, obs, path, sc)

    return [png("fig2_fleet.png", lambda p: fig_fleet(t, p, sc)),
            png("fig3_materials.png", lambda p: fig_materials(t, p, sc)),
            png("fig4_economic_value.png", lambda p: fig_economics(t, p, sc, year)),
            png("fig5_energy_carbon.png", lambda p: fig_energy_carbon(t, p, rel, sc)),
            png("stock_fit.png", stock_fit), sankey,
            lambda: write_battery_figures(r, folder)]
