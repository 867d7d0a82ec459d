"""Generate the tables of ``docs/errors.md`` from the code: the validation rules
(:data:`elt_odym.errors.RULES`) and the plausible ranges (:mod:`elt_odym.declaration`).

Prints each table after a line ``<!-- block: NAME -->`` (``rules``, ``plausible``); the
documentation build (``tools/docs_hooks.py``) puts it where ``docs/errors.md`` has the marker
``<!-- generated: errors.NAME -->``.

Usage: python tools/errors_tables.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from elt_odym.declaration import (
    COMPOSITION_PARAMETERS,
    PARAMETERS,
    PLAUSIBLE_BY_PARAMETER,
    PLAUSIBLE_BY_UNIT,
    PLAUSIBLE_FALLBACK,
    POWERTRAIN_PARAMETERS,
    plausible_range,
)
from elt_odym.errors import RULES



def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_table() -> str:
    """Every rule with what it means, in the order of :data:`RULES`."""
    lines = ["| rule | what it means |", "|---|---|"]
    lines += [f"| `{rule}` | {_cell(meaning)} |" for rule, meaning in RULES.items()]
    return "\n".join(lines)


def plausible_table() -> str:
    """The plausible range of every unit and the parameters that have their own."""
    params = PARAMETERS + POWERTRAIN_PARAMETERS + COMPOSITION_PARAMETERS
    lines = ["| unit | low | high | why | parameters |", "|---|---|---|---|---|"]
    for unit, rng in PLAUSIBLE_BY_UNIT.items():
        names = [p.name for p in params
                 if p.unit == unit and p.name not in PLAUSIBLE_BY_PARAMETER]
        lines.append(f"| `{unit}` | {rng.low:g} | {rng.high:g} | {_cell(rng.why)} | "
                     f"{', '.join(names)} |")
    for name, rng in PLAUSIBLE_BY_PARAMETER.items():
        unit = next((p.unit for p in params if p.name == name), "")
        assert plausible_range(next(p for p in params if p.name == name)) == rng
        lines.append(f"| `{unit}` ({name}) | {rng.low:g} | {rng.high:g} | {_cell(rng.why)} | "
                     f"{name} |")
    fb = PLAUSIBLE_FALLBACK
    lines.append(f"| any other unit | {fb.low:g} | {fb.high:g} | {_cell(fb.why)} | |")
    return "\n".join(lines)


def tables() -> dict[str, str]:
    """``marker name -> Markdown`` of every generated part of the page."""
    return {"rules": rules_table(), "plausible": plausible_table()}


def main() -> None:
    sys.stdout.write("\n\n".join(f"<!-- block: {name} -->\n\n{body}"
                                  for name, body in tables().items()) + "\n")


if __name__ == "__main__":
    main()
