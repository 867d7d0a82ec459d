"""Draw the uncertain inputs of the batched model with an explicit ``numpy.random.Generator``.

Group ranges (``[uncertainty]`` of ``config.toml``):

- lifetime: each type's mean lifetime shifted uniformly within ``+-lifetime_shift_years``
  (the Weibull scale scaled by ``(mean + shift) / mean``, shape kept);
- weight: each type's unit weight uniform between truck unit only and with trailer;
- prices: each material's price triangular(low, mean, high);
- factors: each energy and carbon factor uniform within ``+-factor_range``;
- stock: a normal multiplier with sd ``stock_rel_sd`` on each type's stock path.

A workbook value with its own ``stats_array`` uncertainty is drawn from that distribution
instead (``unit_weight``, ``weibull_scale``, ``weibull_shape``, ``material_composition``,
``price`` mean, ``energy_factor``, ``carbon_factor``).

Seeding (:func:`sample_range`): the draws come in fixed blocks of :data:`DRAW_BLOCK`; block
``b`` (draws ``b * DRAW_BLOCK`` onwards) is drawn by its own generator, PCG64 seeded with
``numpy.random.SeedSequence(seed).spawn(...)[b]``, i.e. ``SeedSequence(seed, spawn_key=(b,))``.
Any chunk of draws can therefore be made where it is evaluated (a thread, a Dask worker, a
remote machine) and the numbers do not depend on the chunk size, the number of workers or where
they run. Within a block the order is fixed: stock, lifetime, weight, prices, factors, then
the workbooks' own uncertainties.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..batch import Draws, ModelArrays, fixed_draws, lifetime_shift_multiplier
from ..config import UncertaintyOptions
from ..io.stats_array import sample_triangular


def _uniform(rng, low, high, n):
    low, high = np.broadcast_arrays(np.asarray(low, float), np.asarray(high, float))
    return low + (high - low) * rng.random((n,) + low.shape)


def sample(base: ModelArrays, opts: UncertaintyOptions, n: int,
           rng: np.random.Generator) -> Draws:
    """``n`` draws of every uncertain input (see module docstring)."""
    d = fixed_draws(base, n)
    g = len(base.products)
    if opts.stock_rel_sd > 0:
        d.stock_mult = rng.normal(1.0, opts.stock_rel_sd, (n, g))
    if opts.lifetime_shift_years > 0:
        span = np.full(g, opts.lifetime_shift_years)
        shift = _uniform(rng, -span, span, n)
        d.scale_mult = lifetime_shift_multiplier(base.mean_life, shift)
    if opts.weight == "range":
        d.weight = _uniform(rng, base.weight_low, base.weight, n)
    if opts.prices == "range":
        d.price = sample_triangular(rng, base.price[:, 0], base.price[:, 1], base.price[:, 2], n)
    if opts.factors == "range":
        r = base.rel_range
        d.energy = _uniform(rng, base.energy * (1 - r), base.energy * (1 + r), n)
        d.carbon = _uniform(rng, base.carbon * (1 - r), base.carbon * (1 + r), n)
    _apply_value_uncertainty(base, d, n, rng)
    return d


def _apply_value_uncertainty(base: ModelArrays, d: Draws, n: int,
                             rng: np.random.Generator) -> None:
    """Values with their own stats_array string override the group ranges."""
    for name, entries in sorted(base.uncertainty.items()):
        for key in sorted(entries, key=str):
            unc = entries[key]
            if name in ("unit_weight", "weibull_scale", "weibull_shape"):
                j = base.products.index(key[0])
                if name == "unit_weight":
                    d.weight[:, j] = unc.sample(base.weight[j], n, rng)
                else:
                    ref = (base.fleet.scale if name == "weibull_scale" else base.fleet.shape)[
                        base.n_pre, j]
                    target = d.scale_mult if name == "weibull_scale" else d.shape_mult
                    target[:, j] = unc.sample(ref, n, rng) / ref
            elif name == "material_composition":
                if d.composition is None:
                    d.composition = np.tile(base.composition, (n, 1, 1))
                j, m = base.products.index(key[0]), base.materials.index(key[1])
                d.composition[:, j, m] = unc.sample(base.composition[j, m], n, rng)
            elif name == "price" and key[1] == "mean":
                m = base.materials.index(key[0])
                d.price[:, m] = unc.sample(base.price[m, 1], n, rng)
            elif name in ("energy_factor", "carbon_factor") and key[0] in base.metals:
                arr = d.energy if name == "energy_factor" else d.carbon
                m, r = base.metals.index(key[0]), ("primary", "secondary").index(key[1])
                ref = (base.energy if name == "energy_factor" else base.carbon)[m, r]
                arr[:, m, r] = unc.sample(ref, n, rng)


DRAW_BLOCK = 1_000
"""Draws per seeded block (fixed: changing it changes the numbers of a seed)."""


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of draw block ``block``: ``SeedSequence(seed).spawn(...)[block]``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def sample_range(base: ModelArrays, opts: UncertaintyOptions, n: int, seed: int,
                 start: int, stop: int) -> Draws:
    """Draws ``start .. stop-1`` of an ``n``-draw run with ``seed`` (see module docstring)."""
    parts = []
    for b in range(start // DRAW_BLOCK, (stop - 1) // DRAW_BLOCK + 1):
        first = b * DRAW_BLOCK
        size = min(DRAW_BLOCK, n - first)
        block = sample(base, opts, size, block_rng(seed, b))
        parts.append(block.take(slice(max(start - first, 0), min(stop - first, size))))
    return concat_draws(parts)


def concat_draws(parts: list[Draws]) -> Draws:
    """The draws of several batches, one after the other."""
    if len(parts) == 1:
        return parts[0]
    values = {}
    for f in dataclasses.fields(Draws):
        arrays = [getattr(p, f.name) for p in parts]
        values[f.name] = None if arrays[0] is None else np.concatenate(arrays)
    return Draws(**values)
