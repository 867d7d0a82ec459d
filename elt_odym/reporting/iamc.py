"""IAMC-format export: ``Model, Scenario, Region, Variable, Unit`` and one column per year.

Variable names are hierarchical, ``<product>|<quantity>[|<material>][|<type>]``, e.g.
``Trucks|End of Life|Mass|HT`` or ``Trucks|Recycling|CO2 Saving|Fe``; sums (``total``) are the
parent without a suffix. pyam is optional: :func:`to_pyam` uses it when it is installed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import pyam

from .. import __version__
from .results import atomic_write, write_csv

QUANTITY = {
    "stock": "Stock", "inflow": "Sales", "eol": "End of Life", "eol_early": "End of Life|Early",
    "stock_mass": "Stock|Mass", "eol_mass": "End of Life|Mass",
    "eol_mass_low": "End of Life|Mass|Unit Only", "eol_material": "End of Life|Material",
    "collected_material": "Collection|Material",
    "secondary_material": "Recycling|Secondary Material",
    "economic_value": "Recycling|Value", "economic_value_low": "Recycling|Value|Low Prices",
    "economic_value_high": "Recycling|Value|High Prices",
    "economic_value_inflated": "Recycling|Value|Inflated",
    "energy_saving": "Recycling|Energy Saving", "energy_saving_low": "Recycling|Energy Saving|Low",
    "energy_saving_high": "Recycling|Energy Saving|High",
    "carbon_saving": "Recycling|CO2 Saving", "carbon_saving_low": "Recycling|CO2 Saving|Low",
    "carbon_saving_high": "Recycling|CO2 Saving|High",
    "carbon_saving_decreasing": "Recycling|CO2 Saving|Decreasing Factors",
    "carbon_saving_decreasing_low": "Recycling|CO2 Saving|Decreasing Factors|Low",
    "carbon_saving_decreasing_high": "Recycling|CO2 Saving|Decreasing Factors|High",
    "energy_primary": "Recycling|Avoided Primary Energy",
    "energy_secondary": "Recycling|Secondary Energy",
    "carbon_primary": "Recycling|Avoided Primary CO2",
    "carbon_secondary": "Recycling|Secondary CO2",
    "carbon_primary_decreasing": "Recycling|Avoided Primary CO2|Decreasing Factors",
    "carbon_secondary_decreasing": "Recycling|Secondary CO2|Decreasing Factors",
}
UNIT = {"unit": "vehicles", "t": "t", "USD": "USD", "GJ": "GJ", "t CO2e": "t CO2e"}


def variable_name(product: str, variable: str, truck_type: str, material: str) -> str:
    """The IAMC variable of one row of ``results.csv``."""
    parts = [product, QUANTITY.get(variable, variable)]
    if material not in ("", "total"):
        parts.append(material)
    if truck_type not in ("", "total"):
        parts.append(truck_type)
    return "|".join(parts)


def to_iamc(results: pd.DataFrame, product: str, region: str) -> pd.DataFrame:
    """Wide IAMC table of a tidy results table (all scenarios)."""
    t = results.copy()
    t["Variable"] = [variable_name(product, v, g, m) for v, g, m in
                     zip(t.variable, t.truck_type, t.material)]
    t["Unit"] = t["unit"].map(UNIT).fillna(t["unit"])
    t["Model"] = f"elt-odym {__version__}"
    t["Region"] = region
    wide = t.pivot_table(index=["Model", "scenario", "Region", "Variable", "Unit"],
                         columns="year", values="value", aggfunc="first", sort=False)
    wide = wide.reset_index().rename(columns={"scenario": "Scenario"})
    wide.columns = [str(c) for c in wide.columns]
    return wide


def write_iamc(results: pd.DataFrame, out: Path, product: str, region: str) -> list[Path]:
    """Write ``results_iamc.csv`` and ``results_iamc.xlsx``."""
    table = to_iamc(results, product, region)
    write_csv(table, out / "results_iamc.csv")
    atomic_write(out / "results_iamc.xlsx",
                 lambda p: table.to_excel(p, sheet_name="data", index=False))
    return [out / "results_iamc.csv", out / "results_iamc.xlsx"]


def to_pyam(results: pd.DataFrame, product: str, region: str) -> "pyam.IamDataFrame":
    """An ``pyam.IamDataFrame`` of the results (needs the optional package pyam)."""
    try:
        import pyam
    except ImportError as exc:  # optional dependency
        raise ImportError("to_pyam needs pyam: pip install pyam-iamc") from exc
    return pyam.IamDataFrame(to_iamc(results, product, region))
