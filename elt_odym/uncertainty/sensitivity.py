"""One-at-a-time sensitivity (the study's Fig. 6a) on the full flodym model.

Cases: mean lifetime -1 and +1 year (all types together and each type alone, the Weibull scale
scaled by ``(mean +- 1) / mean``), truck unit only instead of truck plus trailer, prices at their
minimum and maximum, every energy and carbon factor -20 % and +20 % (``factor_range``).
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from ..data import ModelData, with_observations, with_values
from ..fleet.dynamics import project
from ..fleet.lifetimes import weibull_mean
from ..model import run

COLUMNS = ["parameter", "change", "variable", "truck_type", "material", "year", "base",
           "value", "rel_change"]
VARIABLES = ["eol", "eol_mass", "eol_material", "economic_value", "energy_saving",
             "carbon_saving", "carbon_saving_decreasing"]


def shift_lifetime(data: ModelData, years: float, product: str | None = None) -> ModelData:
    """Shift the mean Weibull lifetime of one type (or all) by ``years``."""
    scale = np.asarray(data["weibull_scale"].values, float)
    mean = weibull_mean(np.asarray(data["weibull_shape"].values, float), scale)
    mask = np.array([product in (None, g) for g in data.items["g"]])
    return with_values(data, {"weibull_scale": np.where(mask, scale * (mean + years) / mean,
                                                        scale)})


def scale_observations(data: ModelData, names: tuple[str, ...], factor: float) -> ModelData:
    """Multiply every value of sparse parameters (e.g. the energy and carbon factors)."""
    return with_observations(data, {n: {k: v * factor for k, v in data[n].observations.items()}
                                    for n in names})


def with_price(data: ModelData, statistic: str) -> ModelData:
    """Use the ``low`` or ``high`` price as the mean price."""
    price = np.array(data["price"].values, float)
    price[:, data.items["s"].index("mean")] = price[:, data.items["s"].index(statistic)]
    return with_values(data, {"price": price})


def cases(data: ModelData) -> list[tuple[str, str, ModelData]]:
    """Every (parameter, change, modified data) of the analysis."""
    out = [("lifetime (all types)", f"{d:+g} yr", shift_lifetime(data, d)) for d in (-1, 1)]
    for g in data.items["g"]:
        out += [(f"lifetime {g}", f"{d:+g} yr", shift_lifetime(data, d, g)) for d in (-1, 1)]
    out.append(("weight", "truck unit only",
                with_values(data, {"unit_weight": data["unit_weight_low"].values})))
    out += [("prices", s, with_price(data, s)) for s in ("low", "high")]
    r = data["factor_range"].scalar()
    out += [("energy and carbon factors", f"{sign}{r:.0%}",
             scale_observations(data, ("energy_factor", "carbon_factor"), 1 + f * r))
            for sign, f in (("-", -1), ("+", 1))]
    return out


def _select(results: pd.DataFrame) -> pd.DataFrame:
    keep = results["variable"].isin(VARIABLES)
    per_type = results["variable"].isin(["eol", "eol_mass"])
    totals = (results["truck_type"] == "total") & results["material"].isin(
        ["", "total", "Fe", "Al", "Cu"])
    return results[keep & (per_type | totals)]


def run_sensitivity(data: ModelData) -> pd.DataFrame:
    """``sensitivity.csv``: base and changed value of the main variables for every case."""
    projection = project(data)
    base = _select(run(data=data, projection=projection).results)
    key = ["variable", "truck_type", "material", "year"]
    frames = []
    for parameter, change, case in cases(data):
        res = _select(run(data=case, projection=projection).results)
        merged = base[key + ["value"]].rename(columns={"value": "base"}).merge(
            res[key + ["value"]], on=key)
        with np.errstate(divide="ignore", invalid="ignore"):
            merged["rel_change"] = np.where(merged["base"] != 0,
                                            merged["value"] / merged["base"] - 1, 0.0)
        frames.append(merged.assign(parameter=parameter, change=change))
    return pd.concat(frames, ignore_index=True)[COLUMNS]
