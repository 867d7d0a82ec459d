"""Monte Carlo over the calibration's parameter sets: ``elt-odym mc --calibration-draws FILE``.

The rules (which columns a draw takes, per calendar year, why a scenario's own sets may not be
used) are in :mod:`elt_odym.uncertainty.parameter_sets`; by default the joint Monte Carlo
draws the scenario's own ``calibration_draws.csv`` (:mod:`elt_odym.uncertainty.sampling`).
"""

from __future__ import annotations

import pandas as pd

from ..system.inputs import Draws, ModelInputs
from .parameter_sets import (  # noqa: F401 (the entry points of this module)
    apply_parameter_sets,
    check_parameter_sets,
    read_parameter_sets,
    sets_status,
    with_parameter_sets,
)
from .sampling import battery_variants, sample_range


def sample_with_parameter_sets(inputs: ModelInputs, opts, n: int, seed: int,
                               sets: pd.DataFrame) -> Draws:
    """The ``n`` draws of the joint Monte Carlo (:func:`~elt_odym.uncertainty.sampling.
    sample_range`, seeded blocks) with the lifetimes and period factors of ``sets``."""
    inputs = with_parameter_sets(inputs, sets)
    opts = opts.model_copy(update={"lifetimes": "calibration"})
    variants = (battery_variants(inputs, opts, seed)
                if inputs.battery is not None and opts.battery == "range" else None)
    return sample_range(inputs, opts, n, seed, 0, n, variants)
