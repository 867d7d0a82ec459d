"""Print the tables of docs/uncertainty.md (Markdown) from runs of the bundled data.

Every number of the page's tables comes from here: the deterministic run of the scenario, the
joint Monte Carlo with the draws and seed that ``elt-odym run`` uses for its headline range
(``[uncertainty] headline_draws`` and ``seed`` of config.toml, so the headline table is the one
``run`` prints), and the Sobol analysis by group that ``elt-odym sobol`` makes (base sample
``--sobol-n``, seed ``--sobol-seed``). The tables are blocks (``<!-- block: NAME -->``) that the
page's markers ``<!-- generated: uncertainty.NAME -->`` take at build time
(``tools/docs_hooks.py``): short, drawn, stock, headline, contributors, sobol.

Usage: python tools/uncertainty_tables.py [--scenario S] [--draws N] [--sobol-n N] > /tmp/t.md
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import pandas as pd

from elt_odym.data import load_data
from elt_odym.fleet.projection import draw_projection_parameters, stock_paths
from elt_odym.model import HEADLINE, headline_year, recycling_basis, run
from elt_odym.reporting.results import COUNT, headline_range_table
from elt_odym.uncertainty.montecarlo import mc_inputs, run_monte_carlo
from elt_odym.uncertainty.sampling import describe
from elt_odym.uncertainty.sobol import run_sobol

M = 1e6
MAIN = ("eol_mass total", "economic_value total", "carbon_saving total")
"""The headlines whose three largest contributors the page names."""


def md(df: pd.DataFrame, floats: str = "{:.3g}") -> str:
    """A data frame as a Markdown table."""
    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "" if math.isnan(v) else floats.format(v)
        return str(v).replace("|", "/")
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    return "\n".join([head, rule] + ["| " + " | ".join(cell(v) for v in row) + " |"
                                     for row in df.to_numpy(object)])


def drawn_table(data) -> pd.DataFrame:
    """What the joint Monte Carlo draws for the scenario."""
    t = describe(mc_inputs(data), data.config.uncertainty)
    return pd.DataFrame({"group": t.label, "drawn": t.drawn.map({True: "yes", False: "no"}),
                         "how": t.how})


def stock_table(mc, result, year: int) -> pd.DataFrame:
    """The stock of ``year`` per type: deterministic, the centre of the fit with the priors
    (the draws' spread is around it, applied to the deterministic path) and the Monte Carlo's
    percentiles (M)."""
    data = result.data
    centre = stock_paths(data, draw_projection_parameters(
        data, 1, np.random.default_rng(0), spread=0.0))[data.years.index(year), 0] / M
    rows = []
    for j, g in enumerate(list(data.items["g"]) + ["total"]):
        band = mc.band("stock", g)[:, mc.layout.years.index(year)] / M
        det = result.value("stock", year, g) / M
        rows.append({"truck type": g, "deterministic (M)": det,
                     "fit with priors (M)": centre[j] if g != "total" else centre.sum(),
                     "p05 (M)": band[0],
                     "median (M)": band[1], "p95 (M)": band[2],
                     "p95/p05": band[2] / band[0] if band[0] > 0 else np.nan})
    return pd.DataFrame(rows)


def headline_table(table: pd.DataFrame) -> pd.DataFrame:
    """The headline of :func:`~elt_odym.reporting.results.headline_range_table`."""
    out = table[["quantity", "unit", "deterministic", "median", "p05", "p95"]].copy()
    out["deterministic within p05-p95"] = np.where(
        (table.p05 <= table.deterministic) & (table.deterministic <= table.p95), "yes", "no")
    return out


def top3(sobol: pd.DataFrame) -> pd.DataFrame:
    """The three groups with the largest total index per output (ST, S1 in brackets)."""
    rows = []
    for output, part in sobol.groupby("output", sort=False):
        part = part.sort_values("ST", ascending=False).head(3)
        row = {"output": output}
        for rank, r in zip(("first", "second", "third"), part.itertuples()):
            row[rank] = f"{r.group} ({r.ST:.2f}; {r.S1:.2f})"
        row["sum of S1"] = f"{sobol[sobol.output == output].S1.sum():.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def grid(sobol: pd.DataFrame, outputs: tuple[str, ...]) -> pd.DataFrame:
    """Total indices ST (with their 95 % bootstrap half-width) of the main outputs."""
    part = sobol[sobol.output.str.rsplit(" ", n=1).str[0].isin(outputs)]
    text = part.assign(cell=[f"{st:.2f} +- {c:.2f}" for st, c in zip(part.ST, part.ST_conf)])
    return text.pivot(index="group", columns="output", values="cell").reset_index()


def statement(table: pd.DataFrame, sobol: pd.DataFrame, year: int) -> str:
    """The main headlines in words: deterministic, median, p05-p95, three largest groups."""
    lines = []
    for output in MAIN:
        var = output.split()[0]
        row = table[table.quantity == var].iloc[0]
        part = sobol[sobol.output == f"{output} {year}"].sort_values("ST", ascending=False)
        groups = ", ".join(f"{g} (total Sobol index {st:.2f})"
                           for g, st in zip(part.group[:3], part.ST[:3]))
        lines.append(f"- **{var}** {year}: deterministic {row.deterministic:.4g} {row.unit}; "
                     f"Monte Carlo median {row['median']:.4g}, p05-p95 {row.p05:.4g}-"
                     f"{row.p95:.4g} {row.unit}; largest contributors: {groups}.")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=None, help="default: the configuration's default")
    p.add_argument("--draws", type=int, default=None, help="default: headline_draws")
    p.add_argument("--sobol-n", type=int, default=1024)
    p.add_argument("--sobol-seed", type=int, default=0)
    args = p.parse_args()
    data = load_data(scenario=args.scenario)
    opts = data.config.uncertainty
    n, year = args.draws or opts.headline_draws, headline_year(data)
    result = run(data=data)
    variables = sorted({v for v, *_ in (COUNT,) + HEADLINE if v in set(result.results.variable)}
                       | {"stock"})
    mc = run_monte_carlo(data, n, opts.seed, variables=variables, progress=False)
    table = headline_range_table(result, mc)
    outputs = [(v, m or "total", year) for v, m, *_ in HEADLINE]
    sobol = run_sobol(data, n=args.sobol_n, seed=args.sobol_seed, outputs=outputs)
    basis, how = recycling_basis(data)
    about = (f"*{data.scenario}, {n:,} draws (seed {opts.seed}); Sobol base sample "
             f"{args.sobol_n} (seed {args.sobol_seed}).*")
    blocks = {
        "short": f"{statement(table, sobol, year)}\n\n{about}",
        "drawn": md(drawn_table(data)),
        "stock": md(stock_table(mc, result, year)),
        "headline": f"{data.scenario}: **{basis}**, {how}.\n\n"
                    f"{md(headline_table(table), '{:.4g}')}",
        "contributors": md(top3(sobol)),
        "sobol": md(grid(sobol, MAIN))}
    for name, text in blocks.items():
        print(f"<!-- block: {name} -->\n{text}\n")


if __name__ == "__main__":
    main()
