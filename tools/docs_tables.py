"""Print the tables of the documentation (Markdown) from runs of the bundled data.

The documentation site holds no number typed by hand: each page names a table with a marker
line (``<!-- generated: NAME -->``) and ``tools/docs_hooks.py`` replaces it at build time with
what ``python tools/docs_tables.py NAME`` prints. Tables:

- ``headline``: the headline figures of every bundled scenario (``elt-odym run``'s summary),
- ``calibration``: fitted parameters, the residuals as shipped beside a run of the code today,
  and every scenario against the study's figures (``datasets/targets.xlsx``),
- ``structural``: the headline variables across lifetime and initial age structures,
- ``outputs``: the files that ``elt-odym run`` writes and their columns,
- ``variables``: every variable of ``results.csv`` with its unit and meaning,
- ``parameters``: the workbooks of the default scenario with their confidence and sources,
- ``scenarios``: the scenarios of ``datasets/config.toml``,
- ``cli``: every command of ``elt-odym`` and its options, from the argument parser.

Usage: python tools/docs_tables.py NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from elt_odym.paths import bundled_data_dir
from elt_odym.reporting.numbers import fmt

CUMULATIVE = (2025, 2050)
"""Years of the cumulative sums of the headline table (as ``elt-odym run`` prints them)."""
CALIBRATED = ("open_data", "paper_calibrated", "best_estimate")
"""Folders of ``datasets/`` written by ``elt-odym calibrate``."""
COMPARED = ("literature", "open_data", "paper_reproduction", "best_estimate")
"""Scenarios compared with the study's figures (``datasets/targets.xlsx``)."""


@functools.cache
def _run(scenario: str):
    """One run of a bundled scenario, shared by the tables of this process."""
    from elt_odym.model import run

    return run(scenario=scenario)


def md(df: pd.DataFrame, right: tuple[str, ...] = ()) -> str:
    """A data frame as a Markdown table; ``right`` names the right-aligned columns."""
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---:" if c in right else "---" for c in df.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.to_numpy()]
    return "\n".join([head, rule, *rows])


def _cell(value) -> str:
    """One table cell: numbers in the CLI's format, text with its pipes escaped."""
    if isinstance(value, (float, np.floating)):
        return fmt(float(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and abs(value) > 9999:
        return fmt(float(value))  # years stay as they are
    return str(value).replace("|", "\\|").replace("\n", " ")


def _pct(value: float) -> str:
    """A relative error in per cent with its sign."""
    return "" if value != value else f"{value * 100:+.1f} %"


def headline() -> str:
    """Per scenario: the headline quantities by year and summed over :data:`CUMULATIVE`."""
    from elt_odym.config import load_config
    from elt_odym.reporting.results import headline_tables

    config = load_config(bundled_data_dir())
    out = []
    for name, sc in config.scenarios.items():
        default = " (default)" if name == config.default_scenario else ""
        out.append(f"### `{name}`{default}\n\n{sc.description}\n")
        if sc.inherit and not sc.files and not sc.model:
            out.append(f"Same data and options as `{sc.inherit}`: the same figures.\n")
            continue
        summary, window = headline_tables(_run(name), *CUMULATIVE)
        label = f"sum {CUMULATIVE[0]}-{CUMULATIVE[1]}"
        window = window.rename(columns={"value": label, "low": "(low)", "high": "(high)"})
        table = summary.merge(window.drop(columns="unit"), on="quantity", how="left")
        counts = table["unit"] == "unit"  # vehicles, as the CLI prints them: in millions here
        table.loc[counts, table.columns[2:]] = table.loc[counts, table.columns[2:]] * 1e-6
        table.loc[counts, "unit"] = "million vehicles"
        out.append(md(table, right=tuple(table.columns[2:])) + "\n")
    return "\n".join(out)


def _calibrated_scenario(config, folder: str) -> str:
    """The first scenario (in the configuration's order) reading a workbook of ``folder``."""
    for name, sc in config.scenarios.items():
        if any(Path(p).parts[0] == folder for p in sc.files.values()):
            return name
    raise KeyError(f"no scenario reads datasets/{folder}/")


def calibration() -> str:
    """Fitted parameters and residuals of each calibration, then the study's figures."""
    from elt_odym.config import load_config
    from elt_odym.io.targets import compare

    root = bundled_data_dir()
    config = load_config(root)
    out = []
    for folder in CALIBRATED:
        scenario = _calibrated_scenario(config, folder)
        params = pd.read_csv(root / folder / "calibration_parameters.csv")
        shipped = pd.read_csv(root / folder / "calibration_residuals.csv", keep_default_na=False)
        targets = shipped.rename(columns={"target": "value"})
        now = compare(_run(scenario).results, targets).set_index("target_id")
        out.append(f"### `{scenario}` (`datasets/{folder}/`, calibrated from "
                   f"`{shipped['scenario'].iloc[0]}`)\n")
        p = params.assign(parameter=params["name"] + " " + params["item"].astype(str))
        out.append(md(p[["parameter", "fitted", "std_error", "lower", "upper", "at_bound"]]
                      .rename(columns={"std_error": "± standard error"}),
                      right=("fitted", "± standard error", "lower", "upper")))
        out.append(f"\nCondition number of J^T J: {fmt(params['condition'].iloc[0])}; "
                   f"cost {fmt(params['cost'].iloc[0])}.\n")
        rows = pd.DataFrame({
            "target": shipped["target_id"], "value": shipped["target"],
            "unit": shipped["unit"],
            "tolerance": [f"±{t * 100:.0f} %" for t in shipped["tolerance"]],
            "at calibration": [_pct(v) for v in shipped["rel_error"]],
            "this build": [_pct(now.loc[t, "rel_error"]) for t in shipped["target_id"]],
            "status": [now.loc[t, "status"] for t in shipped["target_id"]]})
        out.append(md(rows, right=("value", "tolerance", "at calibration", "this build")) + "\n")
    out.append(study_figures())
    return "\n".join(out)


def study_figures() -> str:
    """Every scenario of :data:`COMPARED` against the figures of ``datasets/targets.xlsx``."""
    from elt_odym.io.targets import compare, read_targets

    targets = read_targets(bundled_data_dir() / "targets.xlsx")
    tables = {s: compare(_run(s).results, targets).set_index("target_id")
              for s in COMPARED}
    passed = ", ".join(f"`{s}` {int((t['status'] == 'pass').sum())}" for s, t in tables.items())
    rows = pd.DataFrame({"target": targets["target_id"], "value": targets["value"],
                         "unit": targets["unit"],
                         "tolerance": [f"±{t * 100:.0f} %" for t in targets["tolerance"]]})
    for s, t in tables.items():
        rows[s] = [_pct(t.loc[i, "rel_error"]) + ("" if t.loc[i, "status"] == "pass" else " ✗")
                   for i in targets["target_id"]]
    return (f"### Against the study's figures (`datasets/targets.xlsx`)\n\n"
            f"{len(targets)} targets; passing within their tolerance: {passed}. "
            f"✗ marks a target outside its tolerance.\n\n"
            + md(rows, right=("value", "tolerance") + COMPARED) + "\n")


def structural() -> str:
    """One table per headline variable: the variants by year and the spread (max/min)."""
    from elt_odym.studies.structural import HEADLINE, run_structural, spread

    table = run_structural()
    descriptions = table.drop_duplicates("variant").set_index("variant")["description"]
    wide = spread(table)
    out = [md(pd.DataFrame({"variant": descriptions.index, "what it is": descriptions.values}))]
    units = {"unit": ("million vehicles", 1e-6), "t": ("Mt", 1e-6), "USD": ("billion USD", 1e-9),
             "t CO2e": ("Mt CO2e", 1e-6)}
    for var, mat, unit in HEADLINE:
        name = var + ("" if mat in ("", "total") else f" {mat}")
        label, scale = units[unit]
        cols = [c for c in wide.columns if c.rsplit(" ", 1)[0] == name]
        part = wide[cols].copy()
        part.iloc[:-1] *= scale
        part.columns = [c.rsplit(" ", 1)[1] for c in cols]
        part.insert(0, "variant", part.index)
        out.append(f"\n**{name}** ({label}; the last row is max/min over the variants)\n")
        out.append(md(part, right=tuple(part.columns[1:])))
    return "\n".join(out) + "\n"


def outputs() -> str:
    """The files that ``elt-odym run`` writes (tables; figures left out) and their columns."""
    import tempfile

    from openpyxl import load_workbook

    from elt_odym import run, write_outputs

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "results"
        write_outputs([run()], out, figures=False)
        rows = []
        for path in sorted(out.rglob("*")):
            if path.suffix == ".csv":
                head = list(pd.read_csv(path, nrows=0).columns)
                years = [c for c in head if c.isdigit()]
                what = ", ".join(f"`{c}`" for c in head if not c.isdigit())
                if years:
                    what += f", one column per year (`{years[0]}` to `{years[-1]}`)"
            elif path.suffix == ".xlsx":
                what = "sheets " + ", ".join(f"`{n}`" for n in
                                             load_workbook(path, read_only=True).sheetnames)
            else:
                what = ""
            rows.append({"file": f"`{path.relative_to(out).as_posix()}`", "columns": what})
    return md(pd.DataFrame(rows)) + "\n"


def variables() -> str:
    """Every variable of the output contract."""
    from elt_odym.reporting.results import variables_sheet

    v = variables_sheet()
    v["variable"] = "`" + v["variable"] + "`"
    return md(v[["variable", "unit", "group", "description"]]) + "\n"


def parameters() -> str:
    """The workbooks of the default scenario: what each holds, its confidence and sources."""
    from collections import Counter

    from elt_odym.data import load_data
    from elt_odym.declaration import DIM_BY_LETTER, PARAMETER_BY_NAME
    from elt_odym.io.workbook import read_ref_sheet

    data = load_data()
    root = data.config.data_dir
    rows, sources = [], {}
    for name, p in data.parameters.items():
        if not p.path:
            continue  # an optional workbook this scenario does not have
        spec = PARAMETER_BY_NAME[name]
        conf = Counter(c for _, c in p.provenance.values())
        refs = sorted({r for r, _ in p.provenance.values()})
        for ref in read_ref_sheet(p.path):
            sources.setdefault(str(ref["ref_id"]), str(ref["source"]))
        rows.append({"parameter": f"`{name}`",
                     "dimensions": (" × ".join(DIM_BY_LETTER[d].name for d in spec.dims)
                                    or "scalar"),
                     "unit": spec.unit, "meaning": spec.description,
                     "workbook": f"`{Path(p.path).relative_to(root).as_posix()}`",
                     "values H / M / L": " / ".join(str(conf.get(c, 0)) for c in "HML"),
                     "sources": ", ".join(refs)})
    refs = pd.DataFrame(sorted(sources.items()), columns=["source id", "source"])
    return (f"Default scenario `{data.scenario}`, {len(rows)} workbooks.\n\n"
            + md(pd.DataFrame(rows)) + "\n\n**Sources** (the `ref` sheets of these workbooks)"
            "\n\n" + md(refs) + "\n")


def scenarios() -> str:
    """The bundled scenarios: what each inherits, the workbooks and options it changes."""
    from elt_odym.config import load_config

    config = load_config(bundled_data_dir())
    out = []
    for name, sc in config.scenarios.items():
        head = f"- **`{name}`**" + (" (default)" if name == config.default_scenario else "")
        head += f", inherits `{sc.inherit}`" if sc.inherit else ""
        out.append(f"{head}: {sc.description}")
        if sc.files:
            out.append("    - workbooks: " + "; ".join(f"`{k}` from `{v}`"
                                                       for k, v in sc.files.items()))
        if sc.model:
            out.append("    - options: " + "; ".join(f"`{k} = {v!r}`" for k, v in sc.model.items()))
    return "\n".join(out) + "\n"


def cli() -> str:
    """Every subcommand of ``elt-odym`` with its options, from the argument parser."""
    import argparse as ap

    from elt_odym.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, ap._SubParsersAction))
    helps = {c.dest: c.help for c in sub._choices_actions}
    glob = {a.dest for a in parser._actions}
    out = ["Options of every command (before or after the command): "
           + ", ".join(f"`{', '.join(a.option_strings)}` {a.help}"
                       for a in parser._actions if a.option_strings and a.dest != "help") + "."]
    for name, p in sub.choices.items():
        out.append(f"\n### `elt-odym {name}`\n\n{helps.get(name, '')}\n")
        rows = [{"argument": ", ".join(a.option_strings) or a.dest,
                 "required": "yes" if a.required or not a.option_strings else "",
                 "help": _help(a)} for a in p._actions if a.dest not in glob]
        out.append(md(pd.DataFrame(rows, columns=["argument", "required", "help"]))
                   if rows else "No arguments.")
    return "\n".join(out) + "\n"


def _help(action) -> str:
    """An argument's help text with argparse's ``%(default)s`` filled in."""
    text = action.help or ""
    try:
        return text % vars(action)
    except (KeyError, TypeError, ValueError):
        return text


TABLES = {"headline": headline, "calibration": calibration, "structural": structural,
          "outputs": outputs, "variables": variables, "parameters": parameters,
          "scenarios": scenarios, "cli": cli}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", choices=sorted(TABLES))
    args = parser.parse_args(argv)
    for name in args.names:
        sys.stdout.write(TABLES[name]())
    return 0


if __name__ == "__main__":
    sys.exit(main())
