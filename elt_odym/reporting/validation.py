"""The model held against independent statistics: ``validation.csv``, its figure and section.

Every observation of ``validation_statistics.xlsx`` (:func:`~elt_odym.io.statistics.
read_statistics`) becomes one row: observed, model, relative error, whether the model lies
within the observation's stated uncertainty, and, when a Monte Carlo summary with the same
variables is given, whether the observation lies inside the model's p05-p95. The observations
are compared, not fitted.

How the model side of a period is computed (years are calendar years; the model's stock of
year ``y`` is the stock at its end, the instant ``y + 1``):

stock at an instant ``tau``
    linear between the two year-end stocks around it: the end of March 2017 is
    ``S_2016 + 0.25 (S_2017 - S_2016)``; a year-end is the year's stock.
flow over ``[start, end)``
    each year's flow spread evenly over the year and summed over the overlap: H1 2019 is
    ``0.5 F_2019``, Jan-Apr ``F_2019 / 3``, Oct 2020-Sep 2021 ``0.25 F_2020 + 0.75 F_2021``.
removals
    inflow over the period minus the stock change between its ends (every exit: end of life
    and reclassification out of the type, net of reclassification in; for the total, the
    end-of-life trucks).
collected
    ``eol x collection_rate`` of the scenario, as a flow (1 in the maximum-potential
    scenarios: then the model side is every end-of-life truck).

A part of a period outside the model years leaves the model side empty (the row stays, with a
note). The Monte Carlo interval of a period is the same weighted sum of the annual p05 and of
the annual p95: exact when the annual values of the draws move together, an approximation
otherwise; removals use the end-of-life quantiles (total only), ``collected`` has none.
"Within the stated uncertainty" means inside the observation's range (``low``-``high``, or
one bound), else within its 90 % normal interval ``observed +- 1.645 sd``.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import ndtri

from ..io.statistics import STATISTICS_FILE, read_statistics
from .html_parts import figure_html, table_html

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..model import RunResult

log = logging.getLogger(__name__)

Z90 = float(ndtri(0.95))  # scipy.stats.norm.ppf(0.95), the same double
"""Half-width of the central 90 % of a normal in sds (the MC band is p05-p95, also 90 %)."""
COLUMNS = ["scenario", "obs_id", "quantity", "variable", "truck_type", "period", "year",
           "observed", "obs_low", "obs_high", "model", "rel_error", "within_obs_uncertainty",
           "mc_p05", "mc_p95", "in_mc_p05_p95", "unit", "confidence", "source", "scope",
           "model_side", "note"]
FLOWS = {"inflow": "inflow", "eol": "eol", "collected": "collected"}
XLABEL = ("date (a tick is 1 January): a stock at its date, so the end of 2017 is at 2018; a "
          "flow as an annual rate at its period's middle, the horizontal bar spanning the period")
MC_VARIABLE = {"stock": "stock", "inflow": "inflow", "eol": "eol", "removals": "eol"}


# -- the model side of a period ----------------------------------------------------------------

def flow_weights(years: list[int], start: float, end: float) -> np.ndarray | None:
    """Overlap of each model year ``[y, y + 1)`` with ``[start, end)`` in years; None if part
    of the period lies outside the model years."""
    y = np.asarray(years, dtype=float)
    if start < y[0] - 1e-9 or end > y[-1] + 1.0 + 1e-9:
        return None
    return np.clip(np.minimum(end, y + 1.0) - np.maximum(start, y), 0.0, None)


def stock_weights(years: list[int], instant: float) -> np.ndarray | None:
    """Weights of the year-end stocks that interpolate the stock at ``instant`` (the end of
    year ``y`` is ``y + 1``); None outside the model years' year-ends."""
    ends = np.asarray(years, dtype=float) + 1.0
    if instant < ends[0] - 1e-9 or instant > ends[-1] + 1e-9:
        return None
    w = np.zeros(ends.size)
    i = int(np.clip(np.searchsorted(ends, instant - 1e-9), 0, ends.size - 1))
    if abs(ends[i] - instant) <= 1e-9 or i == 0:
        w[i] = 1.0
        return w
    frac = (instant - ends[i - 1]) / (ends[i] - ends[i - 1])
    w[i - 1], w[i] = 1.0 - frac, frac
    return w


def model_side(variable: str, start: float, end: float, years: list[int],
               series: dict[str, np.ndarray]) -> float:
    """The model's value of an observation (module docstring); NaN outside the model years.

    ``series`` maps ``stock``, ``inflow``, ``eol``, ``collected`` to annual values over
    ``years`` (one type or the total).
    """
    if variable == "stock":
        w = stock_weights(years, end)
        return float(w @ series["stock"]) if w is not None else np.nan
    flow = flow_weights(years, start, end)
    if flow is None:
        return np.nan
    if variable == "removals":
        w0, w1 = stock_weights(years, start), stock_weights(years, end)
        if w0 is None or w1 is None:
            return np.nan
        return float(flow @ series["inflow"] - (w1 - w0) @ series["stock"])
    return float(flow @ series[FLOWS[variable]])


def model_series(result: "RunResult", truck_type: str,
                 rows: dict | None = None) -> dict[str, np.ndarray]:
    """Annual ``stock``, ``inflow``, ``eol`` and ``collected`` of one type or ``total``;
    ``rows``: :func:`row_index` of ``result.results``, if already made."""
    t, years, types = result.results, result.data.years, result.data.items["g"]
    rows = row_index(t) if rows is None else rows
    out = {name: _series(t, rows, name, truck_type, years) for name in ("stock", "inflow", "eol")}
    eol = np.column_stack([_series(t, rows, "eol", g, years) for g in types])
    collected = eol * np.asarray(result.data["collection_rate"].values, float)
    out["collected"] = (collected.sum(axis=1) if truck_type == "total"
                        else collected[:, types.index(truck_type)])
    return out


def row_index(t: pd.DataFrame) -> dict:
    """Row positions of each ``(variable, truck_type, material)`` of a results table, in the
    table's order (one pass, instead of a scan of the table per series)."""
    return t.groupby(["variable", "truck_type", "material"], sort=False).indices


def _series(t: pd.DataFrame, rows: dict, variable: str, truck_type: str,
            years: list[int]) -> np.ndarray:
    part = t.iloc[rows.get((variable, truck_type, ""), np.array([], dtype=np.int64))]
    return part.set_index("year")["value"].reindex(years).to_numpy(float)


def mc_interval(mc: pd.DataFrame | None, variable: str, truck_type: str, start: float,
                end: float, years: list[int]) -> tuple[float, float]:
    """The Monte Carlo's p05 and p95 of an observation's model side (module docstring)."""
    name = MC_VARIABLE.get(variable)
    if mc is None or name is None or (variable == "removals" and truck_type != "total"):
        return np.nan, np.nan
    part = mc[(mc.variable == name) & (mc.truck_type == truck_type)
              & (mc.material.fillna("") == "")]
    if part.empty:
        return np.nan, np.nan
    part = part.set_index("year").reindex(years)
    kind = "stock" if variable == "stock" else "flow"
    w = (stock_weights(years, end) if kind == "stock" else flow_weights(years, start, end))
    if w is None:
        return np.nan, np.nan
    return float(w @ part["p05"].to_numpy(float)), float(w @ part["p95"].to_numpy(float))


# -- the table ----------------------------------------------------------------------------------

def observed_interval(row) -> tuple[float, float]:
    """The interval of "within the stated uncertainty": the range (or one bound) when given,
    else ``observed +- Z90 sd``."""
    low, high = row.low, row.high
    if pd.notna(low) or pd.notna(high):
        return (low if pd.notna(low) else -np.inf), (high if pd.notna(high) else np.inf)
    return row.value - Z90 * row.sd, row.value + Z90 * row.sd


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def _note(row, model: float, collection: float | None) -> str:
    parts = [str(row.note)] if str(row.note) else []
    if np.isnan(model):
        parts.append("model side empty: the period lies outside the model years")
    if row.variable == "collected" and collection is not None:
        parts.append(f"model = eol x collection_rate (mean {collection:.2f} over the period)")
    if pd.isna(row.high) and pd.notna(row.low):
        parts.append("a lower bound")
    if pd.isna(row.low) and pd.notna(row.high):
        parts.append("an upper bound")
    return "; ".join(parts)


def validation_table(result: "RunResult", statistics: pd.DataFrame,
                     mc_summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per observation against one run (columns :data:`COLUMNS`).

    Parameters
    ----------
    result : RunResult
        A run of one scenario.
    statistics : DataFrame
        :func:`~elt_odym.io.statistics.read_statistics` of the statistics workbook.
    mc_summary : DataFrame, optional
        ``mc_summary.csv`` of a Monte Carlo of the same scenario (columns ``variable,
        truck_type, material, year, ..., p05, p50, p95, unit``); without it the Monte Carlo
        columns stay empty.
    """
    years = result.data.years
    cache: dict[str, dict[str, np.ndarray]] = {}
    index = None
    rows = []
    for o in statistics.itertuples(index=False):
        if o.truck_type not in cache:
            index = row_index(result.results) if index is None else index
            cache[o.truck_type] = model_series(result, o.truck_type, index)
        series = cache[o.truck_type]
        model = model_side(o.variable, o.start, o.end, years, series)
        low, high = observed_interval(o)
        p05, p95 = mc_interval(mc_summary, o.variable, o.truck_type, o.start, o.end, years)
        collection = _mean_collection(result, o) if o.variable == "collected" else None
        rows.append({
            "scenario": result.scenario, "obs_id": o.obs_id, "quantity": o.quantity,
            "variable": o.variable, "truck_type": o.truck_type, "period": o.period,
            "year": o.year, "observed": o.value, "obs_low": low, "obs_high": high,
            "model": model, "rel_error": (model - o.value) / o.value if o.value else np.nan,
            "within_obs_uncertainty": _yes_no(None if np.isnan(model) else low <= model <= high),
            "mc_p05": p05, "mc_p95": p95,
            "in_mc_p05_p95": _yes_no(None if np.isnan(p05) else p05 <= o.value <= p95),
            "unit": o.unit, "confidence": o.confidence, "source": o.source, "scope": o.scope,
            "model_side": o.model_side, "note": _note(o, model, collection)})
    return pd.DataFrame(rows, columns=COLUMNS)


def _mean_collection(result: "RunResult", o) -> float | None:
    w = flow_weights(result.data.years, o.start, o.end)
    if w is None or w.sum() == 0:
        return None
    rate = np.asarray(result.data["collection_rate"].values, float)
    types = result.data.items["g"]
    r = rate.mean(axis=1) if o.truck_type == "total" else rate[:, types.index(o.truck_type)]
    return float(w @ r / w.sum())


def statistics_path(result: "RunResult") -> Path:
    """The statistics workbook of the run's data folder."""
    return Path(result.data.config.data_dir) / STATISTICS_FILE


def scenario_validation(result: "RunResult", mc_summary: pd.DataFrame | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The validation table of a run (:func:`validation_table`) and the statistics it was
    made from; None when the run's data folder has no :data:`STATISTICS_FILE`."""
    path = statistics_path(result)
    if not path.is_file():
        return None
    stats = read_statistics(path, result.data.items["g"])
    return validation_table(result, stats, mc_summary), stats


def read_mc_summary(path: str | Path) -> pd.DataFrame:
    """``mc_summary.csv`` of ``elt-odym mc`` (empty material cells as ``""``), refused before
    reading when it is not a regular file or larger than any output
    (:func:`~elt_odym.io.safe_open.check_output_file`)."""
    from ..io.safe_open import check_output_file

    check_output_file(Path(path))
    table = pd.read_csv(path, keep_default_na=False, na_values={"p05": [""], "p95": [""]})
    for column in ("truck_type", "material", "variable"):
        table[column] = table[column].astype(str)
    return table


# -- the figure ---------------------------------------------------------------------------------

def _panels(table: pd.DataFrame) -> list[tuple[str, str]]:
    return list(dict.fromkeys(zip(table.quantity, table.truck_type)))


def _rates(part: pd.DataFrame, stats: pd.DataFrame) -> pd.DataFrame:
    """Flows as annual rates over their period (value / length in years), placed at the
    period's middle with half its length; stocks at their instant."""
    span = stats.set_index("obs_id").loc[part.obs_id, ["start", "end"]].to_numpy(float)
    is_stock = part.variable.to_numpy() == "stock"
    length = np.where(is_stock, 1.0, span[:, 1] - span[:, 0])
    out = part.assign(x=np.where(is_stock, span[:, 1], span.mean(axis=1)),
                      half=np.where(is_stock, 0.0, length / 2))
    for column in ("observed", "obs_low", "obs_high", "model", "mc_p05", "mc_p95"):
        out[column] = out[column].to_numpy(float) / length
    return out


def _panel(ax, part: pd.DataFrame, letter: str, title: str) -> None:
    """Observed (interval, range or bound) and model (with its MC band) of one panel."""
    scale = 1e-6 if np.nanmax(np.abs(part.observed)) >= 1e6 else 1e-3
    obs, low, high = (part[c].to_numpy(float) * scale for c in ("observed", "obs_low",
                                                                 "obs_high"))
    x, half = part.x.to_numpy(float), part.half.to_numpy(float)
    two = np.isfinite(low) & np.isfinite(high)
    ax.errorbar(x[two], obs[two], xerr=half[two], yerr=[obs[two] - low[two],
                high[two] - obs[two]], fmt="o", color="k", ms=4, lw=1, capsize=2,
                label="observed, 90 % interval or range")
    for mask, marker, label in ((np.isfinite(low) & ~np.isfinite(high), "^", "lower bound"),
                                (~np.isfinite(low) & np.isfinite(high), "v", "upper bound")):
        if mask.any():
            ax.errorbar(x[mask], obs[mask], xerr=half[mask], fmt=marker, color="k", ms=6,
                        mfc="white", lw=1, label=f"observed, {label}")
    ax.plot(x, part.model.to_numpy(float) * scale, "D", color="tab:red", ms=5, label="model")
    mc = part[part.mc_p05.notna()]
    if not mc.empty:
        ax.vlines(mc.x + 0.1, mc.mc_p05 * scale, mc.mc_p95 * scale, color="tab:red", lw=3,
                  alpha=0.4, label="model p05-p95")
    from matplotlib.ticker import MaxNLocator

    rate = "" if (part.variable == "stock").all() else " per year"
    ax.set_ylabel(("million" if scale == 1e-6 else "thousand") + " vehicles" + rate)
    ax.set_title(f"{letter}  {title}", loc="left", fontsize=10.5)
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))


def fig_validation(table: pd.DataFrame, statistics: pd.DataFrame, path: Path,
                   scenario: str = "") -> list[tuple[str, str]]:
    """Observed (with its 90 % interval or range) against the model, one panel per quantity
    and type; flows as annual rates over their period (horizontal bars: the period).

    Returns
    -------
    list of (quantity, truck_type)
        The panels, in order (rows without a model value are left out).
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from .figures import STYLE, save_png

    table = table[table.model.notna()]
    panels = _panels(table)
    n_cols = 4
    n_rows = max(1, -(-len(panels) // n_cols))
    with rc_context(STYLE):
        fig = Figure(figsize=(4.4 * n_cols, 3.2 * n_rows + 0.8), layout="constrained")
        axes = np.atleast_1d(fig.subplots(n_rows, n_cols, squeeze=False)).ravel()
        for i, (ax, (quantity, g)) in enumerate(zip(axes, panels)):
            part = _rates(table[(table.quantity == quantity) & (table.truck_type == g)],
                          statistics)
            _panel(ax, part, _letter(i), quantity + ("" if g == "total" else f", {g}"))
        for ax in axes[len(panels):]:
            ax.set_visible(False)
        title = "Model against independent statistics"
        fig.suptitle(f"{title} - scenario {scenario}" if scenario else title,
                     fontweight="bold")
        _legend(fig, axes, len(panels))
        fig.supxlabel(XLABEL, fontsize=10)
        save_png(fig, path)
    return panels


def _legend(fig: Figure, axes: np.ndarray, n_panels: int) -> None:
    """One legend of every panel's entries: in the first spare panel, else above them."""
    legend = {}
    for ax in axes[:n_panels]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    if not legend:
        return
    if n_panels < axes.size:
        spare = axes[n_panels]
        spare.set_visible(True)
        spare.set_axis_off()
        spare.legend(legend.values(), legend.keys(), loc="center", frameon=False)
    else:
        fig.legend(legend.values(), legend.keys(), loc="outside upper center", ncol=5)


def _letter(i: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[i] if i < 26 else str(i + 1)


# -- outputs and report -------------------------------------------------------------------------

def write_validation(results: list, out: Path, figures: bool = True,
                     mc_summary: pd.DataFrame | None = None) -> tuple[list[Path], list[Path]]:
    """``validation.csv`` for the runs whose data folder has :data:`STATISTICS_FILE`, and
    ``figures/<scenario>/validation.png`` when ``figures``.

    Returns
    -------
    (written, inputs) : tuple of lists of Path
        The files written, and the statistics workbooks read (inputs of the run).
    """
    from .results import write_csv

    tables, inputs, written = [], [], []
    for r in results:
        made = scenario_validation(r, mc_summary)
        if made is None:
            log.info("no %s in %s: no validation for %s", STATISTICS_FILE,
                     statistics_path(r).parent, r.scenario)
            continue
        table, stats = made
        tables.append(table)
        inputs.append(statistics_path(r))
        if figures:
            folder = out / "figures" / r.scenario
            folder.mkdir(parents=True, exist_ok=True)
            fig_validation(table, stats, folder / "validation.png", r.scenario)
            written.append(folder / "validation.png")
    if tables:
        write_csv(pd.concat(tables, ignore_index=True), out / "validation.csv")
        written.insert(0, out / "validation.csv")
    return written, list(dict.fromkeys(inputs))


SECTION_COLUMNS = ["obs_id", "quantity", "truck_type", "period", "observed", "model",
                   "rel_error", "within_obs_uncertainty", "in_mc_p05_p95", "confidence",
                   "source"]
SECTION_NOTE = (
    "Independent statistics (validation_statistics.xlsx of the data folder) against the run: "
    "compared, not fitted. A stock at an instant is interpolated between the model's year-end "
    "stocks, a flow over a period is each year's flow spread evenly over the year; removals "
    "are new trucks minus the stock change. 'within' is the model inside the observation's "
    "range or 90 % interval; 'in MC' the observation inside the Monte Carlo's p05-p95 (empty "
    "for a deterministic run). Full columns, scope and notes in validation.csv.")


def validation_section(out: Path) -> str:
    """The report's HTML fragment: ``validation.csv`` per scenario with its figure."""
    path = out / "validation.csv"
    if not path.is_file():
        return ("<p class='note'>no validation.csv in this folder (the data folder has no "
                f"{STATISTICS_FILE})</p>")
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    table["rel_error"] = [f"{v:+.1%}" if pd.notna(v) else "" for v in table["rel_error"]]
    parts = [f"<p class='note'>{html.escape(SECTION_NOTE)}</p>"]
    for scenario, part in table.groupby("scenario", sort=False):
        png = out / "figures" / str(scenario) / "validation.png"
        parts.append(f"<h3>{html.escape(str(scenario))}</h3>")
        if png.is_file():
            parts.append(figure_html(png, png.relative_to(out).as_posix()))
        parts.append(table_html(part[SECTION_COLUMNS]))
    return "".join(parts)
