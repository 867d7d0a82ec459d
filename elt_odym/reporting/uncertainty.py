"""Figures of the uncertainty analyses: sensitivity bars, Monte Carlo histograms, Sobol indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def fig_sensitivity(table: pd.DataFrame, path: Path, years: tuple[int, ...] = (2030, 2050)
                    ) -> None:
    """Bars of the relative change of end-of-life weight and carbon saving (like Fig. 6a)."""
    panels = [("eol_mass", ""), ("carbon_saving", "total")]
    fig = Figure(figsize=(12, 7), layout="constrained")
    axes = fig.subplots(1, len(panels), sharey=True)
    for ax, (var, mat) in zip(np.atleast_1d(axes), panels):
        part = table[(table.variable == var) & (table.truck_type == "total")
                     & (table.material == mat)]
        labels = (part["parameter"] + " " + part["change"]).unique()
        pos = np.arange(len(labels))
        for i, year in enumerate(years):
            vals = part[part.year == year].set_index(part[part.year == year]["parameter"] + " "
                                                     + part[part.year == year]["change"])
            ax.barh(pos + 0.4 * i, vals.loc[labels, "rel_change"] * 100, height=0.4,
                    label=str(year))
        ax.set_yticks(pos + 0.2, labels, fontsize=8)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel("change (%)")
        ax.set_title(f"{var} {mat}".strip())
        ax.legend()
    fig.savefig(path, dpi=110)


def fig_eol_distribution(result: MCResult, path: Path,
                         years: tuple[int, ...] = (2010, 2020, 2030, 2050)) -> None:
    """Histograms of the total end-of-life weight in chosen years (like the study's Fig. 6b-e)."""
    years = [y for y in years if y in result.base.years]
    fig = Figure(figsize=(4 * len(years), 3.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(years)))
    total = result.samples["eol_mass"][..., -1]
    for ax, year in zip(axes, years):
        x = total[:, result.base.years.index(year)] / 1e6
        ax.hist(x, bins=60, color="tab:blue", alpha=0.75)
        for q, ls in zip(np.percentile(x, [5, 50, 95]), (":", "-", ":")):
            ax.axvline(q, color="k", ls=ls, lw=1)
        ax.set_title(f"{year}: p50 {np.median(x):.2f} Mt", fontsize=10)
        ax.set_xlabel("end-of-life weight (Mt)")
    axes[0].set_ylabel("draws")
    fig.savefig(path, dpi=110)


def fig_sobol(table: pd.DataFrame, path: Path) -> None:
    """Bar chart of S1 and ST per factor, one panel per output."""
    outputs = list(table["output"].unique())
    fig = Figure(figsize=(5 * len(outputs), 4.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(outputs), sharey=True))
    for ax, name in zip(axes, outputs):
        part = table[table.output == name]
        pos = np.arange(len(part))
        ax.barh(pos - 0.2, part["S1"], 0.4, xerr=part["S1_conf"], label="first order S1")
        ax.barh(pos + 0.2, part["ST"], 0.4, xerr=part["ST_conf"], label="total ST")
        ax.set_yticks(pos, part["factor"], fontsize=8)
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
