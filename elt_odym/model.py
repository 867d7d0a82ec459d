"""The orchestrator: configuration -> data -> system (fleet and flows) -> evaluation -> tables.

:func:`run` returns a :class:`RunResult`; :func:`write_outputs` writes it into a new or empty
folder (see :mod:`elt_odym.reporting`). The data, the system and flodym (with scipy and numba)
are imported when :func:`run` first runs, so the headline rows (:data:`HEADLINE`) and
:class:`RunResult` cost no more than numpy and pandas (``elt-odym report``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .data import ModelData
    from .fleet.inputs import FleetResult, Projection
    from .system.mfa import ELTSystem

log = logging.getLogger(__name__)


@dataclass
class RunResult:
    """Everything one scenario run produced."""

    scenario: str
    data: ModelData
    fleet: FleetResult
    system: ELTSystem
    results: pd.DataFrame
    mass_balance: pd.DataFrame
    mass_balance_error: float
    battery_results: pd.DataFrame | None = None
    """The powertrain and chemistry detail (``battery_results.csv``), issue 15."""
    headline_range: pd.DataFrame | None = None
    """The headline of :data:`HEADLINE_YEAR` with its Monte Carlo range
    (:func:`elt_odym.reporting.results.headline_range_table`); None: not made (``elt-odym
    run`` makes it; :func:`run` alone does not)."""

    @cached_property
    def variable_rows(self) -> dict[str, np.ndarray]:
        """The positions of each variable's rows in ``results`` (found once: the headline
        tables look up a few dozen numbers in a table of hundreds of thousands of rows)."""
        return self.results.groupby("variable", sort=False, observed=True).indices

    def rows_of(self, variable: str) -> pd.DataFrame:
        """The rows of ``results`` of one variable (none if it has none)."""
        return self.results.iloc[self.variable_rows.get(variable, [])]

    def value(self, variable: str, year: int, truck_type: str = "total",
              material: str = "") -> float:
        """One number of ``results``; ``material="total"`` for sums over materials."""
        t = self.rows_of(variable)
        row = t[(t.year == year) & (t.truck_type == truck_type) & (t.material == material)]
        if len(row) != 1:
            raise KeyError(f"no unique value for {variable}, {year}, {truck_type}, {material}")
        return float(row["value"].iloc[0])

    def fits_table(self) -> pd.DataFrame:
        return pd.DataFrame([f.as_dict() for f in self.fleet.fits.values()])

    def events_table(self) -> pd.DataFrame:
        cols = ["product", "year", "amount", "policy"]
        return pd.DataFrame([e.__dict__ for e in self.fleet.events], columns=cols)

    def provenance_table(self) -> pd.DataFrame:
        rows = []
        for name, p in self.data.parameters.items():
            for key, (ref, conf) in p.provenance.items():
                rows.append({"parameter": name, "index": "|".join(map(str, key)),
                             "value": p.observations[key], "ref": ref, "confidence": conf,
                             "file": p.path})
        return pd.DataFrame(rows)


def run(data_dir: str | Path | None = None, scenario: str | None = None,
        data: ModelData | None = None, projection: Projection | None = None) -> RunResult:
    """Run one scenario end to end and check the mass balance.

    Parameters
    ----------
    data_dir : str or Path, optional
        Data folder with ``config.toml``; default: the bundled datasets.
    scenario : str, optional
        Scenario name; default: the configuration's default scenario.
    data : ModelData, optional
        Already loaded data (then ``data_dir`` and ``scenario`` are ignored).
    projection : Projection, optional
        A stock projection of the same data, to skip refitting.

    Raises
    ------
    MassBalanceError
        If any process is out of balance beyond the configured tolerance.
    """
    from .data import load_data
    from .system.mfa import build_system, check_mass_balance, mass_balance
    from .system.variables import detail, tidy

    data = data or load_data(data_dir, scenario)
    system = build_system(data, projection)
    system.compute()
    fleet = system.fleet_result()
    balance = mass_balance(system)
    error = check_mass_balance(system, balance, data.options.mass_balance_tolerance)
    balance.insert(0, "scenario", data.scenario)
    log.info("scenario %s: largest mass-balance error %.3g of the largest flow", data.scenario,
             error)
    return RunResult(data.scenario, data, fleet, system, tidy(system.results, data.scenario),
                     balance, error, detail(system.results, data.scenario))


HEADLINE = (("eol_mass", "", "Mt", 1e-6), ("eol_material", "Fe", "Mt", 1e-6),
            ("eol_material", "Al", "Mt", 1e-6), ("eol_material", "Cu", "Mt", 1e-6),
            ("economic_value", "total", "billion USD", 1e-9),
            ("energy_saving", "total", "PJ", 1e-6), ("carbon_saving", "total", "Mt CO2e", 1e-6),
            ("carbon_saving_decreasing", "total", "Mt CO2e", 1e-6),
            ("battery_capacity_retired", "", "GWh", 1.0),
            ("battery_eol_material", "Li", "kt", 1e-3), ("battery_eol_material", "Ni", "kt", 1e-3),
            ("battery_eol_material", "Co", "kt", 1e-3),
            ("battery_eol_material", "graphite", "kt", 1e-3),
            ("battery_economic_value", "total", "billion USD", 1e-9),
            ("battery_carbon_saving", "total", "Mt CO2e", 1e-6))
"""Headline quantities: variable, material ("" or "total" for sums), display unit, scale."""
HEADLINE_YEAR = 2050
"""The year whose headline is shown with its Monte Carlo range (the last model year if the
scenario ends before it)."""
MAXIMUM = "maximum potential"
CURRENT = "current practice"


def headline_year(data: ModelData) -> int:
    """:data:`HEADLINE_YEAR`, or the scenario's last year if it ends before."""
    return HEADLINE_YEAR if HEADLINE_YEAR in data.years else data.years[-1]


def recycling_basis(data: ModelData) -> tuple[str, str]:
    """What the headline is, from the scenario's collection and recovery data (not its name):
    :data:`MAXIMUM` when every end-of-life truck is formally collected and all its material
    recovered in every year (``collection_rate`` and ``recovery_efficiency`` all 1), else
    :data:`CURRENT`; and a sentence with the numbers."""
    collection = np.asarray(data["collection_rate"].values, float)
    recovery = np.asarray(data["recovery_efficiency"].values, float)
    if np.all(collection == 1.0) and np.all(recovery == 1.0):
        return MAXIMUM, ("every end-of-life truck formally collected and all its material "
                         "recovered (collection_rate and recovery_efficiency 100 %)")
    year = headline_year(data)
    c_year = collection[data.years.index(year)]
    c_text = (f"{c_year.min():.0%}" if np.ptp(c_year) == 0
              else f"{c_year.min():.0%}-{c_year.max():.0%} by truck type")
    return CURRENT, (f"formally collected: {c_text} of end-of-life trucks in {year}; recovery "
                     f"efficiency {recovery.min():.0%}-{recovery.max():.0%} by material "
                     f"(collection_rate, recovery_efficiency)")


def _headline(result: RunResult, rows=HEADLINE):
    """``(label, variable, material, unit, scale)`` of the rows whose material exists."""
    from .system.variables import money_year_of

    known = set(result.data.items["m"]) | {"", "total"}
    variables = set(result.variable_rows)
    year = money_year_of(result.rows_of("economic_value"),
                         result.scenario)  # the values' own unit (USD2016)
    money = f"billion US${year}" if year else "billion USD"
    for var, mat, unit, scale in rows:
        if mat in known and var in variables:
            unit = money if unit == "billion USD" else unit
            yield var + (f" {mat}" if mat not in ("", "total") else ""), var, mat, unit, scale


def summary(result: RunResult, years: tuple[int, ...] = (2010, 2023, 2030, 2050)) -> pd.DataFrame:
    """Headline figures: end-of-life count and weight, Fe/Al/Cu, value, savings."""
    years = [y for y in years if y in result.data.years]
    table = [[label, unit] + [result.value(var, y, "total", mat) * scale for y in years]
             for label, var, mat, unit, scale in _headline(
                 result, (("eol", "", "unit", 1.0),) + HEADLINE)]
    return pd.DataFrame(table, columns=["quantity", "unit"] + [str(y) for y in years])


def cumulative(result: RunResult, variable: str, first: int, last: int,
               truck_type: str = "total", material: str = "total") -> float:
    """Sum of a variable over the years ``first..last`` (inclusive)."""
    t = result.rows_of(variable)
    mask = ((t.truck_type == truck_type) & (t.material == material) & (t.year >= first)
            & (t.year <= last))
    if not mask.any():
        raise KeyError(f"no values of {variable} for {truck_type}/{material} in {first}-{last}")
    return float(np.sum(t.loc[mask, "value"]))


def cumulative_summary(result: RunResult, first: int, last: int) -> pd.DataFrame:
    """Cumulative headline figures over ``first..last`` (end-of-life weight, metals, value,
    savings), with the low and high ends where the variable has them."""
    rows = []
    for label, var, mat, unit, scale in _headline(result):
        row = {"quantity": label, "unit": unit,
               "value": cumulative(result, var, first, last, "total", mat) * scale}
        for end in ("low", "high"):
            name = f"{var}_{end}"
            if name in result.variable_rows:
                row[end] = cumulative(result, name, first, last, "total", mat) * scale
        rows.append(row)
    return pd.DataFrame(rows, columns=["quantity", "unit", "value", "low", "high"])
