"""Write the inputs of the best-estimate scenario (re-runnable; issue 11).

Writes, through the ``odym_io`` API only:

- ``datasets/legal_max_age.xlsx``: the legal maximum age per truck type (Order No. 12 [2012]);
- ``datasets/valuation_secondary/price.xlsx``: secondary-market (scrap) prices (assumptions);
- ``datasets/decarbonisation_routes/carbon_factor_path.xlsx``: separate primary and secondary
  decarbonisation paths (assumptions);
- ``datasets/calibration_best_estimate.xlsx``: targets (the study's 2010 end-of-life counts and
  independent sales figures: CAAM, CATARC, Research & Markets and CV World, each named in the
  workbook's ``ref`` sheet) and free parameters.

Then calibrate (writes ``datasets/best_estimate/``)::

    elt-odym calibrate --targets datasets/calibration_best_estimate.xlsx \\
        --scenario best_estimate_literature --out datasets/best_estimate --force

Usage: python tools/build_best_estimate.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pandas as pd

from elt_odym.io.targets import write_targets
from elt_odym.io.workbook import new_parameter_workbook, write_parameter_workbook

VERSION = "ELT_Classification_Master"
"""The classification version: ODYM names a master by its file name (issue 16)."""
TODAY = datetime.date(2026, 11, 29).isoformat()
REFS = {
    "ORDER12": ("Order No. 12 [2012] of MOFCOM, NDRC, MPS and MEP, in force 2013-05-01 "
                "(validation brief section 4): mini trucks 12 yr, other trucks 15 yr; before "
                "2013 trucks 10 yr plus at most 5 yr extension, mini trucks 8 yr", "M"),
    "SALES": ("Heavy-truck sales: Research & Markets via Trailer/Body Builders (2004-2007); "
              "CV World via SteelOrbis, ResearchInChina (2016-2023); validation brief "
              "section 2", "M"),
    "CAAM2019": ("CAAM sales by class Jan-Nov 2019 via csctrucks (validation brief section 2), "
                 "annualised x 12/11", "M"),
    "CATARC2014": ("CATARC sales by class 2014 via IHS/S&P Global (validation brief section 2)",
                   "M"),
    "XU2025": ("Xu, Xiong, Liu et al. (2025), figures as collected in data_brief.md", "M"),
}
SALES_NOTE = ("sales, not registrations: include exports and use CAAM classes (heavy > 14 t "
              "where MPS heavy is >= 12 t); hence the wide tolerance")

STUDY_NOTE = ("the study's model result under its single-cohort start, not an observation: "
              "tolerance 25 %")
LIGHT_NOTE = ("CAAM light (1.8-6 t) plus mini (<= 1.8 t): mini trucks longer than 3.5 m "
              "register as MPS light, and the NBS mini stock shrinks to 23 thousand while "
              "0.5-0.6 M mini trucks sell each year")


def legal_max_age(root: Path) -> None:
    """``legal_max_age.xlsx``: 15 yr for HT, MT, ST; 12 yr for NT."""
    ages = {"HT": 15, "MT": 15, "ST": 15, "NT": 12}
    rows = [(g, float(a), "", f"[ORDER12|M] {a} yr; pre-2013 rule: 10 yr + <= 5 extension "
             f"({'8 yr' if g == 'NT' else 'also 15 yr at most'})") for g, a in ages.items()]
    refs = [{"ref_id": "ORDER12", "source": REFS["ORDER12"][0], "confidence": "M", "note": ""}]
    pw = new_parameter_workbook(
        "legal_max_age", "legal maximum age of a truck (age cap; used when age_cap is true)",
        "yr", [("Product", "Truck_type")], rows, refs, VERSION,
        comment="Applied in every year: the pre-2013 rule allowed at most 15 years as well "
        "(mini trucks 8; the 12 of the 2013 rule is used throughout)",
        log=[{"date": TODAY, "author": "tools/build_best_estimate.py", "change": "created"}])
    write_parameter_workbook(pw, root / "datasets" / "legal_max_age.xlsx")


def _t(tid, var, g, year, value, tol, src, note=""):
    return dict(target_id=tid, variable=var, truck_type=g, material="", year=year, value=value,
                unit="unit", tolerance=tol, source=src, note=note)


def targets() -> pd.DataFrame:
    """The study's 2010 counts of MT and ST (25 %) and independent sales (25-50 %).

    The study's HT and NT counts of 2010 (17.31 and 15.71 thousand) are not fitted: they follow
    from its single-cohort start (under a spin-up the trucks of the 1990s alone retire more), so
    they are compared (README), not calibrated to.
    """
    study = "Xu et al. 2025 via data_brief.md 2"
    rows = [_t(f"EOL_{g}_2010", "eol", g, 2010, v, 0.25, study, STUDY_NOTE)
            for g, v in (("MT", 322.74e3), ("ST", 663.69e3))]
    heavy = {2005: 236_600, 2006: 307_300, 2007: 487_500, 2016: 728_000, 2020: 1_623_000,
             2021: 1_391_000, 2022: 672_000, 2023: 910_000}
    rows += [_t(f"SALES_HT_{y}", "inflow", "HT", y, v, 0.25, REFS["SALES"][0], SALES_NOTE)
             for y, v in heavy.items()]
    rows += [_t("SALES_HT_2019", "inflow", "HT", 2019, 1.082e6 * 12 / 11, 0.25,
                REFS["CAAM2019"][0], SALES_NOTE)]
    rows += [_t("SALES_MT_2014", "inflow", "MT", 2014, 150_278, 0.5, REFS["CATARC2014"][0],
                "CAAM medium 6-14 t; MPS medium also takes 4.5-6 t trucks"),
             _t("SALES_ST_2014", "inflow", "ST", 2014, 1_559_520 + 527_751, 0.3,
                REFS["CATARC2014"][0], LIGHT_NOTE),
             _t("SALES_ST_2019", "inflow", "ST", 2019, (1.69e6 + 569_000) * 12 / 11, 0.3,
                REFS["CAAM2019"][0], LIGHT_NOTE)]
    return pd.DataFrame(rows)


def free_parameters() -> pd.DataFrame:
    """Weibull scales of MT and ST; the China III phase-out period effect on HT and MT.

    HT's Weibull stays at its literature value (Hao et al.: mean 12.8 yr): with the 15-year cap
    the targets do not determine it (fitted freely, its scale and shape came out with standard
    errors larger than the values themselves).
    """
    rows = [dict(name="weibull_scale", item=g, initial=v, lower=3.0, upper=40.0,
                 note="Weibull scale of the type (the age cap bounds the life)")
            for g, v in (("MT", 11.26), ("ST", 8.92))]
    rows.append(dict(name="period_factor", item="HT+MT 2019-2022", initial=1.5, lower=0.2,
                     upper=6.0, note="China III phase-out and scrappage subsidies 2019-2022 "
                     "(validation brief section 4)"))
    return pd.DataFrame(rows)


SCRAP_SHARE = {  # secondary (scrap) price as a share of the commodity price (ASSUME, L)
    "Al": (0.75, "aluminium scrap trades at about three quarters of LME aluminium"),
    "Cu": (0.90, "No. 2 copper scrap at about 90 % of LME copper"),
    "Pb": (0.55, "lead (battery) scrap at about half of LME lead"),
    "Zn": (0.60, "zinc scrap"), "Sn": (0.80, "tin scrap (solder)"),
    "Co": (0.70, "cobalt in alloy scrap"), "Mg": (0.60, "magnesium scrap"),
    "W": (0.70, "tungsten carbide scrap"),
    "Nd": (0.30, "rare earths in magnets: recovery payable"),
    "Dy": (0.30, "rare earths in magnets: recovery payable"),
    "La": (0.30, "rare earths: recovery payable"),
    "Au": (0.80, "precious metals: refiners' payables for electronic and catalyst scrap"),
    "Ag": (0.80, "precious metals: refiners' payables"),
    "Pt": (0.80, "catalyst scrap payables"), "Pd": (0.80, "catalyst scrap payables"),
    "Rh": (0.80, "catalyst scrap payables"),
}
SCRAP_PRICE = {  # USD/t low, mean, high (ASSUME, L) where the commodity is not the scrap
    "rubber": (100.0, 200.0, 300.0, "crumb rubber from tyres, not virgin natural rubber"),
    "plastics": (100.0, 250.0, 400.0, "mixed recycled automotive plastics, not virgin"),
}
PATHS = {  # decarbonisation multiplier in 2050 by route (linear from 1.0 in 2025; ASSUME, L)
    "primary": (0.5, "BF-BOF steel and primary smelting: process and coal emissions fall "
                "slower than the grid's"),
    "secondary": (0.15, "EAF steel and remelting run on electricity: they follow the grid's "
                  "carbon intensity, about 0.57 kg/kWh (2023) towards 0.1 in carbon-neutral "
                  "pathways"),
}
ASSUME = {"ref_id": "ASSUME", "confidence": "L", "note": "",
          "source": "Assumption of elt-odym (issue 11), stated in the value's comment; "
                    "replace when data are available"}


def secondary_prices(root: Path) -> None:
    """``datasets/valuation_secondary/price.xlsx``: scrap prices from the commodity prices."""
    from elt_odym.io.workbook import read_parameter_workbook

    base = read_parameter_workbook(root / "datasets" / "price.xlsx")
    rows = []
    for rec in base.records:
        m, stat = rec.index
        if m in SCRAP_SHARE:
            share, note = SCRAP_SHARE[m]
            rows.append((m, stat, round(float(rec.value) * share, 2), "",
                         f"[ASSUME|L] {share} x commodity price: {note}"))
        elif m in SCRAP_PRICE:
            value = SCRAP_PRICE[m][("low", "mean", "high").index(stat)]
            rows.append((m, stat, value, "", f"[ASSUME|L] {SCRAP_PRICE[m][3]}"))
        else:  # Fe is already heavy scrap steel, glass already cullet, other not valued
            rows.append((m, stat, float(rec.value), rec.stats_array, rec.comment))
    folder = root / "datasets" / "valuation_secondary"
    folder.mkdir(exist_ok=True)
    pw = new_parameter_workbook(
        "price", "secondary-market (scrap) price: low, mean, high; money of about 2016 (the "
        "commodity prices are nominal means of 2010-2023)", "USD/t",
        [("Material", "Material"), ("Statistic", "Statistic")], rows, base.refs + [ASSUME],
        VERSION, comment="valuation basis 'secondary': what a recycler is paid for the recovered "
        "material", log=[{"date": TODAY, "author": "tools/build_best_estimate.py",
                          "change": "created from price.xlsx"}])
    write_parameter_workbook(pw, folder / "price.xlsx")


def carbon_paths(root: Path) -> None:
    """``datasets/decarbonisation_routes/carbon_factor_path.xlsx``: one path per route."""
    rows = []
    for y in range(1978, 2051):
        for route, (end, note) in PATHS.items():
            m = 1.0 if y <= 2025 else 1.0 + (end - 1.0) * (y - 2025) / 25
            rows.append((y, route, round(m, 6), "", f"[ASSUME|L] linear from 1.0 in 2025 to "
                         f"{end} in 2050: {note}"))
    folder = root / "datasets" / "decarbonisation_routes"
    folder.mkdir(exist_ok=True)
    pw = new_parameter_workbook(
        "carbon_factor_path", "decreasing-factor paths by route: multipliers of the primary "
        "and secondary carbon factors", "1", [("Time", "Time"), ("Route", "Route")], rows,
        [ASSUME], VERSION, log=[{"date": TODAY, "author": "tools/build_best_estimate.py",
                                 "change": "created"}])
    write_parameter_workbook(pw, folder / "carbon_factor_path.xlsx")


def main(root: Path) -> None:
    legal_max_age(root)
    secondary_prices(root)
    carbon_paths(root)
    write_targets(targets(), root / "datasets" / "calibration_best_estimate.xlsx",
                  free_parameters(), readme=(
        "best_estimate: Weibull scales of HT, MT and ST and the period effect of the China III "
        "phase-out (2019-2022, HT and MT), with spin-up, transfers, age cap and a blended "
        "stock path, fitted to the study's 2010 end-of-life counts and independent sales "
        "figures (validation brief). NT's scale stays at its literature value (not "
        "determined).\n"
        "elt-odym calibrate --targets datasets/calibration_best_estimate.xlsx --scenario "
        "best_estimate_literature --out datasets/best_estimate --force"))


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(main, sys.argv[1:], __doc__))
