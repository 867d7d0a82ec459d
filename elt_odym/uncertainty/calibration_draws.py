"""Monte Carlo over parameter sets consistent with the calibration targets.

``elt-odym calibrate`` writes ``calibration_draws.csv`` (one row per parameter set, a column
``name[item]`` per free parameter; :func:`elt_odym.calibration.parameter_draws`). With
``elt-odym mc --calibration-draws FILE`` each Monte Carlo draw takes one of those rows, chosen
with the run's generator:

- ``weibull_scale[g]`` and ``weibull_shape[g]`` replace the lifetime range of type ``g`` (the
  draw's multiplier is the row's value over the scenario's);
- ``period_factor[HT+MT 2019-2022]`` sets the period factor of those types and calendar years
  in that draw (each draw its own period effect).

Other columns (``scale_trend``, ``scale_trend_start``) change every cohort's lifetime of a draw
in a way the per-draw multipliers do not express; they stay at the scenario's values and are
named by :func:`apply_parameter_sets`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..calibration import period_item
from ..errors import ConfigError
from ..io.safe_open import read_csv_checked
from ..system.inputs import Draws, ModelInputs

log = logging.getLogger(__name__)
COLUMN = re.compile(r"^(?P<name>[a-z_]+)\[(?P<item>[^\]]*)\]$")


def read_parameter_sets(path: str | Path) -> pd.DataFrame:
    """Read a ``calibration_draws.csv`` (within the input limits; an unreadable file is an
    :class:`~elt_odym.errors.UnreadableWorkbookError`); a malformed column is a
    :class:`ConfigError`."""
    table = read_csv_checked(path)
    bad = [c for c in table.columns[1:] if not COLUMN.match(str(c))]
    if table.columns[0] != "draw" or bad or table.empty:
        raise ConfigError(f"{path}: not a calibration_draws.csv (columns 'draw' then "
                          f"'name[item]'; bad: {bad})")
    return table


def apply_parameter_sets(base: ModelInputs, d: Draws, sets: pd.DataFrame,
                         rng: np.random.Generator) -> list[str]:
    """Give each draw of ``d`` the parameters of a random row of ``sets`` (see the module
    docstring). Returns the columns that were not applied."""
    rows = rng.integers(0, len(sets), d.n)
    skipped = []
    h = base.n_history
    for column in sets.columns[1:]:
        m = COLUMN.match(column)
        name, item = m["name"], m["item"]
        values = sets[column].to_numpy(float)[rows]
        if name == "period_factor":
            years, types = period_item(item, base.products, base.years)
            if d.period is None:
                d.period = np.repeat(base.fleet.period[:, None, :], d.n, axis=1)
            for t in years:
                d.period[h + t][:, types] = values[:, None]
            continue
        if name not in ("weibull_scale", "weibull_shape") or item not in base.products:
            skipped.append(column)
            continue
        j = base.products.index(item)
        ref = (base.fleet.scale if name == "weibull_scale" else base.fleet.shape)[h, j]
        target = d.scale_mult if name == "weibull_scale" else d.shape_mult
        target[:, j] = values / ref
    if skipped:
        log.warning("calibration draws: %s stay at the scenario's values", ", ".join(skipped))
    return skipped


def sample_with_parameter_sets(inputs: ModelInputs, opts, n: int, seed: int,
                               sets: pd.DataFrame) -> Draws:
    """The Monte Carlo draws of :func:`~elt_odym.uncertainty.sampling.sample`, then the
    parameters of calibration parameter sets (same generator, drawn after)."""
    from .sampling import battery_variants, sample

    rng = np.random.default_rng(seed)
    variants = (battery_variants(inputs, opts, seed)
                if inputs.battery is not None and opts.battery == "range" else None)
    d = sample(inputs, opts, n, rng, variants)
    apply_parameter_sets(inputs, d, sets, rng)
    return d
