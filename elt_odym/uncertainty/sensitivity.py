"""One-at-a-time sensitivity (the study's Fig. 6a) on the array model, all cases in one batch.

Cases: mean lifetime -1 and +1 year (all types together and each type alone, the Weibull scale
scaled by ``(mean +- 1) / mean``), truck unit only instead of truck plus trailer, prices at their
minimum and maximum, every energy and carbon factor -20 % and +20 % (``factor_range``).
Draw 0 of the batch is the base case (every input at its value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..batch import (
    Draws,
    ModelArrays,
    evaluate,
    fixed_draws,
    lifetime_shift_multiplier,
    model_arrays,
)
from ..data import ModelData

COLUMNS = ["parameter", "change", "variable", "truck_type", "material", "year", "base",
           "value", "rel_change"]
SHIFT_YEARS = (-1.0, 1.0)
"""Lifetime changes of the study's Fig. 6a (years)."""


def cases(base: ModelArrays) -> tuple[list[tuple[str, str]], Draws]:
    """Every (parameter, change) of the analysis and its draw; draw 0 is the base case."""
    labels: list[tuple[str, str]] = [("base", "")]
    rows: list[dict] = [{}]
    g = len(base.products)
    for target in [None] + list(range(g)):
        for d in SHIFT_YEARS:
            shift = np.array([d if target in (None, j) else 0.0 for j in range(g)])
            name = "lifetime (all types)" if target is None else f"lifetime {base.products[target]}"
            labels.append((name, f"{d:+g} yr"))
            rows.append({"scale_mult": lifetime_shift_multiplier(base.mean_life, shift)})
    labels.append(("weight", "truck unit only"))
    rows.append({"weight": base.weight_low})
    for col, s in ((0, "low"), (2, "high")):
        labels.append(("prices", s))
        rows.append({"price": base.price[:, col]})
    r = base.rel_range
    for sign, f in (("-", -1), ("+", 1)):
        labels.append(("energy and carbon factors", f"{sign}{r:.0%}"))
        rows.append({"energy": base.energy * (1 + f * r), "carbon": base.carbon * (1 + f * r)})
    draws = fixed_draws(base, len(rows))
    for i, row in enumerate(rows):
        for attr, value in row.items():
            getattr(draws, attr)[i] = value
    return labels, draws


def run_sensitivity(data: ModelData) -> pd.DataFrame:
    """``sensitivity.csv``: base and changed value of the main variables for every case."""
    base = model_arrays(data)
    labels, draws = cases(base)
    out = evaluate(base, draws)
    frames = []
    for name, (dim, items, unit) in base.labels().items():
        values = out[name]  # (N, T, K)
        for k, item in enumerate(items):
            if dim == "m" or item == "total" or name in ("eol", "eol_mass"):
                g, m = (item, "") if dim == "g" else ("total", item)
                for i, (parameter, change) in enumerate(labels[1:], start=1):
                    ref, val = values[0, :, k], values[i, :, k]
                    with np.errstate(divide="ignore", invalid="ignore"):
                        rel = np.where(ref != 0, val / ref - 1, 0.0)
                    frames.append(pd.DataFrame({
                        "parameter": parameter, "change": change, "variable": name,
                        "truck_type": g, "material": m, "year": base.years, "base": ref,
                        "value": val, "rel_change": rel}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
