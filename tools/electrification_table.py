"""Generate the tables of ``docs/electrification.md``: end-of-life material by electrification
path, its traction-battery part, the trucks retiring by powertrain, the high-minus-low
difference of the platinum-group metals and magnet elements, and the data's confidence per
material.

Rows: the default scenario (``best_estimate``, the 2025 shares held) and
``electrification_low``, ``_central``, ``_high``, each in 2030, 2040 and 2050. Columns: Li, Ni,
Co, graphite, Cu (kt) and Nd, Pt, Pd, Rh (t) of ``eol_material_total`` (all the material that
leaves the fleet: trucks, their traction packs and fuel-cell parts) and of
``battery_eol_material`` (the packs leaving trucks).

Usage::

    python tools/electrification_table.py       # print every block (:data:`BLOCKS`)

Each block is printed after a line ``<!-- block: NAME -->``; the documentation build
(``tools/docs_hooks.py``) puts block ``NAME`` where ``docs/electrification.md`` has the marker
``<!-- generated: electrification.NAME -->``, so the page holds no typed number. ``--draws``
sets the Monte Carlo of the ``uncertainty`` block (default 2000; the configuration's seed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from elt_odym.io.workbook import read_ref_sheet
from elt_odym.model import RunResult, run

SCENARIOS = ("best_estimate", "electrification_low", "electrification_central",
             "electrification_high")
YEARS = (2030, 2040, 2050)
COLUMNS = (("Li", "kt", 1e-3), ("Ni", "kt", 1e-3), ("Co", "kt", 1e-3), ("graphite", "kt", 1e-3),
           ("Cu", "kt", 1e-3), ("Nd", "t", 1.0), ("Pt", "t", 1.0), ("Pd", "t", 1.0),
           ("Rh", "t", 1.0))
"""(material, display unit, factor from t)."""
PACK_COLUMNS = COLUMNS[:5]
"""The materials the traction packs hold (``battery_material_intensity``)."""
DIFFERENCE = ("Rh", "Pd", "Pt", "Nd", "Pr", "Dy")
"""The metals of the high-minus-low difference (issue 21's test)."""
RANK = "HML"
"""Confidence labels, best first."""
PATH_YEARS = (2025, 2030, 2035, 2040, 2050)
"""Years of the share-path table."""
COMBUSTION = ("diesel", "natural_gas")
"""The powertrains that are not new energy."""
MC_SCENARIO = "electrification_central"
BLOCKS = ("paths", "totals", "packs", "powertrains", "difference", "central", "uncertainty",
          "confidence")
"""The generated blocks of the page, in its order."""


def label(name: str) -> str:
    """The row label of a scenario."""
    return "2025 shares held (`best_estimate`)" if name == "best_estimate" else f"`{name}`"


def fmt(x: float) -> str:
    """Three significant figures, thousands separated."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if abs(x) >= 10 else (f"{x:.2f}" if abs(x) >= 0.1 else f"{x:.3f}")


def material_table(runs: dict[str, RunResult], variable: str, columns, extra=None) -> str:
    """Rows (path, year), one column per material of ``columns`` (and ``extra``: a header and
    a function of the run and year)."""
    head = [f"{m} ({u})" for m, u, _ in columns] + ([extra[0]] if extra else [])
    lines = ["| path | year | " + " | ".join(head) + " |",
             "|---|---:|" + "---:|" * len(head)]
    for name, r in runs.items():
        for y in YEARS:
            cells = [fmt(r.value(variable, y, "total", m) * k) for m, _, k in columns]
            if extra:
                cells.append(fmt(extra[1](r, y)))
            lines.append(f"| {label(name)} | {y} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def totals(runs: dict[str, RunResult]) -> str:
    """``eol_material_total`` with the total mass (Mt)."""
    return material_table(runs, "eol_material_total", COLUMNS, (
        "all material (Mt)", lambda r, y: r.value("eol_material_total", y, "total", "total")
        * 1e-6))


def packs(runs: dict[str, RunResult]) -> str:
    """``battery_eol_material`` with the retired capacity (GWh); the materials packs lack."""
    table = material_table(runs, "battery_eol_material", PACK_COLUMNS, (
        "capacity retired (GWh)", lambda r, y: r.value("battery_capacity_retired", y)))
    none = [m for m, _, _ in COLUMNS[len(PACK_COLUMNS):]
            if all(r.value("battery_eol_material", y, "total", m) == 0
                   for r in runs.values() for y in YEARS)]
    return table + f"\n\nThe packs hold no {', '.join(none)} (`battery_material_intensity`)."


def by_powertrain(r: RunResult, variable: str, year: int) -> dict[str, float]:
    """``battery_results.csv`` values of one year summed over types, by powertrain."""
    d = r.battery_results
    part = d[(d.variable == variable) & (d.year == year)]
    return part.groupby("powertrain", sort=False)["value"].sum().to_dict()


def powertrains(runs: dict[str, RunResult]) -> str:
    """End-of-life trucks by powertrain (thousand) in each path and year."""
    names = list(by_powertrain(next(iter(runs.values())), "eol_by_powertrain", YEARS[0]))
    lines = ["| path | year | " + " | ".join(names) + " | all |",
             "|---|---:|" + "---:|" * (len(names) + 1)]
    for name, r in runs.items():
        for y in YEARS:
            row = by_powertrain(r, "eol_by_powertrain", y)
            cells = [fmt(row[p] * 1e-3) for p in names] + [fmt(sum(row.values()) * 1e-3)]
            lines.append(f"| {label(name)} | {y} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def difference(runs: dict[str, RunResult], conf: dict[str, str]) -> str:
    """2050 ``eol_material_total`` of the high and low paths and their difference (t)."""
    low, high = runs["electrification_low"], runs["electrification_high"]
    lines = ["| metal | `electrification_low` (t) | `electrification_high` (t) | high - low (t) "
             "| high / low | confidence |", "|---|---:|---:|---:|---:|---|"]
    for m in DIFFERENCE:
        a = low.value("eol_material_total", 2050, "total", m)
        b = high.value("eol_material_total", 2050, "total", m)
        lines.append(f"| {m} | {fmt(a)} | {fmt(b)} | {'+' if b > a else ''}{fmt(b - a)} | "
                     f"{b / a:.2f} | {conf[m]} |")
    return "\n".join(lines)


def central(runs: dict[str, RunResult]) -> str:
    """Packs, value and CO2 saving of the central path in 2050."""
    v = runs["electrification_central"].value
    return (f"`electrification_central`, 2050: {fmt(v('battery_packs_retired', 2050) * 1e-6)} M "
            f"packs leave trucks (`battery_packs_retired`), of them "
            f"{fmt(v('battery_packs_replaced', 2050) * 1e-6)} M dead packs replaced "
            f"(`battery_packs_replaced`); the recovered battery material is worth "
            f"{fmt(v('battery_economic_value', 2050, 'total', 'total') * 1e-9)} billion USD2016 "
            f"(mean prices) and saves "
            f"{fmt(v('battery_carbon_saving', 2050, 'total', 'total') * 1e-6)} Mt CO2e "
            f"(battery factors).")


def _refs(p, keep) -> set[tuple[str, str]]:
    """(ref, confidence) of the non-zero rows of parameter ``p`` whose key ``keep`` accepts."""
    return {prov for key, prov in p.provenance.items() if keep(key) and p.observations[key]}


def truck_sources(data, m: str) -> dict[str, set]:
    """The data a truck's content of material ``m`` rests on: part -> {(ref, confidence)}."""
    items = data.items
    i = items["m"].index(m)
    sigma = data["component_composition"].values
    pgm = _refs(data["pgm_loading"], lambda k: k[3] == m)
    out = {} if pgm else {"glider": _refs(data["material_composition"], lambda k: k[1] == m)}
    for j, o in enumerate(items["o"]):
        if sigma[j, i] > 0:
            out[o] = (_refs(data["component_composition"], lambda k, o=o: k == (o, m))
                      | _refs(data["component_mass"], lambda k, o=o: k[2] == o))
    if pgm:  # the study's PGM content is the after-treatment's, not the glider's
        out["after-treatment"] = pgm | _refs(data["emission_standard_share"], lambda k: True)
    if data["lightweighting_substitution"].values[i]:
        out["lightweighting"] = (_refs(data["lightweighting_mass"], lambda k: True)
                                 | _refs(data["lightweighting_substitution"],
                                         lambda k: k == (m,)))
    return {part: refs for part, refs in out.items() if refs}


def pack_sources(data, m: str) -> set:
    """The data the traction packs' content of ``m`` rests on."""
    refs = _refs(data["battery_material_intensity"], lambda k: k[1] == m)
    if not refs:
        return set()
    return refs | _refs(data["battery_capacity"], lambda k: True) | _refs(
        data["battery_chemistry_share"], lambda k: True)


def lowest(refs) -> str:
    """The lowest confidence of ``(ref, confidence)`` pairs."""
    return max((c for _, c in refs), key=RANK.index) if refs else ""


def _cell(refs: set) -> str:
    by_conf = {}
    for ref, conf in sorted(refs):
        by_conf.setdefault(conf, []).append(ref)
    return ", ".join(f"{'/'.join(v)} {c}" for c, v in sorted(by_conf.items(),
                                                           key=lambda x: RANK.index(x[0])))


def confidence(runs: dict[str, RunResult]) -> tuple[str, dict[str, str]]:
    """The confidence table and the lowest confidence of each material's per-vehicle data."""
    data = runs["best_estimate"].data
    path = _refs(runs["electrification_central"].data["powertrain_share"],
                 lambda k: k[0] > 2025)
    lines = ["| material | trucks: part (sources, confidence) | traction packs | lowest |",
             "|---|---|---|---|"]
    conf, used = {}, set()
    for m in dict.fromkeys([c[0] for c in COLUMNS] + list(DIFFERENCE)):
        truck, pack = truck_sources(data, m), pack_sources(data, m)
        every = set().union(*truck.values(), pack)
        conf[m] = lowest(every)
        used |= {ref for ref, _ in every | path}
        parts = "; ".join(f"{part}: {_cell(refs)}" for part, refs in truck.items())
        lines.append(f"| {m} | {parts or 'none'} | {_cell(pack) or 'none'} | {conf[m]} |")
    lines.append("")
    lines.append(f"Share paths after 2025 (every path): {_cell(path)}. Sources:")
    lines.append("")
    lines += [f"- `{ref}` ({c}): {text}" for ref, (text, c) in sorted(ref_texts(data).items())
              if ref in used]
    return "\n".join(lines), conf


def ref_texts(data) -> dict[str, tuple[str, str]]:
    """ref id -> (source, confidence) from the ``ref`` sheets of the scenario's workbooks (the
    first workbook's text where an id repeats)."""
    out = {}
    for p in data.parameters.values():
        if p.present and p.path:
            for row in read_ref_sheet(p.path):
                out.setdefault(row["ref_id"], (row["source"], row["confidence"]))
    return out


def paths(runs: dict[str, RunResult]) -> str:
    """New-energy share of new trucks (all but diesel and natural gas) by path, year, type."""
    types = runs["best_estimate"].data.items["g"]
    lines = ["| path | " + " | ".join(str(y) for y in PATH_YEARS) + " |",
             "|---|" + "---:|" * len(PATH_YEARS)]
    for name, r in runs.items():
        share = r.data["powertrain_share"].values                               # (T, G, P)
        keep = [i for i, p in enumerate(r.data.items["p"]) if p not in COMBUSTION]
        nev = share[..., keep].sum(axis=-1)
        cells = [" / ".join(f"{100 * nev[r.data.years.index(y), g]:.0f}"
                            for g in range(len(types))) for y in PATH_YEARS]
        lines.append(f"| {label(name)} | " + " | ".join(cells) + " |")
    return (f"New-energy share of new trucks, % ({' / '.join(types)}):\n\n"
            + "\n".join(lines))


def uncertainty(root: Path | None, runs: dict[str, RunResult], draws: int) -> str:
    """The joint Monte Carlo of the central path: 2050 percentiles of the end-of-life totals."""
    from elt_odym.uncertainty.montecarlo import run_mc

    r = runs[MC_SCENARIO]
    seed = r.data.config.uncertainty.seed
    s = run_mc(r.data, draws, seed, progress=False).summary()
    s = s[(s.year == 2050) & (s.truck_type == "total")]
    lines = ["| quantity (2050) | deterministic | mean | p05 | p50 | p95 |",
             "|---|---:|---:|---:|---:|---:|"]
    rows = [("eol_material_total", m, u, k) for m, u, k in COLUMNS]
    rows.append(("battery_capacity_retired", "", "GWh", 1.0))
    for var, m, unit, k in rows:
        row = s[(s.variable == var) & (s.material == m)].iloc[0]
        name = f"{m} ({unit})" if m else f"`{var}` ({unit})"
        lines.append(f"| {name} | {fmt(r.value(var, 2050, 'total', m) * k)} | "
                     + " | ".join(fmt(row[c] * k) for c in ("mean", "p05", "p50", "p95")) + " |")
    return (f"`{MC_SCENARIO}`, {draws:,} draws (seed {seed}), `eol_material_total` unless "
            "named:\n\n" + "\n".join(lines))


def tables(root: Path | None = None, draws: int = 2000) -> dict[str, str]:
    """Every block of the page, from runs of the four scenarios and one Monte Carlo."""
    runs = {name: run(root, name) for name in SCENARIOS}
    conf_table, conf = confidence(runs)
    out = {"paths": paths(runs), "totals": totals(runs), "packs": packs(runs),
           "powertrains": powertrains(runs), "difference": difference(runs, conf),
           "central": central(runs), "uncertainty": uncertainty(root, runs, draws),
           "confidence": conf_table}
    return {name: out[name] for name in BLOCKS}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="data folder (default: the bundled one)")
    parser.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws")
    args = parser.parse_args(argv)
    blocks = tables(args.data, args.draws)
    sys.stdout.write("\n\n".join(f"<!-- block: {k} -->\n\n{v}" for k, v in blocks.items())
                     + "\n")


if __name__ == "__main__":
    main()
