"""Lifetimes and period factors drawn from the calibration's parameter sets (the rules; the
draws are made by :mod:`elt_odym.uncertainty.sampling`, the ``mc --calibration-draws`` entry
point is :mod:`elt_odym.uncertainty.calibration_draws`).

``elt-odym calibrate`` writes ``calibration_draws.csv`` (one row per parameter set, a column
``name[item]`` per free parameter; :func:`elt_odym.calibration.parameter_draws`) next to the
calibrated workbooks. The joint Monte Carlo (``lifetimes = "calibration"``, the default) gives
each draw one of those rows, chosen with the draw block's generator
(:mod:`elt_odym.uncertainty.sampling`); ``elt-odym mc --calibration-draws FILE`` names another
file:

- ``weibull_scale[g]`` and ``weibull_shape[g]`` replace the lifetime range of type ``g`` (the
  draw's multiplier is the row's value over the scenario's);
- ``period_factor[HT+MT 2019-2022]`` (or one calendar year, ``period_factor[HT 2024]``) sets
  the period factor of those types and calendar years in that draw (each draw its own period
  effect);
- ``reclassification[HT 2003]`` sets the vehicles the transfer route out of ``HT`` moves by
  the data in 2003 (``Draws.given``).

Other columns (``scale_trend``, ``scale_trend_start``) change every cohort's lifetime of a draw
in a way the per-draw multipliers do not express: they stay at the scenario's values (the
fitted ones), and :func:`sets_status` names them.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..calibration import period_item
from ..errors import ConfigError
from ..system.inputs import Draws, ModelInputs

log = logging.getLogger(__name__)
COLUMN = re.compile(r"^(?P<name>[a-z_]+)\[(?P<item>[^\]]*)\]$")
APPLIED = ("weibull_scale", "weibull_shape", "period_factor", "reclassification")
"""The parameters a draw can take from a parameter set."""


def check_parameter_sets(table: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """``table`` if it is a ``calibration_draws.csv``, else a :class:`ConfigError`."""
    bad = [c for c in table.columns[1:] if not COLUMN.match(str(c))]
    if len(table.columns) == 0 or table.columns[0] != "draw" or bad or table.empty:
        raise ConfigError(f"{path}: not a calibration_draws.csv (columns 'draw' then "
                          f"'name[item]'; bad: {bad})")
    values = table.iloc[:, 1:].apply(pd.to_numeric, errors="coerce")
    if values.isna().any().any() or not np.isfinite(values.to_numpy(float)).all():
        row, col = np.argwhere(~np.isfinite(values.to_numpy(float)))[0]
        raise ConfigError(f"{path}: row {row + 2}, column {table.columns[col + 1]!r}: not a "
                          f"finite number; every parameter value must be one")
    return table


def read_parameter_sets(path: str | Path) -> pd.DataFrame:
    """Read a ``calibration_draws.csv`` within the input limits (an unreadable file is an
    :class:`~elt_odym.errors.UnreadableWorkbookError`); a malformed one is a
    :class:`ConfigError`."""
    from ..io.safe_open import read_csv_checked

    return check_parameter_sets(read_csv_checked(path), path)


def period_span(item: str, products: list[str], years: list[int]
                ) -> tuple[list[int], list[int]]:
    """Year and type indices of a ``period_factor`` item: ``"HT+MT 2019-2022"`` or one
    calendar year, ``"HT 2024"`` (:func:`elt_odym.calibration.period_item`)."""
    parts = str(item).split()
    if len(parts) == 2 and "-" not in parts[1]:
        item = f"{parts[0]} {parts[1]}-{parts[1]}"
    return period_item(item, products, years)


def target(base: ModelInputs, column: str) -> tuple[str, tuple]:
    """What a column sets in a draw: ``(name, where)`` with ``where`` the type index
    (``weibull_scale``, ``weibull_shape``), the year and type indices (``period_factor``) or
    the route and year index (``reclassification``) on the fleet's axes.

    Raises
    ------
    ValueError
        If a draw cannot take the column (see the module docstring).
    """
    m = COLUMN.match(column)
    name, item = m["name"], m["item"]
    if name == "period_factor":
        return name, period_span(item, base.products, base.years)
    if name == "reclassification":
        years, types = period_span(item, base.products, base.years)
        routes = [r for r, (src, _) in enumerate(base.fleet.routes) if src in types]
        if len(types) != 1 or len(years) != 1 or not routes:
            raise ValueError(f"{column}: one type with a transfer route and one year")
        return name, (routes[0], base.n_history + years[0])
    if name in APPLIED and item in base.products:
        return name, (base.products.index(item),)
    raise ValueError(f"{column}: not a parameter a draw can take")


def inapplicable(base: ModelInputs, sets: pd.DataFrame) -> list[str]:
    """The columns of ``sets`` a draw cannot take (see the module docstring)."""
    out = []
    for column in sets.columns[1:]:
        try:
            target(base, column)
        except ValueError:
            out.append(column)
    return out


def apply_rows(base: ModelInputs, d: Draws, sets: pd.DataFrame, rows: np.ndarray
               ) -> list[str]:
    """Give draw ``i`` of ``d`` the parameters of row ``rows[i]`` of ``sets``; returns the
    columns that were not applied."""
    skipped = inapplicable(base, sets)
    h, fleet = base.n_history, base.fleet
    for column in sets.columns[1:]:
        if column in skipped:
            continue
        name, where = target(base, column)
        values = sets[column].to_numpy(float)[rows]
        if name == "period_factor":
            if d.period is None:
                d.period = np.repeat(fleet.period[:, None, :], d.n, axis=1)
            for t in where[0]:
                d.period[h + t][:, where[1]] = values[:, None]
        elif name == "reclassification":
            if d.given is None:
                given = (np.zeros((len(fleet.routes), fleet.stock.shape[0]))
                         if fleet.given is None else fleet.given)
                d.given = np.repeat(given[..., None], d.n, axis=2)
            d.given[where[0], where[1]] = values
        else:
            ref = (fleet.scale if name == "weibull_scale" else fleet.shape)[h, where[0]]
            target_ = d.scale_mult if name == "weibull_scale" else d.shape_mult
            target_[:, where[0]] = values / ref
    return skipped


def apply_parameter_sets(base: ModelInputs, d: Draws, sets: pd.DataFrame,
                         rng: np.random.Generator) -> list[str]:
    """Give each draw of ``d`` the parameters of a random row of ``sets`` (see the module
    docstring). Returns the columns that were not applied."""
    skipped = apply_rows(base, d, sets, rng.integers(0, len(sets), d.n))
    if skipped:
        log.warning("calibration draws: %s stay at the scenario's values", ", ".join(skipped))
    return skipped


def sets_status(base: ModelInputs) -> tuple[pd.DataFrame | None, str]:
    """The parameter sets the lifetimes are drawn from (None: none) and a sentence saying
    which file and parameters, or why none."""
    src = base.sources
    sets = None if src is None else src.parameter_sets()
    if sets is None:
        return None, "no calibration_draws.csv next to the scenario's calibrated workbooks"
    where = "the named parameter sets"
    if src.sets_path is not None:
        where = "/".join(Path(src.sets_path).parts[-2:])
    sets = check_parameter_sets(sets, src.sets_path or "calibration draws")
    skipped = inapplicable(base, sets)
    used = [c for c in sets.columns[1:] if c not in skipped]
    if not used:
        return None, f"{where}: no column a draw can take ({', '.join(skipped)})"
    text = f"{len(sets):,} parameter sets of {where} ({', '.join(used)})"
    if skipped:
        text += f"; {', '.join(skipped)} kept at the scenario's values"
    return sets, text


def with_parameter_sets(inputs: ModelInputs, sets: pd.DataFrame,
                        path: str | Path | None = None) -> ModelInputs:
    """``inputs`` whose draws take their lifetimes and period factors from ``sets``."""
    sources = inputs.sources.with_sets(sets, None if path is None else Path(path))
    return dataclasses.replace(inputs, sources=sources)


def deterministic_values(base: ModelInputs, sets: pd.DataFrame) -> dict[str, float]:
    """The scenario's own value of each column of ``sets`` that a draw can take."""
    h, fleet = base.n_history, base.fleet
    out = {}
    for column in sets.columns[1:]:
        if column in inapplicable(base, sets):
            continue
        name, where = target(base, column)
        if name == "period_factor":
            out[column] = float(fleet.period[h + where[0][0], where[1][0]])
        elif name == "reclassification":
            out[column] = 0.0 if fleet.given is None else float(fleet.given[where])
        else:
            out[column] = float((fleet.scale if name == "weibull_scale"
                                 else fleet.shape)[h, where[0]])
    return out
