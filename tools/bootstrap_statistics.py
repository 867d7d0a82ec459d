"""Write the validation workbooks of datasets/ from independent statistics (NBS, MPS, CAAM, ...).

Re-runnable: it (over)writes only the workbooks of issue 20, never a shipped parameter workbook:

- ``validation_statistics.xlsx``: independent observations (``observations`` sheet), compared
  with every run (``validation.csv``), not fitted;
- ``stock_projection_priors.xlsx``: priors on the stock projection where the logistic fit's
  targets are the study's own projections (2035/2050 anchors);
- ``period_effects.xlsx``: calendar-year policy periods, their evidence and prior ranges;
- ``calibration_statistics.xlsx``: the same observations as calibration targets (format of
  ``calibration_best_estimate.xlsx``) for the refit of part 2; not run here.

Every figure below carries its original source (URL or table) and confidence, as collected in
the project's notes on statistics (SB) and validation (VB), which are not part of the
repository (the workbooks cite SB and VB beside each source); derived values show their
arithmetic. ``docs/validation.md`` describes the statistics. Uncertainties follow the rules of :data:`RULES` (assumptions,
stated as such in the workbook).

Usage: python tools/bootstrap_statistics.py [ROOT] [--out DIR | --in-place]
(tools/data_step.py: by default nothing is written, only the diff is printed)
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from elt_odym.io.statistics import PERIOD_COLUMNS, PRIOR_COLUMNS, STATISTICS_COLUMNS
from elt_odym.io.targets import write_targets

WAN = 10_000  # 万 = 10,000 vehicles
RULES = {
    "stock": (0.01, "sd 1 % of the count (assumption: a printed MPS/NBS count, exact to 0.5万 "
                    "= 0.02-0.04 %; 1 % allows for the reprint and the counting date)"),
    "flow": (0.02, "sd 2 % of the count (assumption: a reprinted registration or recycling "
                   "count of a period; 2 % allows for the reprint and the period's end date)"),
    "sales": (0.03, "sd 3 % (assumption: CAAM sales reprinted by press; sales include chassis "
                    "and tractors)"),
    "recycling": (0.05, "sd 5 % (assumption: a monthly MOFCOM/CMRA count reprinted by press; "
                        "trailers are counted apart from trucks, Sep 2019)"),
    "derived": (0.10, "sd 10 % (assumption: a value derived from a growth rate, SB arithmetic)"),
    "class": (0.30, "sd 30 % (assumption: CAAM medium is 6-14 t GVW, MPS/NBS medium 4.5-12 t "
                    "or >= 6 m (VB 0); no source quantifies the mapping)"),
}
SD_ROUND = 0.29  # sd of a value rounded to a unit: uniform on +-0.5 unit, 1/sqrt(12)

MPS_SCOPE = ("MPS registered trucks (载货汽车): excludes tri-wheel and low-speed vehicles; "
             "registered is not in use (SB gap 9)")
SALES_SCOPE = "CAAM sales incl. chassis and tractors; CAAM classes by GVW (SB 4a)"


def _obs(obs_id, quantity, variable, g, period, value, scope, model_side, source, conf,
         sd=None, low=None, high=None, basis="", note=""):
    return dict(zip(STATISTICS_COLUMNS, (obs_id, quantity, variable, g, period, float(value),
                                         "unit", scope, model_side, source, conf, sd, low,
                                         high, basis, note)))


STOCK_AT = "model stock interpolated linearly between year-ends at the period's end"
FLOW_OVER = "model's annual {v} spread evenly over each year, summed over the period"
REMOVALS = ("model inflow minus stock change over the period (= eol + transfer_out - "
            "transfer_in; for the total, eol)")
COLLECTED = ("model eol times the scenario's collection_rate, spread evenly over each year, "
             "summed over the period")


def mps_stock() -> list[dict]:
    """MPS registered trucks, total (SB 1b; VB 1 for June 2017)."""
    sd, basis = RULES["stock"]
    rows = [("2017-03", 2229, "fromgeek.com/car/93990.html", ""),
            ("2017-06", 2273, "roadefend.com (...id=147)", "Xinhua: 22.7 million, end-June "
             "2017 (VB 1, H)"),
            ("2017", 2341, "zxb.ccn.com.cn/html/zxb/20180125/88945.html", ""),
            ("2018-06", 2470, "zx.lc123.net/html/2018-07-16/960747.html", "+128万 on end-2017"),
            ("2018", 2570, "finance.people.com.cn/n1/2019/0113/c1004-30524250.html", ""),
            ("2019-06", 2694, "autopartners.com.cn/?p=68052", "10.71 % of cars"),
            ("2020-09", 2997, "workercn.cn/32854/202010/21/201021075549388.shtml", ""),
            ("2021-09", 3242, "zxyldj.com/detail/54217.html", "")]
    return [_obs(f"MPS_STOCK_{p.replace('-', 'M')}", "MPS registered trucks", "stock", "total",
                 p, v * WAN, MPS_SCOPE, STOCK_AT, f"{src} (SB 1b)", "M", sd=sd * v * WAN,
                 basis=basis, note=f"{v}万" + (f"; {n}" if n else ""))
            for p, v, src, n in rows]


MPS_NEW = {"2017-H1": (156, "roadefend.com (...id=147)", "M", ""),
           "2017": (310, "zxb.ccn.com.cn/html/zxb/20180125/88945.html", "M", ""),
           "2018-H1": (172, "zx.lc123.net/html/2018-07-16/960747.html", "M", ""),
           "2018": (326, "finance.people.com.cn/n1/2019/0113/c1004-30524250.html", "M", ""),
           "2019-H1": (175, "autopartners.com.cn/?p=68052", "M", ""),
           "2019": (351, "derived from the 2020 release: 416 / 1.1843", "L",
                    "2020's 416万 was +18.43 % on 2019"),
           "2020-Q3": (109, "workercn.cn/32854/202010/21/201021075549388.shtml", "M", "+46.1 %"),
           "2020": (416, "m.gxsjrc.com/Index/news/detail/id/2556.html", "M", "+18.43 %"),
           "2021-01..2021-09": (334, "zxyldj.com/detail/54217.html", "M", "+12.8 %"),
           "2021": (404, "m.fzxysj.com/qc/202201/t20220112_6234732.html", "M", "-2.88 %"),
           "2023-H1": (133, "breakinglatest.news (MPS, Jul 2023); VB 2: 1.33 M (H)", "M",
                       "+8.1 %")}


def mps_new() -> list[dict]:
    """MPS new truck registrations, total (SB 1b)."""
    out = []
    for p, (v, src, conf, note) in MPS_NEW.items():
        sd, basis = RULES["flow"] if conf != "L" else RULES["derived"]
        out.append(_obs(f"MPS_NEW_{p.replace('-', '').replace('..', '_')}",
                        "MPS new truck registrations", "inflow", "total", p, v * WAN,
                        MPS_SCOPE + "; new registrations", FLOW_OVER.format(v="inflow"),
                        f"{src} (SB 1b)", conf, sd=sd * v * WAN, basis=basis,
                        note=f"{v}万" + (f"; {note}" if note else "")))
    return out


def mps_removals() -> list[dict]:
    """Removals = new registrations - stock change (SB 3, arithmetic shown)."""
    rows = [("2017-07..2017-12", 310 - 156, 2341 - 2273, "new 310 - 156 (H1); stock 2341 - "
             "2273 (Jun 2017)"),
            ("2018-H1", 172, 2470 - 2341, "new 172; stock 2470 - 2341 (SB 3 uses the release's "
             "+128: 44)"),
            ("2018", 326, 2570 - 2341, "new 326; stock 2570 - 2341"),
            ("2018-07..2019-06", 154 + 175, 2694 - 2470, "new (326 - 172) + 175; stock 2694 - "
             "2470"),
            ("2019-07..2020-06", 176 + 188, 2944 - 2694, "new (351 - 175) + 188 (H1 2020 = "
             "416 - 109 - 119); stock 2944 (Jun 2020 = 2997 - 53, SB 3) - 2694; the Jun 2020 "
             "stock and H1 2020 registrations are SB's arithmetic, not in its source table"),
            ("2020-Q3", 109, 53, "new 109; stock change 53 (SB 3)"),
            ("2020-10..2021-09", 119 + 334, 3242 - 2997, "new 119 (Q4 2020) + 334; stock 3242 - "
             "2997")]
    out = []
    for p, new, change, how in rows:
        value = new - change
        sd = math.hypot(RULES["flow"][0] * new, RULES["flow"][0] * change) * WAN
        out.append(_obs(f"MPS_REM_{p.replace('-', '').replace('..', '_')}",
                        "Removals implied by MPS", "removals", "total", p, value * WAN,
                        "every exit from the register (scrapping, loss, export of used trucks); "
                        "MPS publishes no deregistration count (SB 3)", REMOVALS,
                        "MPS stock and registrations above (SB 1b, 3), my arithmetic", "L",
                        sd=sd, basis="sd = 2 % of the new registrations and 2 % of the stock "
                        "change, independent (assumption: the 1 % level allowance of the two "
                        "counts is common and cancels)", note=f"{value}万 = {how}"))
    return out


def recycled() -> list[dict]:
    """Trucks formally recycled (dismantled), MOFCOM / CMRA (SB 2, VB 3)."""
    rows = [("2019-H1", 196_000, "MOFCOM via Xinhua (VB 3, labelled H there; M by SB's rule for "
             "reprints)", "M", "recycling", "+39.5 % y/y"),
            ("2019-01..2019-04", 120_000, "handmsg.com/page/2019/0121/15616376.shtml (CMRA; SB 2)",
             "M", "recycling", "12.0万 (+44.6 %); year inferred from the Jan-May total (SB 2)"),
            ("2019-04", 33_000, "handmsg.com/page/2019/0121/15616376.shtml (CMRA; SB 2)", "M",
             "recycling", "April alone 3.3万 (+32.4 %)"),
            ("2019-09", 36_000, "MOFCOM (VB 3)", "M", "recycling", "trailers about 6,000 more, "
             "not trucks"),
            ("2020-01", 18_000, "serviampro.com/newsinfo-24331.html (MOFCOM; SB 2)", "M",
             "recycling", "1.8万 (-46.7 %); Spring Festival and COVID-19"),
            ("2018-H1", 140_500, "derived: 19.6万 / 1.395 (SB 2)", "L", "derived",
             "from H1 2019 and its growth rate"),
            ("2019-01", 33_800, "derived: 1.8万 / 0.533 (SB 2)", "L", "derived",
             "from Jan 2020 and its growth rate")]
    return [_obs(f"REC_{p.replace('-', '').replace('..', '_')}",
                 "Trucks formally recycled (MOFCOM/CMRA)", "collected", "total", p, v,
                 "trucks (货车) dismantled by licensed recyclers; trailers apart", COLLECTED,
                 src, conf, sd=RULES[rule][0] * v, basis=RULES[rule][1], note=note)
            for p, v, src, conf, rule, note in rows]


def heavy_sales() -> list[dict]:
    """CAAM heavy-truck sales (SB 4a, VB 2), exports removed where sources allow (SB 4b)."""
    tb, so = "trailer-bodybuilders.com/archive/china-s-heavy-truck-sales-48", "steelorbis.com"
    bound = ("domestic sales lie between the sales and the sales less exports; exports of "
             "heavy trucks were 2.9 % (2007) and 6.8 % (2019) of sales (SB 4b): range "
             "[0.932 x sales, sales] (assumption: no higher share before 2020)")
    gross = [("2000", 82_184, tb + " (VB 2)", "before the model years"),
             ("2004", 370_795, tb, ""), ("2005", 236_600, tb, ""), ("2006", 307_300, tb, ""),
             ("2010", 1_017_400, "m.wbpaz.cn/article/show/1076", "101.74万"),
             ("2012", 636_000, "chinaautoreview.com (Oct-2013 story)", ""),
             ("2013", 770_000, "chinaautoreview.com/index.php/China-sells-349-million-trucks-"
              "in-2013/", ""),
             ("2016", 728_000, so + " (VB 2)", ""),
             ("2017", 1_117_000, "CAAM con_5214622 (SB 4a note a)", ""),
             ("2018", 1_148_000, "CAAM con_5221202 (SB 4a note a)", "")]
    out = [_obs(f"CAAM_HT_{p}", "Heavy-truck sales (CAAM)", "inflow", "HT", p, v,
                SALES_SCOPE + "; heavy > 14 t (MPS heavy >= 12 t); includes exports",
                FLOW_OVER.format(v="inflow"), src + " (SB 4a)", "M", low=0.932 * v, high=v,
                basis=bound, note=n) for p, v, src, n in gross] + heavy_2003()
    cv = "all commercial-vehicle exports (trucks and buses) bound heavy-truck exports"
    ranged = [("2020", 1_623_000, 235_500, so, "CV exports 2021 402k at +70.7 % -> 2020 "
               "235.5k (SB 4b, L)"),
              ("2021", 1_391_000, 402_000, so + " (cvworld)", "CV exports 402k (SB 4b)"),
              ("2024", 901_694, 404_300, "80hlw.com/keji/2523420.html (CAAM; heavy derived "
               "3,362,200 - 127,553 - 1,899,750 - 433,203)", "heavy exports >30 % up in H1 2024 "
               "(SB 4b): 311k x 1.3 = 404k (L)")]
    out += [_obs(f"CAAM_HT_{p}", "Heavy-truck sales (CAAM)", "inflow", "HT", p, v,
                 SALES_SCOPE + "; heavy > 14 t; includes exports", FLOW_OVER.format(v="inflow"),
                 src + " (SB 4a)", "M" if p != "2024" else "L", low=v - x, high=v,
                 basis=f"range [sales - export bound, sales]: {cv}" if p != "2024" else
                 "range [sales - estimated exports, sales] (assumption, L)", note=n)
            for p, v, x, src, n in ranged]
    domestic = [("2007", 487_500, 14_000, tb, "fuelsandlubes.com (2008)"),
                ("2019", 1_174_000, 1_174_000 * 0.068, "CAAM con_5228367 (SB 4a note a)",
                 "6.8 % export share of 2019 (SB 4b, L)"),
                ("2022", 672_000, 185_000, so + " (VB 2)", "shacmaninternational.com: Russia "
                 "32,000 = 17.3 % of heavy exports"),
                ("2023", 910_000, 311_000, "shacmaninternational.com (citing CAAM)",
                 "shacmaninternational.com: Russia 108,000 = 34.7 %")]
    for p, v, x, src, xsrc in domestic:
        sd = math.hypot(RULES["sales"][0] * v, RULES["derived"][0] * x)
        out.append(_obs(f"CAAM_HT_DOM_{p}", "Heavy-truck sales (CAAM)", "inflow", "HT", p,
                        v - x, SALES_SCOPE + "; heavy > 14 t; exports removed",
                        FLOW_OVER.format(v="inflow"), f"{src}; exports: {xsrc} (SB 4a, 4b)",
                        "L", sd=sd, basis="sd = 3 % of sales and 10 % of the exports "
                        "(assumptions, independent)",
                        note=f"domestic = {v:,} - {x:,.0f} exports"))
    return out


def heavy_2003() -> list[dict]:
    """Heavy-truck new trucks of 2003, between the sales of 2000 and 2004 (L)."""
    tb = "trailer-bodybuilders.com/archive/china-s-heavy-truck-sales-48"
    low, high = 82_184, 370_795
    return [_obs("CAAM_HT_INTERP_2003", "Heavy-truck sales (CAAM)", "inflow", "HT", "2003",
                 low * (high / low) ** 0.75, SALES_SCOPE + "; heavy > 14 t; no 2001-2003 "
                 "figure: interpolated", FLOW_OVER.format(v="inflow"),
                 f"derived from CAAM_HT_2000 and CAAM_HT_2004 ({tb}; VB 2)", "L", low=low,
                 high=high, basis="range [sales of 2000, sales of 2004]: heavy-truck sales "
                 "rose from 82,184 (2000) to 370,795 (2004) (VB 2, SB 4a); 2003 lies between "
                 "them (assumption: no fall in between)", note=f"geometric interpolation "
                 f"{low:,} x ({high:,} / {low:,})^(3/4): constant growth 2000-2004")]


def class_sales() -> list[dict]:
    """CAAM medium, light + mini and all-truck sales (SB 4a, VB 2)."""
    sd_c, basis_c = RULES["class"]
    medium = [("2010", 271_800, "m.wbpaz.cn/article/show/1076"),
              ("2013", 286_000, "chinaautoreview.com (2013)"),
              ("2014", 150_278, "CATARC via IHS/S&P Global (VB 2; complete vehicles, it seems)"),
              ("2017", 229_113, "Forbes via dieselforum.org"),
              ("2019-01..2019-11", 127_000, "m.csctrucks.com (CAAM)"),
              ("2024", 127_553, "80hlw.com/keji/2523420.html (CAAM)")]
    out = [_obs(f"CAAM_MT_{p.replace('-', '').replace('..', '_')}", "Medium-truck sales (CAAM)",
                "inflow", "MT", p, v, SALES_SCOPE + "; medium 6-14 t (MPS medium 4.5-12 t or "
                ">= 6 m); includes exports", FLOW_OVER.format(v="inflow"), src + " (SB 4a)", "M",
                sd=sd_c * v, basis=basis_c) for p, v, src in medium]
    light = [("2010", 1_959_800, 612_100, "m.wbpaz.cn/article/show/1076"),
             ("2013", 1_900_000, 527_000, "chinaautoreview.com (2013)"),
             ("2014", 1_559_520, 527_751, "CATARC via IHS/S&P Global (VB 2)"),
             ("2019-01..2019-11", 1_690_000, 569_000, "m.csctrucks.com (CAAM)"),
             ("2024", 1_899_750, 433_203, "80hlw.com/keji/2523420.html (CAAM)")]
    out += [_obs(f"CAAM_ST_{p.replace('-', '').replace('..', '_')}",
                 "Light + mini truck sales (CAAM)", "inflow", "ST", p, lt + mini,
                 SALES_SCOPE + "; light 1.8-6 t plus mini <= 1.8 t against NBS light (ST); "
                 "includes exports", FLOW_OVER.format(v="inflow"), src + " (SB 4a)", "M",
                 low=lt, high=lt + mini, basis="range [light, light + mini]: mini trucks over "
                 "3.5 m or 1.8 t register as light (VB 0); the share is not known",
                 note=f"light {lt:,}, mini {mini:,}") for p, lt, mini, src in light]
    total = [("2010", 3_861_100, "m.wbpaz.cn/article/show/1076"),
             ("2013", 3_490_000, "chinaautoreview.com (2013)"),
             ("2017", 3_633_000, "CAAM con_5214622"), ("2018", 3_886_000, "CAAM con_5221202"),
             ("2019", 3_850_000, "CAAM con_5228367"),
             ("2024", 3_362_200, "80hlw.com/keji/2523420.html (CAAM)")]
    out += [_obs(f"CAAM_ALL_{p}", "Truck sales, all classes (CAAM)", "inflow", "total", p, v,
                 SALES_SCOPE + "; includes exports (11.4 % of the truck market in Q1 2022, SB "
                 "4b; not known by year before)", FLOW_OVER.format(v="inflow"),
                 src + " (SB 4a)", "M", high=(1 + RULES["sales"][0]) * v,
                 basis="upper bound: sales (+3 %) include exports, so domestic registrations "
                 "are at most the sales") for p, v, src in total]
    return out


NBS_PRIVATE = {2002: (48.27, 84.40, 158.67, 49.95), 2003: (44.47, 95.20, 176.58, 51.09),
               2004: (53.40, 94.69, 203.85, 50.87)}
NBS_CIVIL = {2002: (148.28, 218.69, 360.58, 84.66), 2003: (136.79, 243.70, 390.79, 82.22)}
TYPES = ("HT", "MT", "ST", "NT")


def nbs_classes() -> list[dict]:
    """NBS private trucks by class 2002-2004 (lower bounds of the civil stock) and the civil
    stock of 2004 derived from them (SB 1a, VB 1)."""
    out = []
    src = {2002: "stats.gov.cn/sj/ndsj/2005/html/P1627e.htm", 2003:
           "stats.gov.cn/sj/ndsj/2005/html/P1627e.htm", 2004: "CSY 2005, table 16-27 (VB 1)"}
    for year, values in NBS_PRIVATE.items():
        for g, v in zip(TYPES, values):
            out.append(_obs(f"NBS_PRIV_{g}_{year}", "NBS trucks by class", "stock", g, str(year),
                            v * WAN, "private trucks only, a subset of civil trucks: a lower "
                            "bound of the stock", STOCK_AT, f"{src[year]} (SB 1a)", "H",
                            low=v * WAN, basis="lower bound (scope)", note=f"{v}万 private"))
    share = {g: [NBS_PRIVATE[y][i] / NBS_CIVIL[y][i] for y in (2002, 2003)]
             for i, g in enumerate(TYPES)}
    spread = max(abs(s[1] - s[0]) for s in share.values())
    for i, g in enumerate(TYPES):
        p, s = NBS_PRIVATE[2004][i], share[g][1]
        out.append(_obs(f"NBS_CIVIL_{g}_2004", "NBS trucks by class", "stock", g, "2004",
                        p / s * WAN, "civil trucks (the model's scope), derived", STOCK_AT,
                        "NBS private 2004 (VB 1) / private share of 2003 (SB 1a, VB 1)", "L",
                        low=p / (s + spread) * WAN, high=p / (s - spread) * WAN,
                        basis=f"range: the 2004 private share within the 2003 share +- "
                        f"{spread:.1%}, the largest change of any class's share in 2002-2003 "
                        "(assumption)", note=f"{p}万 / {s:.4f}"))
    return out


def other_stocks() -> list[dict]:
    """Operating trucks (NBS highway transportation, MOT) and the heavy-truck fleet."""
    op = "operating trucks only, a subset of civil trucks: a lower bound of the stock"
    rows = [(f"NBS_OPER_{y}", str(y), v * WAN, "stats.gov.cn/sj/ndsj/2005/html/P1629e.htm "
             "(SB 1a)", "H", f"{v}万 trucks for highway transportation")
            for y, v in ((2002, 536.78), (2003, 572.45), (2004, 628.09))]
    rows += [("MOT_OPER_2010", "2010", 1050.19 * WAN, "dlnp.com.cn/reports/2011-04/28/"
              "content_22460116_3.htm (SB 1c)", "M", "1050.19万 (+15.8 %)"),
             ("MOT_OPER_2011", "2011", 1179.41 * WAN, "hkqpw.cn/article/show/1281 (SB 1c)", "M",
              "1179.41万; ordinary 1116.36, special-purpose 63.05")]
    out = [_obs(i, "Operating trucks (lower bound)", "stock", "total", p, v, op, STOCK_AT, s, c,
                low=v, basis="lower bound (scope)", note=n) for i, p, v, s, c, n in rows]
    out.append(_obs("WM_HT_2023", "Heavy-truck fleet", "stock", "HT", "2023", 8_760_000,
                    "heavy-truck fleet, class boundary not stated", STOCK_AT,
                    "Wood Mackenzie (VB 1)", "M", sd=0.05 * 8_760_000,
                    basis="sd 5 % (assumption: 'about 8.76 million', class boundary unknown)",
                    note="~8.76 million"))
    out.append(_obs("MOT_HT_2018", "Heavy-truck fleet", "stock", "HT", "2018", 6_000_000,
                    "'over 6 million heavy-duty trucks', MOT estimate paraphrased in press "
                    "around 2018; year uncertain", STOCK_AT, "fentonpost.com/64254/... (SB 1c)",
                    "L", low=6_000_000, basis="lower bound ('over 6 million')"))
    return out


def observations() -> pd.DataFrame:
    rows = (mps_stock() + mps_new() + mps_removals() + recycled() + heavy_sales()
            + class_sales() + nbs_classes() + other_stocks())
    return pd.DataFrame(rows, columns=STATISTICS_COLUMNS)


PRIOR_SD = 0.20
PRIOR_SD_BASIS = ("sd 20 % of the centre: an assumption, not a source. No independent "
                  "projection of China's truck stock to 2035/2050 is in the briefs (SB, VB); "
                  "replace it with a sourced range (e.g. a driver-based projection)")
XU = "Xu et al. (2025), Commun. Earth Environ., via data_brief.md 1"


def priors() -> pd.DataFrame:
    """Priors replacing the study's projected stocks (2035/2050) in the logistic fit."""
    rows = [("HT", 2050, 13_000_000, PRIOR_SD * 13_000_000, "2035;2050",
             "centre: the study's 'stable at about 13 M after 2035'; one prior on the level, "
             "since the 2035 and 2050 anchors are one statement; " + PRIOR_SD_BASIS),
            ("ST", 2050, 37_000_000, PRIOR_SD * 37_000_000, "2050",
             "centre: the study's 37 M in 2050 (slow growth after 2020); " + PRIOR_SD_BASIS),
            ("MT", 2050, 500, 500, "2050", "the study's 'fewer than 1 thousand units' read as "
             "500 +- 500 (assumption, as in stock_anchors.xlsx)")]
    return pd.DataFrame([dict(zip(PRIOR_COLUMNS, (g, y, v, sd, "unit", rep, "assumption", XU,
                                                  "L", note)))
                         for g, y, v, sd, rep, note in rows], columns=PRIOR_COLUMNS)


CHINA3 = ("China III phase-out: Blue Sky plan (Jun 2018) and Diesel Truck Action Plan, Huanqi "
          "[2018] 179 (4 Jan 2019): >= 1 M China III-and-below operating diesel trucks "
          "eliminated in key regions by end-2020 (acatruck.com; SB 7, VB 4); central-budget "
          "awards (State Council, 31 Mar 2020; SB 7)")
CHINA3_TARGETS = ("MPS_REM_* (removals), CAAM_HT_2020, CAAM_HT_2021, CAAM_HT_DOM_2019, "
                  "CAAM_HT_DOM_2022, REC_2019*")
CHINA3_MODEL = ("best_estimate: one factor per year, HT and MT, fitted (calibration_statistics"
                ".xlsx -> best_estimate_statistics/hazard_period_factor.xlsx); "
                "best_estimate_study_path: one factor over 2019-2022 "
                "(best_estimate/hazard_period_factor.xlsx)")
RENEWAL = ("2024 equipment renewal (NDRC/MOF, 25 Jul 2024, about CNY 300 bn): scrap China "
           "III-and-below operating diesel trucks, up to CNY 140,000 each, 31 Jul-31 Dec 2024 "
           "(transformcn.com/Regulations/773.html; caixinglobal.com 2024-08-03; SB 7, VB 4)")


def reclass_range() -> tuple[float, float, str]:
    """The 2003 HT -> MT transfer the NBS classes imply, bounded by the heavy-truck sales.

    transfer = HT stock fall + HT new trucks - HT end of life. New trucks lie between the
    sales of 2000 and 2004 (sales rose in between); end of life between none and the 2002
    stock over the heavy-truck mean life of 12.8 yr (Hao et al. 2011, SB 6: a steady fleet
    retires stock / mean life a year, a growing one fewer)."""
    fall = (NBS_CIVIL[2002][0] - NBS_CIVIL[2003][0]) * WAN
    low_new, high_new, mean_life = 82_184, 370_795, 12.8
    eol_max = NBS_CIVIL[2002][0] * WAN / mean_life
    low, high = fall + low_new - eol_max, fall + high_new
    how = (f"HT fall {fall:,.0f} + HT new trucks in [{low_new:,}, {high_new:,}] (sales 2000, "
           f"2004) - HT end of life in [0, {eol_max:,.0f}] (2002 stock / 12.8 yr)")
    return low, high, how


HF = "1 (multiplier of the one-year scrapping hazard)"


def periods() -> pd.DataFrame:
    """Policy periods by calendar year, with evidence and prior ranges."""
    rows = _before_2019() + _china3() + _after_2022() + [_reclass()]
    return pd.DataFrame([dict(zip(PERIOD_COLUMNS, r)) for r in rows], columns=PERIOD_COLUMNS)


def _before_2019() -> list[tuple]:
    return [("STIMULUS_2009_2010", 2009, 2010, "HT+MT+ST", "hazard_factor",
             "2009-2010 stimulus (issue 20's question); no policy source in the briefs: to be "
             "sourced", "truck sales 386.11万 in 2010, +30.5 %; heavy 1,017,400 in 2010 against "
             "487,500 in 2007 and 380,100 in H1 2008 (m.wbpaz.cn, trailer-bodybuilders.com; "
             "SB 4a)", "CAAM_HT_2010, CAAM_ALL_2010, CAAM_MT_2010, CAAM_ST_2010", 0.5, 3.0, HF,
             "assumption", "L", "no: not identifiable, the new trucks of 2009-2010 follow "
             "from the stock path interpolated between the records of 2003 and 2010",
             "a high 2010 sales figure can also mean the study's 2010 HT stock (4.0 M) is low, "
             "or that the stock grew faster in 2009-2010 than a constant rate from 2003: the "
             "factor and the stock path compete"),
            ("YELLOW_LABEL_2014_2015", 2014, 2015, "all", "hazard_factor",
             "yellow-label vehicle drive (2014-2015); >20 M outdated vehicles removed "
             "2013-2017 (all vehicles)", "995,200 high-emission vehicles removed Jan-Oct (2015 "
             "inferred) = 85.5 % of the target (researchinchina.com 39008); >20 M 2013-2017 "
             "(freemalaysiatoday.com, MEE); heavy-truck sales -26 % in 2015 "
             "(globaltrailermag.com) (SB 4a, 7)", "none for trucks in 2014-2015 beyond "
             "CAAM_MT_2014, CAAM_ST_2014 (class sales)", 1.0, 2.0, HF, "assumption", "L", "no",
             "counts are for all vehicles: not identifiable from the truck series here")]


def _china3() -> list[tuple]:
    china3 = {2019: "domestic heavy sales about 1.094 M (SB 4b); MOFCOM trucks recycled "
                    "196,000 in H1 2019, +39.5 % (VB 3); removals implied by MPS 105万 in "
                    "Jul 2018-Jun 2019 (SB 3)",
              2020: "heavy-truck record 1.623 M driven by China III scrappage subsidies (CV "
                    "World via mysteel, VB 4); removals implied by MPS 56万 in Q3 2020 (SB 3)",
              2021: "heavy sales 1.391 M (-14.1 %); removals implied by MPS 208万 in Oct "
                    "2020-Sep 2021, twice 2018's 97万 (SB 3)",
              2022: "heavy sales 672k, of which about 185k exported (SB 4b): domestic 487k; "
                    "achieved phase-out counts not found (SB 7)"}
    return [(f"CHINA3_{y}", y, y, "HT+MT", "hazard_factor", CHINA3, ev, CHINA3_TARGETS, 0.5,
             4.0, HF + ", one per year", "assumption", "M", CHINA3_MODEL,
             "one factor cannot make both the 2020 record and the 2022 slump (issue 20): one "
             "per year; below 1 lets 2022 fall after the pull-forward")
            for y, ev in china3.items()]


def _after_2022() -> list[tuple]:
    return [("RENEWAL_2024", 2024, 2024, "HT+MT", "hazard_factor", RENEWAL,
              "all-vehicle recycling Jan-Jul 2024 3.509 M (+37.4 %; May/Jun/Jul +55.6/72.9/"
              "93.7 %) (information.bz, MOFCOM; SB 2)", "CAAM_HT_2024, CAAM_MT_2024, "
              "CAAM_ST_2024, CAAM_ALL_2024; no truck recycling count for 2024 (SB 2)", 1.0, 3.0,
              HF, "assumption", "M", "best_estimate: fitted, HT and MT "
              "(best_estimate_statistics/hazard_period_factor.xlsx)", "operating diesel trucks "
              "of China III and below: "
              "mostly HT and MT"),
             ("RENEWAL_2025", 2025, 2025, "HT+MT", "hazard_factor", "2025 extension to China "
              "IV trucks (NDRC/MOF FGHZ [2025] No. 13, 8 Jan 2025; VB 4)", ">250,000 China "
              "III/IV diesel trucks retired under the programme (to end-Nov, likely 2025; MOT "
              "at SCIO via gmt8press; VB 4)", "the 250,000 retirements (VB 4); no 2025 "
              "statistic in validation_statistics.xlsx yet", 1.0, 3.0, HF, "assumption", "M",
              "no", "not identifiable until a 2025 series exists")]


def _reclass() -> tuple:
    low, high, how = reclass_range()
    return ("RECLASS_2003", 2003, 2003, "HT->MT", "transfer", "none found: a change of class "
            "boundaries or of counting between the 2002 and 2003 tables (issue 20's question)",
            "civil HT 148.28 -> 136.79万 while MT 218.69 -> 243.70万 and the total grows "
            "smoothly (765.24, 812.22, 853.51万 in 2001-2003; data brief 1, VB 1); private HT "
            "48.27, 44.47, 53.40万 and private MT 84.40, 95.20, 94.69万 in 2002-2004 (SB 1a, VB "
            "1); heavy sales 82,184 (2000) and 370,795 (2004) (VB 2)",
            "NBS_PRIV_*_2002-2004, NBS_CIVIL_*_2004, CAAM_HT_2000, CAAM_HT_2004, "
            "CAAM_HT_INTERP_2003", low, high, "vehicles moved from HT to MT in 2003",
            "assumption", "L", "best_estimate: a given transfer HT->MT fitted to "
            "CAAM_HT_INTERP_2003 (best_estimate_statistics/reclassification.xlsx), then the "
            "surplus rule; best_estimate_study_path: the surplus rule only", how)


FITTED_PERIODS = ("CHINA3_2019", "CHINA3_2020", "CHINA3_2021", "CHINA3_2022", "RENEWAL_2024")
"""Period factors the targets can identify (period_effects.xlsx: target_series): years whose new
trucks are targets. The 2009-2010 stimulus is not: its years' new trucks follow from the stock
path interpolated between the records of 2003 and 2010; the yellow-label drive and the 2025
extension have no truck series."""
FITTED_TYPES = ("HT", "ST")
"""Weibull scales fitted. MT and NT keep their literature values: no MT series is a target
(CAAM_MT_2024 is compared only), and fitted with the others MT's scale came out with a standard
error about its value (11.2 +- 11.6 yr), i.e. not determined; no NT series after 2004."""
START = {"ST": (40.0, "starts at its upper bound: from the literature value (8.9 yr) the fit "
                "crawls towards the bound, the targets wanting no light truck to leave the "
                "register before the legal age, when the age cap retires it; at the bound it is "
                "held in the Monte Carlo")}
"""Starting values other than the literature's, with the reason."""
NOT_FITTED = {
    "CAAM_MT_2024": "the MT stock path after 2021 is the study's projected decline to fewer "
                    "than 1,000 trucks in 2050, which leaves no room for these sales: a "
                    "validation miss of the projection, not something lifetimes can fit",
}
"""Observations that meet the rules of :func:`_target` but are compared, not fitted."""


def fitted_years(datasets: Path) -> set[int]:
    """Years whose new trucks identify lifetimes and period factors: the stock change is
    recorded at both ends (both year-ends are records of best_estimate_literature's
    stock_history), or the year lies after the last record (the projection)."""
    from elt_odym.data import load_data

    data = load_data(datasets, "best_estimate_literature")
    history = data["stock_history"].observations
    recorded = {y for (y, _g) in history if y <= data.options.switch_year}
    return ({y for y in recorded if y - 1 in recorded}
            | {y for y in data.years if y > max(recorded)})


def _target(o, years: set[int]) -> dict | None:
    """A calibration target from one calendar-year flow of new trucks in ``years`` with a
    two-sided uncertainty, or None (README_TARGETS)."""
    if (o.variable != "inflow" or not str(o.period).isdigit() or int(o.period) not in years
            or o.obs_id in NOT_FITTED):
        return None
    low, high = o.low, o.high
    if pd.notna(o.sd):
        value, sd = o.value, o.sd
    elif pd.notna(low) and pd.notna(high):
        value, sd = (low + high) / 2, (high - low) / math.sqrt(12)
    else:
        return None  # a one-sided bound is a check, not a target
    return {"target_id": o.obs_id, "variable": "inflow", "truck_type": o.truck_type,
            "material": "", "year": int(o.period), "value": value, "unit": o.unit,
            "tolerance": sd / value, "source": o.source,
            "note": f"{o.quantity}; tolerance = one sd: {o.uncertainty_basis}"}


def calibration_targets(obs: pd.DataFrame, datasets: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Targets and free parameters of best_estimate (README_TARGETS)."""
    from elt_odym.data import load_data

    years = fitted_years(datasets)
    rows = [t for t in (_target(o, years) for o in obs.itertuples(index=False)) if t]
    data = load_data(datasets, "best_estimate_literature")
    scale, types = data["weibull_scale"].values, data.items["g"]
    free = [{"name": "weibull_scale", "item": g, "initial": START.get(g, (float(
             scale[types.index(g)]), "literature start"))[0], "lower": 3.0, "upper": 40.0,
             "note": "Weibull scale of the type (" + START.get(g, (0, "literature start"))[1]
             + "; the age cap bounds the life)"} for g in FITTED_TYPES]
    per = periods()
    for p in per[per.period_id.isin(FITTED_PERIODS)].itertuples(index=False):
        free.append({"name": "period_factor", "item": f"{p.truck_types} {p.first_year}-"
                     f"{p.last_year}", "initial": 1.0, "lower": p.prior_low,
                     "upper": p.prior_high, "note": f"{p.period_id} (period_effects.xlsx)"})
    r = per.set_index("period_id").loc["RECLASS_2003"]
    free.append({"name": "reclassification", "item": f"{r.truck_types.split('->')[0]} "
                 f"{r.first_year}", "initial": round((r.prior_low + r.prior_high) / 2),
                 "lower": r.prior_low, "upper": r.prior_high,
                 "note": "RECLASS_2003 (period_effects.xlsx): HT -> MT in 2003"})
    return pd.DataFrame(rows), pd.DataFrame(free)


README_STATS = """\
Independent statistics for validating elt-odym runs (issue 20): one row per observation.
Written by tools/bootstrap_statistics.py from statistics_brief.md (SB) and validation_brief.md
(VB).
Every run compares them with the model (validation.csv, report.html: Validation); they are NOT
fitted unless a calibration names them (calibration_statistics.xlsx does, for the refit).
Values in vehicles (unit). period: 2017 = the year (a stock at its end), 2017-03 = the month (a
stock at its end), 2019-H1, 2020-Q3, 2019-01..2019-04 (months inclusive; flows only).
variable: stock, inflow (new trucks), eol, removals (new trucks minus stock change), collected
(eol x collection_rate).
Uncertainty: sd (normal), or low/high (a range, or one bound when only one is given);
uncertainty_basis says where it comes from (mostly an assumption).
Confidence: H official statistic read on the agency's page; M press or industry reprint of an
official figure; L derived or unverified (SB).
"""
README_PRIORS = """\
Priors on the stock projection (issue 20): where the logistic fit's targets are the study's own
projections (stock_anchors.xlsx, 2035/2050), the fit used for sampling
(elt_odym.fleet.projection) drops the anchors listed in 'replaces' and adds the prior value +-
sd instead.
basis: source or assumption. Written by tools/bootstrap_statistics.py.
"""
README_PERIODS = """\
Calendar-year policy periods (issue 20): policy, evidence (sources from SB and VB), the series
that can identify each, and a prior range of its factor.
mechanism hazard_factor: the one-year scrapping hazard of every cohort alive is multiplied in
those years (elt_odym.fleet.hazard); transfer: vehicles reclassified between types
(elt_odym.fleet.transfers).
in_model: what the bundled scenarios do today. Written by tools/bootstrap_statistics.py;
analysis in docs/validation.md.
"""
README_TARGETS = """\
Calibration targets of best_estimate (issue 20, items 2, 3, 6) from validation_statistics.xlsx.
Targets: new trucks (registrations, domestic sales by class) of calendar years whose stock change
the records fix (both year-ends recorded in stock_recorded/stock_history.xlsx: 2003, 2018-2021)
or that lie after the records (2022-2024); tolerance = one sd of the observation (a range: its
centre and uniform sd). The stock itself is not a target (it is the recorded path), nor are the
removals (registrations minus the recorded stock change carry them), nor the years 2004-2017,
whose stock change comes from the interpolation between records (compared in validation.csv).
CAAM_MT_2024 is compared, not fitted: the MT path after 2021 is the study's projected decline.
Free: Weibull scales of HT and ST (MT not determined, NT no series: literature); one period
factor per year of the China III phase-out (2019-2022) and of the 2024 renewal programme, HT and
MT, bounds = prior ranges of period_effects.xlsx; the 2003 HT -> MT reclassification
(RECLASS_2003), fitted to the heavy-truck new trucks of 2003 (CAAM_HT_INTERP_2003). The
recycling counts fix the collected share of best_estimate_current_practice
(tools/build_best_estimate.py), not these parameters.
""" + ("elt-odym calibrate --targets datasets/calibration_statistics.xlsx "
       "--scenario best_estimate_literature --out datasets/best_estimate_statistics --force")


def _write(path: Path, sheet: str, table: pd.DataFrame, readme: str) -> None:
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"README": readme.splitlines()}).to_excel(xl, sheet_name="README",
                                                                index=False)
        table.to_excel(xl, sheet_name=sheet, index=False)


def main(datasets: Path) -> None:
    obs = observations()
    _write(datasets / "validation_statistics.xlsx", "observations", obs, README_STATS)
    _write(datasets / "stock_projection_priors.xlsx", "priors", priors(), README_PRIORS)
    _write(datasets / "period_effects.xlsx", "periods", periods(), README_PERIODS)
    targets, free = calibration_targets(obs, datasets)
    write_targets(targets, datasets / "calibration_statistics.xlsx", free, README_TARGETS)


if __name__ == "__main__":
    from data_step import run_step

    sys.exit(run_step(lambda root: main(root / "datasets"), sys.argv[1:], __doc__))
