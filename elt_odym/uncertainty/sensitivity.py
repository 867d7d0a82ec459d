"""One-at-a-time sensitivity (the study's Fig. 6a) on the model's equations, all cases in one
batch of draws.

Cases: mean lifetime -1 and +1 year (all types together and each type alone, the Weibull scale
scaled by ``(mean +- 1) / mean``), truck unit only instead of truck plus trailer (or, where
``trailer_share``'s range does not reach zero, its low end), prices at their
minimum and maximum, every energy and carbon factor -20 % and +20 % (``factor_range``); with
the powertrain extension also the low and high powertrain share paths (when the scenario's
Monte Carlo names them), pack capacity, pack lifetime and second-life share at the ends of
their ranges, and the LFP share shifted by ``-+lfp_shift``. Draw 0 of the batch is the base
case (every input at its value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..batch import series_layout, variable_margins
from ..data import ModelData
from ..system.equations import evaluate
from ..system.equations.materials import trailer_multipliers
from ..system.inputs import (
    Draws,
    ModelInputs,
    base_draws,
    lifetime_shift_multiplier,
    nominal_body,
)

COLUMNS = ["parameter", "change", "variable", "truck_type", "material", "year", "base",
           "value", "rel_change"]
SHIFT_YEARS = (-1.0, 1.0)
"""Lifetime changes of the study's Fig. 6a (years)."""
VARIABLES = ("eol", "eol_mass", "eol_material", "economic_value", "energy_saving",
             "carbon_saving", "carbon_saving_decreasing", "battery_capacity_retired",
             "battery_eol_material")
"""The variables whose changes are reported (by type and total; materials of the assessed
metals and the battery materials)."""


def cases(base: ModelInputs, lfp_shift: float = 0.10) -> tuple[list[tuple[str, str]], Draws]:
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
    no_trailer = nominal_body(base, 1)[0]
    for k, q in enumerate(base.composition.uncertain):
        if q.name.startswith("trailer:"):
            no_trailer[k] = 0.0
    comp = base.composition
    fewest = trailer_multipliers(comp, no_trailer[None], 1)[0]
    with_mass = comp.trailer_unit.sum(axis=(1, 2)) > 0
    labels.append(("weight", _weight_label(fewest[with_mass],
                                           np.asarray(comp.trailer_share, float)[with_mass])))
    rows.append({"body_u": no_trailer})
    for col, s in ((0, "low"), (2, "high")):
        labels.append(("prices", s))
        rows.append({"price": base.price[:, col]})
    r = base.rel_range
    for sign, f in (("-", -1), ("+", 1)):
        labels.append(("energy and carbon factors", f"{sign}{r:.0%}"))
        rows.append({"energy": base.energy * (1 + f * r), "carbon": base.carbon * (1 + f * r)})
    if base.battery is not None:
        _battery_cases(base, lfp_shift, labels, rows)
    draws = base_draws(base, len(rows))
    draws.body_u = nominal_body(base, len(rows))
    if base.battery is not None:
        _battery_draws(base, rows, draws)
    for i, row in enumerate(rows):
        for attr, value in row.items():
            if attr in ("capacity_mult", "lfp_shift", "second_life_pos", "share_pos"):
                getattr(draws.battery, attr)[i] = value
            elif attr != "variant":
                getattr(draws, attr)[i] = value
    return labels, draws


def _weight_label(fewest: np.ndarray, nominal: np.ndarray) -> str:
    """What the weight case is, from the trailers per end-of-life truck at the low end of
    ``trailer_share`` and at its value (types whose trailer has mass)."""
    if not fewest.any():
        return "truck unit only"
    if np.array_equal(fewest, nominal):
        return "trailers as in the base (trailer_share has no range)"
    return "fewest trailers (low end of trailer_share)"


def _battery_cases(base: ModelInputs, lfp_shift: float, labels: list, rows: list) -> None:
    """The traction chain's cases (see the module docstring)."""
    from .sampling import capacity_multipliers

    bat = base.battery
    if bat.share_low is not None:
        for pos, name in ((0.0, "low path"), (1.0, "high path")):
            labels.append(("powertrain_share", name))
            rows.append({"share_pos": pos})
    for mult, name in zip(capacity_multipliers(base), ("low", "high")):
        labels.append(("battery_capacity", name))
        rows.append({"capacity_mult": mult})
    for scale, name in zip(bat.ranges["life_scale"], ("low", "high")):
        labels.append(("battery_lifetime_scale", name))
        rows.append({"variant": _variant(scale, bat.life_shape, bat)})
    for shift in (-lfp_shift, lfp_shift):
        labels.append(("battery_chemistry_share", f"LFP {shift:+g}"))
        rows.append({"lfp_shift": shift})
    for pos, name in ((0.0, "low"), (1.0, "high")):
        labels.append(("second_life_share", name))
        rows.append({"second_life_pos": pos})


def _variant(scale: np.ndarray, shape: np.ndarray, bat) -> np.ndarray:
    """A row of the variant table: pack scale and shape per type, second-life shape, scale."""
    return np.concatenate([np.atleast_1d(scale), np.atleast_1d(shape),
                           [bat.second_life_shape, bat.second_life_scale]])


def _battery_draws(base: ModelInputs, rows: list[dict], draws: Draws) -> None:
    """Variant table and per-draw positions of the battery cases; a position left NaN takes
    the scenario's own value."""
    bat, b, n = base.battery, draws.battery, len(rows)
    table = [_variant(bat.life_scale, bat.life_shape, bat)]
    b.variant = np.zeros(n, dtype=np.int64)
    for i, row in enumerate(rows):
        if "variant" in row:
            table.append(row["variant"])
            b.variant[i] = len(table) - 1
    b.variants = np.array(table)
    b.second_life_pos = np.full(n, np.nan)
    if bat.share_low is not None:
        b.share_pos = np.full(n, np.nan)


REPORTED_MATERIALS = ("Fe", "Al", "Cu", "Li", "Ni", "Co", "graphite", "total")


def run_sensitivity(data: ModelData) -> pd.DataFrame:
    """``sensitivity.csv``: base and changed value of the main variables for every case."""
    from .montecarlo import mc_inputs

    base = mc_inputs(data)
    labels, draws = cases(base, data.config.uncertainty.lfp_shift)
    results = evaluate(base, draws)
    layout = series_layout(results)
    frames, cache = [], {}
    for name in VARIABLES:
        if name not in results.values:
            continue
        values = variable_margins(results, name, cache)  # (N, T, K)
        for k, (g, _, _, m) in enumerate(layout.labels[layout.variables.index(name)]):
            if not (g == "total" or name in ("eol", "eol_mass")) or m not in ("",) + \
                    REPORTED_MATERIALS:
                continue
            for i, (parameter, change) in enumerate(labels[1:], start=1):
                ref, val = values[0, :, k], values[i, :, k]
                with np.errstate(divide="ignore", invalid="ignore"):
                    rel = np.where(ref != 0, val / ref - 1, 0.0)
                frames.append(pd.DataFrame({
                    "parameter": parameter, "change": change, "variable": name,
                    "truck_type": g, "material": m, "year": base.years, "base": ref,
                    "value": val, "rel_change": rel}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
