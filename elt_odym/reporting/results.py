"""Results in the output contract: tidy ``results.csv``, ``results.xlsx`` and diagnostics.

``results.csv`` columns: ``scenario, variable, truck_type, material, year, value, unit``. A
dimension that does not apply is empty; a sum over a dimension is labelled ``total``.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, Problem
from ..io.escape import escape_cell
from ..io.output_folder import atomic_write
from ..system.variables import COLUMNS, VARIABLES, money_year_of


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Years as columns (for Excel and IAMC-like reading)."""
    keys = ["scenario", "variable", "truck_type", "material", "unit"]
    out = table.pivot_table(index=keys, columns="year", values="value", sort=False,
                            aggfunc="first")
    return out.reset_index()


def variables_sheet() -> pd.DataFrame:
    """Meaning, unit and group of every variable."""
    rows = [{"variable": v.name, "unit": v.unit, "group": v.group, "description": v.description}
            for v in VARIABLES.values()]
    return pd.DataFrame(rows)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Atomic CSV write (the bytes of ``to_csv``, made faster by
    :func:`~elt_odym.reporting.csvtext.write_csv_text`); text cells that a spreadsheet would
    evaluate are escaped."""
    from .csvtext import write_csv_text

    safe = escaped_objects(df)
    atomic_write(path, lambda p: write_csv_text(safe, p))


def escaped_objects(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`~elt_odym.io.escape.escape_frame` of ``df`` (the same cells), with each distinct
    text escaped once and text columns as plain Python objects, which pandas writes to CSV
    more than twice as fast as its string dtype."""
    out = {}
    for i, col in enumerate(df.columns):
        series = df.iloc[:, i]
        if series.dtype == object or pd.api.types.is_string_dtype(series):
            codes, uniques = pd.factorize(series)
            values = np.array([escape_cell(u) for u in uniques] + [None], dtype=object)[codes]
            missing = codes < 0  # code -1 picked the trailing None: keep the original NaN
            values[missing] = series.to_numpy(object)[missing]
            series = pd.Series(values, index=df.index, dtype=object)
        out[i] = series
    result = pd.DataFrame(out)
    result.columns = [escape_cell(c) if isinstance(c, str) else c for c in df.columns]
    return result


RENAMED = {"product": "truck_type"}
"""Column names made consistent across the sheets of ``results.xlsx``."""

SUMMARY_YEARS = (2010, 2023, 2030, 2050)


def summary_sheet(table: pd.DataFrame, money_year: int | None = None,
                  years: tuple[int, ...] = SUMMARY_YEARS,
                  cumulative: tuple[int, int] = (2025, 2050),
                  ranges: pd.DataFrame | None = None) -> pd.DataFrame:
    """Headline values per scenario in Mt, billion US$ (with year), PJ and Mt CO2e.

    The rows are those ``elt-odym run`` prints (:data:`elt_odym.model.HEADLINE`), with the
    end-of-life count in million vehicles first; one column per year and the sum over
    ``cumulative`` (first and last year included) of the deterministic run. With ``ranges``
    (:func:`headline_csv`) the Monte Carlo's median and p05-p95 of the headline year follow,
    with the draws, the basis (maximum potential or current practice) and a note saying which
    column is which.
    """
    from ..model import HEADLINE

    rows = (COUNT,) + HEADLINE
    wanted = table["variable"].isin({var for var, *_ in rows}) & (table["truck_type"] == "total")
    keyed = table[wanted].set_index(["scenario", "variable", "truck_type", "material", "year"]
                                    )["value"].sort_index()  # only the rows shown: faster
    have = set(table["year"])
    years = [y for y in years if y in have]
    first, last = cumulative
    out = []
    for scenario in table["scenario"].unique():
        for var, mat, unit, scale in rows:
            try:
                series = keyed.loc[(scenario, var, "total", mat)]
            except KeyError:
                continue
            if unit == "billion USD":
                year = money_year_of(table, scenario) or money_year
                unit = f"billion US${year}" if year else unit
            label = var + (f" {mat}" if mat not in ("", "total") else "")
            row = {"scenario": scenario, "quantity": label, "unit": unit}
            row |= {str(y): float(series.get(y, np.nan)) * scale for y in years}
            window = series[(series.index >= first) & (series.index <= last)]
            row[f"sum {first}-{last}"] = float(window.sum()) * scale
            out.append(row)
    sheet = pd.DataFrame(out)
    return sheet if ranges is None else _with_ranges(sheet, ranges)


def _with_ranges(sheet: pd.DataFrame, ranges: pd.DataFrame) -> pd.DataFrame:
    """The summary sheet with the Monte Carlo columns of ``ranges`` (see :func:`summary_sheet`)."""
    year = int(ranges["year"].iloc[0])
    mc = {"median": f"{year} Monte Carlo median", "p05": f"{year} Monte Carlo p05",
          "p95": f"{year} Monte Carlo p95", "draws": "Monte Carlo draws"}
    part = ranges[["scenario", "quantity", *mc]].rename(columns=mc)
    out = sheet.merge(part, on=["scenario", "quantity"], how="left")
    basis = ranges.drop_duplicates("scenario").set_index("scenario")
    out["basis"] = out["scenario"].map(basis["basis"])
    out["note"] = out["scenario"].map(basis["draws"]).map(
        lambda n: "year columns and sum: the deterministic run (every input at its value)"
        + (f"; Monte Carlo columns: median and 5th-95th percentiles of {int(n):,} draws of "
           "every drawn group of inputs jointly" if n > 0 else "; no Monte Carlo (draws 0)"))
    out["Monte Carlo draws"] = out["scenario"].map(basis["draws"])
    return out


def headline_tables(result, first: int, last: int,
                    years: tuple[int, ...] = SUMMARY_YEARS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables ``elt-odym run`` prints: :func:`elt_odym.model.summary` of ``years``
    and :func:`elt_odym.model.cumulative_summary` over ``first..last`` (both included)."""
    from ..model import cumulative_summary, summary

    return summary(result, years), cumulative_summary(result, first, last)


HEADLINE_RANGE_COLUMNS = ["scenario", "basis", "basis_detail", "quantity", "unit", "year",
                          "deterministic", "median", "p05", "p95", "draws", "seed", "note"]
"""``headline.csv``: the headline of one year, the deterministic run beside the Monte Carlo's
median and 5th-95th percentiles (the one source of the console, the ``summary`` sheet and
``report.html``)."""
RANGE_NOTE = ("deterministic = the run with every input at its value; median, p05, p95 = the "
              "Monte Carlo of {draws:,} draws (seed {seed}), every drawn group of inputs jointly")
OUTSIDE = " Outside p05-p95: "
"""Where a note says why the range misses the deterministic value."""
NO_RANGE_NOTE = "deterministic run only: no Monte Carlo (draws 0)"
COUNT = ("eol", "", "million vehicles", 1e-6)
"""The end-of-life trucks, first among the headline rows (as in the ``summary`` sheet)."""


def headline_mc(result, n: int, seed: int):
    """The Monte Carlo of the headline variables of ``result``'s scenario
    (:func:`~elt_odym.uncertainty.montecarlo.run_monte_carlo`, ``n`` draws)."""
    from ..model import HEADLINE
    from ..uncertainty.montecarlo import run_monte_carlo

    present = set(result.variable_rows)
    variables = sorted({var for var, *_ in (COUNT,) + HEADLINE if var in present})
    return run_monte_carlo(result.data, n, seed, variables=variables, progress=False,
                           inputs=result.system.inputs)


def headline_range_table(result, mc=None) -> pd.DataFrame:
    """The headline of :func:`elt_odym.model.headline_year` (:data:`HEADLINE_RANGE_COLUMNS`):
    the deterministic value of ``result`` and, with ``mc`` (:func:`headline_mc`), the
    median and p05-p95 of its draws; ``basis`` says whether it is a maximum potential or
    current practice (:func:`elt_odym.model.recycling_basis`) and ``note`` which is which
    (and why the range misses the deterministic value where it does)."""
    from ..model import HEADLINE, _headline, headline_year, recycling_basis
    from ..uncertainty.sobol import total_label

    year = headline_year(result.data)
    basis, detail = recycling_basis(result.data)
    rows = []
    for label, var, mat, unit, scale in _headline(result, (COUNT,) + HEADLINE):
        row = {"scenario": result.scenario, "basis": basis, "basis_detail": detail,
               "quantity": label, "unit": unit,
               "year": year, "deterministic": result.value(var, year, "total", mat) * scale,
               "median": np.nan, "p05": np.nan, "p95": np.nan, "draws": 0, "seed": np.nan,
               "note": NO_RANGE_NOTE}
        if mc is not None and var in mc.layout.variables:
            lab = total_label(mc.layout, var, mat or "total")
            p05, p50, p95 = mc.band(var, lab[0], lab[3], lab[1], lab[2])[
                :, mc.layout.years.index(year)] * scale
            row |= {"median": p50, "p05": p05, "p95": p95, "draws": mc.n, "seed": mc.seed,
                    "note": RANGE_NOTE.format(draws=mc.n, seed=mc.seed)}
            if not p05 <= row["deterministic"] <= p95:
                row["note"] += OUTSIDE + _outside_note(result)
        rows.append(row)
    return pd.DataFrame(rows, columns=HEADLINE_RANGE_COLUMNS)


def _outside_note(result) -> str:
    """Why a deterministic value can lie outside the Monte Carlo's 5th-95th percentiles."""
    from ..uncertainty.montecarlo import mc_inputs
    from ..uncertainty.sampling import off_centre

    base = None if result.system is None else result.system.inputs  # not built again
    where = off_centre(mc_inputs(result.data, base), result.data.config.uncertainty)
    return ("the deterministic inputs are not the centre of the drawn ranges"
            + (f" ({'; '.join(where)})" if where else ""))


def headline_csv(results: list) -> pd.DataFrame:
    """``headline.csv`` of a run: every scenario's :func:`headline_range_table` (the
    deterministic value alone where no Monte Carlo was made)."""
    return pd.concat([r.headline_range if r.headline_range is not None
                      else headline_range_table(r) for r in results], ignore_index=True)


def headline_range_text(table: pd.DataFrame) -> str:
    """What ``elt-odym run`` prints of a scenario's :func:`headline_range_table`."""
    from .numbers import fmt

    first = table.iloc[0]
    head = f"headline {first['year']} ({first['basis']}): "
    if first["draws"] == 0:
        head += NO_RANGE_NOTE
    else:
        head += RANGE_NOTE.format(draws=int(first["draws"]), seed=int(first["seed"]))
    cols = ["quantity", "unit", "deterministic", "median", "p05", "p95"]
    body = table[cols].to_string(index=False, na_rep="", float_format=fmt)
    return "\n".join([head, body] + [f"note: {q}" for q in outside_notes(table)])


def outside_notes(table: pd.DataFrame) -> list[str]:
    """``quantity: why`` for each headline whose deterministic value lies outside p05-p95."""
    return [f"{q} outside p05-p95: {str(n).split(OUTSIDE, 1)[1]}"
            for q, n in zip(table["quantity"], table["note"]) if OUTSIDE in str(n)]


def relative_paths(df: pd.DataFrame, root: Path, column: str = "file") -> pd.DataFrame:
    """``df`` with the paths of ``column`` written relative to ``root`` where they lie under it
    (e.g. the data folder), as POSIX paths."""
    if column not in df.columns:
        return df
    root = Path(root).resolve()

    def rel(path):
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except (ValueError, TypeError, OSError):
            return path

    paths = {p: rel(p) for p in df[column].unique()}  # each distinct path resolved once
    return df.assign(**{column: df[column].map(paths)})


def write_results_xlsx(table: pd.DataFrame, sheets: dict[str, pd.DataFrame], path: Path,
                       summary: pd.DataFrame | None = None) -> None:
    """``summary`` first, then one sheet per variable group (years as columns) and the extra
    ``sheets``; headers frozen and filtered, widths and number formats set (xlsxwriter)."""
    from .xlsx import write_sheets

    groups: dict[str, list[str]] = {}
    for v in VARIABLES.values():
        groups.setdefault(v.group, []).append(v.name)
    book: dict[str, pd.DataFrame] = {}
    freeze: dict[str, int] = {}
    if summary is not None:
        book["summary"], freeze["summary"] = summary, 3
    for group, names in groups.items():
        part = table[table["variable"].isin(names)]
        if not part.empty:
            book[group] = wide(part)
            book[group].columns = [str(c) for c in book[group].columns]
            freeze[group] = 5
    for name, df in sheets.items():
        book[name[:31]] = df.rename(columns=RENAMED)
    atomic_write(path, lambda p: write_sheets(book, p, freeze))


def read_results_csv(path: str | Path) -> pd.DataFrame:
    """Read a ``results.csv`` of the output contract (empty cells stay empty strings).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    DataError
        If it is not a CSV with the columns of :data:`COLUMNS` and numeric values.
    """
    from ..io.safe_open import read_output_bytes

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "no such results file", str(path))
    raw = read_output_bytes(path)  # refused before parsing when larger than any output
    try:
        table = pd.read_csv(io.BytesIO(raw), keep_default_na=False,
                            dtype={"truck_type": str, "material": str})
        missing = [c for c in COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"columns {missing} are missing")
        if table.empty:
            raise ValueError("it has no rows")
        table["value"] = pd.to_numeric(table["value"])
        table["year"] = pd.to_numeric(table["year"])
    except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(Problem(str(path), "", "", "bad-results-file",
                                f"not a results.csv of elt-odym run ({_short(exc)})")) from None
    return table


def _short(exc: BaseException) -> str:
    """An exception as one short line."""
    return " ".join(str(exc).split())[:160] or type(exc).__name__
