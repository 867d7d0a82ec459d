"""A Sankey diagram of the material flows, every year in one figure (plotly).

Each flow is split by material group and coloured by it; the stock change of the in-use fleet
is a flow of its own (``use`` -> "stock build-up in use", or "stock release from use" -> ``use``
when the fleet's material shrinks), and so are those of the traction chain (packs, fuel-cell
stacks, second life), drawn when the scenario has one; ``sysenv`` is split into one node per role, with the
informal route ("informal recycling or abandoned") in its own colour family. Node labels carry
the node's throughput, link hovers the flow's name and mass, a slider picks the year.

:func:`write_sankey` writes one HTML file per scenario that loads plotly.js from a shared file
beside it (:func:`write_plotlyjs`), so plotly.js is on disk once, not once per year or scenario;
:func:`write_sankey_json` writes the same figure as JSON for the report page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from ..declaration import FLOWS, TRACTION_FLOWS

MATERIAL_GROUPS = {
    "iron and steel": (["Fe"], "#4c72b0"),
    "aluminium": (["Al"], "#8fb8de"),
    "copper": (["Cu"], "#dd8452"),
    "other metals": (["Mg", "Pb", "Zn", "Sn", "Co", "W"], "#937860"),
    "rare earths, precious metals": (["Dy", "Nd", "Pr", "La", "Au", "Pt", "Pd", "Rh", "Ag"],
                                     "#c44e52"),
    "battery and fuel-cell materials": (["Li", "Ni", "Mn", "graphite", "P", "carbon_fibre"],
                                        "#8172b3"),
    "rubber, plastics, glass": (["rubber", "plastics", "glass"], "#55a868"),
    "other": ([], "#8c8c8c"),
}
"""Group name -> (materials, colour); a material in no list belongs to ``other``."""

NODE_NAME = {
    "sysenv => primary production": "ore and feedstock",
    "scrapping => sysenv": "informal recycling or abandoned",
    "recycling => sysenv": "other markets",
    "recycling => losses": "recycling losses",
    "recycling": "formal recycling",
    "sysenv => traction manufacturing": "battery and fuel-cell feedstock",
    "traction recycling => sysenv": "secondary battery material",
    "traction recycling => losses": "battery recycling losses",
}
BUILD_UP, RELEASE = "stock build-up in use", "stock release from use"
STOCK_CHANGES = (
    ("use", BUILD_UP, RELEASE, ("manufacturing => use",), ("use => scrapping",)),
    ("traction use", "traction stock build-up", "traction stock release",
     ("traction manufacturing => traction use",),
     ("traction use => second life", "traction use => traction recycling")),
    ("second life", "second-life stock build-up", "second-life stock release",
     ("traction use => second life",), ("second life => traction recycling",)),
)
"""Process, build-up node, release node, its inflows, its outflows: each stock's change."""
INFORMAL = "scrapping => sysenv"


@dataclass
class SankeyData:
    """Nodes, links (one per flow and material group) and their values per year (t)."""

    years: list[int]
    nodes: list[str]
    source: list[int]
    target: list[int]
    group: list[str]
    flow: list[str]
    values: np.ndarray  # (years, links)


def _group_of(materials: list[str]) -> dict[str, list[int]]:
    """Material group -> indices of ``materials`` in it (empty groups dropped)."""
    known = {m: g for g, (ms, _) in MATERIAL_GROUPS.items() for m in ms}
    out: dict[str, list[int]] = {}
    for i, m in enumerate(materials):
        out.setdefault(known.get(m, "other"), []).append(i)
    return {g: out[g] for g in MATERIAL_GROUPS if g in out}


def _by_time_material(system, key: str) -> np.ndarray:
    """A flow summed over every dimension except time and material: (t, m)."""
    flow = system.flows[key]
    letters = flow.dims.letters
    keep = [letters.index("t"), letters.index("m")]
    drop = tuple(i for i in range(len(letters)) if i not in keep)
    return np.asarray(flow.values, float).sum(axis=drop)


def _present(system, specs) -> tuple:
    """The flows of ``specs`` that ``system`` has and that carry material in some year."""
    return tuple(f for f in specs
                 if f.key in system.flows and np.any(system.flows[f.key].values))


def sankey_data(system) -> SankeyData:
    """The flows of ``system`` by year and material group, with the stock change in use."""
    years = [int(y) for y in system.dims["t"].items]
    groups = _group_of(list(system.dims["m"].items))
    nodes: list[str] = []
    d = SankeyData(years, nodes, [], [], [], [], np.zeros((len(years), 0)))
    columns = []

    def node(name: str) -> int:
        if name not in nodes:
            nodes.append(name)
        return nodes.index(name)

    def add(src: str, dst: str, label: str, tm: np.ndarray) -> None:
        for g, idx in groups.items():
            d.source.append(node(src))
            d.target.append(node(dst))
            d.group.append(g)
            d.flow.append(label)
            columns.append(tm[:, idx].sum(axis=1))

    for spec in FLOWS + _present(system, TRACTION_FLOWS):
        src = NODE_NAME.get(spec.key, spec.from_process) if spec.from_process == "sysenv" \
            else NODE_NAME.get(spec.from_process, spec.from_process)
        dst = NODE_NAME.get(spec.key) if spec.to_process == "sysenv" \
            else NODE_NAME.get(spec.to_process, spec.to_process)
        add(src, dst, f"{src} → {dst}", _by_time_material(system, spec.key))
    for process, up, down, ins, outs in STOCK_CHANGES:
        if not all(k in system.flows for k in ins + outs):
            continue
        change = (sum(_by_time_material(system, k) for k in ins)
                  - sum(_by_time_material(system, k) for k in outs))
        if process != "use" and not np.any(change):
            continue
        add(process, up, f"net addition to the material in {process}",
            np.clip(change, 0, None))
        add(down, process, f"net release of material from {process}",
            np.clip(-change, 0, None))
    d.values = np.column_stack(columns)
    return d


def mass_text(tonnes: float) -> str:
    """A mass with a unit that fits its size: ``12.3 Mt``, ``450 kt``, ``3.2 t``."""
    a = abs(tonnes)
    for scale, unit in ((1e6, "Mt"), (1e3, "kt"), (1.0, "t")):
        if a >= scale:
            return f"{tonnes / scale:,.3g} {unit}"
    return f"{tonnes:.2g} t" if a else "0 t"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _year_trace(d: SankeyData, i: int) -> dict:
    """Values, hover texts and node labels of year index ``i``."""
    v = d.values[i]
    through = np.zeros(len(d.nodes))
    np.add.at(through, d.source, v)
    inflow = np.zeros(len(d.nodes))
    np.add.at(inflow, d.target, v)
    through = np.maximum(through, inflow)
    labels = [f"{n}<br>{mass_text(x)}" for n, x in zip(d.nodes, through)]
    hover = [f"{f}<br>{g}: {mass_text(x)}" for f, g, x in zip(d.flow, d.group, v)]
    return {"link.value": [np.maximum(v, 0).tolist()], "link.customdata": [hover],
            "node.label": [labels]}


def sankey_figure(system, year: int, title: str = "") -> go.Figure:
    """The Sankey of ``system`` with a year slider, showing ``year`` first.

    Parameters
    ----------
    system : flodym.MFASystem
        A computed system (flows over ``t``, ``m`` and possibly ``g``).
    year : int
        The year shown when the page opens (the last year if it is not a model year).
    title : str
        Title before the year, e.g. the scenario name.
    """
    d = sankey_data(system)
    first = d.years.index(year) if year in d.years else len(d.years) - 1
    start = _year_trace(d, first)
    colours = {g: c for g, (_, c) in MATERIAL_GROUPS.items()}
    informal = NODE_NAME[INFORMAL]
    link_colour = [_rgba(colours[g], 0.35 if d.nodes[t] == informal else 0.6)
                   for g, t in zip(d.group, d.target)]
    node_colour = ["#e377c2" if n == informal else "#7f7f7f" for n in d.nodes]
    trace = go.Sankey(
        arrangement="snap", valueformat=".3s", valuesuffix=" t",
        node={"label": start["node.label"][0], "pad": 34, "thickness": 16,
              "color": node_colour, "hovertemplate": "%{label}<extra></extra>"},
        link={"source": d.source, "target": d.target, "value": start["link.value"][0],
              "color": link_colour, "customdata": start["link.customdata"][0],
              "hovertemplate": "%{customdata}<extra></extra>"})
    fig = go.Figure(trace)
    head = f"{title}: " if title else ""
    steps = [{"method": "update", "label": str(y),
              "args": [_year_trace(d, i), {"title.text": f"{head}material flows in {y}"}]}
             for i, y in enumerate(d.years)]
    fig.update_layout(
        title_text=f"{head}material flows in {d.years[first]}", font_size=13, height=720,
        margin={"l": 20, "r": 20, "t": 60, "b": 40},
        sliders=[{"active": first, "steps": steps, "currentvalue": {"prefix": "year "},
                  "pad": {"t": 30}}])
    _legend(fig, set(d.group))
    return fig


def _legend(fig: go.Figure, present: set[str]) -> None:
    """Colours of the material groups ``present`` as a legend (invisible scatter traces)."""
    for g, (_, colour) in MATERIAL_GROUPS.items():
        if g not in present:
            continue
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=g,
                                 marker={"color": colour, "size": 12, "symbol": "square"}))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.02},
                      xaxis={"visible": False}, yaxis={"visible": False},
                      plot_bgcolor="white")


PLOTLYJS = "plotly.min.js"


def write_plotlyjs(folder: Path) -> Path:
    """Write plotly.js once into ``folder`` (for the Sankey pages beside or below it)."""
    from plotly.offline import get_plotlyjs

    path = Path(folder) / PLOTLYJS
    path.write_text(get_plotlyjs(), encoding="utf-8")
    return path


def write_sankey(system, year: int, path: Path, title: str = "",
                 plotlyjs: str = f"../{PLOTLYJS}", figure: go.Figure | None = None) -> None:
    """Write the Sankey (all years, slider) as an HTML page that loads plotly.js from
    ``plotlyjs`` (a path relative to the page; ``"inline"`` embeds it). ``figure``: the
    :func:`sankey_figure` of the same arguments, if already made. The page's element id is
    fixed, so the same system always gives the same page."""
    fig = figure or sankey_figure(system, year, title)
    include = True if plotlyjs == "inline" else plotlyjs
    fig.write_html(path, include_plotlyjs=include, full_html=True, div_id="sankey",
                   config={"responsive": True, "displaylogo": False})


def write_sankey_json(system, year: int, path: Path, title: str = "",
                      figure: go.Figure | None = None) -> Path:
    """Write the Sankey figure as plotly JSON (what ``report.html`` embeds); ``figure`` as in
    :func:`write_sankey`."""
    path = Path(path)
    path.write_text((figure or sankey_figure(system, year, title)).to_json(), encoding="utf-8")
    return path
