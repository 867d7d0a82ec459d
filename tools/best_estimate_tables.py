"""Print the tables of docs/best-estimate.md (Markdown) from runs of the bundled data.

Every number of the page's tables comes from here: runs of the reproduction, the previous best
estimate (``best_estimate_study_path``), the best estimate and its current-practice variant;
the shipped calibration outputs (``datasets/best_estimate_statistics/``); the bundled statistics;
and, with ``--sensitivity``, one more calibration (about 2 minutes) of the variant that fits the
2012-2017 sales with a period factor on all types.

The tables are blocks (``<!-- block: NAME -->``) that the page's markers
``<!-- generated: best_estimate.NAME -->`` take at build time (``tools/docs_hooks.py``):
headline, flows, records, parameters, correlations, residuals, previous, validation, misses
(each with its reason, :data:`REASONS`), span, practice; with ``--sensitivity`` also
sensitivity and no-cap (not run at build time: they are pasted from a run of the commit that
changed them).

Usage: python tools/best_estimate_tables.py [--sensitivity] > /tmp/best.md
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from elt_odym.io.statistics import read_statistics
from elt_odym.model import run
from elt_odym.paths import bundled_data_dir
from elt_odym.reporting.validation import validation_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validation_tables import md, summary  # noqa: E402

M = 1e6
SCENARIOS = ("paper_reproduction", "best_estimate_study_path", "best_estimate",
             "best_estimate_current_practice")
HEADLINE = (("eol", "", 1e6, "M vehicles"), ("eol_mass", "", 1e6, "Mt"),
            ("economic_value", "total", 1e9, "bn USD2016"),
            ("carbon_saving", "total", 1e6, "Mt CO2e"), ("stock", "", 1e6, "M vehicles"),
            ("inflow", "", 1e6, "M vehicles"))
FITTED = "best_estimate_statistics"
PREVIOUS = "best_estimate"
"""The folders of the calibrated best estimate and of the previous one (study path)."""


def headline(runs: dict, year: int = 2050) -> pd.DataFrame:
    """The 2050 headline of each scenario (``economic_value`` of the reproduction is in its
    own money: USD of the inflation base year)."""
    rows = []
    for variable, material, scale, unit in HEADLINE:
        row = {"quantity": variable, "unit": unit}
        for name, r in runs.items():
            row[name] = r.value(variable, year, "total", material) / scale
        previous = row["best_estimate_study_path"]
        row["best_estimate / previous"] = f"{row['best_estimate'] / previous - 1:+.0%}"
        rows.append(row)
    return pd.DataFrame(rows)


def flows(runs: dict, years=(2003, 2010, 2013, 2018, 2019, 2020, 2021, 2023, 2030, 2050)
          ) -> pd.DataFrame:
    """Stock, new trucks and end-of-life trucks (million) of the previous and the new best
    estimate."""
    rows = []
    for y in years:
        row = {"year": str(y)}
        for label, name in (("previous", "best_estimate_study_path"),
                            ("best", "best_estimate")):
            for v in ("stock", "inflow", "eol"):
                row[f"{v} ({label})"] = runs[name].value(v, y) / M
        rows.append(row)
    return pd.DataFrame(rows)


def records(result) -> pd.DataFrame:
    """The recorded stock path of best_estimate by type (million vehicles) and its source."""
    history = result.data["stock_history"].observations
    years = sorted({y for (y, _g) in history})
    rows = []
    for y in years:
        row = {"year": y}
        for g in result.data.items["g"]:
            row[g] = history[(y, g)] / M
        row["total"] = sum(history[(y, g)] for g in result.data.items["g"]) / M
        row["source"] = ("NBS (H)" if y <= 2003 else "the study's figures" if y == 2010
                         else "MPS count (M), split (L)" if y <= 2018
                         else "MPS readings interpolated (L), split (L)")
        rows.append(row)
    return pd.DataFrame(rows)


def parameters(folder: str) -> pd.DataFrame:
    """Fitted parameters +- standard error of a calibration folder."""
    t = pd.read_csv(bundled_data_dir() / folder / "calibration_parameters.csv")
    inflation = t["inflation"].iloc[0] if "inflation" in t else 1.0
    return pd.DataFrame({
        "parameter": t["name"] + "[" + t["item"] + "]", "initial": t["initial"],
        "fitted": t["fitted"], "std_error": t["std_error"],
        "bounds": [f"{lo:g}-{hi:g}" for lo, hi in zip(t["lower"], t["upper"])],
        "at bound": t["at_bound"].map({True: "yes", False: ""}),
        "se inflation": inflation, "chi2 = 2 cost": 2 * t["cost"]})


def correlations(folder: str) -> pd.DataFrame:
    """The correlations of the fitted parameters (columns corr[...])."""
    t = pd.read_csv(bundled_data_dir() / folder / "calibration_parameters.csv")
    names = (t["name"] + "[" + t["item"] + "]").tolist()
    short = [n.replace("period_factor", "pf").replace("weibull_scale", "scale")
             .replace("reclassification", "reclass") for n in names]
    corr = t[[f"corr[{n}]" for n in names]].to_numpy()
    return pd.DataFrame(corr, columns=short).assign(parameter=short)[["parameter"] + short]


def residuals(folder: str) -> pd.DataFrame:
    """The calibration residuals (target, model, relative error over tolerance)."""
    t = pd.read_csv(bundled_data_dir() / folder / "calibration_residuals.csv")
    return pd.DataFrame({"target": t["target_id"], "year": t["year"],
                         "observed (k)": t["target"] / 1e3, "model (k)": t["model"] / 1e3,
                         "relative": t["rel_error"].map(lambda v: f"{v:+.1%}"),
                         "tolerance": t["tolerance"].map(lambda v: f"{v:.1%}"),
                         "error / tolerance": t["rel_error"] / t["tolerance"]})


def validation_side_by_side(tables: dict) -> pd.DataFrame:
    """The validation summary of each best estimate, one column pair per scenario."""
    parts = []
    for name, table in tables.items():
        s = summary(table).set_index(["quantity", "type"])
        parts.append(s[["within", "two-sided within", "median relative error (two-sided)"]]
                     .add_prefix(f"{name}: "))
    out = pd.concat(parts, axis=1).reset_index()
    return out.assign(observations=summary(next(iter(tables.values())))["observations"].values)


REASONS = (
    (r"^MPS_(NEW|REM)_2017", "interp",
     "2017: the stock change from the path interpolated between 2010 and 2017 (no annual "
     "record), and the lumpy removals of H2 2017"),
    (r"^MPS_NEW_2023", "projection",
     "after the last record (2021): the projection's new trucks; 2022-2023 sales were at "
     "their low (domestic heavy sales 487 k and 599 k)"),
    (r"^MPS_(NEW|REM)_", "lumpy",
     "MPS's removals are lumpy (period by period), the model's end of life smooth; over June "
     "2017 - September 2021 they agree (span table)"),
    (r"^REC_", "potential",
     "maximum potential: every end-of-life truck counted as collected; "
     "best_estimate_current_practice meets the counts (below)"),
    (r"^CAAM_HT_200[56]$", "class",
     "interpolated years; CAAM heavy (> 14 t) is narrower than MPS heavy (>= 12 t)"),
    (r"^CAAM_HT_2021$", "target",
     "a calibration target (+19 % on its centre, 1.9 sd): the 2021 registrations (a target) "
     "and the split of the MPS total in the study's proportions (an assumption) put the new "
     "heavy trucks 2 % above the sales including exports"),
    (r"^CAAM_MT_(2019|2024)", "mt",
     "the study's MT path (decline to < 1,000 trucks by 2050) leaves no room for medium sales"),
    (r"^CAAM_ST_2019", "st",
     "the split of the MPS total in the study's proportions (an assumption) gives light and "
     "mini trucks 4 % more new trucks than their sales including exports"),
    (r"^CAAM_(HT|MT|ST)_20(0[4-9]|1[0-7])", "interp",
     "interpolated years 2004-2017: no annual stock record between 2003, 2010 and 2017; the "
     "end of life before 2017 is too low (removals of the yellow-label drive; sensitivity "
     "below)"),
    (r"^NBS_CIVIL_NT_2004$", "nt",
     "the NT path falls at a constant rate from 2003 to the study's 0.2 M of 2010"),
)
"""Why best_estimate misses a two-sided observation: (pattern of ``obs_id``, key, reason);
the first pattern that matches gives the reason (the page's bullets say more)."""


def reason(obs_id: str) -> str:
    """The reason of :data:`REASONS` for a missed observation, or ``"not explained"``."""
    return next((why for pattern, _k, why in REASONS if re.search(pattern, obs_id)),
                "not explained")


def misses(table: pd.DataFrame) -> pd.DataFrame:
    """The two-sided observations of best_estimate outside their stated uncertainty, each
    with its reason (:data:`REASONS`)."""
    t = table[(table.within_obs_uncertainty == "no") & np.isfinite(table.obs_low)
              & np.isfinite(table.obs_high)]
    return pd.DataFrame({"observation": t.obs_id, "period": t.period,
                         "observed (k)": t.observed / 1e3, "model (k)": t.model / 1e3,
                         "relative": t.rel_error.map(lambda v: f"{v:+.0%}"),
                         "why": t.obs_id.map(reason)})


def span_removals(result, stats: pd.DataFrame) -> pd.DataFrame:
    """Removals over the whole MPS span, June 2017 to September 2021 (million): MPS
    (registrations less the stock change) against the model."""
    from elt_odym.reporting.validation import model_series, model_side

    v = stats.set_index("obs_id").value
    new = (v.MPS_NEW_2017 - v.MPS_NEW_2017H1 + v.MPS_NEW_2018 + v.MPS_NEW_2019 + v.MPS_NEW_2020
           + v.MPS_NEW_202101_202109)
    mps = new - (v.MPS_STOCK_2021M09 - v.MPS_STOCK_2017M06)
    model = model_side("removals", 2017.5, 2021.75, result.data.years,
                       model_series(result, "total"))
    return pd.DataFrame([{"June 2017 - September 2021": "removals (M)", "MPS": mps / M,
                          "model": model / M, "relative": f"{model / mps - 1:+.1%}",
                          "per year, MPS": mps / 4.25 / M, "per year, model": model / 4.25 / M}])


def collected(practice, stats: pd.DataFrame) -> pd.DataFrame:
    """The collected share of best_estimate_current_practice and what it makes of 2019."""
    s = stats.set_index("obs_id")
    rate = float(np.asarray(practice.data["collection_rate"].values, float)[
        practice.data.years.index(2019), 0])
    eol = practice.value("eol", 2019)
    rows = [{"2019": "end-of-life trucks (model)", "value": eol / M},
            {"2019": "collected share (fitted)", "value": rate},
            {"2019": "collected trucks (model)", "value": rate * eol / M}]
    for i in ("REC_2019H1", "REC_201901_201904", "REC_201904", "REC_201909"):
        rows.append({"2019": f"{i} annualised", "value": s.value[i] / (s.end[i] - s.start[i])
                     / M})
    return pd.DataFrame(rows)


SENSITIVITY_TARGETS = ("CAAM_HT_2012", "CAAM_HT_2013", "CAAM_HT_2016", "CAAM_HT_2017",
                       "CAAM_MT_2013", "CAAM_MT_2014", "CAAM_ST_2013", "CAAM_ST_2014",
                       "MPS_NEW_2017")


def sensitivity(stats: pd.DataFrame) -> pd.DataFrame:
    """The calibration with the 2012-2017 sales as targets, a period factor on all types over
    2013-2017 (the yellow-label drive) and ST from its literature value."""
    from elt_odym.calibration import calibrate
    from elt_odym.io.targets import read_targets, write_targets

    targets, free = read_targets(bundled_data_dir() / "calibration_statistics.xlsx", True)
    extra = []
    for o in stats[stats.obs_id.isin(SENSITIVITY_TARGETS)].itertuples(index=False):
        v, sd = ((o.value, o.sd) if pd.notna(o.sd) else
                 ((o.low + o.high) / 2, (o.high - o.low) / math.sqrt(12)))
        extra.append({"target_id": o.obs_id, "variable": "inflow", "truck_type": o.truck_type,
                      "material": "", "year": int(o.period), "value": v, "unit": "unit",
                      "tolerance": sd / v, "source": o.source, "note": ""})
    free = free.copy()
    free.loc[(free["name"] == "weibull_scale") & (free["item"] == "ST"), "initial"] = 8.919
    free = pd.concat([free, pd.DataFrame([{"name": "period_factor", "item": "all 2013-2017",
                                           "initial": 2.0, "lower": 1.0, "upper": 8.0,
                                           "note": "yellow-label drive (sensitivity)"}])])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sensitivity.xlsx"
        write_targets(pd.concat([targets, pd.DataFrame(extra)]), path, free)
        _, table, res = calibrate(path, None, "best_estimate_literature")
    out = table[["name", "item", "fitted", "std_error", "at_bound"]].copy()
    out["chi2 (targets)"] = f"{2 * table['cost'].iloc[0]:.1f} ({len(res)})"
    return out


def sensitivity_no_cap() -> pd.DataFrame:
    """best_estimate's calibration without the legal age cap (ST from its literature value),
    on a copy of the bundled data with one more scenario."""
    import shutil

    from elt_odym.calibration import calibrate

    root = bundled_data_dir().parent
    with tempfile.TemporaryDirectory() as tmp:
        for sub in ("datasets", "classification"):
            shutil.copytree(root / sub, Path(tmp) / sub)
        data = Path(tmp) / "datasets"
        with open(data / "config.toml", "a", encoding="utf-8") as f:
            f.write('\n[scenarios.no_cap]\ninherit = "best_estimate_literature"\n'
                    'model = { age_cap = false }\n')
        from elt_odym.io.targets import read_targets, write_targets

        targets, free = read_targets(data / "calibration_statistics.xlsx", True)
        free.loc[(free["name"] == "weibull_scale") & (free["item"] == "ST"), "initial"] = 8.919
        write_targets(targets, data / "no_cap.xlsx", free)
        _, table, res = calibrate(data / "no_cap.xlsx", data, "no_cap")
    out = table[["name", "item", "fitted", "std_error", "at_bound"]].copy()
    out["chi2 (targets)"] = f"{2 * table['cost'].iloc[0]:.1f} ({len(res)})"
    return out


def blocks(sensitivity_runs: bool = False) -> dict[str, str]:
    """Every table of the page, by block name (``<!-- generated: best_estimate.NAME -->``)."""
    runs = {name: run(scenario=name) for name in SCENARIOS}
    stats = read_statistics(bundled_data_dir() / "validation_statistics.xlsx",
                            runs["best_estimate"].data.items["g"])
    tables = {n: validation_table(runs[n], stats)
              for n in ("best_estimate_study_path", "best_estimate")}
    out = {
        "headline": md(headline(runs), "{:.2f}"),
        "flows": md(flows(runs), "{:.2f}"),
        "records": md(records(runs["best_estimate"]), "{:.3f}"),
        "parameters": md(parameters(FITTED), "{:.4g}"),
        "correlations": md(correlations(FITTED), "{:+.2f}"),
        "residuals": md(residuals(FITTED), "{:.2f}"),
        "previous": md(parameters(PREVIOUS), "{:.4g}"),
        "validation": md(validation_side_by_side(tables)),
        "misses": md(misses(tables["best_estimate"]), "{:.0f}"),
        "span": md(span_removals(runs["best_estimate"], stats), "{:.2f}"),
        "practice": md(collected(runs["best_estimate_current_practice"], stats), "{:.3f}")}
    if sensitivity_runs:
        out["sensitivity"] = md(sensitivity(stats), "{:.4g}")
        out["no-cap"] = md(sensitivity_no_cap(), "{:.4g}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sensitivity", action="store_true",
                        help="also the two sensitivity calibrations (about 2 min each)")
    args = parser.parse_args()
    for name, text in blocks(args.sensitivity).items():
        print(f"<!-- block: {name} -->\n{text}\n")


if __name__ == "__main__":
    main()
