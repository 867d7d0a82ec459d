"""A Sankey diagram of the system for one year (plotly, self-contained HTML).

``sysenv`` is split into one node per role (ore, informal/abandoned, other markets, losses), so
the diagram has no cycle; a flow's width is its total mass over types and materials.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go

from ..definition import FLOWS

SYSENV_ROLE = {
    "sysenv => primary production": "ore (system boundary)",
    "scrapping => sysenv": "informal or abandoned",
    "recycling => sysenv": "secondary material to other markets",
    "recycling => losses": "recycling losses",
}


def sankey_figure(system, year: int, title: str = "") -> go.Figure:
    """Build the Sankey of ``system`` for ``year`` (masses in t)."""
    nodes: list[str] = []

    def node(name: str) -> int:
        if name not in nodes:
            nodes.append(name)
        return nodes.index(name)

    links = {"source": [], "target": [], "value": [], "label": []}
    for spec in FLOWS:
        flow = system.flows[spec.key]
        value = float(flow[{"t": year}].sum_values())
        src = SYSENV_ROLE.get(spec.key) if spec.from_process == "sysenv" else spec.from_process
        dst = SYSENV_ROLE.get(spec.key) if spec.to_process == "sysenv" else spec.to_process
        links["source"].append(node(src))
        links["target"].append(node(dst))
        links["value"].append(max(value, 0.0))
        links["label"].append(f"{spec.key}: {value:,.0f} t")
    fig = go.Figure(go.Sankey(arrangement="snap", node={"label": nodes, "pad": 15},
                              link=links))
    fig.update_layout(title_text=title or f"Material flows in {year} (t)", font_size=11)
    return fig


def write_sankey(system, year: int, path: Path, title: str = "") -> None:
    """Write the Sankey as a self-contained HTML file (plotly.js embedded, works offline)."""
    sankey_figure(system, year, title).write_html(path, include_plotlyjs=True, full_html=True)
