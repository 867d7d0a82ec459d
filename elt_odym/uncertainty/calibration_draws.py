"""Monte Carlo over parameter sets consistent with the calibration targets.

``elt-odym calibrate`` writes ``calibration_draws.csv`` (one row per parameter set, a column
``name[item]`` per free parameter; :func:`elt_odym.calibration.parameter_draws`). With
``elt-odym mc --calibration-draws FILE`` each Monte Carlo draw takes one of those rows, chosen
with the run's generator, for its lifetime parameters: a ``weibull_scale[g]`` or
``weibull_shape[g]`` column replaces the lifetime range of type ``g`` (the multiplier of the
draw is the row's value over the scenario's value). Other columns (``scale_trend``,
``period_factor``) are structural parameters shared by all draws of the array model; they stay
at the scenario's values and are named by :func:`apply_parameter_sets`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..batch import Draws, ModelArrays, model_arrays
from ..data import ModelData
from ..errors import ConfigError
from .sampling import sample

log = logging.getLogger(__name__)
COLUMN = re.compile(r"^(?P<name>[a-z_]+)\[(?P<item>[^\]]*)\]$")


def read_parameter_sets(path: str | Path) -> pd.DataFrame:
    """Read a ``calibration_draws.csv``; a malformed column is a :class:`ConfigError`."""
    table = pd.read_csv(path)
    bad = [c for c in table.columns[1:] if not COLUMN.match(str(c))]
    if table.columns[0] != "draw" or bad or table.empty:
        raise ConfigError(f"{path}: not a calibration_draws.csv (columns 'draw' then "
                          f"'name[item]'; bad: {bad})")
    return table


def apply_parameter_sets(base: ModelArrays, d: Draws, sets: pd.DataFrame,
                         rng: np.random.Generator) -> list[str]:
    """Give each draw of ``d`` the lifetime parameters of a random row of ``sets``.

    Returns the columns that were not applied (structural parameters, see module docstring).
    """
    rows = rng.integers(0, len(sets), d.n)
    skipped = []
    for column in sets.columns[1:]:
        m = COLUMN.match(column)
        name, item = m["name"], m["item"]
        if name not in ("weibull_scale", "weibull_shape") or item not in base.products:
            skipped.append(column)
            continue
        j = base.products.index(item)
        ref = (base.fleet.scale if name == "weibull_scale" else base.fleet.shape)[base.n_pre, j]
        target = d.scale_mult if name == "weibull_scale" else d.shape_mult
        target[:, j] = sets[column].to_numpy(float)[rows] / ref
    if skipped:
        log.warning("calibration draws: %s stay at the scenario's values (shared by all "
                    "draws of the array model)", ", ".join(skipped))
    return skipped


def sample_with_parameter_sets(data: ModelData, n: int, seed: int,
                               sets: pd.DataFrame) -> Draws:
    """The Monte Carlo draws of :func:`~elt_odym.uncertainty.sampling.sample`, then the
    lifetime parameters of calibration parameter sets (same generator, drawn after)."""
    base = model_arrays(data)
    rng = np.random.default_rng(seed)
    d = sample(base, data.config.uncertainty, n, rng)
    apply_parameter_sets(base, d, sets, rng)
    return d
