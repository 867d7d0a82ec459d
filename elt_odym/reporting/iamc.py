"""IAMC-format export: ``Model, Scenario, Region, Variable, Unit`` and one column per year.

The variables form an additive tree: every parent equals the sum of its direct children, so
``pyam.IamDataFrame.check_aggregate`` passes for each of them (and :func:`aggregate_problems`
checks the same rule without pyam). For a quantity ``Q`` of product ``P``:

- by truck type only (fleet): ``P|Q`` = sum of ``P|Q|<type>``;
- by type and material: ``P|Q`` = sum of ``P|Q|<material>``, ``P|Q|<material>`` = sum of
  ``P|Q|<material>|<type>``; the totals by type sit on their own branch,
  ``P|Q by Truck Type`` = sum of ``P|Q by Truck Type|<type>``.

Variants (low and high ends, truck unit only, decreasing factors, nominal money) are quantities
of their own (``P|Recycling Value (Low Prices)``), never children of the central value. Units
follow IAMC habits: one unit per variable, flows per year (``Mt/yr``), money with its year
(``billion US$2023/yr``). pyam is optional: :func:`to_pyam` uses it when it is installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyam

from ..io.escape import escape_frame
from ..io.output_folder import atomic_write
from ..version import __version__
from .results import write_csv

INDEX = ["Model", "Scenario", "Region", "Variable", "Unit"]
BY_TYPE = " by Truck Type"


@dataclass(frozen=True)
class IamcQuantity:
    """How one variable of ``results.csv`` appears in the IAMC table."""

    name: str
    unit: str
    scale: float


_Q = IamcQuantity
_MT, _PJ, _CO2 = ("Mt/yr", 1e-6), ("PJ/yr", 1e-6), ("Mt CO2-equiv/yr", 1e-6)
QUANTITY = {
    "stock": _Q("Stock", "million vehicles", 1e-6),
    "inflow": _Q("Sales", "million vehicles/yr", 1e-6),
    "eol": _Q("End of Life", "million vehicles/yr", 1e-6),
    "eol_early": _Q("Early Retirement", "million vehicles/yr", 1e-6),
    "stock_mass": _Q("Stock Mass", "Mt", 1e-6),
    "eol_mass": _Q("End of Life Mass", *_MT),
    "eol_mass_low": _Q("End of Life Mass (Truck Unit Only)", *_MT),
    "eol_material": _Q("End of Life Material", *_MT),
    "collected_material": _Q("Collected Material", *_MT),
    "secondary_material": _Q("Secondary Material", *_MT),
    "economic_value": _Q("Recycling Value", "billion US${year}/yr", 1e-9),
    "economic_value_low": _Q("Recycling Value (Low Prices)", "billion US${year}/yr", 1e-9),
    "economic_value_high": _Q("Recycling Value (High Prices)", "billion US${year}/yr", 1e-9),
    "economic_value_inflated": _Q("Recycling Value (Nominal)", "billion US$ nominal/yr", 1e-9),
    "energy_saving": _Q("Energy Saving", *_PJ),
    "energy_saving_low": _Q("Energy Saving (Low)", *_PJ),
    "energy_saving_high": _Q("Energy Saving (High)", *_PJ),
    "carbon_saving": _Q("CO2 Saving", *_CO2),
    "carbon_saving_low": _Q("CO2 Saving (Low)", *_CO2),
    "carbon_saving_high": _Q("CO2 Saving (High)", *_CO2),
    "carbon_saving_decreasing": _Q("CO2 Saving (Decreasing Factors)", *_CO2),
    "carbon_saving_decreasing_low": _Q("CO2 Saving (Decreasing Factors, Low)", *_CO2),
    "carbon_saving_decreasing_high": _Q("CO2 Saving (Decreasing Factors, High)", *_CO2),
    "energy_primary": _Q("Energy of Primary Production", *_PJ),
    "energy_secondary": _Q("Energy of Secondary Production", *_PJ),
    "carbon_primary": _Q("CO2 of Primary Production", *_CO2),
    "carbon_secondary": _Q("CO2 of Secondary Production", *_CO2),
    "carbon_primary_decreasing": _Q("CO2 of Primary Production (Decreasing Factors)", *_CO2),
    "carbon_secondary_decreasing": _Q("CO2 of Secondary Production (Decreasing Factors)",
                                      *_CO2),
    "transfer_out": _Q("Reclassified Out", "million vehicles/yr", 1e-6),
    "transfer_in": _Q("Reclassified In", "million vehicles/yr", 1e-6),
    "eol_material_total": _Q("End of Life Material incl. Traction Batteries", *_MT),
    "battery_packs_new": _Q("Traction Battery|Packs New", "million units/yr", 1e-6),
    "battery_packs_replaced": _Q("Traction Battery|Packs Replaced", "million units/yr", 1e-6),
    "battery_packs_retired": _Q("Traction Battery|Packs Retired", "million units/yr", 1e-6),
    "battery_packs_in_use": _Q("Traction Battery|Packs in Use", "million units", 1e-6),
    "battery_capacity_retired": _Q("Traction Battery|Capacity Retired", "GWh/yr", 1.0),
    "battery_packs_to_second_life": _Q("Traction Battery|Packs to Second Life",
                                       "million units/yr", 1e-6),
    "battery_packs_from_second_life": _Q("Traction Battery|Packs from Second Life",
                                         "million units/yr", 1e-6),
    "battery_eol_material": _Q("Traction Battery|End of Life Material", *_MT),
    "fuel_cell_eol_material": _Q("Fuel Cell|End of Life Material", *_MT),
    "battery_collected_material": _Q("Traction Battery|Collected Material", *_MT),
    "battery_secondary_material": _Q("Traction Battery|Secondary Material", *_MT),
    "battery_economic_value": _Q("Traction Battery|Recycling Value", "billion US${year}/yr",
                                 1e-9),
    "battery_economic_value_low": _Q("Traction Battery|Recycling Value (Low Prices)",
                                     "billion US${year}/yr", 1e-9),
    "battery_economic_value_high": _Q("Traction Battery|Recycling Value (High Prices)",
                                      "billion US${year}/yr", 1e-9),
    "battery_energy_saving": _Q("Traction Battery|Energy Saving", *_PJ),
    "battery_carbon_saving": _Q("Traction Battery|CO2 Saving", *_CO2),
}
"""Variable of ``results.csv`` -> IAMC quantity, unit (``{year}``: the money year), scale."""


def variable_name(product: str, variable: str, truck_type: str, material: str) -> str:
    """The IAMC variable of one row of ``results.csv``.

    Examples
    --------
    >>> variable_name("Trucks", "eol_material", "HT", "Cu")
    'Trucks|End of Life Material|Cu|HT'
    >>> variable_name("Trucks", "eol_material", "HT", "total")
    'Trucks|End of Life Material by Truck Type|HT'
    """
    q = QUANTITY[variable].name if variable in QUANTITY else variable
    typed = truck_type not in ("", "total")
    if material == "total" and typed:
        return f"{product}|{q}{BY_TYPE}|{truck_type}"
    parts = [product, q]
    if material not in ("", "total"):
        parts.append(material)
    if typed:
        parts.append(truck_type)
    return "|".join(parts)


def _by_type_parents(t: pd.DataFrame) -> pd.DataFrame:
    """The ``P|Q by Truck Type`` parents: the grand totals of the variables with materials."""
    with_m = t.loc[t.material == "total", "variable"].unique()
    return t[t.variable.isin(with_m) & (t.truck_type == "total") & (t.material == "total")]


def to_iamc(results: pd.DataFrame, product: str, region: str,
            money_year: int | None = None) -> pd.DataFrame:
    """Wide IAMC table of a tidy results table (all scenarios).

    Parameters
    ----------
    results : pandas.DataFrame
        ``results.csv`` of the output contract.
    product, region : str
        First node of every variable (``Trucks``) and the region (``China``).
    money_year : int, optional
        The year of the US dollars where the values' unit does not name one (``USD2016`` does);
        ``None`` writes ``US$``.
    """
    extra = _by_type_parents(results)
    t = pd.concat([results, extra], ignore_index=True)
    is_extra = np.r_[np.zeros(len(results), np.int64), np.ones(len(extra), np.int64)]
    keys = [t["variable"], t["truck_type"], t["material"], t["unit"]]
    combo, first = _group_codes([*keys, is_extra])  # names are made once per combination
    fallback = "" if money_year is None else str(money_year)
    variables, units = [], []
    for var, typ, mat, unit, i in zip(*(k.to_numpy()[first].tolist() for k in keys), first):
        variables.append(variable_name(product, var, typ, mat) + (BY_TYPE if is_extra[i] else ""))
        year = re.match(r"^USD(\d{4})$", str(unit))  # the values' own money year
        units.append(QUANTITY[var].unit.format(year=year.group(1) if year else fallback)
                     if var in QUANTITY else unit)
    scale = t["variable"].map({v: q.scale for v, q in QUANTITY.items()}).fillna(1.0)
    # pivot_table's row order: by scenario, then variable, then unit, each numbered in order
    # of first appearance
    v_code, v_items = pd.factorize(np.asarray(variables, dtype=object))
    u_code, u_items = pd.factorize(np.asarray(units, dtype=object))
    s_code, _ = pd.factorize(t["scenario"])
    key = (s_code * len(v_items) + v_code[combo]) * len(u_items) + u_code[combo]
    _, first_row, row = np.unique(key, return_index=True, return_inverse=True)
    col, years = pd.factorize(t["year"].to_numpy())
    values = (t["value"] * scale).to_numpy(float)
    grid = np.full((len(first_row), len(years)), np.nan)
    ok = ~np.isnan(values)  # pivot_table's "first" takes the first value that is not NaN
    cell = row[ok] * len(years) + col[ok]
    _, at = np.unique(cell, return_index=True)
    grid.flat[cell[at]] = values[ok][at]
    keep_rows, keep_cols = ~np.isnan(grid).all(axis=1), ~np.isnan(grid).all(axis=0)
    pick = first_row[keep_rows]
    index = {"Model": f"elt-odym {__version__}", "Scenario": t["scenario"].to_numpy()[pick],
             "Region": region, "Variable": np.asarray(variables, dtype=object)[combo[pick]],
             "Unit": np.asarray(units, dtype=object)[combo[pick]]}
    kept = grid[keep_rows]
    wide = pd.DataFrame(index | {str(y): kept[:, j] for j, y in enumerate(years) if keep_cols[j]})
    for name in ("Model", "Region"):
        wide[name] = wide[name].astype(wide["Scenario"].dtype)
    return wide


def _group_codes(columns: list) -> tuple[np.ndarray, np.ndarray]:
    """Codes of the distinct combinations of ``columns`` in order of first appearance, and the
    row where each first appears (``groupby(sort=False).ngroup()`` without its overhead)."""
    combined = np.zeros(len(columns[0]), np.int64)
    for column in columns:
        codes, uniques = pd.factorize(np.asarray(column) if not isinstance(column, pd.Series)
                                      else column)
        combined = combined * (len(uniques) + 1) + codes
    codes, _ = pd.factorize(combined)
    _, first = np.unique(codes, return_index=True)
    return codes, first


def aggregate_problems(wide: pd.DataFrame, rtol: float = 1e-9) -> list[str]:
    """Every parent variable whose value is not the sum of its direct children.

    The rule pyam's ``check_aggregate`` applies, checked without pyam: for each variable ``V``
    with children ``V|x`` (one level down), per model, scenario and region, the children must
    share ``V``'s unit and add up to ``V`` in every year within ``rtol`` of the largest value.
    """
    years = [c for c in wide.columns if c not in INDEX]
    problems = []
    variables = set(wide["Variable"])
    parent_of = wide["Variable"].str.rsplit("|", n=1).str[0]
    has_parent = parent_of.isin(variables) & (parent_of != wide["Variable"])
    children = wide[has_parent].assign(Parent=parent_of[has_parent])
    for (model, scen, reg, parent), kids in children.groupby(
            ["Model", "Scenario", "Region", "Parent"], sort=False):
        row = wide[(wide.Model == model) & (wide.Scenario == scen) & (wide.Region == reg)
                   & (wide.Variable == parent)]
        units = set(kids["Unit"]) | set(row["Unit"])
        if len(units) != 1:
            problems.append(f"{scen}: {parent} and its children differ in unit: {units}")
            continue
        want = row[years].to_numpy(float).sum(axis=0)
        got = kids[years].to_numpy(float).sum(axis=0)
        scale = max(np.abs(want).max(), np.abs(got).max(), 1e-300)
        if np.abs(want - got).max() > rtol * scale:
            problems.append(f"{scen}: {parent} differs from the sum of its {len(kids)} "
                            f"children by {np.abs(want - got).max():.3g} {units.pop()}")
    return problems


def write_iamc(results: pd.DataFrame, out: Path, product: str, region: str,
               money_year: int | None = None) -> list[Path]:
    """Write ``results_iamc.csv`` and ``results_iamc.xlsx`` (text cells escaped)."""
    table = escape_frame(to_iamc(results, product, region, money_year))
    write_csv(table, out / "results_iamc.csv")
    atomic_write(out / "results_iamc.xlsx", lambda p: _write_iamc_xlsx(table, p))
    return [out / "results_iamc.csv", out / "results_iamc.xlsx"]


def _write_iamc_xlsx(table: pd.DataFrame, path: Path) -> None:
    from .xlsx import write_sheets

    write_sheets({"data": table}, path)


def to_pyam(results: pd.DataFrame, product: str, region: str,
            money_year: int | None = None) -> "pyam.IamDataFrame":
    """An ``pyam.IamDataFrame`` of the results (needs the optional package pyam)."""
    try:
        import pyam
    except ImportError as exc:  # optional dependency
        raise ImportError("to_pyam needs pyam: pip install pyam-iamc") from exc
    return pyam.IamDataFrame(to_iamc(results, product, region, money_year))
