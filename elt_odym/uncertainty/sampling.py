"""Draw the uncertain inputs of the model, jointly, with an explicit ``numpy.random.Generator``.

Groups (:data:`GROUPS`; ``[uncertainty]`` of ``config.toml`` says which are drawn):

- ``stock`` (stock projection, ``stock = "projection"``): each type's logistic parameters
  (saturation, rate, midpoint) drawn from the fit's normal approximation with the priors of
  ``stock_projection_priors.xlsx``
  (:func:`elt_odym.fleet.projection.draw_projection_parameters`, truncated to the fit's
  bounds; sds times ``stock_spread``). Each draw's path is built like the deterministic one
  (:func:`elt_odym.fleet.projection.stock_paths`: recorded years as recorded, the curve after
  them, blended under ``stock_join = "blend"``) and enters as its ratio to the path of the
  fit's centre: draw ``i`` runs on ``S_det(t) * S_i(t) / S_centre(t)``, so the spread is the
  projection's and the centre the scenario's own path (with the priors the fit's centre can
  differ from it: the deterministic fit keeps the study's anchors as observations). The
  recorded years (and the spin-up years before them) are the same in every draw.
  ``stock = "multiplier"``: a normal multiplier with sd ``stock_rel_sd`` per type instead.
- ``lifetimes`` (lifetimes and period factors): each type's mean lifetime shifted uniformly
  within ``+-lifetime_shift_years`` (the Weibull scale times ``(mean + shift) / mean``, shape
  kept); a workbook value of ``weibull_scale``/``weibull_shape`` with its own ``stats_array``
  string is drawn from it instead; under ``lifetimes = "calibration"`` the types and period
  factors of the scenario's calibration parameter sets take one set per draw
  (:mod:`elt_odym.uncertainty.calibration_draws`).
- ``weight`` (unit weights): each type's trailers per end-of-life truck, from the uncertainty
  string of ``trailer_share`` (the study's: uniform in [0, 1]).
- ``composition``: the composition's other quantities (component masses, magnets among them,
  PGM loadings, lightweighting; :mod:`elt_odym.system.composition`) at uniform positions of
  their distributions.
- ``prices``: each material's price triangular(low, mean, high) (a ``price`` mean with its own
  uncertainty string is drawn from it).
- ``factors``: each energy and carbon factor uniform within ``+-factor_range`` (or from its
  own uncertainty string).
- ``shares`` (powertrain shares): a uniform position between the share paths of the two
  ``share_paths`` scenarios, when the scenario names them.
- ``battery``: each type and powertrain's pack capacity uniform within its range (all years
  together), the LFP share of new packs shifted within ``+-lfp_shift``, the second-life share
  at a uniform position in its range, and the pack lifetime and second-life duration from
  ``battery_variants`` stratified variants (:func:`battery_variants`).

Collection and recovery are not drawn: their workbooks carry no uncertainty (whether a
scenario is a maximum potential or current practice is its choice, not a range).

Seeding (:func:`sample_range`): the draws come in fixed blocks of :data:`DRAW_BLOCK`; block
``b`` (draws ``b * DRAW_BLOCK`` onwards) is drawn by its own generator, PCG64 seeded with
``numpy.random.SeedSequence(seed, spawn_key=(b,))``. Any chunk of draws can therefore be made
where it is evaluated (a thread, a Dask worker) and the numbers do not depend on the chunk size,
the number of workers or where they run. Within a block each group draws from its own
generator, seeded from the block's (:func:`group_streams`), so that switching a group on or off
leaves the numbers of the others as they were. The battery variants are drawn once per run from
``SeedSequence(seed, spawn_key=(VARIANT_KEY,))``.
"""

from __future__ import annotations

import threading
from typing import Callable

import numpy as np
import pandas as pd

from ..config import UncertaintyOptions
from ..fleet.projection import draw_projection_parameters, stock_paths
from ..io.stats_array import sample_triangular
from ..system.inputs import (
    DRAW_AXIS,
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
GROUPS = (("stock", "stock projection"), ("lifetimes", "lifetimes and period factors"),
          ("weight", "unit weights"), ("composition", "composition"), ("prices", "prices"),
          ("factors", "energy and carbon factors"), ("shares", "powertrain shares"),
          ("battery", "battery inputs"))
"""The groups of inputs (config key, label), in the order they are drawn."""
NOT_DRAWN = (("collection", "collection and recovery"),)
"""Groups the Monte Carlo does not draw (their workbooks carry no uncertainty)."""
FIELDS = {"stock": ("stock", "stock_mult"),
          "lifetimes": ("scale_mult", "shape_mult", "period", "given"),
          "prices": ("price",), "factors": ("energy", "carbon"),
          "shares": ("battery.share_pos",),
          "battery": ("battery.capacity_mult", "battery.lfp_shift", "battery.second_life_pos",
                      "battery.variant")}
"""The :class:`~elt_odym.system.inputs.Draws` fields each group sets (``weight`` and
``composition`` set columns of ``body_u``: :func:`body_columns`)."""


def _uniform(rng, low, high, n):
    low, high = np.broadcast_arrays(np.asarray(low, float), np.asarray(high, float))
    return low + (high - low) * rng.random((n,) + low.shape)


def body_columns(inputs: ModelInputs, group: str) -> np.ndarray:
    """Columns of ``body_u`` drawn by ``group``: the trailers (``weight``) or the other
    uncertain quantities of the composition (``composition``)."""
    trailer = np.array([q.name.startswith("trailer:") for q in inputs.composition.uncertain],
                       dtype=bool)
    drawn = np.array([q.kind != "none" for q in inputs.composition.uncertain], dtype=bool)
    return np.flatnonzero(drawn & (trailer if group == "weight" else ~trailer))


def active_groups(inputs: ModelInputs, opts: UncertaintyOptions) -> list[str]:
    """The groups drawn for ``inputs`` under ``opts``, in the order of :data:`GROUPS`."""
    bat = inputs.battery
    on = {"stock": opts.stock != "none",
          "lifetimes": opts.lifetimes != "none" and (
              opts.lifetime_shift_years > 0 or _lifetime_values(inputs)
              or (opts.lifetimes == "calibration" and _sets(inputs) is not None)),
          "weight": opts.weight == "range" and body_columns(inputs, "weight").size > 0,
          "composition": (opts.composition == "range"
                          and body_columns(inputs, "composition").size > 0),
          "prices": opts.prices == "range", "factors": opts.factors == "range",
          "shares": (opts.shares == "range" and bat is not None
                     and bat.share_low is not None),
          "battery": opts.battery == "range" and bat is not None}
    return [key for key, _ in GROUPS if on[key]]


def sample(inputs: ModelInputs, opts: UncertaintyOptions, n: int, rng: np.random.Generator,
           variants: np.ndarray | None = None) -> Draws:
    """``n`` draws of every uncertain input, the groups of :func:`active_groups` drawn in
    turn from ``rng`` (see the module docstring)."""
    d = base_draws(inputs, n)
    streams = group_streams(rng)
    for key in active_groups(inputs, opts):
        FILL[key](inputs, opts, d, streams[key], variants)
    return d


def group_streams(rng: np.random.Generator) -> dict[str, np.random.Generator]:
    """One generator per group of :data:`GROUPS`, seeded from ``rng`` (one number per group,
    whether the group is drawn or not): switching a group on or off leaves the numbers of the
    others as they were."""
    seeds = rng.integers(0, 2**63 - 1, size=len(GROUPS))
    return {key: np.random.default_rng(int(s)) for (key, _), s in zip(GROUPS, seeds)}


def sample_group(inputs: ModelInputs, opts: UncertaintyOptions, key: str, n: int,
                 rng: np.random.Generator, variants: np.ndarray | None = None) -> Draws:
    """``n`` draws of one group, every other input at its value (Sobol's pools)."""
    d = base_draws(inputs, n)
    FILL[key](inputs, opts, d, rng, variants)
    return d


def copy_group(inputs: ModelInputs, key: str, source: Draws, rows: np.ndarray,
               target: Draws) -> None:
    """Set ``target``'s fields of group ``key`` to those of ``source``'s draws ``rows``."""
    if key in ("weight", "composition"):
        cols = body_columns(inputs, key)
        if target.body_u is None:
            target.body_u = nominal_body(inputs, target.n)
        target.body_u[:, cols] = source.body_u[np.ix_(rows, cols)]
        return
    for name in FIELDS[key]:
        holder_s, holder_t, attr = source, target, name
        if name.startswith("battery."):
            holder_s, holder_t, attr = source.battery, target.battery, name.split(".", 1)[1]
        value = getattr(holder_s, attr)
        if value is not None:
            axis = DRAW_AXIS.get(attr, 0)
            setattr(holder_t, attr, value[(slice(None),) * axis + (rows,)])
    if key == "battery":
        target.battery.variants = source.battery.variants


# -- the groups ----------------------------------------------------------------------------------

def _stock(inputs: ModelInputs, opts: UncertaintyOptions, d: Draws, rng, variants) -> None:
    if opts.stock == "multiplier":
        d.stock_mult = rng.normal(1.0, opts.stock_rel_sd, (d.n, len(inputs.products)))
        return
    d.stock = stock_draws(inputs, d.n, rng, opts.stock_spread)


def stock_draws(inputs: ModelInputs, n: int, rng: np.random.Generator, spread: float = 1.0
                ) -> np.ndarray:
    """``n`` stock paths on the fleet's extended axis ``(T_ext, n, G)`` (module docstring:
    the deterministic path times each drawn path over the path of the fit's centre)."""
    src = inputs.sources
    if src is None:
        raise ValueError("the stock projection is drawn from the scenario's data: make the "
                         "inputs with model_inputs(data)")
    posteriors = src.posteriors()
    drawn = stock_paths(src.data, draw_projection_parameters(
        src.data, n, rng, posteriors=posteriors, spread=spread))
    centre = stock_paths(src.data, draw_projection_parameters(
        src.data, 1, np.random.default_rng(0), posteriors=posteriors, spread=0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(centre > 0, drawn / centre, 1.0)
    h = inputs.n_history
    out = np.repeat(inputs.fleet.stock[:, None, :], n, axis=1)
    out[h:] *= ratio
    return out


def _sets(inputs: ModelInputs):
    from .parameter_sets import sets_status

    return sets_status(inputs)[0]


def _lifetime_values(inputs: ModelInputs) -> bool:
    return any(name in inputs.uncertainty for name in ("weibull_scale", "weibull_shape"))


def _lifetimes(inputs: ModelInputs, opts: UncertaintyOptions, d: Draws, rng, variants) -> None:
    g = len(inputs.products)
    if opts.lifetime_shift_years > 0:
        span = np.full(g, opts.lifetime_shift_years)
        d.scale_mult = lifetime_shift_multiplier(inputs.mean_life,
                                                 _uniform(rng, -span, span, d.n))
    h = inputs.n_history
    for name in ("weibull_scale", "weibull_shape"):
        for key in sorted(inputs.uncertainty.get(name, {}), key=str):
            j = inputs.products.index(key[0])
            ref = (inputs.fleet.scale if name == "weibull_scale" else inputs.fleet.shape)[h, j]
            target = d.scale_mult if name == "weibull_scale" else d.shape_mult
            target[:, j] = inputs.uncertainty[name][key].sample(ref, d.n, rng) / ref
    sets = _sets(inputs) if opts.lifetimes == "calibration" else None
    if sets is not None:
        from .parameter_sets import apply_rows

        apply_rows(inputs, d, sets, rng.integers(0, len(sets), d.n))


def _body(group: str):
    def fill(inputs: ModelInputs, opts, d: Draws, rng, variants) -> None:
        if d.body_u is None:
            d.body_u = nominal_body(inputs, d.n)
        cols = body_columns(inputs, group)
        d.body_u[:, cols] = rng.random((d.n, cols.size))
    return fill


def _prices(inputs: ModelInputs, opts, d: Draws, rng, variants) -> None:
    p = inputs.price
    d.price = sample_triangular(rng, p[:, 0], p[:, 1], p[:, 2], d.n)
    for key in sorted(inputs.uncertainty.get("price", {}), key=str):
        if key[1] == "mean":
            m = inputs.materials.index(key[0])
            d.price[:, m] = inputs.uncertainty["price"][key].sample(p[m, 1], d.n, rng)


def _factors(inputs: ModelInputs, opts, d: Draws, rng, variants) -> None:
    r = inputs.rel_range
    d.energy = _uniform(rng, inputs.energy * (1 - r), inputs.energy * (1 + r), d.n)
    d.carbon = _uniform(rng, inputs.carbon * (1 - r), inputs.carbon * (1 + r), d.n)
    for name in ("energy_factor", "carbon_factor"):
        arr = d.energy if name == "energy_factor" else d.carbon
        ref = inputs.energy if name == "energy_factor" else inputs.carbon
        for key in sorted(inputs.uncertainty.get(name, {}), key=str):
            if key[0] in inputs.metals:
                m, r_ = inputs.metals.index(key[0]), ("primary", "secondary").index(key[1])
                arr[:, m, r_] = inputs.uncertainty[name][key].sample(ref[m, r_], d.n, rng)


def _shares(inputs: ModelInputs, opts, d: Draws, rng, variants) -> None:
    d.battery.share_pos = rng.random(d.n)


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


def _battery(inputs: ModelInputs, opts: UncertaintyOptions, d: Draws, rng,
             variants: np.ndarray | None) -> None:
    """Pack capacity, chemistry, second life and the variant of each draw."""
    lo, hi = capacity_multipliers(inputs)
    b = d.battery
    b.capacity_mult = _uniform(rng, lo, hi, d.n)
    b.lfp_shift = rng.uniform(-opts.lfp_shift, opts.lfp_shift, d.n)
    b.second_life_pos = rng.random(d.n)
    if variants is not None:
        b.variants = variants
        b.variant = rng.integers(0, len(variants), d.n)


FILL = {"stock": _stock, "lifetimes": _lifetimes, "weight": _body("weight"),
        "composition": _body("composition"), "prices": _prices, "factors": _factors,
        "shares": _shares, "battery": _battery}


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


def block_rng(seed: int, block: int) -> np.random.Generator:
    """The generator of draw block ``block``: ``SeedSequence(seed, spawn_key=(block,))``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))


def sample_range(inputs: ModelInputs, opts: UncertaintyOptions, n: int, seed: int,
                 start: int, stop: int, variants: np.ndarray | None = None) -> Draws:
    """Draws ``start .. stop-1`` of an ``n``-draw run with ``seed`` (see module docstring)."""
    def block(b: int) -> Draws:
        return sample(inputs, opts, min(DRAW_BLOCK, n - b * DRAW_BLOCK), block_rng(seed, b),
                      variants)
    return _range_of_blocks(block, start, stop)


def _range_of_blocks(block: Callable[[int], Draws], start: int, stop: int) -> Draws:
    """Draws ``start .. stop-1`` cut from the seeded blocks ``block(b)`` that hold them."""
    parts = []
    for b in range(start // DRAW_BLOCK, (stop - 1) // DRAW_BLOCK + 1):
        first = b * DRAW_BLOCK
        parts.append(block(b).take(slice(max(start - first, 0), stop - first)))
    return concat_draws(parts)


class SampledBlocks:
    """:func:`sample_range` of one run, each seeded block sampled once while its chunks are
    evaluated rather than once per chunk (a chunk of 19 draws took its 19 from a whole block of
    :data:`DRAW_BLOCK` sampled for it alone). The same draws, bit for bit.

    Thread-safe: a block is sampled under a lock and the last ``keep`` are kept (the chunks
    of a pass run in draw order; ``keep`` should cover the draws of the chunks in flight). The
    chunks cut from a block share its arrays (views), so the model never writes into its draws
    (a test holds it to that: arrays are not made read-only, which would make numba compile
    every kernel a second time). Not pickled with its blocks: a Dask worker samples its own.
    """

    def __init__(self, inputs: ModelInputs, opts: UncertaintyOptions, n: int, seed: int,
                 variants: np.ndarray | None = None, keep: int = 2):
        self.inputs, self.opts, self.n, self.seed = inputs, opts, n, seed
        self.variants, self.keep = variants, keep
        self._kept: dict[int, Draws] = {}
        self._lock = threading.Lock()

    def __call__(self, start: int, stop: int) -> Draws:
        """Draws ``start .. stop-1`` (as :func:`sample_range`)."""
        return _range_of_blocks(self._block, start, stop)

    def _block(self, b: int) -> Draws:
        with self._lock:
            if b not in self._kept:
                draws = sample(self.inputs, self.opts, min(DRAW_BLOCK, self.n - b * DRAW_BLOCK),
                               block_rng(self.seed, b), self.variants)
                self._kept[b] = draws
                while len(self._kept) > self.keep:  # the oldest goes
                    del self._kept[next(iter(self._kept))]
            return self._kept[b]

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_kept", "_lock")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _kept={}, _lock=threading.Lock())


# -- what is drawn -------------------------------------------------------------------------------

def describe(inputs: ModelInputs, opts: UncertaintyOptions) -> pd.DataFrame:
    """One row per group: ``group``, ``label``, ``drawn`` (bool) and ``how`` (a sentence)."""
    from .parameter_sets import sets_status

    active = set(active_groups(inputs, opts))
    how = {key: _how(inputs, opts, key, sets_status) for key, _ in GROUPS}
    rows = [{"group": key, "label": label, "drawn": key in active,
             "how": how[key] if key in active else f"not drawn ({_why_not(inputs, opts, key)})"}
            for key, label in GROUPS]
    rows += [{"group": key, "label": label, "drawn": False,
              "how": "not drawn: the collection_rate and recovery_efficiency workbooks carry "
                     "no uncertainty (maximum potential or current practice is the "
                     "scenario's choice)"} for key, label in NOT_DRAWN]
    return pd.DataFrame(rows)


def _how(inputs: ModelInputs, opts: UncertaintyOptions, key: str, sets_status) -> str:
    if key == "stock":
        if opts.stock == "multiplier":
            return f"a normal multiplier (sd {opts.stock_rel_sd:g}) on each type's path"
        return ("each type's logistic parameters from the fit's covariance with the priors of "
                f"stock_projection_priors.xlsx (sd x {opts.stock_spread:g}); the recorded "
                "history as recorded")
    if key == "lifetimes":
        sets, status = (sets_status(inputs) if opts.lifetimes == "calibration"
                        else (None, ""))
        named = set() if sets is None else {
            c.split("[")[1].rstrip("]") for c in sets.columns if c.startswith("weibull_scale")}
        rest = [g for g in inputs.products if g not in named]
        text = (f"mean lifetimes of {', '.join(rest)} +-{opts.lifetime_shift_years:g} yr"
                if rest and opts.lifetime_shift_years > 0 else "")
        return "; ".join(t for t in (status, text) if t)
    comp = inputs.composition.uncertain
    texts = {
        "weight": "trailers per end-of-life truck of each type (trailer_share's range)",
        "composition": ", ".join(comp[k].name for k in body_columns(inputs, "composition")),
        "prices": "triangular(low, mean, high) per material",
        "factors": f"uniform within +-{inputs.rel_range:.0%} per factor",
        "shares": "a uniform position between the share paths of the share_paths scenarios",
        "battery": (f"pack capacity in its range, LFP share +-{opts.lfp_shift:.0%}, second-life "
                    f"share, {opts.battery_variants} pack-lifetime variants")}
    return texts[key]


def _why_not(inputs: ModelInputs, opts: UncertaintyOptions, key: str) -> str:
    option = {"stock": opts.stock, "lifetimes": opts.lifetimes, "weight": opts.weight,
              "composition": opts.composition, "prices": opts.prices,
              "factors": opts.factors, "shares": opts.shares, "battery": opts.battery}[key]
    if option == "none":
        return f"{key} = 'none' in [uncertainty]"
    if key in ("shares", "battery") and inputs.battery is None:
        return "no powertrain extension"
    if key == "shares":
        return "the scenario names no share_paths"
    return "no range in the inputs"


def off_centre(inputs: ModelInputs, opts: UncertaintyOptions, tail: float = 0.1) -> list[str]:
    """Drawn inputs whose deterministic value lies in the lowest or highest ``tail`` of its
    distribution (why a deterministic output can lie outside the Monte Carlo's range)."""
    from ..system.composition import nominal_draws

    active = set(active_groups(inputs, opts))
    out = []
    u = nominal_draws(inputs.composition)[0]
    for key, what in (("weight", "unit weight"), ("composition", "composition")):
        if key in active:
            names = [inputs.composition.uncertain[k].name for k in body_columns(inputs, key)
                     if not tail < u[k] < 1 - tail]
            if names:
                out.append(f"{what}: {', '.join(names)} at an end of the drawn range")
    if "prices" in active:
        p = inputs.price
        with np.errstate(divide="ignore", invalid="ignore"):
            pos = np.where(p[:, 2] > p[:, 0], (p[:, 1] - p[:, 0]) / (p[:, 2] - p[:, 0]), 0.5)
        names = [m for m, x in zip(inputs.materials, pos) if not tail < x < 1 - tail]
        if names:
            out.append(f"prices: the mean of {', '.join(names)} near an end of low-high")
    sets = _sets(inputs) if "lifetimes" in active and opts.lifetimes == "calibration" else None
    if sets is not None:
        from .parameter_sets import deterministic_values

        for column, value in deterministic_values(inputs, sets).items():
            rank = float(np.mean(sets[column].to_numpy(float) < value))
            if not tail < rank < 1 - tail:
                out.append(f"{column}: the scenario's value at the {rank:.0%} rank of the sets")
    return out
