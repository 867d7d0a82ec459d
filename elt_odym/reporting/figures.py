"""Figures like the study's Figs. 2-5, the stock fit and the system diagram (PNG).

Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot's global
state, so nothing here depends on a display.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..definition import FLOWS, PROCESSES, STOCKS

GROUPS = {
    "basic materials": ["Fe", "Al", "rubber", "plastics", "glass"],
    "Cu, Mg, Pb, Zn, Sn, Co, W": ["Cu", "Mg", "Pb", "Zn", "Sn", "Co", "W"],
    "rare earths": ["Dy", "Nd", "La"],
    "precious metals": ["Au", "Pt", "Pd", "Rh", "Ag"],
}


def _series(t: pd.DataFrame, variable: str, truck_type: str = "total",
            material: str = "") -> pd.Series:
    part = t[(t.variable == variable) & (t.truck_type == truck_type) & (t.material == material)]
    return part.set_index("year")["value"]


def _types(t: pd.DataFrame) -> list[str]:
    return [g for g in t.loc[t.variable == "stock", "truck_type"].unique() if g != "total"]


def _stack(ax, t, variable, scale, ylabel, title, material=""):
    types = _types(t)
    data = [_series(t, variable, g, material) * scale for g in types]
    ax.stackplot(data[0].index, *[d.values for d in data], labels=types, alpha=0.85)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")


def _share_lines(ax, t: pd.DataFrame, variable: str) -> None:
    """Dotted share of each type in the total, on a second axis."""
    share = ax.twinx()
    total = _series(t, variable)
    for g in _types(t):
        share.plot(total.index, _series(t, variable, g) / total.where(total != 0) * 100,
                   ls=":", lw=1)
    share.set_ylabel("share (%)", fontsize=8)
    share.set_ylim(0, 100)


def fig_fleet(t: pd.DataFrame, path: Path) -> None:
    """Fig. 2: stock number and share, stock weight, end-of-life number, weight and share."""
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    _stack(axes[0], t, "stock", 1e-6, "million units", "a  stock number (dotted: share)")
    _share_lines(axes[0], t, "stock")
    _stack(axes[1], t, "stock_mass", 1e-6, "Mt", "b  stock weight")
    _stack(axes[2], t, "eol", 1e-3, "thousand units", "c  end-of-life number")
    _stack(axes[3], t, "eol_mass", 1e-6, "Mt", "d  end-of-life weight (dotted: share)")
    _share_lines(axes[3], t, "eol_mass")
    low = _series(t, "eol_mass_low") * 1e-6
    axes[3].plot(low.index, low.values, "k--", lw=1, label="total, truck unit only")
    axes[3].legend(fontsize=7, loc="upper left")
    fig.savefig(path, dpi=120)


def fig_materials(t: pd.DataFrame, path: Path) -> None:
    """Fig. 3: material in end-of-life trucks by group."""
    fig = Figure(figsize=(11, 8), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (title, materials) in zip(axes, GROUPS.items()):
        scale, unit = (1e-6, "Mt") if title == "basic materials" else (
            (1e-3, "kt") if title.startswith("Cu") else (1.0, "t"))
        for m in materials:
            s = _series(t, "eol_material", "total", m)
            if not s.empty:
                ax.plot(s.index, s.values * scale, label=m)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_yscale("log" if title.startswith("Cu") and ax.lines else "linear")
        if ax.lines:
            ax.legend(fontsize=7, ncol=2)
        else:
            ax.text(0.5, 0.5, "not in the material classification", ha="center",
                    transform=ax.transAxes, color="gray")
    fig.savefig(path, dpi=120)


def fig_economics(t: pd.DataFrame, path: Path) -> None:
    """Fig. 4: economic value with interval boxes for the price range."""
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.subplots()
    mean = _series(t, "economic_value", "total", "total") * 1e-9
    low = _series(t, "economic_value_low", "total", "total") * 1e-9
    high = _series(t, "economic_value_high", "total", "total") * 1e-9
    infl = _series(t, "economic_value_inflated", "total", "total") * 1e-9
    ax.bar(mean.index, (high - low).values, bottom=low.values, color="tab:orange", alpha=0.35,
           label="price range (min-max)")
    ax.plot(mean.index, mean.values, "o-", ms=3, color="tab:orange", label="mean prices")
    ax.plot(infl.index, infl.values, "--", color="tab:red", label="mean, inflation-adjusted")
    ax.set_ylabel("billion USD")
    ax.set_title("Economic value of recovered material")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=120)


def fig_energy_carbon(t: pd.DataFrame, path: Path, rel: float) -> None:
    """Fig. 5: energy and carbon of primary vs secondary production per metal, +-rel band."""
    metals = [m for m in t.loc[t.variable == "energy_primary", "material"].unique()
              if m != "total"]
    fig = Figure(figsize=(4 * len(metals), 7), layout="constrained")
    axes = fig.subplots(2, len(metals), squeeze=False)
    for j, m in enumerate(metals):
        _route_panel(axes[0, j], t, m, "energy", "PJ", rel)
        _route_panel(axes[1, j], t, m, "carbon", "Mt CO2e", rel)
    fig.savefig(path, dpi=120)


def _route_panel(ax, t, metal, kind, unit, rel):
    variants = [("", "fixed", 1.0)] + ([("_decreasing", "decreasing", 0.45)]
                                       if kind == "carbon" else [])
    for suffix, label, alpha in variants:
        for route, color in (("primary", "tab:red"), ("secondary", "tab:green")):
            s = _series(t, f"{kind}_{route}{suffix}", "total", metal) * 1e-6
            ax.plot(s.index, s.values, color=color, alpha=alpha, label=f"{route}, {label}")
            ax.fill_between(s.index, s.values * (1 - rel), s.values * (1 + rel), color=color,
                            alpha=0.12 * alpha)
    ax.set_title(f"{metal}: {kind}", fontsize=10)
    ax.set_ylabel(unit)
    ax.legend(fontsize=6)


def fig_stock_fit(fleet, observations: dict, path: Path) -> None:
    """Data vs logistic fit per type."""
    n_cols = 2
    n_rows = max(1, -(-len(fleet.products) // n_cols))
    fig = Figure(figsize=(11, 3.5 * n_rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, n_cols)).ravel()
    years = np.arange(fleet.years[0], fleet.years[-1] + 1)
    for ax, g in zip(axes, fleet.products):
        fit = fleet.fits[g]
        ax.plot(years, fit(years) / 1e6, label=f"fit a={fit.a / 1e6:.2f} M, k={fit.k:.3f}, "
                                               f"t_c={fit.t_c:.1f}")
        ax.plot(fleet.years, fleet.stock[:, fleet.products.index(g)] / 1e6, "k:", lw=1,
                label="stock path used")
        yrs, vals, sig = observations[g]
        ax.errorbar(yrs, vals / 1e6, yerr=np.nan_to_num(sig) / 1e6, fmt="o", ms=4,
                    label="observations")
        ax.set_title(g)
        ax.set_ylabel("million units")
        ax.legend(fontsize=7)
    fig.savefig(path, dpi=120)


def fig_system(path: Path) -> None:
    """The declared system as a diagram: processes as boxes, flows as arrows."""
    pos = {"sysenv": (0.5, 0.9), "primary production": (0.1, 0.62),
           "manufacturing": (0.1, 0.2), "use": (0.5, 0.2), "scrapping": (0.9, 0.2),
           "recycling": (0.9, 0.62)}
    fig = Figure(figsize=(9, 5.5), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    for i, p in enumerate(PROCESSES):
        x, y = pos.get(p, (0.5, 0.5))
        stock = [s.name for s in STOCKS if s.process == p or (p == "use" and not s.process)]
        label = f"{i} {p}" + ("\nstocks: " + ", ".join(stock) if stock else "")
        ax.text(x, y, label, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "fc": "lightyellow" if stock else "lightblue"})
    offsets: dict[tuple, int] = {}
    for f in FLOWS:
        (x0, y0), (x1, y1) = pos[f.from_process], pos[f.to_process]
        n = offsets.get((f.from_process, f.to_process), 0)
        offsets[(f.from_process, f.to_process)] = n + 1
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops={
            "arrowstyle": "-|>", "shrinkA": 22, "shrinkB": 22, "lw": 1.2,
            "connectionstyle": f"arc3,rad={0.3 * n}"})
        label = (f.name.split(" => ")[-1] + " " if f.name else "") + f"({','.join(f.dims)})"
        ax.text((x0 + x1) / 2 + 0.06 * n, (y0 + y1) / 2 + 0.03 - 0.07 * n, label, fontsize=7,
                color="dimgray", ha="center", bbox={"fc": "white", "ec": "none", "pad": 0.5})
    ax.set_title("elt-odym: declared system (flow dimensions in brackets)", fontsize=10)
    fig.savefig(path, dpi=120)
