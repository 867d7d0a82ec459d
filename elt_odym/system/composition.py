r"""What a truck is made of, by cohort, type and powertrain (issue 21): pure numpy.

The per-vehicle material of cohort ``c``, type ``g``, powertrain ``p`` and material ``m`` is a
low-rank sum of cohort profiles times material vectors::

    mass[c, g, p, m] = sum_f profile[f, c, g, p] * vector[f, g, p, m]        (t per vehicle)

so that the fleet kernel, which holds the stock by cohort, contracts it against a few cohort
profiles instead of the dense array. The factors ``f`` (:attr:`CohortComposition.names`):

``base``
    profile 1. The vector is the glider plus the trailer plus the components of the powertrain
    (``component_mass`` x ``component_composition``). The glider (body, chassis, cab, and what
    else every powertrain shares) is derived, not read: today's diesel truck minus its diesel
    parts and trailer,

    .. math:: G_{gm} = W_g s_{gm} - (W_g - W^{low}_g)\,\tau_m
              - \sum_o M_{g,d,o}\,\sigma_{om} - R_{gm},

    with ``W`` = ``unit_weight``, ``s`` = ``material_composition``, ``W - W_low`` the trailer
    and ``tau`` its composition, ``M`` the diesel (first powertrain, ``d``) component masses,
    ``sigma`` their composition and ``R`` the study's platinum-group metals (the metals that
    ``pgm_loading`` lists), attributed to the after-treatment. So a diesel truck without
    lightweighting and with the study's PGM content is today's truck by construction.
``lightweighting`` (``composition = "cohort"``)
    profile = the glider mass saved in the cohort (``lightweighting_mass``, t), vector = the
    material change per t saved (``lightweighting_substitution``), the same for every
    powertrain.
``pgm:<metal>`` (``composition = "cohort"``)
    profile = the cohort's loading (``emission_standard_share`` x ``pgm_loading``) over its
    largest value, vector = that largest loading in the metal's column.

With ``composition = "powertrain"`` (cohort changes off) every cohort of a combustion
powertrain carries the study's PGM content, scaled by the first stage's loading of that
powertrain relative to diesel, inside ``base``. With ``composition = "single"`` (the study),
or when the composition dimensions are not configured, there is one factor: profile 1 and
vector ``unit_weight x material_composition`` for every powertrain.

Uncertainty. Each uncertain quantity ``k`` (:attr:`CohortComposition.uncertain`) scales one
block of the vectors (:attr:`CohortComposition.blocks`, its contribution at the nominal value):
a component's mass (its rows, all types and powertrains, drawn together; their relative range
must agree), the trailer of each type (present with weight 1, absent with 0: uniform on
[0, 1], the unit-weight range of the Monte Carlo), the PGM loading of each powertrain and
metal (all stages together), the lightweighting path. :func:`calc_draw_vectors` turns ``(N,
K)`` uniform or standard-normal draws into ``(N, F, G, P, M)`` vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from ..data import ModelData, ParameterData
from ..errors import DataValidationError, Problem
from ..io.stats_array import Uncertainty

TONNES_PER_GRAM = 1e-6
"""Unit conversion of ``pgm_loading`` (g/unit) to the vectors' t/unit."""
RANGE_TOLERANCE = 1e-6
"""Relative tolerance for the rows of one uncertain quantity to agree on their range."""
SHARE_TOLERANCE = 1e-9
"""Tolerance of 'shares sum to 1' (compositions, emission-stage shares)."""
COMPONENT_PARAMETERS = ("component_mass", "component_composition", "pgm_loading")
COHORT_PARAMETERS = ("emission_standard_share", "lightweighting_mass",
                     "lightweighting_substitution")
TRAILER = "trailer"
GLIDER = "glider"
NO_POWERTRAIN = "all"
"""Powertrain label of a data folder without the Powertrain dimension."""


@dataclass(frozen=True)
class UncertainQuantity:
    """One drawn quantity: a multiplier of its block, relative to the nominal value (1).

    ``kind`` is ``uniform`` (``low``-``high``), ``triangular`` (``low``, ``mode``,
    ``high``), ``normal`` (mean 1, ``sd``, truncated at 0) or ``none``.
    """

    name: str
    kind: str
    low: float = 1.0
    mode: float = 1.0
    high: float = 1.0
    sd: float = 0.0
    source: str = ""


@dataclass(frozen=True)
class CohortComposition:
    """Per-vehicle material as ``profiles (F, C, G, P)`` times ``vectors (F, G, P, M)``.

    ``components`` names the axis of ``component_material (O, G, P, M)``: the nominal,
    cohort-invariant material of each component (glider, trailer, the workbook's components;
    PGM and lightweighting are not in it). ``blocks (K, F, G, P, M)`` is each uncertain
    quantity's share of ``vectors`` at its nominal value.
    """

    mode: str
    names: tuple[str, ...]
    cohort_years: tuple[int, ...]
    types: tuple[str, ...]
    powertrains: tuple[str, ...]
    materials: tuple[str, ...]
    profiles: np.ndarray
    vectors: np.ndarray
    components: tuple[str, ...]
    component_material: np.ndarray
    uncertain: tuple[UncertainQuantity, ...]
    blocks: np.ndarray
    trailer_share: np.ndarray
    """``(G,)``: trailers per end-of-life truck at the nominal value (``trailer_share``)."""
    trailer_unit: np.ndarray
    """``(G, P, M)``: the material of one trailer of each type (``unit_weight -
    unit_weight_low`` times the trailer's composition)."""


def calc_unit_material(comp: CohortComposition) -> np.ndarray:
    """The dense per-vehicle material ``(C, G, P, M)`` in t: ``sum_f profile * vector``."""
    return np.einsum("fcgp,fgpm->cgpm", comp.profiles, comp.vectors)


def nonzero_pairs(comp: CohortComposition) -> list[tuple[str, str]]:
    """The (factor, powertrain) pairs whose profile and vector are not both zero somewhere."""
    p_any = np.abs(comp.profiles).max(axis=(1, 2)) > 0            # (F, P)
    v_any = np.abs(comp.vectors).max(axis=(1, 3)) > 0             # (F, P)
    return [(comp.names[f], comp.powertrains[p]) for f, p in zip(*np.nonzero(p_any & v_any))]


def calc_cohort_composition(data: ModelData, cohort_years) -> CohortComposition:
    """The composition of every cohort, type and powertrain of a scenario.

    Parameters
    ----------
    data : ModelData
        The scenario's data; ``data.options.composition`` selects the mode.
    cohort_years : sequence of int
        The cohort axis (it may start before the first model year).

    Raises
    ------
    DataValidationError
        A workbook the mode needs is missing, shares do not sum to 1, a derived glider or a
        cohort's material is negative, or the rows of one uncertain quantity disagree.
    """
    years = tuple(int(y) for y in cohort_years)
    mode = data.options.composition
    letters = set(data.items)
    if mode == "single":
        return _single(data, years)
    needed = COMPONENT_PARAMETERS + (COHORT_PARAMETERS if mode == "cohort" else ())
    missing = [n for n in needed if n not in data.parameters or not data[n].present]
    if missing or not {"p", "o", "e"} <= letters:
        raise DataValidationError([Problem(
            str(data.config.data_dir / "config.toml"), "", "", "option-needs-workbook",
            f"scenario {data.scenario!r}: composition = {mode!r} needs the Powertrain, "
            f"Component and Emission_standard dimensions and the workbooks {list(needed)} "
            f"(missing: {missing or 'dimensions'}); set composition = \"single\" or add them")])
    return _component(data, years, mode)


# -- the study's single composition ---------------------------------------------------------------

def _axes(data: ModelData) -> tuple[tuple, tuple, tuple]:
    return (tuple(data.items["g"]), tuple(data.items.get("p", [NO_POWERTRAIN])),
            tuple(data.items["m"]))


def _single(data: ModelData, years: tuple[int, ...]) -> CohortComposition:
    """One factor: profile 1, vector ``unit_weight x material_composition`` for every
    powertrain; the trailer of each type (``unit_weight - unit_weight_low``) is drawn."""
    types, pts, mats = _axes(data)
    share = data["material_composition"].values
    weight = data["unit_weight"].values
    trailer = _trailer_mass(data)
    n_tr, ranges = _trailer_share(data)
    total = (weight - (1.0 - n_tr) * trailer)[:, None] * share
    vectors = np.broadcast_to(total[None, :, None, :], (1, len(types), len(pts), len(mats)))
    parts = np.stack([(weight - trailer)[:, None] * share, (n_tr * trailer)[:, None] * share])
    quantities, blocks = _trailer_quantities(data, trailer, (n_tr, ranges), share,
                                             (1, len(types), len(pts), len(mats)))
    return CohortComposition(
        mode="single", names=("base",), cohort_years=years, types=types, powertrains=pts,
        materials=mats, profiles=np.ones((1, len(years), len(types), len(pts))),
        vectors=np.array(vectors), components=("truck_unit", TRAILER),
        component_material=np.repeat(parts[:, :, None, :], len(pts), axis=2),
        uncertain=quantities, blocks=blocks, trailer_share=n_tr,
        trailer_unit=np.repeat((trailer[:, None] * share)[:, None, :], len(pts), axis=1))


def _trailer_mass(data: ModelData) -> np.ndarray:
    trailer = data["unit_weight"].values - data["unit_weight_low"].values
    bad = [g for g, v in zip(data.items["g"], trailer) if v < 0]
    if bad:
        raise DataValidationError([Problem(data["unit_weight_low"].path, "", "", "above-maximum",
                                           f"unit_weight_low exceeds unit_weight for {bad}: the "
                                           "truck unit cannot outweigh the truck with trailer")])
    return trailer


def _trailer_share(data: ModelData) -> tuple[np.ndarray, list[tuple | None]]:
    """Trailers per end-of-life truck ``(G,)`` and each type's drawn range ``(kind, low, mode,
    high)`` of that number (``None``: not drawn). Without the workbook ``trailer_share``, the
    study's choice: one trailer, drawn uniform between none and one."""
    p = data.parameters.get("trailer_share")
    n_g = len(data.items["g"])
    if p is None or not p.present:
        return np.ones(n_g), [("uniform", 0.0, 1.0, 1.0)] * n_g
    values = np.asarray(p.values, float)
    ranges = []
    for g, v in zip(data.items["g"], values):  # validate checks the cells (draw_kinds)
        u = p.uncertainty.get((g,))
        if u is None or u.kind == "none":
            ranges.append(None)
            continue
        low, high = (u.p1, u.p2) if u.kind == "uniform" else (u.p1, u.p3)
        if u.kind not in ("uniform", "triangular") or not low <= v <= high:
            raise ValueError(f"{p.path}: trailer_share of {g}: a {u.kind} range {low:g}-"
                             f"{high:g} cannot be drawn around {v:g}")
        ranges.append((u.kind, low, v, high))
    return values, ranges


def _trailer_quantities(data, trailer, share, rows, shape):
    """One quantity per type with a trailer (``rows (G, M)``: the trailer's composition) and
    a drawn ``trailer_share`` (``share``: :func:`_trailer_share`). Its block is one whole trailer, its multiplier ``1 + n - n0``
    (``n`` the drawn number of trailers, ``n0`` the nominal one), so that the drawn vector
    ``vectors + (multiplier - 1) x block`` carries ``n`` trailers."""
    quantities, blocks = [], []
    n0, ranges = share
    p = data.parameters.get("trailer_share")
    source = p.path if p is not None and p.present else data["unit_weight_low"].path
    for i, g in enumerate(data.items["g"]):
        if trailer[i] <= 0 or ranges[i] is None:
            continue
        kind, low, mode, high = ranges[i]
        block = np.zeros(shape)
        block[0, i, :, :] = trailer[i] * rows[i]
        shift = 1.0 - n0[i]
        quantities.append(UncertainQuantity(f"trailer:{g}", kind, low + shift, mode + shift,
                                            high + shift, source=source))
        blocks.append(block)
    return tuple(quantities), _stack(blocks, shape)


def _stack(blocks: list[np.ndarray], shape: tuple) -> np.ndarray:
    return np.stack(blocks) if blocks else np.zeros((0,) + tuple(shape))


# -- the component model -------------------------------------------------------------------------

def _component(data: ModelData, years: tuple[int, ...], mode: str) -> CohortComposition:
    types, pts, mats = _axes(data)
    comps = tuple(data.items["o"])
    sigma = _shares(data["component_composition"], comps, "component")
    mass = _dense(data["component_mass"], (types, pts, comps))
    if TRAILER not in comps:
        raise DataValidationError([Problem(data["component_composition"].path, "", "",
                                           "missing-item", "the Component classification needs "
                                           "the item 'trailer' (its composition)")])
    if mass[:, :, comps.index(TRAILER)].any():
        raise DataValidationError([Problem(data["component_mass"].path, "", "", "derived-row",
                                           "component_mass has rows for 'trailer': the trailer is "
                                           "unit_weight - unit_weight_low; remove those rows")])
    pgm = _dense(data["pgm_loading"], (tuple(data.items["e"]), types, pts, mats))
    metals = tuple(m for i, m in enumerate(mats) if pgm[..., i].any())
    reference = _study_pgm(data, pgm, metals)
    trailer = _trailer_mass(data)
    glider = _glider(data, mass, sigma, trailer, reference)
    parts = np.einsum("gpo,om->ogpm", mass, sigma)
    material = np.concatenate([np.broadcast_to(glider[None, :, None, :], (1,) + parts.shape[1:]),
                               parts], axis=0)
    n_tr, ranges = _trailer_share(data)
    unit = np.broadcast_to(trailer[:, None, None] * sigma[comps.index(TRAILER)],
                           (len(types), len(pts), len(mats)))  # one trailer
    material[1 + comps.index(TRAILER)] = n_tr[:, None, None] * unit
    shape1 = (1, len(types), len(pts), len(mats))
    q_mass, b_mass = _mass_quantities(data, mass, sigma, comps, shape1)
    q_trl, b_trl = _trailer_quantities(
        data, trailer, (n_tr, ranges),
        np.broadcast_to(sigma[comps.index(TRAILER)], (len(types), len(mats))), shape1)
    base = material.sum(axis=0)[None]
    if mode == "powertrain":
        base = base + reference[None]
        q_pgm, b_pgm = _pgm_quantities(data, reference[None], metals)
        return _assemble(data, years, mode, ("base",), np.ones((1, len(years), *shape1[1:3])),
                         base, (GLIDER,) + comps, material, (q_mass, q_trl, q_pgm),
                         (b_mass, b_trl, b_pgm), (n_tr, np.array(unit)))
    return _cohort_factors(data, years, base, material, (GLIDER,) + comps, pgm, metals,
                           (q_mass, q_trl), (b_mass, b_trl), (n_tr, np.array(unit)))


def _cohort_factors(data, years, base, material, components, pgm, metals, qs, bs, trailers):
    """Add lightweighting and one PGM factor per metal (``composition = "cohort"``)."""
    types, pts, mats = _axes(data)
    n_c, n_g, n_p = len(years), len(types), len(pts)
    stages = _cohort_table(data["emission_standard_share"], years,
                           (types, pts, tuple(data.items["e"])))
    _check_sums(data["emission_standard_share"], stages, years, types, pts)
    lw = _cohort_table(data["lightweighting_mass"], years, (types,))            # (C, G)
    sub = data["lightweighting_substitution"].values                            # (M,)
    loading = np.einsum("cgpe,egpm->cgpm", stages, pgm) * TONNES_PER_GRAM        # (C,G,P,M)
    base = base[0].copy()
    names, profiles = ["base", "lightweighting"], [np.ones((n_c, n_g, n_p)),
                                                   np.repeat(lw[:, :, None], n_p, 2)]
    vectors = [base, np.broadcast_to(sub, (n_g, n_p, len(mats)))]
    contrib = [np.zeros_like(base), np.zeros_like(base)]   # the PGM part of each vector
    for metal in metals:
        i = mats.index(metal)
        load = loading[..., i]                                                   # (C, G, P)
        constant = np.all(np.isclose(load, load[:1], rtol=1e-12, atol=0.0), axis=(0, 1))
        base[:, constant, i] += load[0][:, constant]     # no cohort change: in the base
        contrib[0][:, constant, i] += load[0][:, constant]
        if constant.all():
            continue
        load = np.where(constant[None, None], 0.0, load)
        scale = load.max(axis=0)                                                 # (G, P)
        profiles.append(np.divide(load, scale, out=np.zeros_like(load), where=scale > 0))
        vec = np.zeros((n_g, n_p, len(mats)))
        vec[..., i] = scale
        names.append(f"pgm:{metal}")
        vectors.append(vec)
        contrib.append(vec)
    vectors, contrib = np.stack(vectors), np.stack(contrib)
    shape = vectors.shape

    def pad(b):  # blocks of the base factor, padded to every factor
        return np.concatenate([b, np.zeros((b.shape[0], shape[0] - 1) + shape[1:])], 1)

    q_lw, b_lw = _lw_quantity(data, vectors, shape)
    q_pgm, b_pgm = _pgm_quantities(data, contrib, metals)
    return _assemble(data, years, "cohort", tuple(names), np.stack(profiles), vectors,
                     components, material, qs + (q_lw, q_pgm),
                     tuple(pad(b) for b in bs) + (b_lw, b_pgm), trailers)


def _assemble(data, years, mode, names, profiles, vectors, components, material, qs, bs,
              trailers):
    """The composition; ``trailers``: the nominal trailers per truck ``(G,)`` and the
    material of one trailer ``(G, P, M)``."""
    types, pts, mats = _axes(data)
    comp = CohortComposition(
        mode=mode, names=names, cohort_years=years, types=types, powertrains=pts,
        materials=mats, profiles=np.asarray(profiles, float), vectors=np.asarray(vectors, float),
        components=components, component_material=np.asarray(material, float),
        uncertain=tuple(q for group in qs for q in group),
        blocks=np.concatenate([b for b in bs], axis=0), trailer_share=trailers[0],
        trailer_unit=trailers[1])
    dense = calc_unit_material(comp)
    low = dense.min()
    if low < -1e-12 * max(1.0, float(np.abs(dense).max())):
        c, g, p, m = np.unravel_index(dense.argmin(), dense.shape)
        raise DataValidationError([Problem(
            data["component_mass"].path, "", "", "negative-material",
            f"cohort {years[c]}, type {types[g]}, powertrain {pts[p]}: {mats[m]} is {low:.4g} "
            "t per vehicle; lightweighting or a component takes out more than the truck holds: "
            "lower lightweighting_mass or the component masses")])
    return comp


# -- inputs ---------------------------------------------------------------------------------------

def _dense(p: ParameterData, axes: tuple[tuple, ...]) -> np.ndarray:
    """A sparse parameter's observations on ``axes`` (missing combinations: 0)."""
    out = np.zeros([len(a) for a in axes])
    pos = [{item: i for i, item in enumerate(a)} for a in axes]
    for key, value in p.observations.items():
        out[tuple(pos[d][k] for d, k in enumerate(key))] = value
    return out


def _shares(p: ParameterData, comps: tuple, what: str) -> np.ndarray:
    values = np.asarray(p.values, float)
    bad = [c for c, s in zip(comps, values.sum(axis=1)) if abs(s - 1.0) > SHARE_TOLERANCE]
    if bad:
        raise DataValidationError([Problem(p.path, "", "", "shares-do-not-sum-to-1",
                                           f"the material shares of {what}(s) {bad} do not sum "
                                           "to 1: put the rest in 'other'")])
    return values


def _cohort_table(p: ParameterData, years: tuple[int, ...], axes: tuple[tuple, ...]) -> np.ndarray:
    """Rows by (year, ...) on the cohort axis; years outside the rows take the nearest year's,
    a gap inside them is an error."""
    have = sorted({k[0] for k in p.observations})
    full = _dense_years(p, have, axes)
    out = []
    for y in years:
        if y not in have and have[0] < y < have[-1]:
            raise DataValidationError([Problem(p.path, "", "", "missing-item",
                                               f"{p.spec.name} has no rows for cohort {y}")])
        out.append(full[have.index(min(max(y, have[0]), have[-1]))])
    return np.stack(out)


def _dense_years(p: ParameterData, have: list[int], axes: tuple[tuple, ...]) -> np.ndarray:
    return _dense(p, (tuple(have),) + axes)


def _check_sums(p: ParameterData, stages: np.ndarray, years, types, pts) -> None:
    sums = stages.sum(axis=-1)
    bad = np.argwhere(np.abs(sums - 1.0) > SHARE_TOLERANCE)
    if len(bad):
        c, g, q = bad[0]
        raise DataValidationError([Problem(
            p.path, "", "", "shares-do-not-sum-to-1",
            f"emission-stage shares of cohort {years[c]}, {types[g]}, {pts[q]} sum to "
            f"{sums[c, g, q]:.6g} ({len(bad)} such rows): they must sum to 1")])


def _study_pgm(data: ModelData, pgm: np.ndarray, metals: tuple[str, ...]) -> np.ndarray:
    """``(G, P, M)``: the study's PGM content of each type (``unit_weight x
    material_composition``) for diesel, scaled for the other powertrains by their first-stage
    loading relative to diesel's."""
    _, pts, mats = _axes(data)
    total = data["unit_weight"].values[:, None] * data["material_composition"].values
    out = np.zeros((total.shape[0], len(pts), len(mats)))
    for metal in metals:
        i = mats.index(metal)
        first = pgm[0, :, :, i]                                                  # (G, P)
        ratio = np.divide(first, first[:, :1], out=np.zeros_like(first), where=first[:, :1] > 0)
        ratio[:, 0] = 1.0
        out[:, :, i] = total[:, i, None] * ratio
    return out


def _glider(data, mass, sigma, trailer, reference) -> np.ndarray:
    """``(G, M)``: today's diesel truck minus its trailer, diesel parts and study PGM."""
    comps = tuple(data.items["o"])
    total = data["unit_weight"].values[:, None] * data["material_composition"].values
    glider = (total - trailer[:, None] * sigma[comps.index(TRAILER)]
              - mass[:, 0, :] @ sigma - reference[:, 0, :])
    tol = 1e-12 * max(1.0, float(total.max()))
    if (glider < -tol).any():
        g, m = np.argwhere(glider < -tol)[0]
        raise DataValidationError([Problem(
            data["component_mass"].path, "", "", "glider-negative",
            f"type {data.items['g'][g]}, {data.items['m'][m]}: today's diesel truck holds "
            f"{total[g, m]:.4g} t, its trailer and diesel components "
            f"{total[g, m] - glider[g, m]:.4g} t: lower those component masses or their share "
            "of it (component_composition)")])
    return glider


# -- uncertain quantities ------------------------------------------------------------------------

def _relative(u: Uncertainty, value: float) -> tuple:
    """(kind, low, mode, high, sd) of ``u`` relative to ``value``."""
    if u.kind == "uniform":
        return "uniform", u.p1 / value, 1.0, u.p2 / value, 0.0
    if u.kind == "triangular":
        mode = 1.0 if np.isnan(u.p2) else u.p2 / value
        return "triangular", u.p1 / value, mode, u.p3 / value, 0.0
    if u.kind == "normal":
        return "normal", 1.0, 1.0, 1.0, u.p2 / value
    if u.kind == "none":
        return ("none", 1.0, 1.0, 1.0, 0.0)
    raise ValueError(u.kind)


def _group(p: ParameterData, keys: list[tuple], name: str) -> UncertainQuantity | None:
    """The one relative distribution the rows ``keys`` share (``None``: no uncertainty)."""
    rel = {k: _relative(p.uncertainty[k], p.observations[k]) for k in keys
           if p.observations[k] != 0}
    if not rel:
        return None
    kinds = {r[0] for r in rel.values()}
    first = next(iter(rel.values()))
    if len(kinds) > 1 or any(not np.allclose(r[1:], first[1:], rtol=RANGE_TOLERANCE,
                                             atol=RANGE_TOLERANCE) for r in rel.values()):
        raise DataValidationError([Problem(
            p.path, "", "", "inconsistent-range",
            f"{name}: its rows are drawn together, so their uncertainty must be the same "
            f"relative to the value (rows {sorted(rel)[:3]}...): write one relative range")])
    if first[0] == "none":
        return None
    return UncertainQuantity(name, *first, source=p.path)


def _mass_quantities(data, mass, sigma, comps, shape):
    p = data["component_mass"]
    quantities, blocks = [], []
    types, pts, _ = _axes(data)
    for j, o in enumerate(comps):
        keys = [k for k in p.observations if k[2] == o]
        q = _group(p, keys, f"mass:{o}")
        if q is None:
            continue
        block = np.zeros(shape)
        block[0] = mass[:, :, j, None] * sigma[j]
        quantities.append(q)
        blocks.append(block)
    return tuple(quantities), _stack(blocks, shape)


def _pgm_quantities(data, contrib, metals):
    """One quantity per (powertrain, metal) with a loading; it scales that metal's column of
    that powertrain in ``contrib (F, G, P, M)``, the PGM part of the vectors."""
    p = data["pgm_loading"]
    _, pts, mats = _axes(data)
    quantities, blocks = [], []
    for metal in metals:
        i = mats.index(metal)
        for j, pt in enumerate(pts):
            keys = [k for k in p.observations if k[2] == pt and k[3] == metal]
            q = _group(p, keys, f"pgm:{pt}:{metal}")
            if q is None:
                continue
            block = np.zeros(contrib.shape)
            block[:, :, j, i] = contrib[:, :, j, i]
            quantities.append(q)
            blocks.append(block)
    return tuple(quantities), _stack(blocks, contrib.shape)


def _lw_quantity(data, vectors, shape):
    p = data["lightweighting_mass"]
    q = _group(p, list(p.observations), "lightweighting")
    if q is None:
        return (), _stack([], shape)
    block = np.zeros(shape)
    block[1] = vectors[1]
    return (q,), block[None]


# -- draws ---------------------------------------------------------------------------------------

def calc_draw_vectors(comp: CohortComposition, draws: np.ndarray | None = None,
                      kind: str = "uniform") -> np.ndarray:
    """Per-draw vectors ``(N, F, G, P, M)`` from draws of the uncertain quantities.

    Parameters
    ----------
    comp : CohortComposition
    draws : ndarray (N, K) or None
        ``kind="uniform"``: numbers in [0, 1], mapped through each quantity's inverse
        distribution; ``kind="normal"``: standard normal numbers (mapped through the normal
        CDF first). ``None``: the deterministic run, ``vectors[None]``.
    kind : {"uniform", "normal"}

    Returns
    -------
    ndarray
        ``vectors + sum_k (multiplier_k - 1) * blocks_k`` for each draw.
    """
    if draws is None:
        return comp.vectors[None].copy()
    draws = np.atleast_2d(np.asarray(draws, float))
    if draws.shape[1] != len(comp.uncertain):
        raise ValueError(f"draws have {draws.shape[1]} columns, the composition has "
                         f"{len(comp.uncertain)} uncertain quantities")
    if kind == "normal":
        draws = ndtr(draws)
    elif kind != "uniform":
        raise ValueError(f"kind must be 'uniform' or 'normal', not {kind!r}")
    if ((draws < 0) | (draws > 1)).any():
        raise ValueError("uniform draws must lie in [0, 1]")
    mult = np.stack([quantity_multiplier(q, draws[:, k]) for k, q in enumerate(comp.uncertain)], axis=1) \
        if comp.uncertain else np.zeros((len(draws), 0))
    return comp.vectors[None] + np.einsum("nk,kfgpm->nfgpm", mult - 1.0, comp.blocks)


def nominal_draws(comp: CohortComposition, kind: str = "uniform") -> np.ndarray:
    """The ``(1, K)`` draws whose multipliers are all 1 (the deterministic run)."""
    out = []
    for q in comp.uncertain:
        if q.kind == "uniform":
            u = (1.0 - q.low) / (q.high - q.low) if q.high > q.low else 0.5
        elif q.kind == "triangular":
            u = _triangular_cdf(q, 1.0)
        else:
            u = 0.5
        out.append(u)
    u = np.array([out], float).reshape(1, len(comp.uncertain))
    return ndtri(u) if kind == "normal" else u


def _triangular_cdf(q: UncertainQuantity, x: float) -> float:
    lo, c, hi = q.low, q.mode, q.high
    if hi <= lo:
        return 0.5
    if x <= c:
        return (x - lo) ** 2 / ((hi - lo) * (c - lo)) if c > lo else 0.0
    return 1.0 - (hi - x) ** 2 / ((hi - lo) * (hi - c))


def quantity_multiplier(q: UncertainQuantity, u: np.ndarray) -> np.ndarray:
    """Multiplier of quantity ``q`` at uniform ``u`` (inverse CDF)."""
    if q.kind == "uniform":
        return q.low + u * (q.high - q.low)
    if q.kind == "triangular":
        lo, c, hi = q.low, q.mode, q.high
        if hi <= lo:
            return np.full_like(u, c)
        fc = (c - lo) / (hi - lo)
        return np.where(u < fc, lo + np.sqrt(u * (hi - lo) * (c - lo)),
                        hi - np.sqrt((1 - u) * (hi - lo) * (hi - c)))
    if q.kind == "normal":
        return np.maximum(1.0 + q.sd * ndtri(np.clip(u, 1e-12, 1 - 1e-12)), 0.0)
    return np.ones_like(u)
