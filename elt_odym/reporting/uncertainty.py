"""Figures of the uncertainty analyses: sensitivity bars, Monte Carlo by type, Sobol indices."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure

from .figures import DPI, STYLE, display_unit

if TYPE_CHECKING:
    from ..uncertainty.montecarlo import MCResult

SENSITIVITY_PANELS = (("eol_mass", "", "end-of-life weight"),
                      ("economic_value", "total", "economic value"),
                      ("carbon_saving", "total", "CO2 saving"))


def _title(fig: Figure, text: str, scenario: str) -> None:
    fig.suptitle(f"{text} - scenario {scenario}" if scenario else text, fontweight="bold")


def _sorted_cases(table: pd.DataFrame, year: int) -> list[str]:
    """Cases (``parameter change``) sorted by the largest absolute change in ``year``."""
    part = table[table.year == year].assign(case=lambda d: d.parameter + " " + d.change)
    return list(part.groupby("case")["rel_change"].apply(lambda s: s.abs().max())
                .sort_values().index)


def fig_sensitivity(table: pd.DataFrame, path: Path, years: tuple[int, ...] = (2030, 2050),
                    scenario: str = "") -> None:
    """Bars of the relative change of end-of-life weight, economic value and CO2 saving (like
    the study's Fig. 6a), the cases sorted by their largest effect in the last year."""
    table = table[table.truck_type == "total"]
    panels = [p for p in SENSITIVITY_PANELS
              if ((table.variable == p[0]) & (table.material == p[1])).any()]
    cases = _sorted_cases(table[table.variable.isin([p[0] for p in panels])], max(years))
    with rc_context(STYLE):
        fig = Figure(figsize=(4.6 * len(panels) + 2.5, 0.34 * len(cases) + 2.2),
                     layout="constrained")
        axes = np.atleast_1d(fig.subplots(1, len(panels), sharey=True))
        pos = np.arange(len(cases))
        for ax, letter, (var, mat, label) in zip(axes, "abc", panels):
            part = table[(table.variable == var) & (table.material == mat)].assign(
                case=lambda d: d.parameter + " " + d.change)
            for i, year in enumerate(years):
                vals = part[part.year == year].set_index("case")["rel_change"]
                ax.barh(pos + 0.4 * (i - 0.5), vals.reindex(cases).to_numpy() * 100,
                        height=0.4, label=str(year))
            ax.axvline(0, color="k", lw=0.8)
            ax.set_xlabel("change from the base run (%)")
            ax.set_title(f"{letter}  {label}", loc="left")
        axes[0].set_yticks(pos, cases)
        axes[0].legend(loc="lower right")
        _title(fig, "One-at-a-time sensitivity", scenario)
        fig.savefig(path, dpi=DPI)


def fig_eol_distribution(result: "MCResult", path: Path, scenario: str = "") -> None:
    """End-of-life weight per truck type over time (like the study's Fig. 6b-e): median and
    5-95 % of the Monte Carlo draws (the exact percentiles of ``mc_summary.csv``)."""
    lay = result.layout
    labels = lay.labels[lay.variables.index("eol_mass")]
    types = [g for g, *_ in labels if g != "total"]
    years = np.asarray(lay.years)[1:]
    n_draws = result.n
    with rc_context(STYLE):
        n_cols = 2
        n_rows = -(-len(types) // n_cols)
        fig = Figure(figsize=(11, 3.6 * n_rows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
        for ax, letter, g in zip(axes, "bcdefghijk", types):
            p = result.band("eol_mass", g)[:, 1:]  # (p05, p50, p95) by year
            factor, unit = display_unit(float(p[2].max()), "t")
            ax.fill_between(years, p[0] * factor, p[2] * factor, alpha=0.25, color="tab:blue",
                            label="5-95 %")
            ax.plot(years, p[1] * factor, color="tab:blue", lw=1.6, label="median")
            ax.set_title(f"{letter}  {g}", loc="left")
            ax.set_ylabel(f"{unit} per year")
            ax.legend(loc="upper left")
        for ax in axes[len(types):]:
            ax.set_visible(False)
        _title(fig, f"End-of-life weight by truck type, {n_draws:,} Monte Carlo draws",
               scenario)
        fig.savefig(path, dpi=DPI)


def fig_sobol(table: pd.DataFrame, path: Path, scenario: str = "") -> None:
    """Which group drives each output: a grid of the total Sobol index ``ST`` (colour and
    number, first-order ``S1`` in brackets), outputs as rows, groups as columns sorted by
    their largest ``ST``."""
    outputs = list(table["output"].unique())
    groups = list(table.groupby("group", sort=False)["ST"].max().sort_values(
        ascending=False).index)
    st = table.pivot(index="output", columns="group", values="ST").reindex(
        index=outputs, columns=groups)
    s1 = table.pivot(index="output", columns="group", values="S1").reindex(
        index=outputs, columns=groups)
    with rc_context(STYLE):
        fig = Figure(figsize=(1.5 * len(groups) + 4.0, 0.42 * len(outputs) + 2.4),
                     layout="constrained")
        ax = fig.subplots()
        image = ax.imshow(np.clip(st.to_numpy(float), 0.0, 1.0), cmap="Blues", vmin=0.0,
                          vmax=1.0, aspect="auto")
        for i in range(len(outputs)):
            for j in range(len(groups)):
                v, f = st.iat[i, j], s1.iat[i, j]
                ax.text(j, i, f"{v:.2f}\n({f:.2f})", ha="center", va="center", fontsize=7,
                        color="white" if v > 0.6 else "black")
        ax.set_xticks(np.arange(len(groups)), groups, rotation=30, ha="right")
        ax.set_yticks(np.arange(len(outputs)), outputs)
        fig.colorbar(image, ax=ax, label="total Sobol index ST (share of variance)")
        ax.set_title("total index ST, first-order S1 in brackets", loc="left")
        _title(fig, "Sobol indices by group of inputs", scenario)
        fig.savefig(path, dpi=DPI)
