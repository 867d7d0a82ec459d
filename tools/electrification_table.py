"""Print the README's table of end-of-life battery materials by electrification path.

Rows: the default scenario (2025 shares held) and ``electrification_low``, ``_central``,
``_high``; columns: Li, Ni, Co, graphite (kt) in 2030, 2040, 2050 and the retired capacity in
2050 (GWh), from ``battery_eol_material`` and ``battery_capacity_retired`` of each run.

Usage: python tools/electrification_table.py
"""

from __future__ import annotations

from elt_odym.model import run

SCENARIOS = ("best_estimate", "electrification_low", "electrification_central",
             "electrification_high")
MATERIALS = ("Li", "Ni", "Co", "graphite")
YEARS = (2030, 2040, 2050)


def fmt(kt: float) -> str:
    return f"{kt:,.0f}" if kt >= 100 else (f"{kt:.1f}" if kt >= 10 else f"{kt:.2f}")


def main() -> None:
    head = [f"{m} {y}" for m in MATERIALS for y in YEARS] + ["GWh 2050"]
    print("| path | " + " | ".join(head) + " |")
    print("|---|" + "---:|" * len(head))
    for name in SCENARIOS:
        r = run(scenario=name)
        cells = [fmt(r.value("battery_eol_material", y, "total", m) / 1e3)
                 for m in MATERIALS for y in YEARS]
        cells.append(fmt(r.value("battery_capacity_retired", 2050, "total", "")))
        label = "2025 shares held (`best_estimate`)" if name == "best_estimate" else f"`{name}`"
        print(f"| {label} | " + " | ".join(cells) + " |")
        if name == "electrification_central":
            central = r
    print()
    v = central.value
    print(f"electrification_central 2050: packs retired {v('battery_packs_retired', 2050):,.0f}"
          f", of them replaced {v('battery_packs_replaced', 2050):,.0f}; value of recovered "
          f"battery material {v('battery_economic_value', 2050, 'total', 'total') / 1e9:.1f} "
          f"billion USD; CO2 saving {v('battery_carbon_saving', 2050, 'total', 'total') / 1e6:.1f}"
          " Mt CO2e")


if __name__ == "__main__":
    main()
