"""Draw the uncertain inputs of the model with an explicit ``numpy.random.Generator``.

Group ranges (``[uncertainty]`` of ``config.toml``):

- lifetime: each type's mean lifetime shifted uniformly within ``+-lifetime_shift_years``
  (the Weibull scale scaled by ``(mean + shift) / mean``, shape kept);
- weight: each type's trailer present with a uniform weight in [0, 1] (between truck unit only
  and with trailer, the study's weight range);
- composition (``composition = "range"``): the composition model's other quantities (component
  masses, PGM loadings, lightweighting; :mod:`elt_odym.system.composition`) at a uniform
  position of their distributions;
- prices: each material's price triangular(low, mean, high);
- factors: each energy and carbon factor uniform within ``+-factor_range``;
- stock: a normal multiplier with sd ``stock_rel_sd`` on each type's stock path;
- battery (with the powertrain extension, ``battery = "range"``): each type and powertrain's
  pack capacity uniform within its range (all years move together), the LFP share of new packs
  shifted uniformly within ``+-lfp_shift``, the second-life share at a uniform position in its
  range, the powertrain shares at a uniform position between the share paths of the two
  ``share_paths`` scenarios (when named), and the pack lifetime and second-life duration from
  ``battery_variants`` stratified variants (:func:`battery_variants`).

A workbook value with its own ``stats_array`` uncertainty is drawn from that distribution
instead (``weibull_scale``, ``weibull_shape``, ``price`` mean, ``energy_factor``,
``carbon_factor``).

Seeding (:func:`sample_range`): the draws come in fixed blocks of :data:`DRAW_BLOCK`; block
``b`` (draws ``b * DRAW_BLOCK`` onwards) is drawn by its own generator, PCG64 seeded with
``numpy.random.SeedSequence(seed, spawn_key=(b,))``. Any chunk of draws can therefore be made
where it is evaluated (a thread, a Dask worker) and the numbers do not depend on the chunk size,
the number of workers or where they run. Within a block the order is fixed: stock, lifetime,
weight, prices, factors, battery, then the workbooks' own uncertainties. The battery variants
are drawn once per run from ``SeedSequence(seed, spawn_key=(VARIANT_KEY,))``.
"""

from __future__ import annotations

import numpy as np

from ..config import UncertaintyOptions
from ..io.stats_array import sample_triangular
from ..system.inputs import (
    BatteryDraws,
    Draws,
    ModelInputs,
    base_draws,
    concat_draws,
    lifetime_shift_multiplier,
    nominal_body,
)

DRAW_BLOCK = 1_000
"""Draws per seeded block (fixed: changing it changes the numbers of a seed)."""
VARIANT_KEY = 2**31 - 1
"""Spawn key of the battery variants' generator (apart from every draw block)."""


def _uniform(rng, low, high, n):
    low, high = np.broadcast_arrays(np.asarray(low, float), np.asarray(high, float))
    return low + (high - low) * rng.random((n,) + low.shape)


def sample(inputs: ModelInputs, opts: UncertaintyOptions, n: int, rng: np.random.Generator,
           variants: np.ndarray | None = None) -> Draws:
    """``n`` draws of every uncertain input (see module docstring)."""
    d = base_draws(inputs, n)
    g = len(inputs.products)
    if opts.stock_rel_sd > 0:
        d.stock_mult = rng.normal(1.0, opts.stock_rel_sd, (n, g))
    if opts.lifetime_shift_years > 0:
        span = np.full(g, opts.lifetime_shift_years)
        d.scale_mult = lifetime_shift_multiplier(inputs.mean_life, _uniform(rng, -span, span, n))
    d.body_u = _composition(inputs, opts, n, rng)
    if opts.prices == "range":
        p = inputs.price
        d.price = sample_triangular(rng, p[:, 0], p[:, 1], p[:, 2], n)
    if opts.factors == "range":
        r = inputs.rel_range
        d.energy = _uniform(rng, inputs.energy * (1 - r), inputs.energy * (1 + r), n)
        d.carbon = _uniform(rng, inputs.carbon * (1 - r), inputs.carbon * (1 + r), n)
    if inputs.battery is not None and opts.battery == "range":
        d.battery = _battery(inputs, opts, n, rng, variants)
    _apply_value_uncertainty(inputs, d, n, rng)
    return d


def _composition(inputs: ModelInputs, opts: UncertaintyOptions, n: int,
                 rng: np.random.Generator) -> np.ndarray:
    """Uniform positions of the composition's quantities ``(n, Q)``: the trailers' under
    ``weight = "range"``, the others under ``composition = "range"``, else nominal."""
    u = nominal_body(inputs, n)
    draws = rng.random(u.shape)
    for k, q in enumerate(inputs.composition.uncertain):
        group = opts.weight if q.name.startswith("trailer:") else opts.composition
        if group == "range" and q.kind != "none":
            u[:, k] = draws[:, k]
    return u


def capacity_multipliers(inputs: ModelInputs) -> tuple[np.ndarray, np.ndarray]:
    """Lowest and highest pack-capacity multiplier per type and powertrain ``(G, P)``: the
    range of each capacity over its value, averaged over the years that have one."""
    low, high = inputs.battery.ranges["capacity"]
    base = inputs.battery.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        lo, hi = np.where(base > 0, low / base, np.nan), np.where(base > 0, high / base, np.nan)
    has = np.any(base > 0, axis=0)
    return (np.where(has, np.nanmean(np.where(has, lo, 1.0), axis=0), 1.0),
            np.where(has, np.nanmean(np.where(has, hi, 1.0), axis=0), 1.0))


def _battery(inputs: ModelInputs, opts: UncertaintyOptions, n: int, rng: np.random.Generator,
             variants: np.ndarray | None) -> BatteryDraws:
    """Pack capacity, chemistry, second life, shares and the variant of each draw."""
    bat = inputs.battery
    lo, hi = capacity_multipliers(inputs)
    draws = BatteryDraws(_uniform(rng, lo, hi, n), rng.uniform(-opts.lfp_shift, opts.lfp_shift, n),
                         second_life_pos=rng.random(n))
    if bat.share_low is not None:
        draws.share_pos = rng.random(n)
    if variants is not None:
        draws.variants = variants
        draws.variant = rng.integers(0, len(variants), n)
    return draws


def battery_variants(inputs: ModelInputs, opts: UncertaintyOptions, seed: int) -> np.ndarray:
    """``battery_variants`` rows of (pack scale per type, pack shape per type, second-life shape,
    second-life scale), stratified: each input's range cut into as many equal parts as there
    are variants, one value at a uniform position in each part, the parts shuffled per input
    (Latin hypercube), drawn from the run's own generator (see module docstring)."""
    bat = inputs.battery
    v = opts.battery_variants
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(VARIANT_KEY,)))
    ranges = [bat.ranges[k] for k in ("life_scale", "life_shape")]
    lows = np.concatenate([np.atleast_1d(r[0]) for r in ranges]
                          + [np.atleast_1d(bat.ranges[k][0]) for k in ("second_life_shape",
                                                                       "second_life_scale")])
    highs = np.concatenate([np.atleast_1d(r[1]) for r in ranges]
                           + [np.atleast_1d(bat.ranges[k][1]) for k in ("second_life_shape",
                                                                        "second_life_scale")])
    strata = (np.stack([rng.permutation(v) for _ in lows], axis=1) + rng.random((v, lows.size)))
    return lows + strata / v * (highs - lows)


def _apply_value_uncertainty(inputs: ModelInputs, d: Draws, n: int,
                             rng: np.random.Generator) -> None:
    """Values with their own stats_array string override the group ranges."""
    h = inputs.n_history
    for name, entries in sorted(inputs.uncertainty.items()):
        for key in sorted(entries, key=str):
            unc = entries[key]
            if name in ("weibull_scale", "weibull_shape"):
                j = inputs.products.index(key[0])
                fleet = inputs.fleet
                ref = (fleet.scale if name == "weibull_scale" else fleet.shape)[h, j]
                target = d.scale_mult if name == "weibull_scale" else d.shape_mult
                target[:, j] = unc.sample(ref, n, rng) / ref
            elif name == "price" and key[1] == "mean":
                m = inputs.materials.index(key[0])
                d.price[:, m] = unc.sample(inputs.price[m, 1], n, rng)
            elif name in ("energy_factor", "carbon_factor") and key[0] in inputs.metals:
                arr = d.energy if name == "energy_factor" else d.carbon
                m, r = inputs.metals.index(key[0]), ("primary", "secondary").index(key[1])
                ref = (inputs.energy if name == "energy_factor" else inputs.carbon)[m, r]
                arr[:, m, r] = unc.sample(ref, n, rng)


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of draw block ``block``: ``SeedSequence(seed, spawn_key=(block,))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def sample_range(inputs: ModelInputs, opts: UncertaintyOptions, n: int, seed: int,
                 start: int, stop: int, variants: np.ndarray | None = None) -> Draws:
    """Draws ``start .. stop-1`` of an ``n``-draw run with ``seed`` (see module docstring)."""
    parts = []
    for b in range(start // DRAW_BLOCK, (stop - 1) // DRAW_BLOCK + 1):
        first = b * DRAW_BLOCK
        size = min(DRAW_BLOCK, n - first)
        block = sample(inputs, opts, size, block_rng(seed, b), variants)
        parts.append(block.take(slice(max(start - first, 0), min(stop - first, size))))
    return concat_draws(parts)
