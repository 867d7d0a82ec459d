"""Traction packs with a lifetime of their own: replacements, retirements, second life.

Each battery truck carries one pack. A pack dies with the Weibull survival ``b(a)`` of its age
(:func:`~elt_odym.fleet.kernel.survival_by_age_batch`, the fleet's lifetime form and
``inflow_at="end"``); a pack that dies while its truck is in use is replaced by a new pack of
that year (capacity and chemistry of the replacement year); when a truck retires, its pack
retires with it. Pack and truck lifetimes are independent. Per truck of age ``a``, the renewal
density ``m[j]`` (a pack fitted at truck age ``j``) and the share ``f[a, j]`` of trucks whose
pack was fitted at age ``j`` are::

    m[0] = 1,   m[j] = sum_{i<j} m[i] (b[j-1-i] - b[j-i])
    f[a, j] = m[j] b[a - j]          (sum_j f[a, j] = 1: one pack per truck)

With the fleet by cohort (:mod:`.cohorts`) and the share ``s_b[c, g, p]`` of battery trucks
(powertrain share where the capacity is positive), packs of vintage ``v`` (production year)::

    in use     U[t, v] = sum_c s_b[c] S[t, c] f[t-c, v-c]
    replaced   R[t]    = sum_{c<t} s_b[c] S[t, c] m[t-c]
    retired    X[t, v] = sum_c s_b[c] (O[t, c] f[t-1-c, v-c] + S[t, c] (f[t-1-c, v-c] - f[t-c, v-c]))

(``f[-1, 0] = 1``: a truck retiring in its first year takes its first pack.) A pack of vintage
``v`` holds ``capacity[v] * chemistry[v, k] * intensity[k, m]`` of material. A share of the
retired packs goes to second life (Weibull duration), the rest and the packs leaving second life
to recycling. Fuel-cell stacks and hydrogen tanks enter and leave with their truck.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...fleet.kernel import survival_by_age_batch
from .inputs import GWH_PER_KWH, T_PER_KG, BatteryInputs


def _einsum(spec: str, *operands: np.ndarray) -> np.ndarray:
    """:func:`numpy.einsum` with the contraction order optimised (several operands)."""
    return np.einsum(spec, *operands, optimize=True)


@dataclass(frozen=True)
class BatteryResult:
    """Packs (units), capacity (GWh) and materials (t) of the traction chain.

    Shapes: ``(T, G, P)`` for packs and GWh by powertrain, ``(T, G, K, M)`` for pack materials
    by chemistry, ``(T, G, M)`` for totals and fuel-cell components.
    """

    packs_new: np.ndarray
    packs_replaced: np.ndarray
    packs_retired: np.ndarray
    packs_in_use: np.ndarray
    gwh_retired: np.ndarray
    gwh_retired_by_chemistry: np.ndarray
    installed: np.ndarray
    retired: np.ndarray
    in_use: np.ndarray
    to_second_life: np.ndarray
    from_second_life: np.ndarray
    packs_to_second_life: np.ndarray
    packs_from_second_life: np.ndarray
    fuel_cell_installed: np.ndarray
    fuel_cell_retired: np.ndarray
    fuel_cell_in_use: np.ndarray
    recovered: np.ndarray

    @property
    def collected(self) -> np.ndarray:
        """Traction material entering recycling, ``(T, G, M)``."""
        return ((self.retired - self.to_second_life + self.from_second_life).sum(axis=2)
                + self.fuel_cell_retired)


def calc_renewal(survival: np.ndarray) -> np.ndarray:
    """Renewal density ``m[j]`` from the survival by age ``b`` ``(A, ...)``."""
    deaths = survival[:-1] - survival[1:]  # deaths[i] = b[i] - b[i+1]
    m = np.zeros(survival.shape)
    m[0] = 1.0
    for j in range(1, survival.shape[0]):
        m[j] = np.einsum("i...,i...->...", m[:j], deaths[:j][::-1])
    return m


def calc_fitted_age_shares(survival: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``m`` and ``f[a, j] = m[j] b[a-j]`` (zero for ``j > a``), ``f`` of shape ``(A, A, ...)``."""
    m = calc_renewal(survival)
    n = survival.shape[0]
    a, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    lag = np.clip(a - j, 0, None)
    f = m[j] * survival[lag] * (j <= a).reshape((n, n) + (1,) * (survival.ndim - 1))
    return m, f


def _by_cohort_and_vintage(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``F[t, c, v] = f[t-c, v-c]`` and ``F_prev[t, c, v] = f[t-1-c, v-c]`` (``f[-1, 0] = 1``)
    on the calendar axes (zero outside ``c <= v <= t``)."""
    n = f.shape[0]
    big = np.zeros((n, n, n) + f.shape[2:])
    prev = np.zeros(big.shape)
    for c in range(n):
        big[c:, c, c:] = f[: n - c, : n - c]
        prev[c + 1:, c, c:] = f[: n - c - 1, : n - c]
        prev[c, c, c] = 1.0
    return big, prev


def calc_packs(inp: BatteryInputs, cohort_stock: np.ndarray, cohort_outflow: np.ndarray,
               inflow: np.ndarray) -> dict[str, np.ndarray]:
    """Packs new, replaced, in use ``(T, G, P)`` and in use / retired by vintage
    ``(T, V, G, P)`` (see the module docstring)."""
    n_t = inflow.shape[0]
    survival = survival_by_age_batch(inp.life_shape[None], inp.life_scale[None], n_t,
                                     inp.form)[:, 0]
    m, f = calc_fitted_age_shares(survival)
    big, prev = _by_cohort_and_vintage(f)
    s_b = inp.share * (inp.capacity > 0)
    t, c = np.meshgrid(np.arange(n_t), np.arange(n_t), indexing="ij")
    renew = m[np.clip(t - c, 0, None)] * (c < t)[..., None]
    died = cohort_stock[:, :, None] * (prev - big) * (np.arange(n_t)[None, None, :]
                                                        < np.arange(n_t)[:, None, None])[..., None]
    retired = cohort_outflow[:, :, None] * prev + died
    return {"new": inflow[..., None] * s_b,
            "replaced": _einsum("tcg,tcg,cgp->tgp", cohort_stock, renew, s_b),
            "in_use_v": _einsum("tcg,tcvg,cgp->tvgp", cohort_stock, big, s_b),
            "retired_v": _einsum("tcvg,cgp->tvgp", retired, s_b)}


def calc_second_life_release(entering: np.ndarray, shape: float, scale: float,
                             form: str) -> np.ndarray:
    """What leaves second life each year from what ``entering`` it ``(T, ...)``:
    ``out[t] = sum_{s<t} in[s] (b2[t-1-s] - b2[t-s])`` (inflow-driven, ``inflow_at="end"``)."""
    n_t = entering.shape[0]
    b2 = survival_by_age_batch(np.array([shape]), np.array([scale]), n_t, form)[:, 0]
    t, s = np.meshgrid(np.arange(n_t), np.arange(n_t), indexing="ij")
    lag = np.clip(t - s, 1, None)
    release = np.where(s < t, b2[lag - 1] - b2[lag], 0.0)
    return np.tensordot(release, entering, axes=(1, 0))


def calc_battery(inp: BatteryInputs, cohort_stock: np.ndarray, cohort_outflow: np.ndarray,
                 inflow: np.ndarray, fuel_cell_trucks: tuple[np.ndarray, ...]) -> BatteryResult:
    """The traction chain of one scenario.

    Parameters
    ----------
    inp : BatteryInputs
    cohort_stock, cohort_outflow : ndarray (T, T, G)
        The fleet by year and cohort (:mod:`.cohorts`).
    inflow : ndarray (T, G)
        New trucks.
    fuel_cell_trucks : tuple of ndarray (T, G)
        New, retiring and in-use fuel-cell trucks.
    """
    packs = calc_packs(inp, cohort_stock, cohort_outflow, inflow)
    per_kwh = _einsum("tk,km->tkm", inp.chemistry, inp.intensity) * T_PER_KG  # t/kWh
    fitted = packs["new"] + packs["replaced"]
    retired = _einsum("tvgp,vgp,vkm->tgkm", packs["retired_v"], inp.capacity, per_kwh)
    to_second = inp.second_life_share[:, None, None, None] * retired
    packs_retired = packs["retired_v"].sum(axis=1)
    packs_second = inp.second_life_share[:, None] * packs_retired.sum(axis=-1)
    fc_new, fc_eol, fc_stock = (x[..., None] * inp.fuel_cell for x in fuel_cell_trucks)
    out = dict(
        packs_new=packs["new"], packs_replaced=packs["replaced"], packs_retired=packs_retired,
        packs_in_use=packs["in_use_v"].sum(axis=1),
        gwh_retired=_einsum("tvgp,vgp->tgp", packs["retired_v"], inp.capacity) * GWH_PER_KWH,
        gwh_retired_by_chemistry=_einsum("tvgp,vgp,vk->tgk", packs["retired_v"],
                                           inp.capacity, inp.chemistry) * GWH_PER_KWH,
        installed=_einsum("tgp,tgp,tkm->tgm", fitted, inp.capacity, per_kwh),
        retired=retired,
        in_use=_einsum("tvgp,vgp,vkm->tgm", packs["in_use_v"], inp.capacity, per_kwh),
        to_second_life=to_second,
        from_second_life=calc_second_life_release(to_second, inp.second_life_shape,
                                                  inp.second_life_scale, inp.form),
        packs_to_second_life=packs_second,
        packs_from_second_life=calc_second_life_release(packs_second, inp.second_life_shape,
                                                        inp.second_life_scale, inp.form),
        fuel_cell_installed=fc_new, fuel_cell_retired=fc_eol, fuel_cell_in_use=fc_stock)
    collected = ((retired - to_second + out["from_second_life"]).sum(axis=2) + fc_eol)
    return BatteryResult(**out, recovered=collected * inp.recovery)
