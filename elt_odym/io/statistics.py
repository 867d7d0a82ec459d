"""Independent statistics, stock-projection priors and policy periods: read and validate.

Three plain-table workbooks of the data folder (written by ``tools/bootstrap_statistics.py``,
edited in Excel):

``validation_statistics.xlsx`` (sheet ``observations``, columns :data:`STATISTICS_COLUMNS`)
    One row per independent observation: what it counts (``variable``: a stock at an instant
    or a flow over a period), the truck type or ``total``, the ``period``, the value with its
    unit, scope, how the model side is computed, source, confidence (H/M/L) and uncertainty
    (``sd``, or a range ``low``-``high``, or a one-sided bound). These observations are compared
    with a run (:mod:`elt_odym.reporting.validation`); they are not fitted.
``stock_projection_priors.xlsx`` (sheet ``priors``, columns :data:`PRIOR_COLUMNS`)
    Priors on the stock projection where the logistic fit's targets are the study's own
    projections (:mod:`elt_odym.fleet.projection`).
``period_effects.xlsx`` (sheet ``periods``, columns :data:`PERIOD_COLUMNS`)
    Calendar-year policy periods with their evidence, identifying series and prior range.

Periods (column ``period``) are written as

==================  ========================================================================
``2017``            the calendar year: a flow over 2017, a stock at the end of 2017
``2017-03``         the month: a flow over March 2017, a stock at the end of March 2017
``2019-H1``         a half year (flows only)
``2020-Q3``         a quarter (flows only)
``2019-01..2019-04`` months inclusive, January to April 2019 (flows only)
==================  ========================================================================

and become fractional years ``start``, ``end`` (the end of year ``y`` is ``y + 1``). Every
problem is one :class:`~elt_odym.errors.Problem` naming file, sheet and cell; all of a
workbook's problems are raised together as a :class:`~elt_odym.errors.DataValidationError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataValidationError, Problem
from .safe_open import read_book
from .sheets import column_letter
from .workbook import is_number

if TYPE_CHECKING:
    import pandas as pd

STATISTICS_FILE = "validation_statistics.xlsx"
"""The statistics workbook of a data folder (next to ``config.toml``), read by every run."""
STATISTICS_COLUMNS = ["obs_id", "quantity", "variable", "truck_type", "period", "value", "unit",
                      "scope", "model_side", "source", "confidence", "sd", "low", "high",
                      "uncertainty_basis", "note"]
PRIOR_COLUMNS = ["truck_type", "year", "value", "sd", "unit", "replaces", "basis", "source",
                 "confidence", "note"]
PERIOD_COLUMNS = ["period_id", "first_year", "last_year", "truck_types", "mechanism", "policy",
                  "evidence", "target_series", "prior_low", "prior_high", "prior_unit",
                  "prior_basis", "confidence", "in_model", "note"]

VARIABLES = ("stock", "inflow", "eol", "removals", "collected")
"""Model variables an observation can be compared with: ``stock`` (at an instant), and the
flows ``inflow`` (new trucks), ``eol`` (end-of-life trucks), ``removals`` (new trucks minus the
stock change: every exit, end of life and reclassification) and ``collected`` (end-of-life
trucks formally collected: ``eol`` times the scenario's ``collection_rate``)."""
UNITS = ("unit",)
"""Every variable counts vehicles, in the model's unit (``unit`` in ``results.csv``)."""
CONFIDENCE = ("H", "M", "L")
BASES = ("source", "assumption")
MECHANISMS = ("hazard_factor", "transfer")

_PERIOD = re.compile(r"^(\d{4})(?:-(H[12]|Q[1-4]|\d{2})(?:\.\.(\d{4})-(\d{2}))?)?$")


@dataclass(frozen=True)
class Period:
    """A period in fractional years: ``start`` and ``end`` (end of year ``y`` is ``y + 1``)."""

    label: str
    start: float
    end: float
    instant: bool
    """True when the label can also name an instant (a year or a month: its end)."""

    @property
    def year(self) -> int:
        """The calendar year in which the period ends."""
        months = round(self.end * 12)  # whole months since year 0
        return -(-months // 12) - 1  # ceil(end) - 1: the end of 2017 (2018.0) is in 2017


def parse_period(text: object) -> Period:
    """Parse a period label (module docstring); raise ``ValueError`` with the accepted forms."""
    label = str(text).strip() if text is not None else ""
    m = _PERIOD.match(label)
    if not m:
        raise ValueError(f"period {label!r} is not one of 2017, 2017-03, 2019-H1, 2020-Q3, "
                         "2019-01..2019-04")
    year, part, year2, month2 = int(m[1]), m[2], m[3], m[4]
    if part is None:
        return Period(label, float(year), year + 1.0, True)
    if part[0] in "HQ":
        n = 6 if part[0] == "H" else 3
        i = int(part[1])
        return Period(label, year + (i - 1) * n / 12, year + i * n / 12, False)
    first = int(part)
    if year2 is None:
        _check_month(first, label)
        return Period(label, year + (first - 1) / 12, year + first / 12, True)
    last_year, last = int(year2), int(month2)
    _check_month(first, label)
    _check_month(last, label)
    start, end = year + (first - 1) / 12, last_year + last / 12
    if end <= start:
        raise ValueError(f"period {label!r} ends before it starts")
    return Period(label, start, end, False)


def _check_month(month: int, label: str) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"period {label!r}: month {month:02d} is not 01-12")


class _Sheet:
    """Rows of one table sheet with a fixed header; collects problems by cell."""

    def __init__(self, path: str | Path, sheet: str, columns: list[str]):
        self.path, self.sheet, self.columns = str(path), sheet, columns
        self.problems: list[Problem] = []
        self.rows: list[tuple[int, dict]] = []
        wb = read_book(self.path, sheets=(sheet,))
        if sheet not in wb:
            self.fail("", "missing-sheet", f"sheet {sheet!r} missing; the workbook needs a "
                      f"sheet {sheet!r} with the columns {columns}")
            return
        ws = wb[sheet]
        header = ws.row(1, len(columns))
        if header != columns:
            self.fail("A1", "bad-header", f"row 1 must be {columns}, found {header}")
            return
        for r in range(2, ws.max_row + 1):
            values = ws.row(r, len(columns))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            self.rows.append((r, dict(zip(columns, values))))

    def cell(self, row: int, column: str) -> str:
        return f"{column_letter(self.columns.index(column) + 1)}{row}"

    def fail(self, cell: str, rule: str, message: str) -> None:
        self.problems.append(Problem(self.path, self.sheet, cell, rule, message))

    def text(self, r: int, row: dict, column: str, allowed: tuple[str, ...] = ()) -> str:
        """A required text cell (one of ``allowed`` when given)."""
        value = row[column]
        text = "" if value is None else str(value).strip()
        if not text:
            self.fail(self.cell(r, column), "empty-cell", f"{column} is empty; fill it in")
        elif allowed and text not in allowed:
            self.fail(self.cell(r, column), "unknown-value",
                      f"{column} {text!r} is not one of {list(allowed)}")
        return text

    def number(self, r: int, row: dict, column: str, required: bool = True,
               positive: bool = False) -> float | None:
        """A number cell (None when empty and not required)."""
        value = row[column]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(self.cell(r, column), "empty-cell", f"{column} is empty; enter a "
                          "number")
            return None
        if not is_number(value):
            self.fail(self.cell(r, column), "not-a-number",
                      f"{column} {value!r} is not a number; enter a plain number")
            return None
        if positive and value <= 0:
            self.fail(self.cell(r, column), "not-positive",
                      f"{column} {value!r} must be greater than zero")
            return None
        return float(value)

    def unique(self, r: int, row: dict, column: str, seen: dict) -> None:
        key = row[column]
        if key in seen:
            self.fail(self.cell(r, column), "duplicate-row",
                      f"{column} {key!r} appears twice (rows {seen[key]} and {r}); give each "
                      "row its own id")
        seen[key] = r

    def done(self) -> None:
        if self.problems:
            raise DataValidationError(self.problems)


def read_statistics(path: str | Path, truck_types: list[str] | None = None) -> pd.DataFrame:
    """Read ``validation_statistics.xlsx``: one row per observation.

    Parameters
    ----------
    path : str or Path
        The workbook (sheet ``observations``).
    truck_types : list of str, optional
        The model's types; when given, ``truck_type`` must be one of them or ``total``.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`STATISTICS_COLUMNS` (empty cells ``""``, uncertainty cells NaN)
        and ``start``, ``end`` (fractional years) and ``year`` (the year the period ends).

    Raises
    ------
    DataValidationError
        Listing every broken cell: missing sheet or header, empty required cell, unknown
        variable, type or confidence, a period that does not parse or is not an instant for a
        stock, a value that is not a number, a missing or inconsistent uncertainty, a repeated
        ``obs_id``.
    """
    import pandas as pd

    sheet = _Sheet(path, "observations", STATISTICS_COLUMNS)
    types = tuple(truck_types) + ("total",) if truck_types else ()
    out, seen = [], {}
    for r, row in sheet.rows:
        sheet.text(r, row, "obs_id")
        sheet.unique(r, row, "obs_id", seen)
        for column in ("quantity", "source", "model_side"):
            sheet.text(r, row, column)
        sheet.text(r, row, "unit", UNITS)
        variable = sheet.text(r, row, "variable", VARIABLES)
        sheet.text(r, row, "truck_type", types)
        sheet.text(r, row, "confidence", CONFIDENCE)
        value = sheet.number(r, row, "value")
        period = _period(sheet, r, row, variable)
        sd = sheet.number(r, row, "sd", required=False, positive=True)
        low = sheet.number(r, row, "low", required=False)
        high = sheet.number(r, row, "high", required=False)
        _check_uncertainty(sheet, r, value, sd, low, high)
        record = {c: ("" if row[c] is None else row[c]) for c in STATISTICS_COLUMNS}
        record.update(value=value, sd=sd, low=low, high=high)
        if period is not None:
            record.update(period=period.label, start=period.start, end=period.end,
                          year=period.year)
        out.append(record)
    sheet.done()
    table = pd.DataFrame(out, columns=STATISTICS_COLUMNS + ["start", "end", "year"])
    for column in ("sd", "low", "high", "value", "start", "end"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table["year"] = table["year"].astype(int)
    for column in ("obs_id", "truck_type", "variable"):
        table[column] = table[column].astype(str).str.strip()
    return table


def _period(sheet: _Sheet, r: int, row: dict, variable: str) -> Period | None:
    try:
        period = parse_period(row["period"])
    except ValueError as exc:
        sheet.fail(sheet.cell(r, "period"), "bad-period", str(exc))
        return None
    if variable == "stock" and not period.instant:
        sheet.fail(sheet.cell(r, "period"), "bad-period",
                   f"a stock is counted at an instant: period {period.label!r} must be a year "
                   "(its end) or a month (its end), like 2017 or 2017-03")
        return None
    return period


def _check_uncertainty(sheet: _Sheet, r: int, value, sd, low, high) -> None:
    if sd is None and low is None and high is None:
        sheet.fail(sheet.cell(r, "sd"), "no-uncertainty",
                   "give the observation's uncertainty: sd, or a range low-high, or one bound")
        return
    if value is None:
        return
    if low is not None and low > value:
        sheet.fail(sheet.cell(r, "low"), "bad-range", f"low {low:g} is above the value "
                   f"{value:g}; low <= value <= high")
    if high is not None and high < value:
        sheet.fail(sheet.cell(r, "high"), "bad-range", f"high {high:g} is below the value "
                   f"{value:g}; low <= value <= high")


def read_stock_priors(path: str | Path) -> pd.DataFrame:
    """Read ``stock_projection_priors.xlsx``: one prior per type and year.

    Each row is a normal prior ``value +- sd`` on the stock of ``truck_type`` in ``year``;
    ``replaces`` lists the years (``2035;2050``) of the type's ``stock_anchors`` that the prior
    replaces in the fit (empty: none). ``basis`` is ``source`` or ``assumption``.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`PRIOR_COLUMNS`, ``replaces`` as a tuple of years, and ``row`` (the
        row of the sheet, for messages).

    Raises
    ------
    DataValidationError
        Listing every broken cell.
    """
    import pandas as pd

    sheet = _Sheet(path, "priors", PRIOR_COLUMNS)
    out, seen = [], {}
    for r, row in sheet.rows:
        record = {c: ("" if row[c] is None else row[c]) for c in PRIOR_COLUMNS}
        record["truck_type"] = sheet.text(r, row, "truck_type")
        year = sheet.number(r, row, "year")
        if year is not None and year != int(year):
            sheet.fail(sheet.cell(r, "year"), "not-a-year", f"year {year!r} is not a whole year")
        key = (record["truck_type"], year)
        if key in seen:
            sheet.fail(sheet.cell(r, "year"), "duplicate-row",
                       f"a prior for {key[0]} {key[1]:g} appears twice (rows {seen[key]} and "
                       f"{r})")
        seen[key] = r
        record["value"] = sheet.number(r, row, "value")
        record["sd"] = sheet.number(r, row, "sd", positive=True)
        record["year"] = int(year) if year is not None else 0
        for column in ("unit", "source"):
            sheet.text(r, row, column)
        sheet.text(r, row, "basis", BASES)
        sheet.text(r, row, "confidence", CONFIDENCE)
        record["replaces"] = _years(sheet, r, row["replaces"])
        record["row"] = r
        out.append(record)
    sheet.done()
    return pd.DataFrame(out, columns=PRIOR_COLUMNS + ["row"])


def _years(sheet: _Sheet, r: int, value: object) -> tuple[int, ...]:
    if value is None or not str(value).strip():
        return ()
    parts = [p.strip() for p in str(value).replace(",", ";").split(";") if p.strip()]
    if not all(re.fullmatch(r"\d{4}", p) for p in parts):
        sheet.fail(sheet.cell(r, "replaces"), "bad-years",
                   f"replaces {value!r} must be years separated by ';', like 2035;2050")
        return ()
    return tuple(int(p) for p in parts)


def read_period_effects(path: str | Path) -> pd.DataFrame:
    """Read ``period_effects.xlsx``: one row per calendar-year policy period.

    Raises
    ------
    DataValidationError
        Listing every broken cell (years out of order, prior range reversed, unknown
        mechanism or confidence, empty evidence).
    """
    import pandas as pd

    sheet = _Sheet(path, "periods", PERIOD_COLUMNS)
    out, seen = [], {}
    for r, row in sheet.rows:
        sheet.text(r, row, "period_id")
        sheet.unique(r, row, "period_id", seen)
        first, last = sheet.number(r, row, "first_year"), sheet.number(r, row, "last_year")
        if first is not None and last is not None and last < first:
            sheet.fail(sheet.cell(r, "last_year"), "bad-range",
                       f"last_year {last:g} is before first_year {first:g}")
        low, high = sheet.number(r, row, "prior_low"), sheet.number(r, row, "prior_high")
        if low is not None and high is not None and high < low:
            sheet.fail(sheet.cell(r, "prior_high"), "bad-range",
                       f"prior_high {high:g} is below prior_low {low:g}")
        for column in ("truck_types", "policy", "evidence", "target_series", "prior_unit"):
            sheet.text(r, row, column)
        sheet.text(r, row, "mechanism", MECHANISMS)
        sheet.text(r, row, "prior_basis", BASES)
        sheet.text(r, row, "confidence", CONFIDENCE)
        out.append({c: ("" if row[c] is None else row[c]) for c in PERIOD_COLUMNS})
    sheet.done()
    return pd.DataFrame(out, columns=PERIOD_COLUMNS)
