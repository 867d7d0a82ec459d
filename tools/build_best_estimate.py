"""Write the inputs of the best-estimate scenarios (re-runnable; issues 11 and 20).

Writes, through the ``odym_io`` API only:

- ``datasets/legal_max_age.xlsx``: the legal maximum age per truck type (Order No. 12 [2012]);
- ``datasets/valuation_secondary/price.xlsx``: secondary-market (scrap) prices (assumptions);
- ``datasets/decarbonisation_routes/carbon_factor_path.xlsx``: separate primary and secondary
  decarbonisation paths (assumptions);
- ``datasets/stock_recorded/``: best_estimate's recorded stock path (NBS 2002-2003, the study's
  2010 figures, MPS year-ends 2017-2021 split by type) and its projection anchors (issue 20);
- ``datasets/calibration_best_estimate.xlsx``: the targets of the previous best estimate
  (``best_estimate_study_path``: the study's 2010 end-of-life counts and sales figures).

Then calibrate best_estimate (targets from ``tools/bootstrap_statistics.py``)::

    python tools/build_best_estimate.py --step stock --in-place
    python tools/bootstrap_statistics.py --in-place
    elt-odym calibrate --targets datasets/calibration_statistics.xlsx \\
        --scenario best_estimate_literature --out datasets/best_estimate_statistics --in-place
    python tools/build_best_estimate.py --step practice --in-place

The last step writes ``datasets/best_estimate_current_practice/``: the collected share fitted to
the truck recycling counts on the calibrated best estimate's end-of-life trucks, and the
current-practice recovery efficiencies with their sources. The previous best estimate
(``datasets/best_estimate/``) is re-made with::

    elt-odym calibrate --targets datasets/calibration_best_estimate.xlsx \\
        --scenario best_estimate_study_path_literature --out datasets/best_estimate --in-place

Usage: python tools/build_best_estimate.py [ROOT] [--step stock|practice|legacy]
       [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import numpy as np
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


# -- the recorded stock path of the best estimate (issue 20, item 6) ---------------------------

STUDY_2010 = {"HT": 4.0e6, "MT": 2.7e6, "ST": 9.1e6, "NT": 0.2e6}
"""The study's stated 2010 stocks (data_brief.md 1; NT the residual of its 16 M total)."""
RECORD_SD = 0.05
"""Relative sd of a split MPS record as an observation of the logistic fit (a fit weight)."""
PRIOR_NOTE = ("the same value and sd as stock_projection_priors.xlsx, so that the deterministic "
              "fit is the centre the Monte Carlo draws around; sd 20 %: an assumption (no "
              "independent projection to 2050 is in the briefs)")


RECORD_REFS = [
    {"ref_id": "MPS", "confidence": "M", "note": "",
     "source": "MPS registered trucks (载货汽车) and new registrations via press reprints, "
               "validation_statistics.xlsx (MPS_STOCK_*, MPS_NEW_*, MPS_REM_*; "
               "statistics_brief.md 1b, 3)"},
    {"ref_id": "SPLIT", "confidence": "L", "note": "",
     "source": "Assumption of elt-odym (issue 20): the MPS total split by type in the "
               "proportions of the study's stock path (paper_reproduction: logistic curves "
               "through the study's stated 2010, 2020 and projected figures); no source "
               "splits the MPS total by class after 2003 (statistics_brief.md, Gaps 1-2)"}]


def mps_year_ends(stats: pd.DataFrame) -> dict[int, tuple[float, str, str]]:
    """Year-end MPS truck stocks 2017-2021: ``{year: (value, confidence, how)}``.

    2017 and 2018 are MPS year-end counts; 2019 and 2020 are interpolated linearly between the
    MPS readings around the year-end; 2021 is the September 2021 reading plus the Q4
    registrations (the year's less January-September's) less a quarter of the removals of the
    twelve months to September 2021 (L, arithmetic in the note).
    """
    v = stats.set_index("obs_id")["value"]
    out = {2017: (v.MPS_STOCK_2017, "M", "MPS count at end-2017 (MPS_STOCK_2017)"),
           2018: (v.MPS_STOCK_2018, "M", "MPS count at end-2018 (MPS_STOCK_2018)")}
    for year, (a, b, months) in {2019: ("MPS_STOCK_2019M06", "MPS_STOCK_2020M09", (6, 15)),
                                 2020: ("MPS_STOCK_2020M09", "MPS_STOCK_2021M09", (3, 12))
                                 }.items():
        f = months[0] / months[1]
        out[year] = (v[a] + f * (v[b] - v[a]), "L", f"{a} + {months[0]}/{months[1]} x "
                     f"({b} - {a}): linear between the readings around the year-end")
    q4_new = v.MPS_NEW_2021 - v.MPS_NEW_202101_202109
    q4_removed = v.MPS_REM_202010_202109 / 4
    out[2021] = (v.MPS_STOCK_2021M09 + q4_new - q4_removed, "L",
                 f"MPS_STOCK_2021M09 + Q4 registrations {q4_new:,.0f} (MPS_NEW_2021 - "
                 f"MPS_NEW_202101_202109) - Q4 removals {q4_removed:,.0f} (a quarter of "
                 "MPS_REM_202010_202109)")
    return out


def study_shares(root: Path) -> tuple[list[str], dict[int, np.ndarray]]:
    """Type shares of the study's stock path (paper_reproduction: the logistic curves through
    its stated figures) by year."""
    from elt_odym.data import load_data
    from elt_odym.fleet.inputs import project

    data = load_data(root / "datasets", "paper_reproduction")
    path = project(data).path
    return data.items["g"], {y: path[i] / path[i].sum() for i, y in enumerate(data.years)}


def recorded_stock(root: Path) -> None:
    """``datasets/stock_recorded/``: the recorded stock path (NBS 2002-2003, the study's 2010
    figures, MPS year-ends 2017-2021 split by type) and the projection's anchors."""
    from elt_odym.io.statistics import read_statistics
    from elt_odym.io.workbook import read_parameter_workbook

    datasets = root / "datasets"
    nbs = read_parameter_workbook(datasets / "stock_history.xlsx")
    xu = read_parameter_workbook(datasets / "stock_anchors.xlsx")
    types, shares = study_shares(root)
    rows = [(*r.index, r.value, r.stats_array, r.comment) for r in nbs.records]
    residual = {"NT": "; NT: residual of its 16 M total"}
    rows += [(2010, g, v, f"3;;{0.05e6:g}", f"[XU2025|{'L' if g == 'NT' else 'M'}] the study's "
              f"stated 2010 stock (data_brief.md 1){residual.get(g, '')}")
             for g, v in STUDY_2010.items()]
    stats = read_statistics(datasets / "validation_statistics.xlsx")
    for year, (total, conf, how) in mps_year_ends(stats).items():
        for j, g in enumerate(types):
            value = total * shares[year][j]
            rows.append((year, g, round(value), f"3;;{RECORD_SD * value:.0f}",
                         f"[MPS|{conf}][SPLIT|L] {total:,.0f} MPS trucks ({how}) x "
                         f"{shares[year][j]:.4f}, the {g} share of the study's path in {year}"))
    refs = nbs.refs + [r for r in xu.refs if r["ref_id"] == "XU2025"] + RECORD_REFS
    folder = datasets / "stock_recorded"
    folder.mkdir(exist_ok=True)
    log = [{"date": TODAY, "author": "tools/build_best_estimate.py", "change": "created"}]
    write_parameter_workbook(new_parameter_workbook(
        "stock_history", "recorded in-use truck stock by type: NBS 2002-2003, the study's 2010 "
        "figures, MPS year-ends 2017-2021 split by type; the stock path up to switch_year "
        "(interpolated at a constant growth rate between records) and observations of the "
        "logistic fit", "unit", [("Time", "Time"), ("Product", "Truck_type")], sorted(rows),
        refs, VERSION, uncertainty="normal sd = fit weight", log=log,
        comment="best_estimate's stock path (issue 20, item 6); written by "
        "tools/build_best_estimate.py from stock_history.xlsx, stock_anchors.xlsx and "
        "validation_statistics.xlsx"), folder / "stock_history.xlsx")
    priors = pd.read_excel(datasets / "stock_projection_priors.xlsx", sheet_name="priors")
    anchors = [(int(p.year), p.truck_type, float(p.value), f"3;;{p.sd:g}",
                f"[XU2025|L] {p.note}; {PRIOR_NOTE}") for p in priors.itertuples()]
    write_parameter_workbook(new_parameter_workbook(
        "stock_anchors", "the study's projected stocks (2050) as weak observations of the "
        "logistic fit after the last record", "unit", [("Time", "Time"),
                                                        ("Product", "Truck_type")],
        sorted(anchors), [r for r in xu.refs if r["ref_id"] == "XU2025"], VERSION,
        uncertainty="normal sd = fit weight", log=log), folder / "stock_anchors.xlsx")


# -- current practice on the best estimate (issue 20, item 7) ---------------------------------

FIT_COUNTS = ("REC_2019H1", "REC_201909")
"""The truck recycling counts the collected share is fitted to: the two direct counts of 2019
that do not overlap (January-April and April lie inside H1; January 2020 is the Spring Festival
month of COVID-19; H1 2018 and January 2019 are derived from growth rates)."""
ANNUAL_2019 = ("REC_2019H1", "REC_201901_201904", "REC_201904", "REC_201909")
"""The 2019 counts whose annualised values (count / length of the period) bound the 2019
formal recycling of trucks: the range of the collected share."""
CP = "best_estimate_current_practice"


def best_estimate_eol(root: Path) -> tuple[list[int], np.ndarray]:
    """Model years and best_estimate's end-of-life trucks of all types by year."""
    from elt_odym.batch import variable_margins
    from elt_odym.data import load_data
    from elt_odym.system.equations import evaluate
    from elt_odym.system.inputs import base_draws, model_inputs

    data = load_data(root / "datasets", "best_estimate")
    inputs = model_inputs(data)
    eol = variable_margins(evaluate(inputs, base_draws(inputs)), "eol", {})[0]
    return list(data.years), eol[:, -1]  # the total is the last label


def collected_share(root: Path) -> dict:
    """The formally collected share of end-of-life trucks that makes best_estimate's collected
    trucks match the recycling counts: weighted least squares over :data:`FIT_COUNTS`
    (weights 1/sd^2), with the range of the annualised 2019 counts (:data:`ANNUAL_2019`)."""
    from elt_odym.io.statistics import read_statistics
    from elt_odym.reporting.validation import flow_weights

    years, eol = best_estimate_eol(root)
    stats = read_statistics(root / "datasets" / "validation_statistics.xlsx").set_index("obs_id")
    model = {i: float(flow_weights(years, stats.start[i], stats.end[i]) @ eol)
             for i in set(FIT_COUNTS) | set(ANNUAL_2019)}
    w = np.array([1 / stats.sd[i] ** 2 for i in FIT_COUNTS])
    m, o = np.array([model[i] for i in FIT_COUNTS]), stats.value[list(FIT_COUNTS)].to_numpy()
    share = float((w * o * m).sum() / (w * m * m).sum())
    annual = {i: stats.value[i] / (stats.end[i] - stats.start[i]) for i in ANNUAL_2019}
    eol_2019 = float(eol[years.index(2019)])
    return {"share": share, "low": min(annual.values()) / eol_2019,
            "high": max(annual.values()) / eol_2019, "eol_2019": eol_2019,
            "annual": annual, "model_eol": model}


def current_practice_collection(root: Path) -> dict:
    """``datasets/best_estimate_current_practice/collection_rate.xlsx``: the fitted share in
    every year and type (uniform over the range of the 2019 counts)."""
    from elt_odym.io.workbook import read_parameter_workbook

    fit = collected_share(root)
    template = read_parameter_workbook(root / "datasets" / "current_practice" /
                                       "collection_rate.xlsx")
    how = (f"[RECYCLED|M][FIT|L] {fit['share']:.4f} = trucks formally recycled "
           f"({', '.join(FIT_COUNTS)}) over best_estimate's end-of-life trucks of the same "
           f"periods (weighted least squares); range {fit['low']:.3f}-{fit['high']:.3f}: the "
           f"2019 counts annualised ({min(fit['annual'].values()):,.0f}-"
           f"{max(fit['annual'].values()):,.0f} trucks) over the {fit['eol_2019']:,.0f} "
           "end-of-life trucks of 2019; held in every year (assumption: no truck series "
           "before 2018 or after January 2020)")
    rows = [(*r.index, round(fit["share"], 6), f"4;{fit['low']:.6f};{fit['high']:.6f}", how)
            for r in template.records]
    refs = [{"ref_id": "RECYCLED", "confidence": "M", "note": "",
             "source": "MOFCOM/CMRA trucks formally recycled (dismantled by licensed recyclers) "
                       "in 2019, validation_statistics.xlsx (REC_*; statistics_brief.md 2, "
                       "validation_brief.md 3)"},
            {"ref_id": "FIT", "confidence": "L", "note": "",
             "source": "fitted by tools/build_best_estimate.py to best_estimate's end-of-life "
                       "trucks: the share follows from the model's end-of-life count"}]
    folder = root / "datasets" / CP
    folder.mkdir(exist_ok=True)
    write_parameter_workbook(new_parameter_workbook(
        "collection_rate", "share of end-of-life trucks that enter formal recycling, fitted "
        "to the truck recycling counts of 2019", "1",
        [("Product", "Truck_type"), ("Time", "Time")], rows, refs, VERSION,
        table=(["Product"], "Time"), uncertainty=f"uniform {fit['low']:.4f}-{fit['high']:.4f}: "
        "the range of the annualised 2019 counts", source="RECYCLED", confidence="M",
        comment="issue 20, item 7: the collected share follows from the model's end-of-life "
        "trucks, not an assumed one third. " + how, log=[{"date": TODAY, "author":
                                                  "tools/build_best_estimate.py",
                                                  "change": "created"}]),
        folder / "collection_rate.xlsx")
    return fit


RECOVERY_SOURCES = {  # material: (low, high, ref, note) on current_practice's value
    "Fe": (0.90, 0.98, "GEM", "'the recycling rate of scrap iron, steel and non-ferrous metals "
           "tops 90 %' (a licensed Chinese ELV recycler)"),
    "Al": (0.90, 0.95, "GEM", "non-ferrous metals 'top 90 %'"),
    "Cu": (0.45, 0.92, "GEM;RAUCH", "GEM: non-ferrous 'top 90 %'; Rauch et al.: copper of "
           "vehicles and electronics recycled at 45 % end to end, shredder losses dominant"),
    "plastics": (0.2, 0.5, "GEM", "glass, plastics and other 'can reach more than 50 %' (best "
                 "practice); current practice lower"),
    "glass": (0.2, 0.5, "GEM", "as plastics"),
    "rubber": (0.2, 0.5, "GEM", "as plastics"),
}
RECOVERY_REFS = [
    {"ref_id": "GEM", "confidence": "M", "note": "",
     "source": "GEM Co., Ltd., 'End-of-Life Vehicles (ELVs) crushed materials', "
               "en.gem.com.cn (a licensed ELV recycler in China): scrap iron, steel and "
               "non-ferrous metals above 90 %, glass, plastics and other materials can reach "
               "more than 50 %"},
    {"ref_id": "RAUCH", "confidence": "M", "note": "",
     "source": "Rauch, Eckelman, Gordon (2007), Copper recycling in the State of Connecticut, "
               "Yale School of Forestry & Environmental Studies: end-of-life vehicles and "
               "electronics have the lowest copper recycling rate, 45 %"}]


def current_practice_recovery(root: Path) -> None:
    """``datasets/best_estimate_current_practice/recovery_efficiency.xlsx``: current_practice's
    values (unchanged) with the sources found and their ranges for Fe, Al, Cu, plastics, glass,
    rubber; the other materials keep their notes (assumptions or battery sources)."""
    from elt_odym.io.workbook import read_parameter_workbook

    base = read_parameter_workbook(root / "datasets" / "current_practice" /
                                   "recovery_efficiency.xlsx")
    rows = []
    for r in base.records:
        (m,) = r.index
        if m in RECOVERY_SOURCES:
            low, high, ref, note = RECOVERY_SOURCES[m]
            tags = "".join(f"[{x}|M]" for x in ref.split(";"))
            rows.append((m, r.value, f"4;{low};{high}", f"{tags} {note}; value as "
                         f"current_practice ({r.comment}); range {low}-{high}"))
        else:
            rows.append((m, r.value, r.stats_array, r.comment))
    pw = new_parameter_workbook(
        "recovery_efficiency", "share of collected material recovered (current practice, "
        "best_estimate_current_practice)", "1", [("Material", "Material")], rows,
        base.refs + RECOVERY_REFS, VERSION, comment="values of current_practice/"
        "recovery_efficiency.xlsx with the sources and ranges found (issue 20, item 7)",
        log=base.log + [{"date": TODAY, "author": "tools/build_best_estimate.py",
                         "change": "copied from current_practice with sources and ranges"}])
    write_parameter_workbook(pw, root / "datasets" / CP / "recovery_efficiency.xlsx")


STEPS = ("stock", "practice", "legacy")


def main(root: Path, step: str = "stock") -> None:
    """One step of the build (the module docstring gives the order).

    ``stock``: the recorded stock path and anchors (``datasets/stock_recorded/``), which the
    calibration reads; ``practice``: the current-practice workbooks, which need the calibrated
    best estimate; ``legacy``: the workbooks of issue 11 (legal age, secondary prices, carbon
    paths, the previous best estimate's targets). ``legacy`` rewrites shipped workbooks that
    other tools have since extended (``price.xlsx`` gained battery materials and their notes):
    run it only to rebuild them from scratch.
    """
    if step == "stock":
        recorded_stock(root)
    elif step == "practice":
        current_practice_collection(root)
        current_practice_recovery(root)
    elif step == "legacy":
        legacy(root)
    else:
        raise SystemExit(f"step {step!r} is not one of {STEPS}")


def legacy(root: Path) -> None:
    """The workbooks of issue 11 (see :func:`main`)."""
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
        "best_estimate_study_path_literature --out datasets/best_estimate --in-place\n"
        "(issue 20: the previous best estimate, scenario best_estimate_study_path)"))


if __name__ == "__main__":
    from functools import partial

    from data_step import run_step

    argv = sys.argv[1:]
    step = "stock"
    if "--step" in argv:
        i = argv.index("--step")
        step = argv[i + 1] if i + 1 < len(argv) else ""
        argv = argv[:i] + argv[i + 2:]
    if step not in STEPS:
        raise SystemExit(f"--step {step!r} is not one of {', '.join(STEPS)}")
    sys.exit(run_step(partial(main, step=step), argv, __doc__))
