"""Print the tables of docs/validation.md (Markdown) from runs of the bundled data.

Every number of the page's tables comes from here: a run of the scenarios named, the bundled
statistics (validation_statistics.xlsx) and projection priors, and sampled stock paths.

Usage: python tools/validation_tables.py [--draws N] [--seed S] > /tmp/tables.md
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from elt_odym.data import load_data
from elt_odym.fleet.projection import path_quantiles, projection_posteriors, sample_stock_paths
from elt_odym.io.statistics import read_period_effects, read_statistics
from elt_odym.model import run
from elt_odym.paths import bundled_data_dir
from elt_odym.reporting.validation import validation_table

M = 1e6


def md(df: pd.DataFrame, floats: str = "{:.2f}") -> str:
    """A data frame as a Markdown table."""
    cells = [[floats.format(v) if isinstance(v, float) and not math.isnan(v) else
              ("" if isinstance(v, float) else str(v)) for v in row] for row in df.to_numpy()]
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    return "\n".join([head, rule] + ["| " + " | ".join(r) + " |" for r in cells])


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per quantity: observations, bounds, how many the model meets (all, two-sided), median
    relative error of the two-sided ones (a bound's relative error says nothing)."""
    t = table[table.model.notna()]
    t = t.assign(two=np.isfinite(t.obs_low) & np.isfinite(t.obs_high),
                 within=t.within_obs_uncertainty == "yes")
    groups = list(t.groupby(["quantity", "truck_type"], sort=False)) + [(("all", ""), t)]
    rows = []
    for (quantity, g), part in groups:
        sided = part[part.two]
        rows.append({"quantity": quantity, "type": g, "observations": len(part),
                     "bounds": len(part) - len(sided), "within": int(part.within.sum()),
                     "two-sided within": f"{int(sided.within.sum())} of {len(sided)}",
                     "median relative error (two-sided)": f"{sided.rel_error.median():+.0%}"
                     if len(sided) else ""})
    return pd.DataFrame(rows)


def mps(table: pd.DataFrame) -> pd.DataFrame:
    """MPS stock, registrations and removals against the model (million vehicles)."""
    t = table[table.obs_id.str.startswith("MPS_")]
    return pd.DataFrame({"observation": t.obs_id, "period": t.period,
                         "MPS": t.observed / M, "model": t.model / M,
                         "model - MPS": (t.model - t.observed) / M,
                         "relative": t.rel_error.map(lambda v: f"{v:+.1%}")})


def growth(table: pd.DataFrame) -> pd.DataFrame:
    """Stock growth per year between MPS counts, MPS and model."""
    v = table.set_index("obs_id")
    spans = (("MPS_STOCK_2017", "MPS_STOCK_2020M09", 2.75),
             ("MPS_STOCK_2017M03", "MPS_STOCK_2021M09", 4.5),
             ("MPS_STOCK_2017", "MPS_STOCK_2018", 1.0))
    rows = [{"from": v.period[a], "to": v.period[b],
             "MPS growth (M/yr)": (v.observed[b] - v.observed[a]) / years / M,
             "model growth (M/yr)": (v.model[b] - v.model[a]) / years / M}
            for a, b, years in spans]
    return pd.DataFrame(rows)


def rates(table: pd.DataFrame, result) -> pd.DataFrame:
    """Removals per stock in 2018: MPS against the model."""
    v = table.set_index("obs_id")
    mps_rate = v.observed.MPS_REM_2018 / ((v.observed.MPS_STOCK_2017 + v.observed.MPS_STOCK_2018)
                                          / 2)
    s17, s18 = result.value("stock", 2017), result.value("stock", 2018)
    model_rate = result.value("eol", 2018) / ((s17 + s18) / 2)
    return pd.DataFrame([{"2018": "removals / mean stock", "MPS": f"{mps_rate:.1%}",
                          "model": f"{model_rate:.1%}"}])


def recycling(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Formally recycled trucks against MPS removals and the model's end-of-life trucks (the
    maximum-potential scenarios: their model side is every end-of-life truck), and the
    current-practice scenarios' collected trucks over the count."""
    b = tables["best_estimate"].set_index("obs_id")
    rows = []
    for rec, length, rem, rem_len in (("REC_2019H1", 0.5, "MPS_REM_201807_201906", 1.0),
                                      ("REC_201901_201904", 1 / 3, "MPS_REM_201807_201906", 1.0),
                                      ("REC_201909", 1 / 12, "MPS_REM_201907_202006", 1.0),
                                      ("REC_2018H1", 0.5, "MPS_REM_2018H1", 0.5)):
        per_year = b.observed[rec] / length
        row = {"count": rec, "per year (M)": per_year / M,
               "share of MPS removals": f"{per_year / (b.observed[rem] / rem_len):.0%}"}
        for name, table in tables.items():
            t = table.set_index("obs_id")
            key = ("share of eol: " if "practice" not in name else "collected / count: ") + name
            row[key] = (f"{t.observed[rec] / t.model[rec]:.0%}" if "practice" not in name
                        else f"{t.model[rec] / t.observed[rec]:.2f}")
        rows.append(row)
    return pd.DataFrame(rows)


def classes_2003(stats: pd.DataFrame, result) -> pd.DataFrame:
    """NBS stock by class 2002-2004 (万): civil (recorded, stock_history), private, derived."""
    s = stats.set_index("obs_id").value / 1e4
    rows = []
    for g in ("HT", "MT", "ST", "NT"):
        civil = [result.value("stock", y, g) / 1e4 for y in (2002, 2003)]
        rows.append({"type": g, "civil 2002": civil[0], "civil 2003": civil[1],
                     "change": civil[1] - civil[0],
                     "private 2002": s[f"NBS_PRIV_{g}_2002"],
                     "private 2003": s[f"NBS_PRIV_{g}_2003"],
                     "private 2004": s[f"NBS_PRIV_{g}_2004"],
                     "civil 2004 (derived, L)": s[f"NBS_CIVIL_{g}_2004"],
                     "model 2004": result.value("stock", 2004, g) / 1e4})
    return pd.DataFrame(rows)


def booking_2003(results: dict, stats: pd.DataFrame) -> pd.DataFrame:
    """What each run books in 2003 (thousand vehicles) and what a reclassification implies on
    the first run's end of life (the reading of part 1)."""
    s = stats.set_index("obs_id").value
    sales = s.CAAM_HT_2000 * (s.CAAM_HT_2004 / s.CAAM_HT_2000) ** 0.75  # geometric, 2003
    first = next(iter(results.values()))
    eol_ht, eol_mt = first.value("eol", 2003, "HT"), first.value("eol", 2003, "MT")
    fall = first.value("stock", 2002, "HT") - first.value("stock", 2003, "HT")
    rise = first.value("stock", 2003, "MT") - first.value("stock", 2002, "MT")
    transfer = fall + sales - eol_ht
    reading = {"HT new trucks": sales, "HT end of life": eol_ht, "HT -> MT": transfer,
               "MT new trucks": rise - transfer + eol_mt, "MT end of life": eol_mt}
    what = {"HT new trucks": ("inflow", "HT"), "HT end of life": ("eol", "HT"),
            "HT -> MT": ("transfer_out", "HT"), "MT new trucks": ("inflow", "MT"),
            "MT end of life": ("eol", "MT")}
    rows = []
    for label, (variable, g) in what.items():
        row = {"2003": label}
        for name, r in results.items():
            row[name] = r.value(variable, 2003, g) / 1e3
        row["reclassification reading (part 1)"] = reading[label] / 1e3
        rows.append(row)
    return pd.DataFrame(rows)


FITS = (("priors", "data"), ("anchors as observations", None))


def projection(data, draws: int, seed: int, fits=FITS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2050 stock per type: p05/p50/p95 with the priors and with the anchors as observations,
    against the anchors and the deterministic path; and the centre's parameters."""
    from elt_odym.fleet.inputs import project

    det = project(data)
    anchors = {g: v for (y, g), v in data["stock_anchors"].observations.items() if y == 2050}
    rows, params = [], []
    for label, priors in fits:
        label = f"{data.scenario}: {label}"
        post = projection_posteriors(data, priors)
        paths = sample_stock_paths(data, draws, np.random.default_rng(seed), posteriors=post)
        q = path_quantiles(data, paths, (2050,)).set_index("truck_type")
        for g in list(data.items["g"]) + ["total"]:
            j = data.items["g"].index(g) if g != "total" else None
            deterministic = det.path[-1].sum() if j is None else det.path[-1, j]
            anchor = sum(anchors.values()) if j is None else anchors.get(g, np.nan)
            rows.append({"fit": label, "type": g, "p05": q.p05[g] / M, "p50": q.p50[g] / M,
                         "p95": q.p95[g] / M, "deterministic": deterministic / M,
                         "2050 anchor (total: their sum)": anchor / M})
        for g, p in post.items():
            sd = np.sqrt(np.diag(p.cov))
            params.append({"fit": label, "type": g, "a (M)": p.fit.a / M,
                           "sd(log a)": sd[0], "k": p.fit.k, "sd(k)": sd[1], "t_c": p.fit.t_c,
                           "sd(t_c)": sd[2], "inflation": p.inflation})
    return pd.DataFrame(rows), pd.DataFrame(params)


def heavy_centre(data) -> pd.DataFrame:
    """HT's centre with the priors, with the priors but without the 2003 record (the
    reclassification year), and with the anchors as observations."""
    from elt_odym.fleet.projection import (
        StockObservations,
        default_priors,
        fit_posterior,
        stock_observations,
        with_priors,
    )

    opts = data.options
    obs = stock_observations(data, "HT")
    prior = with_priors(obs, "HT", default_priors(data))
    keep = prior.years != 2003
    no_2003 = StockObservations(prior.years[keep], prior.values[keep], prior.sigmas[keep],
                                tuple(k for k, kept in zip(prior.kinds, keep) if kept))
    rows = []
    for label, o in (("priors", prior), ("priors, without the 2003 record", no_2003),
                     ("anchors as observations", obs)):
        fit = fit_posterior("HT", o, opts.fit_default_rel_sigma, opts.fit_max_rate).fit
        rows.append({"HT fit": label, "a (M)": fit.a / M, "2003 (M)": fit(2003) / M,
                     "2035 (M)": fit(2035) / M, "2050 (M)": fit(2050) / M})
    return pd.DataFrame(rows)


def periods() -> pd.DataFrame:
    p = read_period_effects(bundled_data_dir() / "period_effects.xlsx")
    return p[["period_id", "first_year", "last_year", "truck_types", "mechanism", "prior_low",
              "prior_high", "target_series"]]


BLOCKS = ("summary", "summary_previous", "mps", "mps_previous", "growth", "removal_rate",
          "recycling", "classes_2003", "booking_2003", "stock_2050", "projection_parameters",
          "heavy_centre_previous", "periods")
"""The name of each printed table: the page's marker ``<!-- generated: validation.NAME -->``."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=20250101)
    args = parser.parse_args()
    names = ("best_estimate", "best_estimate_study_path", "best_estimate_current_practice",
             "open_data_current_practice")
    runs = {n: run(scenario=n) for n in names}
    best = runs["best_estimate"]
    stats = read_statistics(bundled_data_dir() / "validation_statistics.xlsx",
                            best.data.items["g"])
    tables = {n: validation_table(r, stats) for n, r in runs.items()}
    table, previous = tables["best_estimate"], tables["best_estimate_study_path"]
    study = load_data(None, "best_estimate_study_path")
    q_best, p_best = projection(load_data(None, "best_estimate"), args.draws, args.seed,
                                FITS[:1])
    q_study, p_study = projection(study, args.draws, args.seed)
    sections = [("validation summary (best_estimate)", md(summary(table))),
                ("validation summary (best_estimate_study_path, the previous best estimate)",
                 md(summary(previous))),
                ("MPS against the model (million vehicles)", md(mps(table), "{:.2f}")),
                ("MPS against the previous best estimate (million vehicles)",
                 md(mps(previous), "{:.2f}")),
                ("stock growth", md(growth(table))), ("removal rate", md(rates(table, best))),
                ("formal recycling", md(recycling(tables))),
                ("NBS classes 2002-2004 (10,000 vehicles)", md(classes_2003(stats, best))),
                ("2003 booking (thousand vehicles)",
                 md(booking_2003({n: runs[n] for n in ("best_estimate_study_path",
                                                       "best_estimate")}, stats), "{:.0f}")),
                (f"2050 stock, {args.draws} draws, seed {args.seed} (million vehicles)",
                 md(pd.concat([q_best, q_study]), "{:.3g}")),
                ("centre and spread of the projection parameters",
                 md(pd.concat([p_best, p_study]), "{:.4g}")),
                ("HT centre of the previous best estimate (logistic curve of the fit, before "
                 "the blend)", md(heavy_centre(study), "{:.2f}")),
                ("policy periods (period_effects.xlsx)", md(periods(), "{:g}"))]
    for name, (title, text) in zip(BLOCKS, sections):
        print(f"<!-- block: {name} -->\n\n{text}\n")  # docs/validation.md: validation.NAME


if __name__ == "__main__":
    main()
