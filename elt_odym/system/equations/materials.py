"""Material in the trucks (the study's Eq. 6), collection, recovery and the closed loop.

Symbols (Xu et al. 2025): ``W_i(t)`` mass of end-of-life trucks of type ``i`` in year ``t``,
``e_ij`` share of material ``j`` in type ``i``, ``V_j`` mass of material ``j`` in end-of-life
trucks. A truck's body is a sum of profiles (per vehicle of a cohort, :mod:`.vehicles`) times
material vectors ``vec[f, i, j]`` (t per unit of profile; :mod:`.composition`: the glider, the
trailer and the components of each powertrain, lightweighting and the PGM loading of each
cohort's emission standard); the study's single composition is one profile of ones with
``vec = W_i e_ij`` per truck::

    V[t, i, j]          = sum_f eol_f[t, i] vec[f, i, j]                    (Eq. 6)
    collected[t, i, j]  = c[t, i] V[t, i, j]                   (formal collection, rate c)
    secondary[t, i, j]  = eta_j collected[t, i, j]             (recovery efficiency eta)
    closed[t, j]        = min(s_j sum_i secondary[t, i, j], demand[t, j])  (closed-loop share s)
"""

from __future__ import annotations

import numpy as np

from ...jit import jit
from ..composition import TRAILER, calc_draw_vectors, quantity_multiplier
from ..inputs import Draws, ModelInputs
from ..variables import Product
from .vehicles import ProfileLayout


def body_vectors(inputs: ModelInputs, draws: Draws, layout: ProfileLayout
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Material vectors ``(N, F, G, M)``, mass ``(N, F, G)`` and truck-unit-only mass
    ``(N, F, G)`` per unit of each profile, at each draw's composition quantities
    (:func:`.composition.calc_draw_vectors`; the trailer's presence among them); zero outside
    the body profiles. A route's slots hold its source's vectors (a moved vehicle keeps its
    material)."""
    comp = inputs.composition
    n, n_g, n_m = draws.n, len(inputs.products), len(inputs.materials)
    drawn = calc_draw_vectors(comp, draws.body_u)  # (N|1, F, G, P, M)
    drawn = np.broadcast_to(drawn, (n,) + drawn.shape[1:])
    trailer = trailer_multipliers(comp, draws.body_u, n)  # (N, G): trailers per truck
    vec = np.zeros((n, layout.size, n_g, n_m))
    for i, (f, p) in zip(layout.body, layout.body_pairs):
        vec[:, i] = drawn[:, f, :, max(p, 0)]
    mass = vec.sum(axis=3)
    low = mass.copy()
    for i, (f, p) in zip(layout.body, layout.body_pairs):
        if f == 0:  # the trailer sits in the base factor
            low[:, i] -= trailer * comp.trailer_unit[:, max(p, 0)].sum(axis=-1)
    for (src, dst), slots in zip(inputs.fleet.routes, layout.imported):
        for own, slot in zip(layout.body, slots):
            vec[:, slot, dst], mass[:, slot, dst] = vec[:, own, src], mass[:, own, src]
            low[:, slot, dst] = low[:, own, src]
    return vec, mass, low


def trailer_multipliers(comp, body_u: np.ndarray | None, n: int) -> np.ndarray:
    """Trailers per end-of-life truck of each type in each draw ``(N, G)``: the nominal
    ``trailer_share`` (the study: 1), or where a draw's ``body_u`` moves a ``trailer:`` quantity,
    ``n0 + multiplier - 1`` (:func:`.composition._trailer_quantities`)."""
    nominal = np.ones(len(comp.types)) if comp.trailer_share is None else comp.trailer_share
    out = np.repeat(np.asarray(nominal, float)[None], n, axis=0)
    if body_u is None:
        return out
    for k, q in enumerate(comp.uncertain):
        if q.name.startswith(f"{TRAILER}:"):
            g = comp.types.index(q.name.split(":", 1)[1])
            out[:, g] += quantity_multiplier(q, body_u[:, k]) - 1.0
    return out


@jit
def _sum_profiles(by, vec, active, out):
    """``out[n, t, g, m] = sum_f by[n, t, f, g] vec[n|0, f, g, m]`` over the profiles
    ``active`` (those with a non-zero vector)."""
    n, n_t, n_g, n_m = out.shape
    shared = vec.shape[0] == 1
    out[:] = 0.0
    for i in range(n):
        v = vec[0 if shared else i]
        for t in range(n_t):
            for f in active:
                for g in range(n_g):
                    e = by[i, t, f, g]
                    for m in range(n_m):
                        out[i, t, g, m] += e * v[f, g, m]


def _contract(by_profile: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """``sum_f by_profile[n, t, f, g] vec[n, f, g, m]`` as a C-ordered ``(N, T, G, M)`` array."""
    vec = np.ascontiguousarray(vec, dtype=float)
    active = np.nonzero(np.any(vec != 0.0, axis=(0, 2, 3)))[0]
    n, n_t, _, n_g = by_profile.shape
    out = np.empty((n, n_t, n_g, vec.shape[-1]))
    _sum_profiles(np.ascontiguousarray(by_profile, dtype=float), vec, active, out)
    return out


def calc_material(by_profile: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Material ``(N, T, G, M)`` of vehicles summed by profile ``(N, T, F, G)`` (Eq. 6)."""
    return _contract(by_profile, vec)


def calc_mass(by_profile: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Mass ``(N, T, G)`` of vehicles summed by profile ``(N, T, F, G)``."""
    return _contract(by_profile, mass[..., None])[..., 0]


def calc_collected(eol_material: Product, collection: np.ndarray) -> Product:
    """Formally collected end-of-life material: ``c[t, i] V[t, i, j]``."""
    return eol_material.times(tg=collection)


def calc_secondary(collected: Product, recovery: np.ndarray) -> Product:
    """Recovered secondary material: ``eta_j collected[t, i, j]``."""
    return collected.times(m=recovery)


def calc_closed_loop(secondary: np.ndarray, demand: np.ndarray, share: np.ndarray
                     ) -> np.ndarray:
    """Secondary material used again in new trucks ``(N, T, M)``: ``min(s_j secondary, demand)``
    (``secondary`` and ``demand`` summed over types)."""
    return np.minimum(share * secondary, demand)
