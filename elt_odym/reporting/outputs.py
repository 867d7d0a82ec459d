"""Write a run's outputs: staged, then published with a manifest (complete or absent).

Every file goes through :class:`~elt_odym.io.output_folder.OutputFolder`: written into a
staging folder, moved into place at the end, ``manifest.json`` last. Scenario names are checked
by :func:`~elt_odym.safety.check_path_name` before they become folder names, and the
``sources`` sheet names each workbook relative to the data folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..fleet.inputs import observations
from ..io.output_folder import OutputFolder
from ..safety import check_path_name, relative_path
from .battery_figures import write_battery_figures
from .figures import (
    fig_economics,
    fig_energy_carbon,
    fig_fleet,
    fig_materials,
    fig_stock_fit,
    fig_system,
)
from .iamc import write_iamc
from .report import write_report
from .results import (
    relative_paths,
    summary_sheet,
    variables_sheet,
    write_csv,
    write_results_xlsx,
)
from .sankey import write_plotlyjs, write_sankey, write_sankey_json
from .validation import write_validation


def write_outputs(results: list, out: str | Path | OutputFolder, force: bool = False,
                  figures: bool = True, progress: bool = False) -> list[Path]:
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
        Show a progress bar over the scenarios' figures (only on a terminal).

    Returns
    -------
    list of Path
        The files written, at their final place.
    """
    for r in results:
        check_path_name(r.scenario, "scenario name")
    if isinstance(out, OutputFolder):
        return [out.final(p) for p in _write_all(results, out, figures, progress)]
    with OutputFolder(out, force, command="run") as folder:
        written = [folder.final(p) for p in _write_all(results, folder, figures, progress)]
    return written


def _write_all(results: list, folder: OutputFolder, figures: bool,
               progress: bool = False) -> list[Path]:
    """Write every table and figure into the staging folder; record inputs and scenarios."""
    out = folder.path
    for r in results:
        folder.add_data(r.data)
    table = pd.concat([r.results for r in results], ignore_index=True)
    balance = pd.concat([r.mass_balance for r in results], ignore_index=True)
    fits = pd.concat([r.fits_table().assign(scenario=r.scenario) for r in results])
    events = pd.concat([r.events_table().assign(scenario=r.scenario) for r in results])
    provenance = pd.concat([_sources(r) for r in results])
    written = []
    battery = pd.concat([r.battery_results for r in results if r.battery_results is not None]
                        or [pd.DataFrame()], ignore_index=True)
    for name, df in (("results.csv", table), ("mass_balance.csv", balance),
                     ("battery_results.csv", battery),
                     ("stock_fits.csv", fits), ("negative_inflow_events.csv", events)):
        write_csv(df, out / name)
        written.append(out / name)
    config = results[0].data.config
    validation, inputs = write_validation(results, out, figures)
    for path in inputs:
        folder.add_input(path, config.data_dir)
    written += validation
    sheets = {"variables": variables_sheet(), "stock_fits": fits,
              "negative_inflow_events": events,
              "sources": relative_paths(provenance, config.data_dir)}
    write_results_xlsx(table, sheets, out / "results.xlsx", summary_sheet(table))
    written.append(out / "results.xlsx")
    written += write_iamc(table, out, config.iamc_product, config.region)
    if figures:
        written += write_figures(results, out, progress)
    written.append(write_report(out, config.data_dir, record=folder.record(),
                                name=folder.target.resolve().name))
    return written


def _sources(result) -> pd.DataFrame:
    """The provenance table of a run, workbook paths relative to its data folder."""
    table = result.provenance_table().assign(scenario=result.scenario)
    if "file" in table:
        root = result.data.config.data_dir
        table["file"] = [relative_path(f, root) for f in table["file"]]
    return table


def write_figures(results: list, out: Path, progress: bool = False) -> list[Path]:
    """PNG figures per scenario in ``figures/<scenario>/`` and the Sankey HTML."""
    from tqdm import tqdm

    written = []
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    fig_system(fig_dir / "system.png")
    written.append(fig_dir / "system.png")
    for r in tqdm(results, desc="figures", leave=False, disable=None if progress else True):
        folder = fig_dir / check_path_name(r.scenario, "scenario name")
        folder.mkdir(exist_ok=True)
        t = r.results
        rel = r.data["factor_range"].scalar()
        obs = {g: observations(r.data, g) for g in r.fleet.products}
        sc, year = r.scenario, r.data.options.price_money_year
        jobs = {"fig2_fleet.png": lambda p: fig_fleet(t, p, sc),
                "fig3_materials.png": lambda p: fig_materials(t, p, sc),
                "fig4_economic_value.png": lambda p: fig_economics(t, p, sc, year),
                "fig5_energy_carbon.png": lambda p: fig_energy_carbon(t, p, rel, sc),
                "stock_fit.png": lambda p: fig_stock_fit(r.fleet, obs, p, sc)}
        for name, job in jobs.items():
            job(folder / name)
            written.append(folder / name)
        path = folder / "sankey.html"
        write_sankey(r.system, r.data.options.sankey_year, path, r.scenario)
        written += [path, write_sankey_json(r.system, r.data.options.sankey_year,
                                            folder / "sankey.json", r.scenario)]
        written += write_battery_figures(r, folder)
    written.append(write_plotlyjs(fig_dir))
    return written
