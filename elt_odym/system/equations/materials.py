"""Material in the trucks (the study's Eq. 6), collection, recovery and the closed loop.

Symbols (Xu et al. 2025): ``W_i(t)`` mass of end-of-life trucks of type ``i`` in year ``t``,
``e_ij`` share of material ``j`` in type ``i``, ``V_j`` mass of material ``j`` in end-of-life
trucks. A truck's body is a sum of profiles (per vehicle of a cohort, :mod:`.vehicles`) times
material vectors ``vec[f, i, j]`` (t per unit of profile); the study's single composition is one
profile of ones with ``vec = W_i e_ij`` per truck::

    V[t, i, j]          = sum_f eol_f[t, i] vec[f, i, j]                    (Eq. 6)
    collected[t, i, j]  = c[t, i] V[t, i, j]                   (formal collection, rate c)
    secondary[t, i, j]  = eta_j collected[t, i, j]             (recovery efficiency eta)
    closed[t, j]        = min(s_j sum_i secondary[t, i, j], demand[t, j])  (closed-loop share s)
"""

from __future__ import annotations

import numpy as np

from ..inputs import Draws, ModelInputs
from ..variables import Product
from .vehicles import ProfileLayout

N_BODY = 1
"""Body profiles of the study's single composition (one profile of ones)."""


def body_profiles(inputs: ModelInputs) -> np.ndarray:
    """The type's own body profiles by cohort ``(B, C, G)``: ones (single composition)."""
    n_c, n_g = inputs.fleet.stock.shape
    return np.ones((N_BODY, n_c, n_g))


def body_vectors(inputs: ModelInputs, draws: Draws, layout: ProfileLayout
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Material vectors ``(N, F, G, M)``, mass ``(N, F, G)`` and truck-unit-only mass
    ``(N, F, G)`` per unit of each profile; zero outside the body profiles. A route's slots
    hold its source's vectors (a moved vehicle keeps its material)."""
    n, n_g, n_m = draws.n, len(inputs.products), len(inputs.materials)
    comp = inputs.composition[None] if draws.composition is None else draws.composition
    vec = np.zeros((n, layout.size, n_g, n_m))
    mass = np.zeros((n, layout.size, n_g))
    low = np.zeros((n, layout.size, n_g))
    vec[:, layout.body[0]] = draws.weight[..., None] * comp  # W_i e_ij per truck
    mass[:, layout.body[0]] = draws.weight
    low[:, layout.body[0]] = inputs.weight_low[None]
    for (src, dst), slots in zip(inputs.fleet.routes, layout.imported):
        for own, slot in zip(layout.body, slots):
            vec[:, slot, dst], mass[:, slot, dst] = vec[:, own, src], mass[:, own, src]
            low[:, slot, dst] = low[:, own, src]
    return vec, mass, low


def calc_material(by_profile: np.ndarray, vec: np.ndarray) -> np.ndarray:
    """Material ``(N, T, G, M)`` of vehicles summed by profile ``(N, T, F, G)`` (Eq. 6)."""
    return np.einsum("ntfg,nfgm->ntgm", by_profile, vec, optimize=True)


def calc_mass(by_profile: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Mass ``(N, T, G)`` of vehicles summed by profile ``(N, T, F, G)``."""
    return np.einsum("ntfg,nfg->ntg", by_profile, mass, optimize=True)


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
