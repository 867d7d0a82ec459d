"""Reference figures (targets) and free parameters: read, validate, compare with results.

A targets workbook has a ``targets`` sheet with the columns :data:`TARGET_COLUMNS` and, for
calibration, a ``free_parameters`` sheet with :data:`FREE_COLUMNS`. ``tolerance`` is relative
(0.05 = +-5 %). Empty ``truck_type`` / ``material`` match the results' empty cells; ``total``
matches sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataValidationError, Problem
from .safe_open import open_workbook
from .sheets import column_letter
from .workbook import is_number

TARGET_COLUMNS = ["target_id", "variable", "truck_type", "material", "year", "value", "unit",
                  "tolerance", "source", "note"]
FREE_COLUMNS = ["name", "item", "initial", "lower", "upper", "note"]
NUMERIC = {"year", "value", "tolerance", "initial", "lower", "upper"}


def _read_sheet(path: str, sheet: str, columns: list[str], problems: list[Problem],
                required: bool = True) -> pd.DataFrame:
    wb = open_workbook(path)
    if sheet not in wb.sheetnames:
        if required:
            problems.append(Problem(path, "", "", "missing-sheet", f"sheet {sheet!r} missing"))
        return pd.DataFrame(columns=columns)
    ws = wb[sheet]
    header = [ws.cell(1, c).value for c in range(1, len(columns) + 1)]
    if header != columns:
        problems.append(Problem(path, sheet, "A1", "bad-header",
                                f"columns must be {columns}, found {header}"))
        return pd.DataFrame(columns=columns)
    rows = []
    for r in range(2, ws.max_row + 1):
        row = [ws.cell(r, c).value for c in range(1, len(columns) + 1)]
        if all(v is None for v in row):
            continue
        for c, (col, v) in enumerate(zip(columns, row), start=1):
            if col in NUMERIC and not is_number(v):
                problems.append(Problem(path, sheet, f"{column_letter(c)}{r}",
                                        "not-a-number", f"{col} {v!r} is not a number"))
        rows.append(["" if v is None and c not in NUMERIC else v for c, v in zip(columns, row)])
    return pd.DataFrame(rows, columns=columns)


def read_targets(path: str | Path, with_free: bool = False
                 ) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Read the ``targets`` sheet (and ``free_parameters`` if ``with_free``).

    Raises
    ------
    DataValidationError
        Listing every malformed cell.
    """
    path = str(path)
    problems: list[Problem] = []
    targets = _read_sheet(path, "targets", TARGET_COLUMNS, problems)
    free = _read_sheet(path, "free_parameters", FREE_COLUMNS, problems, required=with_free)
    dup = targets["target_id"].duplicated()
    for i in np.nonzero(dup.to_numpy())[0]:
        problems.append(Problem(path, "targets", f"A{i + 2}", "duplicate-row",
                                f"target_id {targets['target_id'].iloc[i]!r} appears twice"))
    if problems:
        raise DataValidationError(problems)
    targets["year"] = targets["year"].astype(int)
    for col in ("truck_type", "material"):
        targets[col] = targets[col].astype(str).replace("None", "")
    return (targets, free) if with_free else targets


def write_targets(targets: pd.DataFrame, path: str | Path,
                  free: pd.DataFrame | None = None, readme: str = "") -> None:
    """Write a targets workbook (``README``, ``targets`` and optionally ``free_parameters``)."""
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame({"README": readme.splitlines() or [""]}).to_excel(
            xl, sheet_name="README", index=False)
        targets[TARGET_COLUMNS].to_excel(xl, sheet_name="targets", index=False)
        if free is not None:
            free[FREE_COLUMNS].to_excel(xl, sheet_name="free_parameters", index=False)


@dataclass
class Lookup:
    """Fast lookup of result values by (scenario, variable, truck_type, material, year)."""

    index: dict

    @classmethod
    def from_results(cls, results: pd.DataFrame) -> "Lookup":
        keys = zip(results.scenario, results.variable, results.truck_type.fillna(""),
                   results.material.fillna(""), results.year)
        return cls(dict(zip(keys, zip(results.value, results.unit))))

    def get(self, scenario, variable, truck_type, material, year):
        return self.index.get((scenario, variable, truck_type, material, int(year)))


def compare(results: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Target, model value, relative error and pass/fail for every target and scenario."""
    lookup = Lookup.from_results(results)
    rows = []
    for scenario in results["scenario"].unique():
        for t in targets.itertuples(index=False):
            found = lookup.get(scenario, t.variable, t.truck_type, t.material, t.year)
            model, unit = found if found else (np.nan, "")
            rel = (model - t.value) / t.value if t.value else model - t.value
            status = ("missing" if found is None else "unit-mismatch" if unit != t.unit
                      else "pass" if abs(rel) <= t.tolerance else "fail")
            rows.append({"scenario": scenario, "target_id": t.target_id, "variable": t.variable,
                         "truck_type": t.truck_type, "material": t.material, "year": t.year,
                         "unit": t.unit, "target": t.value, "model": model, "rel_error": rel,
                         "tolerance": t.tolerance, "status": status, "source": t.source})
    return pd.DataFrame(rows)
