"""Figure of the structural spread (:mod:`elt_odym.studies.structural`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

PANELS = (("eol", "", 1e-6, "end-of-life trucks (million)"),
          ("eol_mass", "", 1e-6, "end-of-life weight (Mt)"),
          ("carbon_saving", "total", 1e-6, "CO2 saving, fixed factors (Mt CO2e)"))


def fig_structural(table: pd.DataFrame, path: Path) -> None:
    """One panel per headline variable, one line per variant (the study's structure dashed)."""
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    axes = fig.subplots(1, len(PANELS))
    for ax, letter, (var, mat, scale, title) in zip(axes, "abc", PANELS):
        part = table[(table["variable"] == var) & (table["material"] == mat)]
        for name, rows in part.groupby("variant", sort=False):
            style = "-" if name.startswith("best_estimate") else "--"
            width = 2.5 if name == "best_estimate" else 1.0
            ax.plot(rows["year"], rows["value"] * scale, style, lw=width, label=name)
        ax.axvspan(rows["year"].min(), 2012, color="0.9", zorder=0)
        ax.set_title(f"{letter}  {title}", fontsize=10, loc="left")
        ax.set_xlabel("year")
    axes[0].text(0.02, 0.97, "before 2012: sensitive to the\ninitial age structure",
                 transform=axes[0].transAxes, va="top", fontsize=8, color="0.3")
    axes[-1].legend(fontsize=8, loc="upper left")
    fig.suptitle("Structural uncertainty: the same data under different model structures",
                 fontsize=11)
    fig.savefig(path, dpi=110)
