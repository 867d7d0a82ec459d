"""Figures of the traction chain (issue 15): end-of-life battery materials by chemistry."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .figures import save_png

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from ..model import RunResult

PANELS = ("Li", "Ni", "Co", "Mn", "graphite", "Cu")
"""Battery materials shown, one panel each (those not classified are skipped)."""


def fig_battery_materials(detail: pd.DataFrame, path: Path, scenario: str = "") -> None:
    """Stacked areas by chemistry: the capacity (GWh) and materials (kt) of the packs leaving
    trucks each year (``battery_results.csv``)."""
    cap = detail[detail.variable == "battery_capacity_retired_by_chemistry"]
    mat = detail[detail.variable == "battery_eol_material_by_chemistry"]
    panels = [m for m in PANELS if (mat.material == m).any()]
    fig = Figure(figsize=(11, 6.5), layout="constrained")
    axes = fig.subplots(2, 4).ravel()
    chemistries = list(dict.fromkeys(cap.chemistry))
    _stack(axes[0], cap, chemistries, 1.0, "retired capacity (GWh)")
    for ax, m in zip(axes[1:], panels):
        _stack(ax, mat[mat.material == m], chemistries, 1e-3, f"{m} (kt)")
    for ax in axes[1 + len(panels):]:
        ax.set_axis_off()
    for letter, ax in zip("abcdefgh", axes[: 1 + len(panels)]):
        text = ax.get_title()
        ax.set_title("")
        ax.set_title(f"{letter}  {text}", fontsize=10, loc="left")
    axes[0].legend(fontsize=9, loc="upper left")
    title = "End-of-life traction batteries by chemistry (packs leaving trucks)"
    fig.suptitle(f"{title} - scenario {scenario}" if scenario else title, fontweight="bold")
    save_png(fig, path, dpi=120)


def _stack(ax: "Axes", part: pd.DataFrame, chemistries: list[str], scale: float, title: str) -> None:
    years = sorted(part.year.unique())
    values = [part[part.chemistry == k].set_index("year").reindex(years)["value"].fillna(0.0)
              .to_numpy() * scale for k in chemistries]
    ax.stackplot(years, np.asarray(values), labels=chemistries, alpha=0.85)
    ax.set_title(title, fontsize=10)
    ax.tick_params(labelsize=9)


def write_battery_figures(result: "RunResult", folder: Path) -> list[Path]:
    """``battery_materials.png`` of one run in ``folder`` (nothing without the extension);
    reused from the user's cache folder while ``battery_results`` stays the same."""
    from . import figure_cache

    detail = result.battery_results
    if detail is None or detail.empty:
        return []
    inputs = [figure_cache.frame_bytes(detail), figure_cache.value_bytes(result.scenario)]
    return [figure_cache.png(folder / "battery_materials.png", inputs,
                             lambda p: fig_battery_materials(detail, p, result.scenario))]
