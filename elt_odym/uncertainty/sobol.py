"""Global sensitivity by group: Sobol indices (SALib) of the groups the joint Monte Carlo draws.

The factors are the groups of :data:`~elt_odym.uncertainty.sampling.GROUPS` that are drawn for
the scenario (stock projection, lifetimes and period factors, unit weights, composition,
prices, energy and carbon factors, powertrain shares, battery inputs), each a SALib group.
Each group has a pool of :data:`POOL` draws of that group alone, made by the Monte Carlo's
own sampler (:func:`~elt_odym.uncertainty.sampling.sample_group`; pool ``j`` from
``SeedSequence(seed, spawn_key=(POOL_KEY, j))``, ``j`` the group's place in ``GROUPS``), and a
factor value ``u`` in [0, 1) picks pool row ``floor(u * POOL)``. The Saltelli design
(:func:`SALib.sample.sobol.sample`) swaps whole groups, so the indices are those of the Monte
Carlo's groups (of their pools' empirical distributions), whatever a group's number of inputs:
the first-order index ``S1`` is the share of an output's variance the group explains alone,
the total index ``ST`` its share with its interactions. Collection and recovery are not a
group: they are not drawn (:data:`~elt_odym.uncertainty.sampling.NOT_DRAWN`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample

from ..batch import SeriesLayout, series_layout, variable_margins
from ..data import ModelData
from ..system.equations import evaluate
from ..system.inputs import Draws, ModelInputs, base_draws
from ..system.variables import TOTAL
from .sampling import GROUPS, active_groups, battery_variants, copy_group, sample_group

DEFAULT_OUTPUTS = (("eol_mass", "total", 2050), ("carbon_saving", "total", 2050),
                   ("economic_value", "total", 2050))
"""Outputs of :func:`run_sobol` unless named: (variable, material or ``total``, year)."""
POOL = 1024
"""Draws in each group's pool."""
POOL_KEY = 2**31 - 2
"""First spawn key of the pools' generators (apart from the Monte Carlo's blocks)."""
LABELS = dict(GROUPS)
SOBOL_CHUNK = 512
"""Sample rows evaluated per task."""
COLUMNS = ["output", "group", "S1", "S1_conf", "ST", "ST_conf"]


def problem(keys: list[str]) -> dict:
    """The SALib problem: one factor in [0, 1] per group, each its own SALib group."""
    names = [LABELS[k] for k in keys]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names),
            "groups": names}


def group_pools(base: ModelInputs, opts, keys: list[str], seed: int) -> dict[str, Draws]:
    """:data:`POOL` draws of each group alone (module docstring)."""
    variants = battery_variants(base, opts, seed) if "battery" in keys else None
    order = [k for k, _ in GROUPS]
    return {k: sample_group(base, opts, k, POOL, np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(POOL_KEY, order.index(k)))), variants) for k in keys}


def to_draws(base: ModelInputs, pools: dict[str, Draws], keys: list[str], x: np.ndarray
             ) -> Draws:
    """Model draws of SALib sample rows ``x`` ``(rows, groups)``: each group's pool row."""
    d = base_draws(base, x.shape[0])
    rows = np.minimum((x * POOL).astype(int), POOL - 1)
    for j, key in enumerate(keys):
        copy_group(base, key, pools[key], rows[:, j], d)
    return d


def total_label(layout: SeriesLayout, variable: str, material: str = TOTAL
                ) -> tuple[str, str, str, str]:
    """The label of a variable's total over truck types (and powertrains): of ``material``
    (``total``: all materials) when the variable has materials.

    Raises
    ------
    KeyError
        If the variable has no such total.
    """
    labels = layout.labels[layout.variables.index(variable)]
    has_material = any(lab[3] for lab in labels)
    want = (material or TOTAL) if has_material else ""
    for lab in labels:
        if lab[0] == TOTAL and lab[1] in ("", TOTAL) and lab[2] == "" and lab[3] == want:
            if lab[1] == TOTAL or not any(x[1] == TOTAL for x in labels):
                return lab
    raise KeyError(f"{variable}: no total of {material!r}")


def pick(results, layout: SeriesLayout, variable: str, label: str, year: int) -> np.ndarray:
    """One output of the batch: the total of a variable over types (``label`` ``total``) or
    of one material, in one year ``(N,)``."""
    v = layout.variables.index(variable)
    values = variable_margins(results, variable)
    k = layout.labels[v].index(total_label(layout, variable, label))
    return values[:, layout.years.index(year), k]


def available(layout: SeriesLayout, outputs) -> list[tuple[str, str, int]]:
    """The ``outputs`` the scenario has (a variable, its total of the material, the year).

    Raises
    ------
    ValueError
        If none of them is an output of the scenario.
    """
    kept = []
    for v, label, year in outputs:
        try:
            if year in layout.years:
                total_label(layout, v, label)
                kept.append((v, label, year))
        except (KeyError, ValueError):
            continue
    if not kept:
        raise ValueError(f"none of the outputs {list(outputs)} is an output of the scenario")
    return kept


def output_name(variable: str, label: str, year: int) -> str:
    """``"eol_mass total 2050"``, ``"eol_material Fe 2050"``."""
    return f"{variable} {label or TOTAL} {year}"


def sobol_indices(prob: dict, model, n: int, seed: int = 0) -> dict[str, dict]:
    """Saltelli sampling and Sobol analysis (SALib) of a vectorised ``model``.

    ``model(x)`` takes the ``(rows, num_vars)`` sample and returns a dict of output name to
    ``(rows,)`` values; the result maps each output to SALib's ``S1, S1_conf, ST, ST_conf``
    (per group when ``prob`` has ``groups``).
    """
    x = sobol_sample.sample(prob, n, calc_second_order=False, seed=seed)
    y = model(x)
    # the bootstrap of the confidence intervals is seeded with seed + 1: SALib leaves a seed
    # of 0 unseeded (the intervals then changed from run to run)
    return {name: sobol_analyze.analyze(prob, values, calc_second_order=False, seed=seed + 1)
            for name, values in y.items()}


def evaluate_rows(base: ModelInputs, pools: dict[str, Draws], keys: list[str], x: np.ndarray,
                  outputs=DEFAULT_OUTPUTS) -> dict[str, np.ndarray]:
    """The chosen outputs for SALib sample rows ``x`` (one task: plain, picklable)."""
    results = evaluate(base, to_draws(base, pools, keys, x), flows=False)
    layout = series_layout(results)
    return {output_name(v, label, year): pick(results, layout, v, label, year)
            for v, label, year in outputs}


def run_sobol(data: ModelData, n: int = 1024, seed: int = 0,
              outputs=DEFAULT_OUTPUTS, client=None, memory_budget: int | None = None
              ) -> pd.DataFrame:
    """First-order and total Sobol indices per group and output (``sobol.csv``: columns
    :data:`COLUMNS`).

    The sample is evaluated in chunks of :data:`SOBOL_CHUNK` rows, on a Dask cluster when
    ``client`` is given (:mod:`elt_odym.uncertainty.distributed`); same indices either way.

    Raises
    ------
    ValueError
        If no group is drawn (every group ``none`` in ``[uncertainty]``).
    """
    from .montecarlo import mc_inputs

    base = mc_inputs(data)
    opts = data.config.uncertainty
    keys = active_groups(base, opts)
    if not keys:
        raise ValueError("no group of inputs is drawn ([uncertainty] of config.toml): "
                         "nothing to attribute")
    prob = problem(keys)
    outputs = available(series_layout(evaluate(base, base_draws(base), flows=False)), outputs)
    if memory_budget is not None:
        from ..batch import bytes_per_draw
        from .budget import check_budget, estimate_sobol_bytes

        check_budget(estimate_sobol_bytes(bytes_per_draw(base), n, prob["num_vars"],
                                          len(outputs), SOBOL_CHUNK),
                     memory_budget, f"a Sobol analysis with n = {n:,}")
    pools = group_pools(base, opts, keys, seed)

    def model(x: np.ndarray) -> dict[str, np.ndarray]:
        tasks = [(base, pools, keys, x[i:i + SOBOL_CHUNK], outputs)
                 for i in range(0, len(x), SOBOL_CHUNK)]
        if client is None:
            parts = [evaluate_rows(*task) for task in tasks]
        else:
            from .distributed import submit_in_order

            parts = list(submit_in_order(client, evaluate_rows, tasks))
        return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

    rows = []
    for name, si in sobol_indices(prob, model, n, seed).items():
        for i, group in enumerate(prob["names"]):
            rows.append({"output": name, "group": group, "S1": si["S1"][i],
                         "S1_conf": si["S1_conf"][i], "ST": si["ST"][i],
                         "ST_conf": si["ST_conf"][i]})
    return pd.DataFrame(rows, columns=COLUMNS)


def top_groups(table: pd.DataFrame, output: str, k: int = 3) -> pd.DataFrame:
    """The ``k`` groups with the largest total index ``ST`` for ``output``."""
    part = table[table["output"] == output]
    return part.sort_values("ST", ascending=False).head(k)
