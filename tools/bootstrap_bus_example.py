"""Write the illustrative city-bus example of examples/buses (a second product system).

Nothing here is new code in the package: the bus system is the declared vehicle system with
other classification items, workbooks and configuration. Values are ILLUSTRATIVE (confidence
L) unless a ref says otherwise; the workbooks are the source of truth once written.

Usage: python tools/bootstrap_bus_example.py [ROOT] [--out DIR | --in-place]
(ROOT default examples/buses; tools/data_step.py: by default nothing is written, only the
diff is printed)
"""

from __future__ import annotations

import sys
from pathlib import Path

from elt_odym.io.classification import (
    Classification,
    ClassificationMaster,
    write_classification_master,
)
from elt_odym.io.workbook import new_parameter_workbook, write_parameter_workbook

ROOT = Path(__file__).resolve().parent.parent / "examples" / "buses"
VERSION = "Bus_Classification_Master"  # ODYM: a master is named by its file name
TYPES = ["CB", "CO"]  # city bus, coach
MATERIALS = ["Fe", "Al", "Cu", "rubber", "plastics", "glass", "other"]
YEARS = list(range(2002, 2051))
REFS = [{"ref_id": "ILLUSTRATIVE", "source": "illustrative value for the example, not sourced",
         "confidence": "L", "note": "replace with real data"},
        {"ref_id": "TABLE1", "source": "Table 1 of Xu et al. (2025)", "confidence": "H",
         "note": ""}]
TAG = "[ILLUSTRATIVE|L] illustrative"


def write(root: Path, name, desc, unit, aspects, rows, **kw):
    pw = new_parameter_workbook(name, desc, unit, aspects, rows, REFS, VERSION, **kw)
    write_parameter_workbook(pw, root / "datasets" / f"{name}.xlsx")


def main(root: Path = ROOT) -> None:
    (root / "classification").mkdir(parents=True, exist_ok=True)
    (root / "datasets").mkdir(parents=True, exist_ok=True)
    cls = [Classification("Time", "Time", YEARS), Classification("Bus_type", "Product", TYPES,
                                                                 "CB city bus, CO coach"),
           Classification("Material", "Material", MATERIALS),
           Classification("Statistic", "Statistic", ["low", "mean", "high"]),
           Classification("Route", "Route", ["primary", "secondary"]),
           Classification("Age", "Age", list(range(0, 41)))]
    write_classification_master(ClassificationMaster({c.name: c for c in cls}, VERSION),
                                root / "classification" / f"{VERSION}.xlsx")
    t, g, m = ("Time", "Time"), ("Product", "Bus_type"), ("Material", "Material")
    hist = {(2002, "CB"): 200e3, (2002, "CO"): 150e3, (2003, "CB"): 220e3, (2003, "CO"): 160e3}
    write(root, "stock_history", "bus stock (illustrative)", "unit", [t, g],
          [(y, p, v, "3;;" + str(0.1 * v), TAG) for (y, p), v in hist.items()])
    anchors = {(2010, "CB"): 420e3, (2020, "CB"): 700e3, (2050, "CB"): 800e3,
               (2010, "CO"): 250e3, (2020, "CO"): 300e3, (2050, "CO"): 320e3}
    write(root, "stock_anchors", "bus stock anchors (illustrative)", "unit", [t, g],
          [(y, p, v, "3;;" + str(0.03 * v), TAG) for (y, p), v in anchors.items()])
    write(root, "weibull_shape", "Weibull shape", "1", [g], [(p, 3.0, "", TAG) for p in TYPES])
    write(root, "weibull_scale", "Weibull scale", "yr", [g],
          [("CB", 12.0, "", TAG), ("CO", 14.0, "", TAG)])
    for name in ("unit_weight", "unit_weight_low"):
        write(root, name, "mass of one bus", "t/unit", [g], [("CB", 12.0, "", TAG),
                                                       ("CO", 14.0, "", TAG)])
    shares = {"Fe": 0.6, "Al": 0.1, "Cu": 0.02, "rubber": 0.05, "plastics": 0.08,
              "glass": 0.06, "other": 0.09}
    write(root, "material_composition", "mass shares", "1", [g, m],
          [(p, k, v, "", TAG) for p in TYPES for k, v in shares.items()])
    price = {"Fe": (250, 325, 400), "Al": (1604, 2042, 2707), "Cu": (4868, 7173, 9317),
             "rubber": (1540, 2305, 4830), "plastics": (1000, 1250, 1500), "glass": (20, 40, 60),
             "other": (0, 0, 0)}
    write(root, "price", "prices (as the truck example)", "USD/t", [m, ("Statistic", "Statistic")],
          [(k, s, float(v), "", TAG) for k, vals in price.items()
           for s, v in zip(("low", "mean", "high"), vals)])
    write(root, "inflation_rate", "inflation", "1/yr", [], [(0.02, "", TAG)])
    for name, unit, table in (("energy_factor", "GJ/t", {"Fe": (14.0, 5.0), "Al": (47.0, 2.4),
                                                         "Cu": (16.9, 6.3)}),
                              ("carbon_factor", "t CO2e/t", {"Fe": (1.67, 0.70),
                                                             "Al": (8.80, 0.29),
                                                             "Cu": (1.25, 0.44)})):
        write(root, name, "Table 1 factors", unit, [m, ("Route", "Route")],
              [(k, r, v, "", "[TABLE1|H]") for k, vals in table.items()
               for r, v in zip(("primary", "secondary"), vals)])
    write(root, "factor_range", "range of factors", "1", [], [(0.2, "", "[TABLE1|H]")])
    write(root, "carbon_factor_multiplier", "decreasing factors", "1", [t],
          [(y, 1.0 if y <= 2025 else round(1 - 0.722 * (y - 2025) / 25, 6), "", TAG)
           for y in YEARS])
    write(root, "collection_rate", "collection", "1", [t, g],
          [(y, p, 1.0) for y in YEARS for p in TYPES],
          source="ILLUSTRATIVE", confidence="L", table=(["Product"], "Time"))
    write(root, "recovery_efficiency", "recovery", "1", [m], [(k, 1.0, "", TAG) for k in MATERIALS])
    write(root, "closed_loop_share", "closed loop", "1", [m],
          [(k, 0.0, "", TAG) for k in MATERIALS])


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__, default_root=ROOT))
