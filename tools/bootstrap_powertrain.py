"""Write the powertrain and traction-battery data (issue 15) through the odym_io API.

Re-runnable: it reads the classification master and the material-indexed workbooks, appends
what is missing (new classifications, new materials with zero truck content, new rows) keeping
every existing value and its provenance, and (over)writes the workbooks of the powertrain
extension. Every number carries its ref id and confidence (H, M, L); the sources are those of
``REFS`` below (CV World, ICCT, UC Davis, BatPaC, CABIA, MIIT, USGS, ...; ref ``PTBRIEF`` names
the project's compiled notes of these sources, which are not part of the repository) or a named
assumption (ref ``ASSUME_PT``, confidence L, with its range in the comment).

Usage: python tools/bootstrap_powertrain.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import math
import sys
from pathlib import Path

import numpy as np

from elt_odym.io.classification import (
    Classification,
    read_classification_master,
    write_classification_master,
)
from elt_odym.io.workbook import (
    Record,
    new_parameter_workbook,
    read_parameter_workbook,
    write_parameter_workbook,
)

TODAY = datetime.date(2026, 11, 29).isoformat()
TYPES = ["HT", "MT", "ST", "NT"]
POWERTRAINS = ["diesel", "natural_gas", "BEV", "FCEV", "PHEV"]
CHEMISTRIES = ["LFP", "NMC811", "NMC622"]
NEW_MATERIALS = ["Li", "Ni", "Mn", "graphite", "P", "carbon_fibre"]
YEARS = list(range(1978, 2051))
STATS = ["low", "mean", "high"]
LCE_PER_LI = 73.891 / (2 * 6.941)
"""t Li2CO3 per t Li (molar masses): converts prices and factors per t LCE to per t Li."""

REFS = {
    "PTBRIEF": ("Powertrain brief of elt-odym (powertrain_brief.md), collecting the sources "
                "named in each value's comment", "M"),
    "CVWORLD": ("CV World (cvworld.cn) via redplanx, CnEVPost, electrive: new-energy heavy "
                "trucks 2024 >82,000 (13.6 %), 2025 231,100 (~29 %)", "M"),
    "ICCT": ("ICCT market spotlights 2023, H1-2024, Mar 2025 and 'Leading cities for NECVs "
             "2024'; ICCT blog Aug 2023 (pack sizes)", "M"),
    "UCDAVIS": ("UC Davis ITS China Center: NEV share of freight-vehicle sales ~2 % (2020) to "
                "~20 % (2025); NE light trucks Jan-Sep 2025 ~27 %", "M"),
    "CHINATRUCKS": ("chinatrucks.com, Sep 2022: ~10,400 NE heavy trucks in 2021, 12 % FCEV",
                    "M"),
    "WOODMAC": ("Wood Mackenzie: LNG trucks <=30 % of HDT sales (late 2023)", "M"),
    "ROADMAP": ("China-SAE Technology Roadmap 2.0 (2020): NEV >50 % of sales by 2035, ~1 M "
                "FCVs by 2035; Roadmap 3.0 (2025): NEV >80 % by 2040", "M"),
    "CALSTART": ("Global MOU on zero-emission MHDVs (globaldrivetozero.org): 30 % ZE by 2030, "
                 "100 % by 2040", "M"),
    "BATPAC": ("BatPaC 5.1 default material intensities via P. Busch, github "
               "pmbusch/Critical-Minerals-EV, Data/Demand Model/Mineral_Intensity.xlsx", "M"),
    "CABIA": ("CABIA 2024: installed traction batteries in China 548.4 GWh, LFP 74.6 %, "
              "ternary 25.3 %", "H"),
    "MIIT2024": ("MIIT specification for the comprehensive utilisation of waste traction "
                 "batteries (23 Dec 2024): Li recovery >=90 %, electrode powder >=98 %", "H"),
    "WARRANTY": ("Traction battery warranty rule >=8 yr / 120,000 km (since 2016), via "
                 "nenpower blog", "M"),
    "LIU_LCE": ("Liu et al., ACS Sustain. Chem. Eng.: Li2CO3 made in China 12.6 t CO2e/t",
                "H"),
    "MISTRY2016": ("Mistry et al. 2016, Int J LCA: class-1 nickel 147 MJ/kg", "H"),
    "USGS_LI": ("USGS Mineral Commodity Summaries, lithium carbonate prices 2015-2022", "H"),
    "WB_NI": ("World Bank Pink Sheet / incorrys: LME nickel ~8,300 USD/t (2016 low), 21,521 "
              "(2023 average), ~16,300 (Jul 2024)", "M"),
    "FASTMARKETS": ("Fastmarkets 2023-2024: spherical graphite China FOB 2,000-2,800 USD/t",
                    "M"),
    "TABLE1": ("Table 1 of Xu et al. (2025): energy use and carbon emission factors", "H"),
    "FCSYS": ("Beiben/Xinhua; H2 Bulletin: fuel-cell heavy-truck systems 100-150 kW", "M"),
    "ASSUME_PT": ("Assumption of elt-odym for the powertrain extension (no source found in "
                  "the powertrain brief); value and range in the comment; replace when "
                  "sourced", "L"),
}


def refs(*ids: str) -> list[dict]:
    """``ref`` sheet rows of the given ids."""
    return [{"ref_id": i, "source": REFS[i][0], "confidence": REFS[i][1], "note": ""}
            for i in ids]


def tag(ref: str, conf: str, text: str = "") -> str:
    return f"[{ref}|{conf}] {text}".strip()


def log(change: str) -> list[dict]:
    return [{"date": TODAY, "author": "tools/bootstrap_powertrain.py", "change": change}]


def interp(anchors: dict[int, float], year: int) -> float:
    """Linear interpolation between anchor years, constant outside them."""
    xs = sorted(anchors)
    return float(np.interp(year, xs, [anchors[x] for x in xs]))


# -- classification -------------------------------------------------------------------------------

def classification(root: Path) -> str:
    """Add the Powertrain and Chemistry classifications and the battery materials; return the
    classification version."""
    path = root / "classification" / "ELT_Classification_Master.xlsx"
    master = read_classification_master(path)
    materials = master["Material"].items
    materials += [m for m in NEW_MATERIALS if m not in materials]
    for name, items, desc in (
            ("Powertrain", POWERTRAINS, "truck powertrains: diesel (reference), natural gas, "
             "battery-electric, fuel-cell electric, plug-in hybrid / range-extended"),
            ("Chemistry", CHEMISTRIES, "traction battery cell chemistries (BatPaC 5.1)")):
        cls = Classification(name, name, list(items), desc, str(len(master.classifications)
                                                                 + 1), reference="elt-odym")
        cls.meta = {"created": TODAY, "modified": TODAY}
        master.classifications[name] = master.classifications.get(name, cls)
        master.classifications[name].items = list(items)
    write_classification_master(master, path)
    return master.version


# -- new materials in the existing material-indexed workbooks -------------------------------------

def _extend(path: Path, rows: list[tuple], ref_ids: tuple[str, ...]) -> None:
    """Append the records of ``rows`` (``(*index, value, comment)``) whose index is missing."""
    pw = read_parameter_workbook(path)
    have = {r.index for r in pw.records}
    nom, den = (pw.unit.split("/", 1) + [""])[:2]
    n = len(pw.aspects)
    new = [Record(index=tuple(r[:n]), value=r[n], unit_nominator=nom, unit_denominator=den,
                  comment=r[n + 1]) for r in rows if tuple(r[:n]) not in have]
    if not new:
        return
    pw.records += new
    pw.refs += [r for r in refs(*ref_ids) if r["ref_id"] not in pw.ref_ids()]
    pw.log += log(f"added battery materials {sorted({r.index for r in new})[:3]}...")
    write_parameter_workbook(pw, path)


def extend_material_workbooks(root: Path) -> None:
    """Rows for the new materials: no truck content, prices, recovery, no closed loop."""
    ds = root / "datasets"
    no_content = "traction-battery material: counted in the traction chain, not in the truck"
    _extend(ds / "material_composition.xlsx",
            [(g, m, 0.0, tag("ASSUME_PT", "L", no_content)) for g in TYPES
             for m in NEW_MATERIALS], ("ASSUME_PT",))
    _extend(ds / "price.xlsx", [(m, s, v, c) for m, s, v, c in price_rows()],
            tuple(REFS))
    if (ds / "valuation_secondary" / "price.xlsx").is_file():  # issue 11's scrap-price basis
        _extend(ds / "valuation_secondary" / "price.xlsx",
                [(m, s, v, c + " (no scrap price found: commodity price, an upper bound)")
                 for m, s, v, c in price_rows()], tuple(REFS))
    _extend(ds / "recovery_efficiency.xlsx",
            [(m, 1.0, tag("ASSUME_PT", "L", "maximum potential")) for m in NEW_MATERIALS],
            ("ASSUME_PT",))
    _extend(ds / "current_practice" / "recovery_efficiency.xlsx",
            [(m, v, c) for m, (v, c) in battery_recovery().items() if m in NEW_MATERIALS],
            tuple(REFS))
    _extend(ds / "closed_loop_share.xlsx",
            [(m, 0.0, tag("ASSUME_PT", "L", "secondary material goes to other markets"))
             for m in NEW_MATERIALS], ("ASSUME_PT",))


def price_rows() -> list[tuple]:
    """Prices of the new materials, USD/t of element (low, mean, high)."""
    lce = (6500.0, float(np.mean([6500, 8650, 15000, 16500, 11700, 8400, 12600, 37000])),
           37000.0)
    out = [("Li", s, round(v * LCE_PER_LI, 1), tag(
        "USGS_LI", "H", f"{v:,.0f} USD/t Li2CO3 (2015 low, mean of 2015-2022 with 2018 = "
        f"16,500, 2022 high) x {LCE_PER_LI:.4f} t Li2CO3/t Li")) for s, v in zip(STATS, lce)]
    out += [("Ni", s, v, tag("WB_NI", "M", n)) for s, v, n in (
        ("low", 8300.0, "2016 low"), ("mean", 16300.0, "Jul 2024 level"),
        ("high", 21521.0, "2023 average"))]
    out += [("graphite", s, v, tag("FASTMARKETS", "M", "spherical graphite, China FOB"))
            for s, v in zip(STATS, (2000.0, 2400.0, 2800.0))]
    out += [("Mn", s, v, tag("ASSUME_PT", "L", "electrolytic manganese metal, typical "
                             "2018-2024 range 1,800-2,800 USD/t (not in the brief)"))
            for s, v in zip(STATS, (1800.0, 2200.0, 2800.0))]
    out += [("P", s, v, tag("ASSUME_PT", "L", "yellow phosphorus, typical range 2,500-3,500 "
                            "USD/t (not in the brief)")) for s, v in zip(STATS,
                                                                        (2500.0, 3000.0, 3500.0))]
    out += [("carbon_fibre", s, 0.0, tag("ASSUME_PT", "L", "no secondary market: not valued"))
            for s in STATS]
    return out


def battery_recovery() -> dict[str, tuple[float, str]]:
    """Recovery efficiency of collected traction material by material."""
    out = {"Li": (0.90, tag("MIIT2024", "H", "Li recovery >=90 % (was 85 %)"))}
    for m in ("Ni", "Co", "Mn"):
        out[m] = (0.98, tag("ASSUME_PT", "L", "2019 specification >=98 % (general knowledge, "
                            "unverified in the brief); range 0.95-0.99"))
    for m, v in (("Cu", 0.95), ("Al", 0.90), ("Fe", 0.90)):
        out[m] = (v, tag("ASSUME_PT", "L", "pack housing and foils, shredding and sorting; "
                         "range 0.85-0.98"))
    out["Pt"] = (0.90, tag("ASSUME_PT", "L", "fuel-cell stack platinum; range 0.8-0.95"))
    for m in ("graphite", "P", "carbon_fibre"):
        out[m] = (0.0, tag("ASSUME_PT", "L", "not recovered by today's hydrometallurgical "
                           "routes (anode graphite burnt or landfilled, phosphate residue); "
                           "range 0-0.5"))
    return out


# -- powertrain shares ------------------------------------------------------------------------------

# History 2015-2025: (new-energy share of sales, natural-gas share, (BEV, FCEV, PHEV) split of
# new energy), each with ref and confidence. Before 2015 every truck is diesel (ASSUME_PT).
H = "ASSUME_PT"
HISTORY = {
    "HT": {2015: (0.001, 0.05, (1, 0, 0), H, "NE negligible; NG ~5 % (LNG trucks; unsourced)"),
           2019: (0.003, 0.05, (1, 0, 0), H, "NE negligible; NG ~5 %"),
           2020: (0.005, 0.05, (0.9, 0.1, 0), H, "NE below the ~2 % of all freight vehicles "
                  "(UC Davis)"),
           2021: (0.0075, 0.05, (0.88, 0.12, 0), "CHINATRUCKS",
                  "~10,400 NE HDT of ~1.39 M HDT sales (CAAM total: general knowledge), 12 % "
                  "FCEV"),
           2022: (0.035, 0.10, (0.92, 0.08, 0), "ICCT",
                  "24,075 BEV medium+heavy (Interact Analysis) of ~0.67 M; NG 10 % assumed"),
           2023: (0.037, 0.30, (0.94, 0.06, 0), "WOODMAC",
                  "~34,000 NE HDT (brief section 3) of ~0.91 M; NG <=30 % (Wood Mackenzie); "
                  "FCEV 6 % of ZE-HDV (ICCT)"),
           2024: (0.136, 0.32, (0.94, 0.05, 0.01), "CVWORLD",
                  "NE 13.6 %, BEV 94 % of NE (CV World); NG 35 % in H1 (ICCT), 32 % full "
                  "year assumed"),
           2025: (0.29, 0.25, (0.88, 0.02, 0.10), "CVWORLD",
                  "NE incl. PHEV/EREV ~29 % (CV World); NG 25 %, PHEV/EREV 10 % and FCEV 2 % "
                  "of NE assumed (~5,400 FCEV in 2024-25, CAAM)")},
    "MT": {2015: (0.002, 0.02, (1, 0, 0), H, "NE negligible; NG 2 % assumed"),
           2020: (0.01, 0.02, (0.97, 0.03, 0), H, "interpolated to the 2024 figure"),
           2022: (0.03, 0.02, (0.97, 0.03, 0), H, "interpolated"),
           2023: (0.06, 0.02, (0.97, 0.03, 0), H, "interpolated"),
           2024: (0.13, 0.02, (0.97, 0.03, 0), "ICCT", "BEV 13 % of medium trucks (ICCT, Mar "
                  "2025; UC Davis gives ~5 % all-NEV), FCEV <1 %"),
           2025: (0.18, 0.02, (0.97, 0.03, 0), H, "continued growth assumed (no 2025 figure)")},
    "ST": {2015: (0.01, 0.0, (1, 0, 0), H, "early electric logistics vans; range 0.5-2 %"),
           2020: (0.02, 0.0, (0.95, 0.01, 0.04), "UCDAVIS", "NEV ~2 % of freight vehicles"),
           2021: (0.04, 0.0, (0.95, 0.01, 0.04), H, "interpolated"),
           2022: (0.08, 0.0, (0.95, 0.01, 0.04), H, "interpolated"),
           2023: (0.142, 0.0, (0.95, 0.01, 0.04), "ICCT", "NE light-duty CV segment 14.2 %"),
           2024: (0.222, 0.0, (0.95, 0.01, 0.04), "ICCT", "NE light-duty CV segment 22.2 %"),
           2025: (0.27, 0.0, (0.95, 0.01, 0.04), "UCDAVIS", "NE light trucks Jan-Sep 2025 "
                  "~27 %; split BEV 95 / FCEV 1 / EREV 4 % assumed")},
}
HISTORY["NT"] = {y: v[:3] + (H, "mini trucks taken as light trucks: " + v[4])
                 for y, v in HISTORY["ST"].items()}

# Scenario anchors of the new-energy share of sales (heavy/medium, light/mini).
PATHS = {
    "low": {"heavy": {2030: 0.35, 2035: 0.50, 2040: 0.55, 2050: 0.70},
            "light": {2030: 0.40, 2035: 0.50, 2040: 0.60, 2050: 0.75},
            "note": "slow: growth well below 2025's pace; China-SAE Roadmap 2.0 (NEV >50 % of "
                    "sales by 2035) read as reached, not exceeded"},
    "central": {"heavy": {2030: 0.55, 2035: 0.70, 2040: 0.80, 2050: 0.90},
                "light": {2030: 0.55, 2035: 0.70, 2040: 0.80, 2050: 0.95},
                "note": "Roadmap 3.0 (NEV >80 % by 2040) reached in 2040; 2025's December "
                        "heavy-truck share (53.9 %) reached as the annual share by 2030"},
    "high": {"heavy": {2030: 0.70, 2040: 1.00, 2050: 1.00},
             "light": {2030: 0.70, 2040: 1.00, 2050: 1.00},
             "note": "Global MOU (CALSTART): 100 % zero emission by 2040 (reached, with a few "
                     "% PHEV), 2030 above its 30 %"},
}
SPLIT_FUTURE = {"heavy": {2035: (0.85, 0.10, 0.05), 2050: (0.85, 0.15, 0.0)},
                "light": {2035: (0.97, 0.01, 0.02), 2050: (0.99, 0.01, 0.0)}}
"""(BEV, FCEV, PHEV) of new energy: heavy FCEV to 10 % by 2035 (Roadmap 2.0's ~1 M FCVs, most
of them trucks, ASSUME_PT) and 15 % by 2050; PHEV/EREV fading out by 2050 (ASSUME_PT)."""


def _split(g: str, year: int, hist: dict) -> np.ndarray:
    group = "heavy" if g in ("HT", "MT") else "light"
    last = max(hist)
    anchors = {y: np.array(v[2], float) for y, v in hist.items()}
    anchors.update({y: np.array(v) for y, v in SPLIT_FUTURE[group].items()})
    xs = sorted(anchors)
    out = np.array([np.interp(year, xs, [anchors[x][i] for x in xs]) for i in range(3)])
    return out / out.sum() if year > last else out


def share_rows(path: str | None) -> list[tuple]:
    """``(year, type, powertrain, share, stats, comment)`` for every year, type, powertrain;
    ``path`` None: the 2025 shares held (no further electrification)."""
    rows = []
    for g in TYPES:
        hist = HISTORY[g]
        last = max(hist)
        group = "heavy" if g in ("HT", "MT") else "light"
        ng_ratio = hist[last][1] / (1.0 - hist[last][0])
        for y in YEARS:
            if y < min(hist):
                ne, ng, ref, conf, note = 0.0, 0.0, H, "L", "no NE or NG trucks before 2015"
            elif y <= last or path is None:
                yy = min(y, last)
                ne = interp({k: v[0] for k, v in hist.items()}, yy)
                ng = interp({k: v[1] for k, v in hist.items()}, yy)
                src = hist.get(yy)
                ref, note = (src[3], src[4]) if src else (H, "interpolated between sources")
                conf = "M" if ref != H else "L"
                if y > last:
                    ref, conf, note = H, "L", "2025 shares held (reference: no further change)"
            else:
                p = PATHS[path]
                ne = interp({last: hist[last][0], **p[group]}, y)
                ng = ng_ratio * (1.0 - ne)
                ref, conf = ("ROADMAP" if path != "high" else "CALSTART",
                             "L")
                note = f"{path} path: {p['note']}; NG keeps its 2025 share of ICE sales"
            bev, fc, ph = ne * _split(g, y, hist)
            values = {"diesel": 1.0 - ne - ng, "natural_gas": ng, "BEV": bev, "FCEV": fc,
                      "PHEV": ph}
            rows += [(y, g, pt, round(values[pt], 8), "", tag(ref, conf, note))
                     for pt in POWERTRAINS]
    return _fix_rounding(rows)


def _fix_rounding(rows: list[tuple]) -> list[tuple]:
    """Make diesel the exact complement of the rounded other shares."""
    out, others = [], {}
    for r in rows:
        if r[2] != "diesel":
            others[(r[0], r[1])] = others.get((r[0], r[1]), 0.0) + r[3]
    for r in rows:
        if r[2] == "diesel":
            r = (r[0], r[1], r[2], round(1.0 - others[(r[0], r[1])], 8)) + r[4:]
        out.append(r)
    return out


def write_shares(root: Path, version: str) -> None:
    ids = ("CVWORLD", "ICCT", "UCDAVIS", "CHINATRUCKS", "WOODMAC", "ROADMAP", "CALSTART",
           "ASSUME_PT")
    targets = {None: root / "datasets", "low": root / "datasets" / "electrification" / "low",
               "central": root / "datasets" / "electrification" / "central",
               "high": root / "datasets" / "electrification" / "high"}
    for path, folder in targets.items():
        folder.mkdir(parents=True, exist_ok=True)
        desc = ("share of each powertrain in new trucks: history 2015-2025, then "
                + (f"the {path} electrification path" if path else "2025 shares held"))
        write_parameter_workbook(new_parameter_workbook(
            "powertrain_share", desc, "1", [("Time", "Time"), ("Product", "Truck_type"),
                                            ("Powertrain", "Powertrain")],
            share_rows(path), refs(*ids), version, log=log("created"),
            comment="NE = BEV + FCEV + PHEV. Heavy: CAAM >14 t; MT and ST after ICCT's "
                    "medium and light-duty segments; NT taken as ST (assumption)."),
            folder / "powertrain_share.xlsx")


# -- battery data ---------------------------------------------------------------------------------

CAPACITY = {  # (type, powertrain): ({year: kWh}, ref, conf, note, relative range)
    ("HT", "BEV"): ({2021: 282, 2022: 282, 2023: 385, 2025: 423, 2030: 500, 2050: 600},
                    "ICCT", "M", "common LFP packs 282/350/423 kWh (ICCT); 2023 385 kWh = 13.2 "
                    "GWh / ~34,000 NE HDT (derived, L); 2030 500 and 2050 600 kWh assumed (L)",
                    0.25),
    ("HT", "FCEV"): ({2020: 100}, H, "L", "buffer pack of a fuel-cell heavy truck; 50-150 kWh",
                     0.5),
    ("HT", "PHEV"): ({2020: 150}, H, "L", "range-extender heavy truck; 100-200 kWh", 0.33),
    ("MT", "BEV"): ({2020: 200, 2030: 250, 2050: 300}, H, "L",
                    "between light and heavy packs; 150-300 kWh", 0.33),
    ("MT", "FCEV"): ({2020: 60}, H, "L", "buffer pack; 30-90 kWh", 0.5),
    ("MT", "PHEV"): ({2020: 80}, H, "L", "40-120 kWh", 0.5),
    ("ST", "BEV"): ({2020: 80}, "PTBRIEF", "L", "light e-truck ~40-110 kWh (general "
                    "knowledge, unverified)", 0.35),
    ("ST", "FCEV"): ({2020: 30}, H, "L", "buffer pack; 15-45 kWh", 0.5),
    ("ST", "PHEV"): ({2020: 30}, H, "L", "15-45 kWh", 0.5),
    ("NT", "BEV"): ({2020: 40}, "PTBRIEF", "L", "mini e-truck, low end of ~40-110 kWh", 0.35),
    ("NT", "FCEV"): ({2020: 20}, H, "L", "10-30 kWh", 0.5),
    ("NT", "PHEV"): ({2020: 20}, H, "L", "10-30 kWh", 0.5),
}


def capacity_rows() -> list[tuple]:
    rows = []
    for y in YEARS:
        for g in TYPES:
            for pt in POWERTRAINS:
                if (g, pt) not in CAPACITY:
                    rows.append((y, g, pt, 0.0, "", tag(H, "L", "no traction pack")))
                    continue
                path, ref, conf, note, rel = CAPACITY[(g, pt)]
                v = round(interp(path, y), 3)
                rows.append((y, g, pt, v, f"4;{v * (1 - rel):.4g};{v * (1 + rel):.4g}",
                             tag(ref, conf, note)))
    return rows


CHEMISTRY = {2017: (0.70, 0.00, 0.30), 2020: (0.75, 0.05, 0.20), 2021: (0.90, 0.05, 0.05),
             2025: (0.90, 0.05, 0.05), 2030: (0.90, 0.08, 0.02), 2050: (0.90, 0.08, 0.02)}
CHEMISTRY_NOTE = {2017: "early commercial vehicles: LFP with NMC111/523 (counted as NMC622)",
                  2020: "interpolated", 2021: "LFP dominates heavy trucks (ICCT); China all "
                  "EVs 2024: LFP 74.6 % (CABIA), trucks higher (assumption)",
                  2025: "as 2021", 2030: "ternary shifts to NMC811 (assumption)",
                  2050: "held (assumption; LMFP, sodium-ion not sourced)"}


def chemistry_rows() -> list[tuple]:
    rows = []
    for y in YEARS:
        values = [round(interp({k: v[i] for k, v in CHEMISTRY.items()}, y), 6)
                  for i in range(3)]
        values[0] = round(1.0 - sum(values[1:]), 6)  # LFP the complement: sums to 1 exactly
        anchor = max([k for k in CHEMISTRY if k <= y], default=min(CHEMISTRY))
        ref, conf = ("ICCT", "M") if anchor in (2021, 2025) else (H, "L")
        rows += [(y, k, v, "", tag(ref, conf, CHEMISTRY_NOTE[anchor]))
                 for k, v in zip(CHEMISTRIES, values)]
    return rows


INTENSITY = {  # kg/kWh: Li, Ni, Co, Mn, P, graphite, Cu, Al (BatPaC 5.1)
    "NMC811": dict(Li=0.100, Ni=0.658, Co=0.083, Mn=0.077, graphite=0.924, Cu=0.370, Al=0.555),
    "NMC622": dict(Li=0.110, Ni=0.546, Co=0.183, Mn=0.170, graphite=0.910, Cu=0.388, Al=0.572),
    "LFP": dict(Li=0.091, P=0.392, graphite=0.985, Cu=0.551, Al=0.725),
}
PACK_STEEL = (0.94 + 1.08) / 2 + (0.34 + 0.41) / 2
"""kg/kWh of steel (0.94-1.08) and stainless steel (0.34-0.41) in a pack, mid-range, counted
as Fe (stainless steel's Cr and Ni not split: an approximation)."""
FE_PER_P = 55.845 / 30.974
"""Molar ratio Fe/P of LiFePO4 (LFP's Fe derived from its P at 1:1 molar)."""


def intensity_rows(materials: list[str]) -> list[tuple]:
    rows = []
    for k in CHEMISTRIES:
        for m in materials:
            v = INTENSITY[k].get(m, 0.0)
            note, ref, conf = "BatPaC 5.1 default", "BATPAC", "M"
            if m == "Fe":
                v = PACK_STEEL + (INTENSITY[k].get("P", 0.0) * FE_PER_P)
                note = ("pack steel 0.94-1.08 + stainless 0.34-0.41 kg/kWh (mid-range, BatPaC)"
                        + (" + cathode Fe from P at 1:1 molar (brief, L)" if k == "LFP" else ""))
                conf = "L" if k == "LFP" else "M"
            elif m not in INTENSITY[k]:
                note = "not in this chemistry (or not in BatPaC's list)"
            rows.append((k, m, round(v, 6), "", tag(ref, conf, note)))
    return rows


def _put(root: Path, version: str, name: str, desc: str, unit: str, aspects: list,
         rows: list[tuple], ids: tuple[str, ...], **kw) -> None:
    """Write one parameter workbook into ``datasets/``."""
    write_parameter_workbook(new_parameter_workbook(name, desc, unit, aspects, rows, refs(*ids),
                                                    version, log=log("created"), **kw),
                             root / "datasets" / f"{name}.xlsx")


def write_battery(root: Path, version: str, materials: list[str]) -> None:
    """Pack capacity, chemistry, intensity, recovery; then lifetimes, factors, fuel cell."""
    def put(*args, **kw):
        _put(root, version, *args, **kw)

    put("battery_capacity", "capacity of a new traction pack by production year, type and "
        "powertrain", "kWh/unit", [("Time", "Time"), ("Product", "Truck_type"),
                                   ("Powertrain", "Powertrain")], capacity_rows(),
        ("ICCT", "PTBRIEF", "ASSUME_PT"), uncertainty="uniform over the stated range")
    put("battery_chemistry_share", "cell chemistry mix of new truck packs (capacity shares)",
        "1", [("Time", "Time"), ("Chemistry", "Chemistry")], chemistry_rows(),
        ("ICCT", "CABIA", "ASSUME_PT"))
    put("battery_material_intensity", "material per kWh of pack by chemistry", "kg/kWh",
        [("Chemistry", "Chemistry"), ("Material", "Material")], intensity_rows(materials),
        ("BATPAC",), comment="Graphite and Cu/Al foils per BatPaC; electrolyte, separator and "
        "binder not counted.")
    rec = battery_recovery()
    put("battery_recovery_efficiency", "share of collected traction material recovered", "1",
        [("Material", "Material")],
        [(m, *((rec[m][0], "", rec[m][1]) if m in rec else
               (0.0, "", tag(H, "L", "not in traction components")))) for m in materials],
        ("MIIT2024", "ASSUME_PT"))
    write_lifetimes(root, version)
    write_factors(root, version)
    write_fuel_cell(root, version)


def write_lifetimes(root: Path, version: str) -> None:
    """Weibull lifetime of a pack by type; second-life share and duration."""
    def put(*args, **kw):
        _put(root, version, *args, **kw)

    mean = {"HT": 8.0, "MT": 9.0, "ST": 10.0, "NT": 10.0}
    shape = 3.0
    put("battery_lifetime_shape", "Weibull shape of the traction pack lifetime", "1",
        [("Product", "Truck_type")], [(g, shape, "4;2;5", tag(H, "L", "assumed; range 2-5"))
                                      for g in TYPES], ("ASSUME_PT",))
    rows = []
    for g in TYPES:
        eta = round(mean[g] / math.gamma(1 + 1 / shape), 4)
        lo, hi = ((mean[g] - 2) / math.gamma(1 + 1 / shape), (mean[g] + 4) / math.gamma(
            1 + 1 / shape))
        rows.append((g, eta, f"4;{lo:.4g};{hi:.4g}", tag(H, "L", (
            f"mean {mean[g]} yr (range {mean[g] - 2}-{mean[g] + 4}); the >=8 yr warranty "
            "(WARRANTY, M) bounds it from below for light use; heavy trucks cycle more"))))
    put("battery_lifetime_scale", "Weibull scale of the traction pack lifetime", "yr",
        [("Product", "Truck_type")], rows, ("ASSUME_PT", "WARRANTY"))
    put("second_life_share", "share of retired packs reused in second life", "1",
        [("Time", "Time")], [(y, 0.2, "4;0.05;0.4", tag(H, "L", (
            "assumed 20 % (range 5-40 %); MIIT 2024 requires cascade-use firms to reuse >=60 % "
            "of their intake by weight (H), the share of packs entering cascade use is "
            "not sourced"))) for y in YEARS], ("ASSUME_PT", "MIIT2024"))
    put("second_life_shape", "Weibull shape of the second-life duration", "1", [],
        [(2.5, "4;1.5;4", tag(H, "L", "assumed"))], ("ASSUME_PT",))
    put("second_life_scale", "Weibull scale of the second-life duration", "yr", [],
        [(round(6.0 / math.gamma(1 + 1 / 2.5), 4), "4;3.4;11.3",
          tag(H, "L", "mean 6 yr assumed (range 3-10 yr)"))], ("ASSUME_PT",))


def write_factors(root: Path, version: str) -> None:
    """Primary and secondary energy and carbon factors of battery materials."""
    sec = 0.4
    note_sec = (f"secondary = {sec:g} x primary (hydrometallurgical recycling; assumption, range "
                "0.2-0.6)")
    energy = {"Fe": (14.0, 5.0, "TABLE1", "H", ""), "Al": (47.0, 2.4, "TABLE1", "H", ""),
              "Cu": (16.9, 6.3, "TABLE1", "H", ""),
              "Li": (round(200 * LCE_PER_LI, 2), None, H, "L",
                     "200 GJ/t Li2CO3 (spodumene route, assumption, range 100-250)"),
              "Ni": (147.0, None, "MISTRY2016", "H", "class-1 nickel 147 MJ/kg"),
              "Co": (130.0, None, H, "L", "assumption, range 100-200"),
              "Mn": (55.0, None, H, "L", "electrolytic Mn, assumption, range 40-80"),
              "graphite": (100.0, None, H, "L", "synthetic graphite, assumption, range 50-150")}
    carbon = {"Fe": (1.67, 0.70, "TABLE1", "H", ""), "Al": (8.80, 0.29, "TABLE1", "H", ""),
              "Cu": (1.25, 0.44, "TABLE1", "H", ""),
              "Li": (round(12.6 * LCE_PER_LI, 3), None, "LIU_LCE", "H",
                     f"12.6 t CO2e/t Li2CO3 made in China x {LCE_PER_LI:.4f}"),
              "Ni": (13.0, None, H, "L", "class-1 nickel, assumption, range 8-20"),
              "Co": (10.0, None, H, "L", "assumption, range 6-15"),
              "Mn": (7.0, None, H, "L", "electrolytic Mn (coal power), assumption, range 4-10"),
              "graphite": (5.0, None, H, "L", "synthetic graphite, assumption, range 3-10")}
    for name, table, unit in (("battery_energy_factor", energy, "GJ/t"),
                              ("battery_carbon_factor", carbon, "t CO2e/t")):
        rows = []
        for m, (fp, fs, ref, conf, note) in table.items():
            rows.append((m, "primary", fp, "", tag(ref, conf, note)))
            rows.append((m, "secondary", fs if fs is not None else round(sec * fp, 4), "",
                         tag(ref, conf, "") if fs is not None else tag(H, "L", note_sec)))
        write_parameter_workbook(new_parameter_workbook(
            name, f"{unit} of primary and secondary production of battery materials", unit,
            [("Material", "Material"), ("Route", "Route")], rows,
            refs("TABLE1", "LIU_LCE", "MISTRY2016", "ASSUME_PT"), version, log=log("created"),
            comment="Fe, Al, Cu as the study's Table 1; graphite and P are not recovered, so "
                    "P carries no factor."),
            root / "datasets" / f"{name}.xlsx")


def write_fuel_cell(root: Path, version: str) -> None:
    ds = root / "datasets"
    power = {"HT": (120.0, "FCSYS", "M", "100-150 kW"), "MT": (80.0, H, "L", "60-100 kW"),
             "ST": (50.0, H, "L", "30-70 kW"), "NT": (30.0, H, "L", "20-40 kW")}
    write_parameter_workbook(new_parameter_workbook(
        "fuel_cell_power", "fuel-cell system power of a fuel-cell truck", "kW/unit",
        [("Product", "Truck_type")], [(g, v, "", tag(r, c, n)) for g, (v, r, c, n) in
                                      power.items()], refs("FCSYS", "ASSUME_PT"), version,
        log=log("created")), ds / "fuel_cell_power.xlsx")
    write_parameter_workbook(new_parameter_workbook(
        "fuel_cell_pt_loading", "platinum per kW of fuel-cell stack", "g/kW", [],
        [(0.3, "4;0.2;0.4", tag(H, "L", "truck g/kW not found; 0.2-0.4 (unverified, brief); "
                                "Mirai ~14 g per stack"))], refs("ASSUME_PT"), version,
        log=log("created")), ds / "fuel_cell_pt_loading.xlsx")
    tank = {"HT": 0.30, "MT": 0.15, "ST": 0.08, "NT": 0.04}
    write_parameter_workbook(new_parameter_workbook(
        "hydrogen_tank_mass", "carbon fibre in the hydrogen tanks of a fuel-cell truck",
        "t/unit", [("Product", "Truck_type")],
        [(g, v, f"4;{v / 2:g};{v * 1.5:g}", tag(H, "L", (
            "350-700 bar Type III/IV tanks (M); carbon fibre per tank not found: assumed, range "
            "0.5-1.5 x"))) for g, v in tank.items()], refs("ASSUME_PT"), version,
        log=log("created")), ds / "hydrogen_tank_mass.xlsx")


def main(root: Path) -> None:
    version = classification(root)
    materials = read_classification_master(
        root / "classification" / "ELT_Classification_Master.xlsx")["Material"].items
    extend_material_workbooks(root)
    write_shares(root, version)
    write_battery(root, version, materials)


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__))
