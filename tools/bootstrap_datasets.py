"""Bootstrap the base workbooks of classification/ and datasets/ (a one-off, kept for provenance).

The shipped workbooks are the source of truth: edit them in Excel, not this script. Rerunning
this script overwrites the base workbooks (never the calibrated ones in datasets/open_data and
datasets/paper_calibrated, which `elt-odym calibrate` writes) and is only meant for a maintainer
who rebuilds the bundle from its sources (the study, NBS yearbooks, IMF prices, Hao et al. 2011,
...: ``REFS``). Every number here carries its ref id and confidence, as it does in the
workbooks.

Usage: python tools/bootstrap_datasets.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

from elt_odym.io.classification import (
    Classification,
    ClassificationMaster,
    write_classification_master,
)
from elt_odym.io.workbook import new_parameter_workbook, write_parameter_workbook

VERSION = "ELT_Classification_Master"  # ODYM: a master is named by its file name
TODAY = datetime.date(2026, 11, 28).isoformat()
TYPES = ["HT", "MT", "ST", "NT"]
MATERIALS = ["Fe", "Al", "Cu", "Mg", "Pb", "Zn", "Sn", "Co", "W", "rubber", "plastics", "glass",
             "Dy", "Nd", "La", "Au", "Pt", "Pd", "Rh", "Ag", "other"]
OZ = 32150.75  # troy ounces per tonne

REFS = {
    "NBS2007": ("National Bureau of Statistics of China, China Statistical Yearbook 2007, table "
                "16-26 'Possession of Civil Vehicles' (via data_brief.md section 1)", "H"),
    "XU2025": ("Xu, Xiong, Liu et al. (2025) Resource, economic, and carbon benefits of "
               "end-of-life trucks' urban mining in China. Commun. Earth Environ. "
               "doi:10.1038/s43247-025-02832-x (figures as collected in data_brief.md)", "M"),
    "HAO2011": ("Hao, Wang, Ouyang, Cheng (2011) Vehicle survival patterns in China. Sci. China "
                "Tech. Sci. 54(3) (average lifespans 12.8 / 10.1 / 8 yr)", "M"),
    "MOFCOM2012": ("Mandatory scrapping standard for motor vehicles, Order No. 12 (2012), in force "
                   "2013-05-01: mini trucks 12 yr, other trucks 15 yr", "M"),
    "BRIEF": ("data_brief.md of this project: values derived from the study's figures "
              "(derivation in the value's comment)", "M"),
    "IMF": ("IMF Primary Commodity Prices, monthly, LME/LBMA based; nominal annual means "
            "2010-2023 (data_brief.md section 6)", "H"),
    "ASSUME": ("Assumption of elt-odym, stated in the value's comment; replace when data are "
               "available", "L"),
    "MARKET": ("Typical 2010-2023 market ranges, not from a single statistical source "
               "(data_brief.md section 6)", "L"),
    "TABLE1": ("Table 1 of Xu et al. (2025): energy use and carbon emission factors, from "
               "Asmatulu et al. and others", "H"),
}


def refs(*ids: str) -> list[dict]:
    return [{"ref_id": i, "source": REFS[i][0], "confidence": REFS[i][1], "note": ""}
            for i in ids]


def log(change: str) -> list[dict]:
    return [{"date": TODAY, "author": "elt-odym bootstrap", "change": change}]


def tag(ref: str, conf: str, text: str = "") -> str:
    return f"[{ref}|{conf}] {text}".strip()


def classification_master() -> ClassificationMaster:
    cls = [
        Classification("Time", "Time", list(range(1978, 2051)), "calendar years", "1"),
        Classification("Truck_type", "Product", TYPES,
                       "NBS truck types: HT heavy (zhongxing), MT medium, ST small = NBS light, "
                       "NT mini", "2"),
        Classification("Material", "Material", MATERIALS,
                       "materials and elements in trucks (the study's Fig. 3) plus 'other'", "3"),
        Classification("Statistic", "Statistic", ["low", "mean", "high"],
                       "price statistics", "4"),
        Classification("Route", "Route", ["primary", "secondary"], "production routes", "5"),
        Classification("Age", "Age", list(range(0, 61)), "cohort age in years", "6"),
        Classification("Process", "Process",
                       ["sysenv", "primary production", "manufacturing", "use", "scrapping",
                        "recycling"], "processes (ODYM numbering 0-5)", "7"),
    ]
    for c in cls:
        c.meta = {"created": TODAY, "modified": TODAY}
        c.reference = "elt-odym"
    return ClassificationMaster({c.name: c for c in cls}, VERSION)


def write(root: Path, sub: str, pw) -> None:
    folder = root / "datasets" / sub if sub else root / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    write_parameter_workbook(pw, folder / f"{pw.name}.xlsx")


def stocks(root: Path) -> None:
    nbs = {2002: [148.28, 218.69, 360.58, 84.66], 2003: [136.79, 243.70, 390.79, 82.22]}
    rows = [(y, g, round(v * 1e4), "3;;" + str(round(0.10 * v * 1e4)),
             tag("NBS2007", "H", f"{v} x 10,000 units; sigma 10% is the fit weight: a logistic "
                 "curve is not expected to hit single years"))
            for y, vals in nbs.items() for g, v in zip(TYPES, vals)]
    write(root, "", new_parameter_workbook(
        "stock_history", "recorded in-use truck stock by type (NBS 'min yong zai huo qi che "
        "yong you liang')", "unit", [("Time", "Time"), ("Product", "Truck_type")], rows,
        refs("NBS2007"), VERSION, comment="By-type values 2004-2021 were not found; add them "
        "here when available and raise switch_year in config.toml.", log=log("created")))
    anchors = [  # year, type, value, sd, confidence, note
        (2010, "ST", 9.1e6, 0.05e6, "M", "stated 9.1 M; sd = half the last printed digit"),
        (2020, "ST", 21e6, 0.5e6, "M", "stated 21 M"),
        (2050, "ST", 37e6, 0.5e6, "M", "stated 37 M"),
        (2010, "HT", 4.0e6, 0.05e6, "M", "stated 4.0 M"),
        (2020, "HT", 8.4e6, 0.05e6, "M", "stated 8.4 M"),
        (2035, "HT", 13e6, 0.5e6, "M", "stated: stable at about 13 M after 2035"),
        (2050, "HT", 13e6, 0.5e6, "M", "stated: stable at about 13 M after 2035"),
        (2010, "MT", 2.7e6, 0.05e6, "M", "stated 2.7 M"),
        (2020, "MT", 1.1e6, 0.05e6, "M", "stated 1.1 M"),
        (2050, "MT", 500.0, 500.0, "L", "stated: fewer than 1 thousand units; 500 +- 500"),
        (2010, "NT", 0.2e6, 0.05e6, "L", "residual of the 16 M total 2010 minus ST, HT, MT"),
        (2021, "NT", 23e3, 500.0, "M", "stated 23 thousand units"),
    ]
    rows = [(y, g, v, f"3;;{sd:g}", tag("XU2025", c, n)) for y, g, v, sd, c, n in anchors]
    write(root, "", new_parameter_workbook(
        "stock_anchors", "stock figures stated by the study, used as weighted observations of "
        "the logistic fit", "unit", [("Time", "Time"), ("Product", "Truck_type")], rows,
        refs("XU2025"), VERSION, uncertainty="normal sd = fit weight", log=log("created")))
    total = {1978: 100.17, 1980: 129.90, 1985: 223.20, 1990: 368.48, 1991: 398.62,
             1992: 441.45, 1993: 501.00, 1994: 560.33, 1995: 585.43, 1996: 575.03,
             1997: 601.23, 1998: 627.89, 1999: 676.95, 2000: 716.32, 2001: 765.24}
    rows = [(y, round(v * 1e4), "", tag("NBS2007", "H", f"{v} x 10,000 units"))
            for y, v in total.items()]
    write(root, "", new_parameter_workbook(
        "stock_total_history", "total civil trucks before the type split (spin-up)", "unit",
        [("Time", "Time")], rows, refs("NBS2007"), VERSION, log=log("created")))


def lifetimes(root: Path) -> None:
    # Hao et al. mean lifespans; eta = mean / Gamma(1 + 1/beta): 0.8970 for beta 3.3, 0.9182 for 5
    mean = {"HT": 12.8, "MT": 10.1, "ST": 8.0, "NT": 8.0}
    shape = {"HT": 5.0, "MT": 3.3, "ST": 3.3, "NT": 3.3}
    note = {"HT": "beta ~5: so few heavy trucks were scrapped in 2010 that the life must be "
                  "long and narrow (data brief section 3)",
            "NT": "assumed as light trucks"}
    rows = [(g, shape[g], "",
             tag("BRIEF", "L" if g == "NT" else "M",
                 note.get(g, "beta ~3.3 (Hao et al. report similar shapes for all types)")))
            for g in TYPES]
    write(root, "", new_parameter_workbook(
        "weibull_shape", "Weibull shape beta of the truck lifetime", "1",
        [("Product", "Truck_type")], rows, refs("BRIEF", "HAO2011"), VERSION,
        log=log("created")))
    rows = []
    for g in TYPES:
        eta = round(mean[g] / (0.9182 if g == "HT" else 0.8970), 3)
        ref = "HAO2011" if g != "NT" else "ASSUME"
        conf = "M" if g != "NT" else "L"
        note = (f"mean {mean[g]} yr / Gamma(1+1/3.3) = {eta}" if g != "NT" else
                "NT taken as light trucks (mean 8 yr); mandatory scrapping at 12 yr "
                "(MOFCOM2012) bounds it")
        rows.append((g, eta, "", tag(ref, conf, note)))
    write(root, "", new_parameter_workbook(
        "weibull_scale", "Weibull scale eta of the truck lifetime (literature, uncalibrated)",
        "yr", [("Product", "Truck_type")], rows, refs("HAO2011", "ASSUME", "MOFCOM2012"),
        VERSION, log=log("created")))


def weights(root: Path) -> None:
    full = {"HT": (17.15, "2010: 0.3 Mt / 17.31 thousand units = 17.0-17.3 t"),
            "MT": (10.0, "2010: 3.2 Mt / 322.74 thousand units = 9.9-10.1 t"),
            "ST": (3.45, "2010: 2.3 Mt / 663.69 thousand units = 3.4-3.5 t")}
    rows = [(g, v, "", tag("BRIEF", "M", note)) for g, (v, note) in full.items()]
    rows.append(("NT", 1.2, "", tag("ASSUME", "L",
                 "ANOMALY: the study's 2010 figures imply 6.4-7.5 t per mini truck (0.1 Mt / "
                 "15.71 thousand units), implausible for a ~1 t mini truck; 1.2 t used, so NT "
                 "2010 weight misses the study's 0.1 Mt by design")))
    write(root, "", new_parameter_workbook(
        "unit_weight", "mass of one end-of-life truck: truck unit plus trailer (study's base "
        "case)", "t/unit", [("Product", "Truck_type")], rows,
        refs("BRIEF", "ASSUME"), VERSION, log=log("created")))
    low = {"HT": (14.0, "derived: with the other types' unit-only weights, 14.0 t makes the "
                  "total end-of-life weight 11 % lower in 2022-2050 (the study's figure for "
                  "truck units only; paper_calibrated run, mean of the yearly solutions 13.96)"),
           "MT": (9.0, "few medium trucks carry trailers"),
           "ST": (3.3, "light trucks rarely carry trailers"),
           "NT": (1.2, "no trailer")}
    rows = [(g, v, "", tag("BRIEF" if g == "HT" else "ASSUME", "L", note))
            for g, (v, note) in low.items()]
    write(root, "", new_parameter_workbook(
        "unit_weight_low", "mass of the truck unit only (lower end of the weight range)",
        "t/unit", [("Product", "Truck_type")], rows, refs("ASSUME", "BRIEF"), VERSION,
        log=log("created")))


def composition(root: Path) -> None:
    mass_2010 = {  # t in the 2010 ELT stream of 5.9 Mt (the study)
        "Fe": 4.0e6, "Al": 0.3e6, "Cu": 106e3, "Mg": 30e3, "Pb": 47e3, "Zn": 3.0e3,
        "Sn": 89.0, "Co": 37.0, "W": 156.0, "rubber": 0.3e6, "plastics": 0.4e6,
        "glass": 0.2e6, "Dy": 2.3, "Nd": 21.0, "La": 39.0, "Au": 1.2, "Pt": 1.3, "Pd": 1.0,
        "Rh": 0.3, "Ag": 0.8}
    total = 5.9e6
    rows = []
    for g in TYPES:
        for m in MATERIALS[:-1]:
            note = f"study 2010: {mass_2010[m]:g} t of {total:g} t ELT"
            conf = "M"
            if m in ("Sn", "Co"):
                note += (" (printed in kt; read as t, since kt would exceed plausible contents "
                         "by 1000x)")
                conf = "L"
            rows.append((g, m, mass_2010[m] / total, "", tag("BRIEF", conf, note)))
        rest = 1.0 - sum(mass_2010.values()) / total
        rows.append((g, "other", rest, "", tag("BRIEF", "M", "remainder to 1")))
    write(root, "", new_parameter_workbook(
        "material_composition", "mass share of each material in an end-of-life truck; one "
        "composition for all types (reproduces 2010 exactly)", "1",
        [("Product", "Truck_type"), ("Material", "Material")], rows, refs("BRIEF"), VERSION,
        comment="A per-type composition is more realistic; replace rows per type when sourced.",
        log=log("created")))


def prices(root: Path) -> None:
    per_t = {"Al": (1604, 2042, 2707), "Cu": (4868, 7173, 9317), "Pb": (1788, 2098, 2401),
             "Zn": (1910, 2441, 3485), "Sn": (16067, 22242, 32387),
             "Co": (25463, 39862, 72911), "rubber": (1540, 2305, 4830)}
    per_oz = {"Au": (1160, 1484, 1943), "Ag": (15.7, 21.6, 35.1), "Pt": (864, 1170, 1719),
              "Pd": (526, 1158, 2398)}
    market = {"Fe": (250, 325, 400, "Chinese heavy scrap steel; iron ore 62% would be 56/109/168 "
                     "USD/t of ore"),
              "Mg": (2500, 3000, 3500, "magnesium"), "W": (30000, 42500, 55000, "30-55 USD/kg"),
              "Nd": (50000, 100000, 150000, "Nd oxide 50-150 USD/kg applied to the metal"),
              "Dy": (200000, 450000, 700000, "Dy oxide 200-700 USD/kg applied to the metal"),
              "La": (2000, 11000, 20000, "La oxide 2-20 USD/kg applied to the metal"),
              "plastics": (1000, 1250, 1500, "virgin plastics"),
              "glass": (20, 40, 60, "glass cullet"),
              "Rh": (1000 * OZ, 5000 * OZ, 20000 * OZ, "1,000-20,000 USD/oz, mean ~5,000")}
    rows = []
    for m, vals in per_t.items():
        rows += [(m, s, float(v), "", tag("IMF", "H", "USD/t")) for s, v in zip(
            ["low", "mean", "high"], vals)]
    for m, vals in per_oz.items():
        rows += [(m, s, round(v * OZ, 2), "", tag("IMF", "H", f"{v} USD/troy oz x {OZ} oz/t"))
                 for s, v in zip(["low", "mean", "high"], vals)]
    for m, (*vals, note) in market.items():
        rows += [(m, s, float(v), "", tag("MARKET", "L", note)) for s, v in zip(
            ["low", "mean", "high"], vals)]
    rows += [("other", s, 0.0, "", tag("ASSUME", "L", "'other' is not valued"))
             for s in ("low", "mean", "high")]
    order = {m: i for i, m in enumerate(MATERIALS)}
    rows.sort(key=lambda r: (order[r[0]], ["low", "mean", "high"].index(r[1])))
    write(root, "", new_parameter_workbook(
        "price", "commodity price: minimum (low), mean and maximum (high) of annual means "
        "2010-2023, nominal USD", "USD/t", [("Material", "Material"), ("Statistic", "Statistic")],
        rows, refs("IMF", "MARKET", "ASSUME"), VERSION, comment="reference years 2010-2023",
        log=log("created")))
    write(root, "", new_parameter_workbook(
        "inflation_rate", "annual inflation applied to economic value", "1/yr", [],
        [(0.02, "", tag("XU2025", "M", "the study adjusts values for 2 %/yr inflation"))],
        refs("XU2025"), VERSION, log=log("created")))


def factors(root: Path) -> None:
    energy = {"Fe": (14.0, 5.0), "Al": (47.0, 2.4), "Cu": (16.9, 6.3)}
    carbon = {"Fe": (1.67, 0.70), "Al": (8.80, 0.29), "Cu": (1.25, 0.44)}
    for name, table, unit, desc in (
            ("energy_factor", energy, "GJ/t", "energy use (MJ/kg = GJ/t)"),
            ("carbon_factor", carbon, "t CO2e/t", "carbon emission")):
        rows = [(m, r, v, "", tag("TABLE1", "H")) for m, vals in table.items()
                for r, v in zip(("primary", "secondary"), vals)]
        write(root, "", new_parameter_workbook(
            name, f"{desc} of primary and secondary production (Table 1)", unit,
            [("Material", "Material"), ("Route", "Route")], rows, refs("TABLE1"), VERSION,
            comment="Only Fe, Al and Cu are assessed, as in the study.", log=log("created")))
    write(root, "", new_parameter_workbook(
        "factor_range", "relative range of every energy and carbon factor", "1", [],
        [(0.2, "", tag("TABLE1", "H", "+-20 % on all factors"))], refs("TABLE1"), VERSION,
        log=log("created")))
    rows = []
    for y in range(1978, 2051):
        m = 1.0 if y <= 2025 else 1.0 + (0.278 - 1.0) * (y - 2025) / 25
        rows.append((y, round(m, 6), "", tag("BRIEF", "L" if y > 2025 else "M",
                    "linear from 1.0 in 2025 to 0.278 in 2050, reverse-engineered from the "
                    "study's decreasing-factor results (Supp. Tables 7-9 unavailable)")))
    write(root, "", new_parameter_workbook(
        "carbon_factor_multiplier", "decreasing-factor path: multiplier of all carbon factors",
        "1", [("Time", "Time")], rows, refs("BRIEF"), VERSION, log=log("created")))


def recycling(root: Path) -> None:
    years = range(1978, 2051)
    for sub, rate, note in (("", 1.0, "maximum potential: every end-of-life truck collected"),
                            ("current_practice", 1 / 3,
                             "about one third of ELTs enter formal recycling (the study)")):
        ref, conf = ("ASSUME", "L") if not sub else ("XU2025", "M")
        rows = [(y, g, rate) for y in years for g in TYPES]
        write(root, sub, new_parameter_workbook(
            "collection_rate", "share of end-of-life trucks entering formal recycling", "1",
            [("Time", "Time"), ("Product", "Truck_type")], rows, refs(ref), VERSION,
            comment=note, source=ref, confidence=conf, table=(["Product"], "Time"),
            log=log("created")))
    eff = {"Fe": 0.95, "Al": 0.90, "Cu": 0.85, "Mg": 0.5, "Pb": 0.95, "Zn": 0.5, "Sn": 0.5,
           "Co": 0.5, "W": 0.5, "rubber": 0.4, "plastics": 0.2, "glass": 0.2, "Dy": 0.0,
           "Nd": 0.0, "La": 0.0, "Au": 0.8, "Pt": 0.8, "Pd": 0.8, "Rh": 0.8, "Ag": 0.8,
           "other": 0.0}
    rows = [(m, 1.0, "", tag("ASSUME", "L", "maximum potential (the study)")) for m in MATERIALS]
    write(root, "", new_parameter_workbook(
        "recovery_efficiency", "share of collected material recovered", "1",
        [("Material", "Material")], rows, refs("ASSUME"), VERSION, log=log("created")))
    rows = [(m, v, "", tag("ASSUME", "L", "typical shredder/smelter yield; rare earths in "
                           "motors are not recovered today")) for m, v in eff.items()]
    write(root, "current_practice", new_parameter_workbook(
        "recovery_efficiency", "share of collected material recovered (current practice)", "1",
        [("Material", "Material")], rows, refs("ASSUME"), VERSION, log=log("created")))
    rows = [(m, 0.0, "", tag("ASSUME", "L", "secondary material goes to other markets"))
            for m in MATERIALS]
    write(root, "", new_parameter_workbook(
        "closed_loop_share", "share of secondary material used again in new trucks", "1",
        [("Material", "Material")], rows, refs("ASSUME"), VERSION, log=log("created")))


# -- targets and calibration set-ups -----------------------------------------------------------

def _t(tid, var, g, m, year, value, unit, tol, src, note=""):
    return dict(target_id=tid, variable=var, truck_type=g, material=m, year=year, value=value,
                unit=unit, tolerance=tol, source=src, note=note)


def target_rows() -> dict[str, list[dict]]:
    s = "Xu et al. 2025 via data_brief.md"
    stock = [_t("S_total_2010", "stock", "total", "", 2010, 16e6, "unit", 0.05, s + " 1"),
             _t("S_total_2020", "stock", "total", "", 2020, 30e6, "unit", 0.05, s + " 1"),
             _t("S_total_2050", "stock", "total", "", 2050, 51e6, "unit", 0.05, s + " 1"),
             _t("S_ST_2010", "stock", "ST", "", 2010, 9.1e6, "unit", 0.05, s + " 1"),
             _t("S_ST_2020", "stock", "ST", "", 2020, 21e6, "unit", 0.05, s + " 1"),
             _t("S_ST_2050", "stock", "ST", "", 2050, 37e6, "unit", 0.05, s + " 1"),
             _t("S_HT_2010", "stock", "HT", "", 2010, 4.0e6, "unit", 0.05, s + " 1"),
             _t("S_HT_2020", "stock", "HT", "", 2020, 8.4e6, "unit", 0.05, s + " 1"),
             _t("S_HT_2035", "stock", "HT", "", 2035, 13e6, "unit", 0.05, s + " 1",
                "stable at about 13 M after 2035"),
             _t("S_HT_2050", "stock", "HT", "", 2050, 13e6, "unit", 0.05, s + " 1"),
             _t("S_MT_2010", "stock", "MT", "", 2010, 2.7e6, "unit", 0.05, s + " 1"),
             _t("S_MT_2020", "stock", "MT", "", 2020, 1.1e6, "unit", 0.05, s + " 1"),
             _t("S_MT_2050", "stock", "MT", "", 2050, 500.0, "unit", 1.0, s + " 1",
                "fewer than 1 thousand: 500 +- 100 %"),
             _t("S_NT_2021", "stock", "NT", "", 2021, 23e3, "unit", 0.05, s + " 1")]
    eol = [_t(f"EOL_{g}_2010", "eol", g, "", 2010, v, "unit", 0.05, s + " 2")
           for g, v in (("MT", 322.74e3), ("ST", 663.69e3), ("HT", 17.31e3), ("NT", 15.71e3))]
    mass = [_t(f"EOLM_{g}_2010", "eol_mass", g, "", 2010, v, "t", 0.05, s + " 2",
               "NT: anomaly, see unit_weight" if g == "NT" else "")
            for g, v in (("MT", 3.2e6), ("ST", 2.3e6), ("HT", 0.3e6), ("NT", 0.1e6),
                         ("total", 5.9e6))]
    mats = {"Fe": 4.0e6, "Al": 0.3e6, "Cu": 106e3, "Mg": 30e3, "Pb": 47e3, "Zn": 3.0e3,
            "rubber": 0.3e6, "plastics": 0.4e6, "glass": 0.2e6, "Sn": 89.0, "Co": 37.0,
            "W": 156.0, "Dy": 2.3, "Nd": 21.0, "La": 39.0, "Au": 1.2, "Pt": 1.3, "Pd": 1.0,
            "Rh": 0.3, "Ag": 0.8}
    mat = [_t(f"MAT_{m}_2010", "eol_material", "total", m, 2010, v, "t", 0.05, s + " 4",
              "printed in kt; read as t" if m in ("Sn", "Co") else "") for m, v in mats.items()]
    implied = [_t(f"IMP_{m}_{y}", "eol_material", "total", m, y, v, "t", 0.10, s + " 5",
                  "back-calculated from the study's savings with Table 1 factors")
               for m, y, v in (("Fe", 2020, 14.3e6), ("Al", 2020, 1.0e6), ("Fe", 2023, 16.0e6),
                               ("Al", 2023, 1.18e6), ("Cu", 2023, 0.424e6),
                               ("Fe", 2050, 36e6), ("Al", 2050, 2.62e6),
                               ("Cu", 2050, 0.947e6))]
    return {"stock": stock, "eol": eol, "mass": mass, "mat": mat, "implied": implied}


def targets(root: Path) -> None:
    import pandas as pd

    from elt_odym.io.targets import write_targets

    rows = target_rows()
    every = pd.DataFrame([r for part in rows.values() for r in part])
    write_targets(every, root / "datasets" / "targets.xlsx", readme=(
        "Calibration figures of data_brief.md: stock anchors (section 1), end-of-life trucks "
        "in 2010 (2), materials in 2010 (4), paper-implied masses (5).\n"
        "Use: elt-odym compare --results OUT/results.csv --targets datasets/targets.xlsx"))
    free_scale = [dict(name="weibull_scale", item=g, initial=v, lower=3.0, upper=40.0,
                       note="Weibull scale of the type") for g, v in
                  (("HT", 13.94), ("MT", 11.26), ("ST", 8.92), ("NT", 8.92))]
    write_targets(pd.DataFrame(rows["eol"]), root / "datasets" / "calibration_open_data.xlsx",
                  pd.DataFrame(free_scale), readme=(
        "open_data: the Weibull scale of each type is fitted to the study's 2010 end-of-life "
        "count of that type; shapes stay at their literature values.\n"
        "elt-odym calibrate --targets datasets/calibration_open_data.xlsx --scenario "
        "literature --out datasets/open_data --force"))
    trend = [dict(name="scale_trend", item="all", initial=-0.1, lower=-1.5, upper=0.5,
                  note="log-change of the Weibull scale per decade of production"),
             dict(name="scale_trend_start", item="all", initial=2008.0, lower=2002.0,
                  upper=2020.0, note="first cohort year of the trend")]
    write_targets(pd.DataFrame(rows["eol"] + rows["implied"]),
                  root / "datasets" / "calibration_paper.xlsx",
                  pd.DataFrame(free_scale + trend), readme=(
        "paper_calibrated: Weibull scales per type plus a cohort trend of the scale (newer "
        "trucks retire earlier: 2013 scrapping rules, heavier use), fitted to the 2010 "
        "end-of-life counts and the paper-implied Fe, Al, Cu masses of 2020, 2023 and 2050.\n"
        "elt-odym calibrate --targets datasets/calibration_paper.xlsx --scenario literature "
        "--out datasets/paper_calibrated --force"))


def main(root: Path) -> None:
    (root / "classification").mkdir(parents=True, exist_ok=True)
    write_classification_master(classification_master(),
                                root / "classification" / f"{VERSION}.xlsx")
    for step in (stocks, lifetimes, weights, composition, prices, factors, recycling, targets):
        step(root)


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__))
