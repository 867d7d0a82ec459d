"""Global sensitivity: Sobol indices with SALib on the batched model.

Factors (uniform): each type's mean-lifetime shift in ``+-lifetime_shift_years``; each type's
unit weight position between truck unit only (0) and with trailer (1); one price position
between the low (0) and high (1) prices of every material; a multiplier of all primary and one
of all secondary energy and carbon factors in ``1 +- factor_range``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ..batch import series_layout, variable_margins
from ..data import ModelData
from ..system.equations import evaluate
from ..system.inputs import (
    Draws,
    ModelInputs,
    base_draws,
    lifetime_shift_multiplier,
    model_inputs,
    nominal_body,
)

DEFAULT_OUTPUTS = (("eol_mass", "total", 2050), ("carbon_saving", "total", 2050),
                   ("economic_value", "total", 2050))


def problem(base: ModelInputs, shift: float) -> dict:
    """The SALib problem: names and bounds of the factors."""
    g = base.products
    r = base.rel_range
    names = ([f"lifetime {x}" for x in g] + [f"weight {x}" for x in g]
             + ["prices", "primary factors", "secondary factors"])
    bounds = ([[-shift, shift]] * len(g) + [[0.0, 1.0]] * len(g) + [[0.0, 1.0]]
              + [[1 - r, 1 + r]] * 2)
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def to_draws(base: ModelInputs, x: np.ndarray) -> Draws:
    """Map SALib sample rows to model draws."""
    n, g = x.shape[0], len(base.products)
    d = base_draws(base, n)
    d.scale_mult = lifetime_shift_multiplier(base.mean_life, x[:, :g])
    d.body_u = nominal_body(base, n)
    for k, q in enumerate(base.composition.uncertain):  # the trailer of each type
        if q.name.startswith("trailer:"):
            d.body_u[:, k] = x[:, g + base.products.index(q.name.split(":", 1)[1])]
    d.price = base.price[:, 0] + x[:, [2 * g]] * (base.price[:, 2] - base.price[:, 0])
    for arr, ref in ((d.energy, base.energy), (d.carbon, base.carbon)):
        arr[..., 0] = ref[None, :, 0] * x[:, [2 * g + 1]]
        arr[..., 1] = ref[None, :, 1] * x[:, [2 * g + 2]]
    return d


def pick(results, layout, variable: str, label: str, year: int) -> np.ndarray:
    """One output series of the batch: the total of a variable (``label`` "total") or one
    material's total over types, in one year."""
    v = layout.variables.index(variable)
    key = next(lab for lab in layout.labels[v]
               if lab[0] == "total" and lab[3] in (label, "" if label == "total" else label))
    values = variable_margins(results, variable)
    return values[:, layout.years.index(year), layout.labels[v].index(key)]


def sobol_indices(prob: dict, model, n: int, seed: int = 0) -> dict[str, dict]:
    """Saltelli sampling and Sobol analysis (SALib) of a vectorised ``model``.

    ``model(x)`` takes the ``(rows, num_vars)`` sample and returns a dict of output name to
    ``(rows,)`` values; the result maps each output to SALib's ``S1, S1_conf, ST, ST_conf``.
    """
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = model(x)
    # the bootstrap of the confidence intervals is seeded with seed + 1: SALib leaves a seed
    # of 0 unseeded (the intervals then changed from run to run)
    return {name: sobol_analyze.analyze(prob, values, calc_second_order=False, seed=seed + 1)
            for name, values in y.items()}


SOBOL_CHUNK = 512
"""Sample rows evaluated per task."""


def evaluate_rows(base: ModelInputs, x: np.ndarray, outputs=DEFAULT_OUTPUTS
                  ) -> dict[str, np.ndarray]:
    """The chosen outputs for SALib sample rows ``x`` (one task: plain, picklable)."""
    results = evaluate(base, to_draws(base, x))
    layout = series_layout(results)
    return {f"{v} {label} {year}": pick(results, layout, v, label, year)
            for v, label, year in outputs}


def run_sobol(data: ModelData, n: int = 1024, seed: int = 0,
              outputs=DEFAULT_OUTPUTS, client=None, memory_budget: int | None = None
              ) -> pd.DataFrame:
    """First-order and total Sobol indices per factor and output (``sobol.csv``).

    The sample is evaluated in chunks of :data:`SOBOL_CHUNK` rows, on a Dask cluster when
    ``client`` is given (:mod:`elt_odym.uncertainty.distributed`); same indices either way.
    """
    base = model_inputs(data)
    prob = problem(base, data.config.uncertainty.lifetime_shift_years)
    if memory_budget is not None:
        from ..batch import bytes_per_draw
        from .budget import check_budget, estimate_sobol_bytes

        check_budget(estimate_sobol_bytes(bytes_per_draw(base), n, prob["num_vars"],
                                          len(outputs), SOBOL_CHUNK),
                     memory_budget, f"a Sobol analysis with n = {n:,}")

    def model(x: np.ndarray) -> dict[str, np.ndarray]:
        tasks = [(base, x[i:i + SOBOL_CHUNK], outputs) for i in range(0, len(x), SOBOL_CHUNK)]
        if client is None:
            parts = [evaluate_rows(*task) for task in tasks]
        else:
            from .distributed import submit_in_order

            parts = list(submit_in_order(client, evaluate_rows, tasks))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    rows = []
    for name, si in sobol_indices(prob, model, n, seed).items():
        for i, factor in enumerate(prob["names"]):
            rows.append({"output": name, "factor": factor, "S1": si["S1"][i],
                         "S1_conf": si["S1_conf"][i], "ST": si["ST"][i],
                         "ST_conf": si["ST_conf"][i]})
    return pd.DataFrame(rows)
