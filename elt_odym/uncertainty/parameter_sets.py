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
  effect).

Other columns (``scale_trend``, ``scale_trend_start``) change every cohort's lifetime of a draw
in a way the per-draw multipliers do not express: they stay at the scenario's values (the
fitted ones), and :func:`sets_status` names them. ``calibrate`` draws each parameter
independently around its fitted value (:func:`elt_odym.calibration.parameter_draws`: the
standard errors, not their correlations), so holding one at its fitted value is the same
approximation as the sets themselves make.
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
APPLIED = ("weibull_scale", "weibull_shape", "period_factor")
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
    """Read a ``calibration_draws.csv``; a malformed file is a :class:`ConfigError`."""
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path}: cannot read a calibration_draws.csv ({exc})") from None
    return check_parameter_sets(table, path)


def period_span(item: str, products: list[str], years: list[int]
                ) -> tuple[list[int], list[int]]:
    """Year and type indices of a ``period_factor`` item: ``"HT+MT 2019-2022"`` or one
    calendar year, ``"HT 2024"`` (:func:`elt_odym.calibration.period_item`)."""
    parts = str(item).split()
    if len(parts) == 2 and "-" not in parts[1]:
        item = f"{parts[0]} {parts[1]}-{parts[1]}"
    return period_item(item, products, years)


def inapplicable(base: ModelInputs, sets: pd.DataFrame) -> list[str]:
    """The columns of ``sets`` a draw cannot take (see the module docstring)."""
    out = []
    for column in sets.columns[1:]:
        m = COLUMN.match(column)
        name, item = m["name"], m["item"]
        if name == "period_factor":
            try:
                period_span(item, base.products, base.years)
            except ValueError:
                out.append(column)
        elif name not in APPLIED or item not in base.products:
            out.append(column)
    return out


def apply_rows(base: ModelInputs, d: Draws, sets: pd.DataFrame, rows: np.ndarray
               ) -> list[str]:
    """Give draw ``i`` of ``d`` the parameters of row ``rows[i]`` of ``sets``; returns the
    columns that were not applied."""
    skipped = inapplicable(base, sets)
    h = base.n_history
    for column in sets.columns[1:]:
        if column in skipped:
            continue
        m = COLUMN.match(column)
        name, item = m["name"], m["item"]
        values = sets[column].to_numpy(float)[rows]
        if name == "period_factor":
            years, types = period_span(item, base.products, base.years)
            if d.period is None:
                d.period = np.repeat(base.fleet.period[:, None, :], d.n, axis=1)
            for t in years:
                d.period[h + t][:, types] = values[:, None]
            continue
        j = base.products.index(item)
        ref = (base.fleet.scale if name == "weibull_scale" else base.fleet.shape)[h, j]
        target = d.scale_mult if name == "weibull_scale" else d.shape_mult
        target[:, j] = values / ref
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
    h = base.n_history
    out = {}
    for column in sets.columns[1:]:
        if column in inapplicable(base, sets):
            continue
        m = COLUMN.match(column)
        name, item = m["name"], m["item"]
        if name == "period_factor":
            years, types = period_span(item, base.products, base.years)
            out[column] = float(base.fleet.period[h + years[0], types[0]])
        else:
            j = base.products.index(item)
            out[column] = float((base.fleet.scale if name == "weibull_scale"
                                 else base.fleet.shape)[h, j])
    return out
