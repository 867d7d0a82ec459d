"""Generate the per-vehicle table of ``docs/composition.md`` from the composition model.

Prints the Markdown (the documentation build puts it where ``docs/composition.md`` has the
marker ``<!-- generated: composition -->``, ``tools/docs_hooks.py``): per type and powertrain, the mass and the Cu, Nd, Pr, Dy,
Pt, Pd, Rh of one truck of the 2010, 2025 and 2050 cohorts under ``best_estimate``
(``composition = "cohort"``), with the lowest confidence of the rows it rests on, and the
study's single composition for comparison.

Usage: python tools/composition_table.py [ROOT]
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from elt_odym.data import load_data
from elt_odym.system.composition import calc_cohort_composition, calc_unit_material

COHORTS = (2010, 2025, 2050)
COLUMNS = (("Cu", "kg", 1e3), ("Nd", "g", 1e6), ("Pr", "g", 1e6), ("Dy", "g", 1e6),
           ("Pt", "g", 1e6), ("Pd", "g", 1e6), ("Rh", "g", 1e6))
"""(material, unit, per t): the table's columns after the mass."""
RANK = "HML"


def _confidence(data, g: str, p: str) -> str:
    """The lowest confidence among the glider (the study, M) and the rows of ``(g, p)``."""
    found = ["M"]
    for name, pos in (("component_mass", (0, 1)), ("pgm_loading", (1, 2))):
        prov = data[name].provenance
        found += [conf for key, (_, conf) in prov.items() if (key[pos[0]], key[pos[1]]) == (g, p)
                  and data[name].observations[key] != 0]
    return max(found, key=RANK.index)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else (f"{x:.1f}" if abs(x) >= 1 else f"{x:.2f}")


def table(root: Path) -> str:
    """The Markdown table (best_estimate, composition = "cohort")."""
    data = load_data(root / "datasets", "best_estimate")
    comp = calc_cohort_composition(data, COHORTS)
    study = dataclasses.replace(data, options=data.options.model_copy(
        update={"composition": "single"}))
    single = calc_unit_material(calc_cohort_composition(study, COHORTS))
    mass = calc_unit_material(comp)
    mats = list(comp.materials)
    head = ("| type | powertrain | cohort | mass (t) | "
            + " | ".join(f"{m} ({u})" for m, u, _ in COLUMNS) + " | confidence |")
    lines = [head, "|" + "---|" * 3 + "---:|" * (1 + len(COLUMNS)) + "---|"]
    for gi, g in enumerate(comp.types):
        row = single[0, gi, 0]
        lines.append(f"| {g} | study (any) | any | {row.sum():.2f} | " + " | ".join(
            _fmt(row[mats.index(m)] * k) for m, _, k in COLUMNS) + " | M |")
        for pi, p in enumerate(comp.powertrains):
            conf = _confidence(data, g, p)
            for ci, c in enumerate(COHORTS):
                row = mass[ci, gi, pi]
                lines.append(f"| {g} | {p} | {c} | {row.sum():.2f} | " + " | ".join(
                    _fmt(row[mats.index(m)] * k) for m, _, k in COLUMNS) + f" | {conf} |")
    return "\n".join(lines)


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent
    sys.stdout.write(table(root) + "\n")
