"""Structural uncertainty: the headline variables across lifetime and initial age structures.

Each :class:`Variant` is a scenario with some model options or parameters changed, evaluated by
the model's one set of equations (:func:`elt_odym.system.equations.evaluate`, a batch of one per
variant: the structures differ, so the variants cannot share a batch). The variants of a
calibrated scenario keep its fitted parameters (they are not recalibrated): the spread shows
how much the model choice moves the results for the same data, beside the input noise of the
Monte Carlo.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..batch import series_layout, variable_margins
from ..data import ModelData, load_data, with_values
from ..system.equations import evaluate
from ..system.inputs import base_draws, model_inputs

HEADLINE = (("eol", "", "unit"), ("eol_mass", "", "t"), ("eol_material", "Fe", "t"),
            ("economic_value", "total", "USD"), ("carbon_saving", "total", "t CO2e"))
"""Variables compared: variable, material ("" or "total" for sums), unit."""
COLUMNS = ["variant", "scenario", "description", "variable", "material", "year", "value", "unit"]


@dataclass(frozen=True)
class Variant:
    """A scenario with changed options (``options``) or parameters set to one value (``fill``)."""

    name: str
    scenario: str
    description: str
    options: dict = field(default_factory=dict)
    fill: dict = field(default_factory=dict)

    def data(self, data_dir=None) -> ModelData:
        """The scenario's data with this variant's changes."""
        data = load_data(data_dir, self.scenario)
        if self.options:
            data = dataclasses.replace(data, options=data.options.model_copy(update=self.options))
        if self.fill:
            data = with_values(data, {k: np.full_like(data[k].values, v)
                                      for k, v in self.fill.items()})
        return data


VARIANTS: tuple[Variant, ...] = (
    Variant("paper_reproduction", "paper_reproduction",
            "the study's structure: first-year stock as one cohort, cohort trend of the scale"),
    Variant("paper_reproduction+spin_up", "paper_reproduction",
            "the same parameters with a spin-up age structure", {"age_structure": "spin_up"}),
    Variant("best_estimate", "best_estimate",
            "recorded stock path, spin-up, transfers, age cap, period effects by year"),
    Variant("best_estimate+single_cohort", "best_estimate",
            "best estimate with the first-year stock as one cohort",
            {"age_structure": "single_cohort"}),
    Variant("best_estimate-age_cap", "best_estimate", "best estimate without the age cap",
            {"age_cap": False}),
    Variant("best_estimate-period", "best_estimate", "best estimate without period effects",
            fill={"hazard_period_factor": 1.0}),
    Variant("best_estimate-transfers", "best_estimate",
            "best estimate with reclassification read as end of life", {"transfers": {}},
            fill={"reclassification": 0.0}),
    Variant("best_estimate+switch", "best_estimate",
            "best estimate with the stock path switching from records to the fit (a step)",
            {"stock_join": "switch"}),
    Variant("literature", "literature", "literature lifetimes, the study's structure"),
    Variant("open_data", "open_data", "scales fitted to the 2010 counts, the study's structure"),
)


def headline(data: ModelData, variant: Variant) -> pd.DataFrame:
    """The :data:`HEADLINE` variables of one variant, every model year, summed over types."""
    inputs = model_inputs(data)
    results = evaluate(inputs, base_draws(inputs))
    layout = series_layout(results)
    rows = []
    for var, mat, unit in HEADLINE:
        v = layout.variables.index(var)
        k = layout.labels[v].index(("total", "", "", mat))
        values = variable_margins(results, var)[0, :, k]
        rows.append(pd.DataFrame({"variant": variant.name, "scenario": variant.scenario,
                                  "description": variant.description, "variable": var,
                                  "material": mat, "year": inputs.years, "value": values,
                                  "unit": unit}))
    return pd.concat(rows, ignore_index=True)[COLUMNS]


def run_structural(data_dir=None, variants: tuple[Variant, ...] = VARIANTS) -> pd.DataFrame:
    """Evaluate every variant; a long table with :data:`COLUMNS`."""
    return pd.concat([headline(v.data(data_dir), v) for v in variants], ignore_index=True)


def spread(table: pd.DataFrame, years: tuple[int, ...] = (2010, 2023, 2030, 2050)
           ) -> pd.DataFrame:
    """Variants side by side (rows) for each variable and year (columns), plus the range
    (max/min) over the variants."""
    part = table[table["year"].isin(years)].copy()
    part["key"] = (part["variable"] + np.where(part["material"].isin(["", "total"]), "",
                                               " " + part["material"])
                   + " " + part["year"].astype(str))
    wide = part.pivot_table(index="variant", columns="key", values="value", sort=False)
    ratio = (wide.max() / wide.min()).rename("max/min")
    return pd.concat([wide, ratio.to_frame().T])
