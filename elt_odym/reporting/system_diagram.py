"""The declared system as a diagram (``figures/system.png``, ``elt-odym diagram``).

Every process of :data:`~elt_odym.declaration.ALL_PROCESSES` is a box numbered as in the
flodym system (the truck system 0-5 as the study draws it, the traction chain 6-9 below it,
framed: its flows stay zero without the powertrain extension) and every flow of
:data:`~elt_odym.declaration.ALL_FLOWS` a labelled arrow with its dimensions. The traction
chain's exchanges with the environment run along the diagram's edges so that they cross no
other arrow.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from ..declaration import ALL_FLOWS, ALL_PROCESSES, ALL_STOCKS, TRACTION_PROCESSES
from .figures import DPI, PNG_COMPRESSION, STYLE

POSITIONS = {"sysenv": (0.5, 0.95), "primary production": (0.15, 0.74),
             "manufacturing": (0.15, 0.47), "use": (0.5, 0.47), "scrapping": (0.85, 0.47),
             "recycling": (0.85, 0.74), "traction manufacturing": (0.2, 0.08),
             "traction use": (0.5, 0.08), "second life": (0.66, 0.25),
             "traction recycling": (0.8, 0.08)}
"""Box centres in axes coordinates."""
FLOW_LABELS = {
    "sysenv => primary production": "ore", "primary production => manufacturing": "primary",
    "recycling => manufacturing": "secondary (closed loop)",
    "manufacturing => use": "new trucks", "use => scrapping": "end of life",
    "scrapping => recycling": "collected", "scrapping => sysenv": "informal / abandoned",
    "recycling => sysenv": "to other markets", "recycling => losses": "losses",
    "use => reclassification": "moved to another type", "sysenv => traction manufacturing": "pack and fuel-cell material",
    "traction manufacturing => traction use": "fitted", "traction use => second life":
    "reused", "traction use => traction recycling": "collected",
    "second life => traction recycling": "end of second life",
    "traction recycling => sysenv": "secondary battery material",
    "traction recycling => losses": "losses",
}
"""Short names of the flows (the declaration's are sentences)."""
LABEL_AT = {"scrapping => sysenv": 0.62, "recycling => manufacturing": 0.6,
            "manufacturing => use": 0.4, "use => scrapping": 0.6}
"""Where along a straight arrow its label sits (0 start, 1 end) when the middle is crowded."""
ROUTES = {"sysenv => traction manufacturing": ("left", 0.02, "left", 0.0),
          "traction recycling => sysenv": ("right", 0.955, "right", -0.008),
          "traction recycling => losses": ("right", 0.985, "right", 0.008)}
"""Arrows routed around the diagram: the side of the source box they leave, the x of their
vertical lane, the side of the target box they enter and the offset of their end from its
middle."""
BOX_PAD = 0.5
"""Padding of a process box around its name (in font sizes)."""
ARROW = {"arrowstyle": "-|>,head_length=0.6,head_width=0.3", "lw": 1.3, "color": "#444"}


def fig_system(path: str | Path) -> None:
    """Draw the declared system (module docstring) into ``path`` (PNG, SVG or PDF)."""
    with rc_context(STYLE):
        fig = Figure(figsize=(10, 8.4), layout="constrained")
        ax = fig.subplots()
        ax.set_axis_off()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_title("elt-odym: the declared system (flow dimensions in brackets: t time, "
                     "g truck type, m material)", fontsize=11)
        _frame(ax)
        boxes = {p: _box(ax, i, p) for i, p in enumerate(ALL_PROCESSES)}
        fig.draw_without_rendering()  # lay out and place the boxes before the arrows
        count: dict[tuple, int] = {}
        for spec in ALL_FLOWS:
            pair = (spec.from_process, spec.to_process)
            count[pair] = count.get(pair, 0) + 1
            _arrow(ax, spec, count[pair] - 1, boxes)
        png = str(path).lower().endswith(".png")
        fig.savefig(path, dpi=DPI, **({"pil_kwargs": {"compress_level": PNG_COMPRESSION}}
                                      if png else {}))


def _box(ax, i: int, process: str):
    """Process ``i`` as a box, with the stocks it holds."""
    x, y = POSITIONS[process]
    stock = [s.name for s in ALL_STOCKS
             if s.process == process or (process == "use" and not s.process)]
    label = f"{i} {process}" + ("\nstocks: " + ", ".join(stock) if stock else "")
    return ax.text(x, y, label, ha="center", va="center", fontsize=10.5, zorder=4,
                   bbox={"boxstyle": f"round,pad={BOX_PAD}",
                         "fc": "lightyellow" if stock else "#dbe9f6", "ec": "#333"})


def _frame(ax) -> None:
    """A dashed frame around the traction chain, named."""
    ys = [POSITIONS[p][1] for p in TRACTION_PROCESSES]
    low, high = min(ys) - 0.07, max(ys) + 0.09
    ax.add_patch(FancyBboxPatch((0.08, low), 0.84, high - low, boxstyle="round,pad=0.005",
                                fc="none", ec="#999", ls="--", lw=1.0, zorder=1))
    ax.text(0.09, high - 0.012, "traction chain: battery packs, fuel-cell stacks, hydrogen "
            "tanks (zero without the powertrain extension)", fontsize=8.5, color="#555",
            ha="left", va="top")


def _arrow(ax, spec, n: int, boxes: dict) -> None:
    """One flow: an arrow (straight, the n-th between the same processes curved) clipped at
    the process boxes, and its label; or routed around the diagram (:data:`ROUTES`)."""
    if spec.key in ROUTES:
        return _routed(ax, spec, boxes)
    if spec.from_process == spec.to_process:
        return _loop(ax, spec, boxes[spec.from_process])
    (x0, y0), (x1, y1) = POSITIONS[spec.from_process], POSITIONS[spec.to_process]
    rad = 0.25 * n
    a, b = boxes[spec.from_process], boxes[spec.to_process]
    ax.annotate("", xy=(0.5, 0.5), xycoords=b, xytext=(0.5, 0.5), textcoords=a,
                arrowprops=ARROW | {"patchA": a.get_bbox_patch(), "patchB": b.get_bbox_patch(),
                                    "shrinkA": 3, "shrinkB": 3,
                                    "connectionstyle": f"arc3,rad={rad}"})
    f = LABEL_AT.get(spec.key, 0.5)
    dx, dy = x1 - x0, y1 - y0
    _label(ax, spec, (x0 + f * dx + rad * dy / 2, y0 + f * dy - rad * dx / 2))


def _routed(ax, spec, boxes: dict) -> None:
    """A flow along a vertical lane at the diagram's edge: out of one side of its source,
    into one side of its target."""
    leave, lane, enter, offset = ROUTES[spec.key]
    start = _side(ax, boxes[spec.from_process], leave)
    end = _side(ax, boxes[spec.to_process], enter)
    end = (end[0], end[1] + offset)
    ax.plot([start[0], lane, lane], [start[1], start[1], end[1]], color=ARROW["color"],
            lw=ARROW["lw"], solid_joinstyle="round", zorder=2)
    ax.annotate("", xy=end, xytext=(lane, end[1]), arrowprops=ARROW | {"shrinkA": 0,
                                                                       "shrinkB": 1})
    _label(ax, spec, (lane, (start[1] + end[1]) / 2), rotation=90)


def _loop(ax, spec, box) -> None:
    """A flow that leaves a process and re-enters it (vehicles moved between types): a loop
    under the box."""
    x, _ = POSITIONS[spec.from_process]
    bottom = _extent(ax, box)[1]
    ax.annotate("", xy=(x + 0.04, bottom), xytext=(x - 0.04, bottom),
                arrowprops=ARROW | {"shrinkA": 0, "shrinkB": 0,
                                    "connectionstyle": "arc3,rad=1.2"})
    _label(ax, spec, (x, bottom - 0.065))


def _extent(ax, box) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` of a drawn box in axes coordinates: its text and the
    :data:`BOX_PAD` font sizes its box adds around it."""
    extent = box.get_window_extent()
    pad = BOX_PAD * box.get_fontsize() * ax.figure.dpi / 72
    (x0, y0), (x1, y1) = ax.transData.inverted().transform(
        [[extent.x0 - pad, extent.y0 - pad], [extent.x1 + pad, extent.y1 + pad]])
    return x0, y0, x1, y1


def _side(ax, box, side: str) -> tuple[float, float]:
    """The middle of the ``left`` or ``right`` side of a drawn box, in axes coordinates."""
    x0, y0, x1, y1 = _extent(ax, box)
    return (x0 if side == "left" else x1), (y0 + y1) / 2


def _label(ax, spec, at: tuple[float, float], rotation: float = 0) -> None:
    """The flow's short name and dimensions at ``at``."""
    text = f"{FLOW_LABELS.get(spec.key, spec.key)} ({','.join(spec.dims)})"
    ax.text(*at, text, fontsize=9, color="#333", ha="center", va="center", rotation=rotation,
            bbox={"fc": "white", "ec": "#bbb", "boxstyle": "round,pad=0.2"}, zorder=3)
