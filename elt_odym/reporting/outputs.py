"""Write a run's outputs into a new or empty folder (never over a user's files by surprise)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import OutputExistsError
from ..fleet.dynamics import observations
from .figures import (fig_economics, fig_energy_carbon, fig_fleet, fig_materials,
                      fig_stock_fit, fig_system)
from .results import variables_sheet, write_csv, write_results_xlsx
from .iamc import write_iamc
from .sankey import write_sankey
from .battery_figures import write_battery_figures


def prepare_out_dir(out: str | Path, force: bool = False) -> Path:
    """Create ``out`` or accept it if empty; a non-empty folder needs ``force``."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputExistsError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise OutputExistsError(f"{out} is not empty; choose a new folder or pass --force to "
                                f"overwrite the files this command writes")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_outputs(results: list, out: str | Path, force: bool = False,
                  figures: bool = True) -> list[Path]:
    """Write ``results.csv``, ``results.xlsx``, ``mass_balance.csv``, diagnostics and figures.

    Parameters
    ----------
    results : list of RunResult
        One per scenario; the tables are stacked with a ``scenario`` column.
    out : str or Path
        Output folder: new or empty unless ``force``.
    force : bool
        Allow a non-empty folder; files of the same name are replaced atomically.
    figures : bool
        Also write PNG figures and the Sankey HTML.

    Returns
    -------
    list of Path
        The files written.
    """
    out = prepare_out_dir(out, force)
    table = pd.concat([r.results for r in results], ignore_index=True)
    balance = pd.concat([r.mass_balance for r in results], ignore_index=True)
    fits = pd.concat([r.fits_table().assign(scenario=r.scenario) for r in results])
    events = pd.concat([r.events_table().assign(scenario=r.scenario) for r in results])
    provenance = pd.concat([r.provenance_table().assign(scenario=r.scenario) for r in results])
    written = []
    battery = pd.concat([r.battery_results for r in results if r.battery_results is not None]
                        or [pd.DataFrame()], ignore_index=True)
    for name, df in (("results.csv", table), ("mass_balance.csv", balance),
                     ("battery_results.csv", battery),
                     ("stock_fits.csv", fits), ("negative_inflow_events.csv", events)):
        write_csv(df, out / name)
        written.append(out / name)
    sheets = {"variables": variables_sheet(), "stock_fits": fits,
              "negative_inflow_events": events, "sources": provenance}
    write_results_xlsx(table, sheets, out / "results.xlsx")
    written.append(out / "results.xlsx")
    config = results[0].data.config
    written += write_iamc(table, out, config.iamc_product, config.region)
    if figures:
        written += write_figures(results, out)
    return written


def write_figures(results: list, out: Path) -> list[Path]:
    """PNG figures per scenario in ``figures/<scenario>/`` and the Sankey HTML."""
    written = []
    fig_dir = out / "figures"
    fig_dir.mkdir(exist_ok=True)
    fig_system(fig_dir / "system.png")
    written.append(fig_dir / "system.png")
    for r in results:
        folder = fig_dir / r.scenario
        folder.mkdir(exist_ok=True)
        t = r.results
        rel = r.data["factor_range"].scalar()
        obs = {g: observations(r.data, g) for g in r.fleet.products}
        jobs = {"fig2_fleet.png": lambda p: fig_fleet(t, p),
                "fig3_materials.png": lambda p: fig_materials(t, p),
                "fig4_economic_value.png": lambda p: fig_economics(t, p),
                "fig5_energy_carbon.png": lambda p: fig_energy_carbon(t, p, rel),
                "stock_fit.png": lambda p: fig_stock_fit(r.fleet, obs, p)}
        for name, job in jobs.items():
            job(folder / name)
            written.append(folder / name)
        year = r.data.options.sankey_year
        path = folder / f"sankey_{year}.html"
        write_sankey(r.system, year, path, f"{r.scenario}: material flows in {year} (t)")
        written.append(path)
        written += write_battery_figures(r, folder)
    return written
