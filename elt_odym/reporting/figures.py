"""Figures like the study's Figs. 2-5, the stock fit and the system diagram (PNG).

Figures are drawn on :class:`matplotlib.figure.Figure` objects, never through pyplot's global
state, so nothing here depends on a display. :func:`save_png` writes them: one layout and one
drawing per figure, PNG compressed fast (the same pixels as ``Figure.savefig``). A run reuses
a figure whose inputs did not change (:mod:`~elt_odym.reporting.figure_cache`).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure


GROUPS = {
    "basic materials": ["Fe", "Al", "rubber", "plastics", "glass", "graphite", "carbon_fibre"],
    "Cu, battery metals and other metals": ["Cu", "Ni", "Li", "Co", "Mn", "P", "Mg", "Pb",
                                            "Zn", "Sn", "W"],
    "rare earths": ["Dy", "Nd", "Pr", "La"],
    "precious metals": ["Au", "Pt", "Pd", "Rh", "Ag"],
}
"""The panels of Fig. 3 (a material not in the classification is left out of its panel; the
material 'other' is in none)."""
STYLE = {"font.size": 11, "axes.titlesize": 12, "axes.labelsize": 11, "legend.fontsize": 9.5,
         "xtick.labelsize": 10, "ytick.labelsize": 10, "figure.titlesize": 13,
         "axes.spines.top": False, "axes.spines.right": False}
"""Sizes chosen so that a figure printed 18 cm wide keeps every text at 7 pt or more."""
DPI = 150
LOG_PANEL_DECADES = 1e-5
"""Lower end of Fig. 3's logarithmic panel, relative to its largest value (a display choice)."""
PNG_COMPRESSION = 1
"""zlib level of the PNG files: the same pixels as Pillow's default level 6, written about
three times faster, in files some 15 % larger."""
FIGURE_VARIABLES = {
    "fig2_fleet.png": ("stock", "stock_mass", "eol", "eol_mass", "eol_mass_low", "eol_early"),
    "fig3_materials.png": ("eol_material", "eol_material_total", "eol_early"),
    "fig4_economic_value.png": ("economic_value", "economic_value_low", "economic_value_high",
                                "economic_value_inflated"),
    "fig5_energy_carbon.png": ("energy_primary", "energy_secondary", "carbon_primary",
                               "carbon_secondary", "carbon_primary_decreasing",
                               "carbon_secondary_decreasing"),
}
"""The variables each figure of the results is drawn from: a figure is given a view of the
results that holds only these (:meth:`Indexed.restricted`), and reused while they do not
change."""
EARLY_NOTE = ("; the {second} peak is early retirement where recorded stocks fall from {first} "
              "to {second} (negative_inflow_events.csv)")

SCALES = {"unit": ((1e6, "million units"), (1e3, "thousand units"), (1.0, "units")),
          "t": ((1e6, "Mt"), (1e3, "kt"), (1.0, "t")),
          "USD": ((1e9, "billion US$"), (1e6, "million US$"), (1.0, "US$")),
          "GJ": ((1e9, "EJ"), (1e6, "PJ"), (1e3, "TJ"), (1.0, "GJ")),
          "t CO2e": ((1e6, "Mt CO2e"), (1e3, "kt CO2e"), (1.0, "t CO2e"))}


def display_unit(largest: float, unit: str) -> tuple[float, str]:
    """The factor and unit that show ``largest`` (in ``unit``) between 1 and 1000 or so.

    >>> display_unit(1.0e7, "unit")
    (1e-06, 'million units')
    """
    for size, label in SCALES.get(unit, ((1.0, unit),)):
        if abs(largest) >= size:
            return 1.0 / size, label
    size, label = SCALES.get(unit, ((1.0, unit),))[-1]
    return 1.0 / size, label


def save_png(fig: Figure, path: str | Path, dpi: float = DPI) -> None:
    """Write ``fig`` as a PNG at ``dpi``: laid out and drawn once, compressed at level
    :data:`PNG_COMPRESSION`.

    ``Figure.savefig`` draws a figure with a layout engine twice (once without rendering, to
    place the axes, then for real); the Agg canvas lays it out and draws it in one pass, which
    gives the same pixels for the figures of this package (``tests/test_output_files.py``).
    A figure whose artists are placed from other artists' drawn extents (the system diagram)
    needs the first pass: draw it with ``savefig``.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig.set_dpi(dpi)
    FigureCanvasAgg(fig).print_png(path, pil_kwargs={"compress_level": PNG_COMPRESSION})


class Indexed:
    """A results table whose series are found by key: one pass over the table instead of a
    scan of all its rows for each line drawn. The figures accept it wherever they take ``t``.

    :meth:`restricted` gives a view limited to some variables, and :meth:`fingerprint` the
    bytes of all a figure drawn from that view can use (a figure is reused when they match,
    :mod:`~elt_odym.reporting.figure_cache`).
    """

    def __init__(self, table: pd.DataFrame):
        self.frame = table
        self._rows = table.groupby(["variable", "truck_type", "material"], sort=False).indices
        self.years, self._values = table["year"].to_numpy(), table["value"].to_numpy()
        stock = table.loc[table["variable"] == "stock", "truck_type"].unique()
        self.types = [g for g in stock if g != "total"]
        self.year_list = [int(y) for y in np.unique(self.years)]
        self.allowed: frozenset[str] | None = None

    def _check(self, variable: str) -> None:
        if self.allowed is not None and variable not in self.allowed:
            raise KeyError(f"{variable!r} is not among the variables of this view "
                           f"{sorted(self.allowed)}: add it where the view is made")

    def series(self, variable: str, truck_type: str, material: str) -> pd.Series:
        """``value`` by ``year`` of one key, in the table's order (empty if absent)."""
        self._check(variable)
        rows = self._rows.get((variable, truck_type, material), np.array([], dtype=np.int64))
        return pd.Series(self._values[rows], index=pd.Index(self.years[rows], name="year"),
                         name="value")

    def materials(self, variable: str) -> list[str]:
        """The materials of ``variable`` in order of appearance, ``total`` excluded."""
        self._check(variable)
        found = dict.fromkeys(m for v, _, m in self._rows if v == variable and m != "total")
        return list(found)

    def restricted(self, variables) -> "Indexed":
        """The same table, whose series and materials of any variable but ``variables`` raise
        :class:`KeyError`."""
        view = copy.copy(self)
        view.allowed = frozenset(variables)
        return view

    def fingerprint(self) -> bytes:
        """Everything a figure drawn from this view can use, as bytes: the types, the years,
        and the keys, years and values of every row of its variables in the table's order."""
        keys = [k for k in self._rows if self.allowed is None or k[0] in self.allowed]
        rows = (np.concatenate([self._rows[k] for k in keys]) if keys
                else np.array([], dtype=np.int64))
        head = repr((self.types, self.year_list, sorted(self.allowed or ()),
                     [(k, len(self._rows[k])) for k in keys]))
        return b"\0".join([head.encode("utf-8"), self.years[rows].astype(np.int64).tobytes(),
                           self._values[rows].astype(np.float64).tobytes()])


def indexed(t: pd.DataFrame | Indexed) -> Indexed:
    """``t`` as an :class:`Indexed` table (made once, shared by the figures of a scenario)."""
    return t if isinstance(t, Indexed) else Indexed(t)


def _series(t: Indexed, variable: str, truck_type: str = "total",
            material: str = "") -> pd.Series:
    return t.series(variable, truck_type, material)


def _types(t: Indexed) -> list[str]:
    return t.types


def _title(fig: Figure, text: str, scenario: str, note: str = "") -> None:
    """Figure title with the scenario; an optional note under the panels."""
    fig.suptitle(f"{text} - scenario {scenario}" if scenario else text, fontweight="bold")
    if note:
        fig.supxlabel(note, fontsize=9.5, color="dimgray")


def _first_years(t: Indexed) -> tuple[int, int]:
    return t.year_list[0], t.year_list[1]


def first_years_note(t: pd.DataFrame | Indexed) -> str:
    """Why the flows start in the second model year, and what a peak there is."""
    t = indexed(t)
    first, second = _first_years(t)
    note = f"{first} is the initial stock (flows start in {second})"
    early = _series(t, "eol_early")
    if float(early.get(second, 0.0)) > 0:
        note += EARLY_NOTE.format(first=first, second=second)
    return note + "."


def _stack(ax, t, variable, title, unit, flow=False, material=""):
    """Stacked areas per type in a unit that fits; flows start in the second year."""
    types = _types(t)
    data = [_series(t, variable, g, material) for g in types]
    if flow:
        data = [d.iloc[1:] for d in data]
    factor, label = display_unit(float(sum(d.values for d in data).max()), unit)
    ax.stackplot(data[0].index, *[d.values * factor for d in data], labels=types, alpha=0.85)
    ax.set_ylabel(label)
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", ncol=2)
    return factor


def _share_lines(ax, t: pd.DataFrame, variable: str, flow: bool = False) -> None:
    """Dotted share of each type in the total, on a second axis."""
    share = ax.twinx()
    share.spines["right"].set_visible(True)
    total = _series(t, variable)
    small = total < 0.02 * total.max()  # shares of a near-empty total are noise
    for i, g in enumerate(_types(t)):
        s = _series(t, variable, g) / total.where(~small) * 100
        s = s.iloc[1:] if flow else s
        share.plot(s.index, s.values, ls=":", lw=1.4, color=f"C{i}")
    share.set_ylabel("share of the total (%), dotted")
    share.set_ylim(0, 100)


def fig_fleet(t: pd.DataFrame, path: Path, scenario: str = "") -> None:
    """Fig. 2: stock number and share, stock weight, end-of-life number, weight and share."""
    t = indexed(t)
    with rc_context(STYLE):
        fig = Figure(figsize=(11, 8.4), layout="constrained")
        axes = fig.subplots(2, 2).ravel()
        _stack(axes[0], t, "stock", "a  stock number", "unit")
        _share_lines(axes[0], t, "stock")
        _stack(axes[1], t, "stock_mass", "b  stock weight", "t")
        _stack(axes[2], t, "eol", "c  end-of-life number", "unit", flow=True)
        factor = _stack(axes[3], t, "eol_mass", "d  end-of-life weight", "t", flow=True)
        _share_lines(axes[3], t, "eol_mass", flow=True)
        low = _series(t, "eol_mass_low").iloc[1:] * factor
        axes[3].plot(low.index, low.values, "k--", lw=1.2, label="total, truck unit only")
        axes[3].legend(loc="upper left", ncol=2)
        _title(fig, "Trucks in use and at end of life", scenario, first_years_note(t))
        save_png(fig, path)


def fig_materials(t: pd.DataFrame, path: Path, scenario: str = "") -> None:
    """Fig. 3: material in end-of-life trucks by group (panels a-d): ``eol_material_total``
    (truck bodies, traction batteries and fuel-cell parts) where the run has it, else
    ``eol_material``; a material that is zero in every year is left out of the legend."""
    t = indexed(t)
    variable = "eol_material_total" if t.materials("eol_material_total") else "eol_material"
    with rc_context(STYLE):
        fig = Figure(figsize=(11, 8.4), layout="constrained")
        axes = fig.subplots(2, 2).ravel()
        for ax, letter, (title, materials) in zip(axes, "abcd", GROUPS.items()):
            series = {m: _series(t, variable, "total", m).iloc[1:] for m in materials}
            series = {m: s for m, s in series.items() if not s.empty and (s > 0).any()}
            ax.set_title(f"{letter}  {title}", loc="left")
            if not series:
                ax.text(0.5, 0.5, "not in the material classification", ha="center",
                        transform=ax.transAxes, color="gray")
                continue
            factor, unit = display_unit(max(float(s.max()) for s in series.values()), "t")
            for m, s in series.items():
                ax.plot(s.index, s.values * factor, label=m, lw=1.6)
            ax.set_ylabel(f"{unit} per year")
            if title.startswith("Cu"):  # five decades below the largest: a pack's first
                ax.set_yscale("log")    # grams would stretch the axis over twenty
                top = max(float(s.max()) for s in series.values()) * factor
                ax.set_ylim(bottom=top * LOG_PANEL_DECADES)
            ax.legend(ncol=2 if len(series) > 3 else 1, loc="best")
        what = ("Material leaving the fleet (trucks, batteries, fuel-cell parts)"
                if variable == "eol_material_total" else "Material in end-of-life trucks")
        _title(fig, what, scenario, first_years_note(t))
        save_png(fig, path)


def fig_economics(t: pd.DataFrame, path: Path, scenario: str = "",
                  money_year: int | None = None) -> None:
    """Fig. 4: economic value at constant and at nominal prices, with the price range.

    The min-max price range is drawn as boxes in both panels; in panel b the boxes are
    inflated by the same factor as the mean, so line and boxes stay consistent.
    """
    t = indexed(t)
    get = lambda v: _series(t, v, "total", "total").iloc[1:]  # noqa: E731
    mean, low, high = get("economic_value"), get("economic_value_low"), get("economic_value_high")
    infl = get("economic_value_inflated")
    growth = (infl / mean.where(mean != 0)).fillna(1.0)
    money = f"US${money_year}" if money_year else "US$"
    factor, unit = display_unit(float(high.max()), "USD")
    unit = unit.replace("US$", money)
    with rc_context(STYLE):
        fig = Figure(figsize=(11, 4.8), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        panels = ((axes[0], 1.0, f"a  constant prices ({money})", "tab:orange"),
                  (axes[1], growth, "b  nominal prices (inflation-adjusted)", "tab:red"))
        for ax, g, title, colour in panels:
            lo, hi, mid = low * g * factor, high * g * factor, mean * g * factor
            ax.bar(mid.index, (hi - lo).values, bottom=lo.values, color=colour, alpha=0.3,
                   label="price range (min-max)")
            ax.plot(mid.index, mid.values, "o-", ms=3, color=colour, label="mean prices")
            ax.set_title(title, loc="left")
            ax.legend(loc="upper left")
        axes[0].set_ylabel(f"{unit} per year")
        axes[1].set_ylabel(unit.replace(money, "US$ (nominal)") + " per year")
        axes[1].yaxis.set_tick_params(labelleft=True)
        _title(fig, "Economic value of recovered material", scenario,
               f"Flows start in {_first_years(t)[1]}. Panel b: the constant-price values "
               f"grown by the inflation rate from the base year.")
        save_png(fig, path)


def fig_energy_carbon(t: pd.DataFrame, path: Path, rel: float, scenario: str = "") -> None:
    """Fig. 5: energy and carbon of primary vs secondary production per metal, +-rel band."""
    t = indexed(t)
    metals = t.materials("energy_primary")
    with rc_context(STYLE):
        fig = Figure(figsize=(max(3.9 * len(metals), 8), 8), layout="constrained")
        axes = fig.subplots(2, len(metals), squeeze=False)
        letters = iter("abcdefghijklmnopqrstuvwxyz")
        for j, m in enumerate(metals):
            _route_panel(axes[0, j], t, m, "energy", "GJ", rel, next(letters))
        for j, m in enumerate(metals):
            _route_panel(axes[1, j], t, m, "carbon", "t CO2e", rel, next(letters))
        handles, labels = axes[1, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=4, title_fontsize=9.5,
                   title=f"shaded: factors +-{rel:.0%}; decreasing: carbon factors that fall "
                         f"over time; flows start in {_first_years(t)[1]}")
        _title(fig, "Energy and CO2 of producing the recovered metals", scenario)
        save_png(fig, path)


def _route_panel(ax, t, metal, kind, unit, rel, letter):
    variants = [("", "fixed", 1.0)] + ([("_decreasing", "decreasing", 0.5)]
                                       if kind == "carbon" else [])
    largest = float(_series(t, f"{kind}_primary", "total", metal).max())
    factor, label = display_unit(largest, unit)
    for suffix, name, alpha in variants:
        for route, color in (("primary", "tab:red"), ("secondary", "tab:green")):
            s = _series(t, f"{kind}_{route}{suffix}", "total", metal).iloc[1:] * factor
            ax.plot(s.index, s.values, color=color, alpha=alpha, lw=1.6,
                    ls="-" if suffix == "" else "--", label=f"{route}, {name} factors")
            ax.fill_between(s.index, s.values * (1 - rel), s.values * (1 + rel), color=color,
                            alpha=0.12 * alpha)
    ax.set_title(f"{letter}  {metal}: {'energy' if kind == 'energy' else 'CO2'}", loc="left")
    ax.set_ylabel(f"{label} per year")


def stock_fit_data(fleet, observations: dict) -> dict:
    """What :func:`fig_stock_fit` draws, as plain values: per type the fitted curve and its
    label, the stock path used and the observations."""
    years = np.arange(fleet.years[0], fleet.years[-1] + 1)
    panels = []
    for g in fleet.products:
        fit = fleet.fits[g]
        panels.append({"type": g, "curve": np.asarray(fit(years), float),
                       "label": f"fit a={fit.a / 1e6:.2f} M, k={fit.k:.3f}, t_c={fit.t_c:.1f}",
                       "stock": np.asarray(fleet.stock[:, fleet.products.index(g)], float),
                       "observed": tuple(np.asarray(a, float) for a in observations[g])})
    return {"years": years, "stock_years": np.asarray(fleet.years), "panels": panels}


def fig_stock_fit(fleet, observations: dict, path: Path, scenario: str = "") -> None:
    """Data vs logistic fit per type."""
    draw_stock_fit(stock_fit_data(fleet, observations), path, scenario)


def draw_stock_fit(data: dict, path: Path, scenario: str = "") -> None:
    """:func:`fig_stock_fit` from its :func:`stock_fit_data`."""
    n_cols = 2
    n_rows = max(1, -(-len(data["panels"]) // n_cols))
    with rc_context(STYLE):
        fig = Figure(figsize=(11, 3.6 * n_rows + 0.6), layout="constrained")
        axes = np.atleast_1d(fig.subplots(n_rows, n_cols)).ravel()
        for ax, letter, panel in zip(axes, "abcdefghijklmnop", data["panels"]):
            ax.plot(data["years"], panel["curve"] / 1e6, label=panel["label"])
            ax.plot(data["stock_years"], panel["stock"] / 1e6, "k:", lw=1.2,
                    label="stock path used")
            yrs, vals, sig = panel["observed"]
            ax.errorbar(yrs, vals / 1e6, yerr=np.nan_to_num(sig) / 1e6, fmt="o", ms=4,
                        label="observations")
            ax.set_title(f"{letter}  {panel['type']}", loc="left")
            ax.set_ylabel("million units")
            ax.legend()
        _title(fig, "Stock observations and logistic fit", scenario)
        save_png(fig, path)
