"""Traction packs with a lifetime of their own, second life, fuel-cell parts (beyond the study).

Each battery truck carries one pack. A pack dies with the Weibull survival ``b(a)`` of its age
(the fleet's lifetime form, ``inflow_at="end"``); a pack that dies while its truck is in use is
replaced by a new pack of that year (capacity and chemistry of the replacement year); when a
truck retires, its pack retires with it. Per truck of age ``a`` the renewal density ``m[j]`` (a
pack fitted at truck age ``j``) and the share ``f[a, j]`` of trucks whose pack was fitted at age
``j`` are::

    m[0] = 1,   m[j] = sum_{i<j} m[i] (b[j-1-i] - b[j-i]),   f[a, j] = m[j] b[a - j]

(``sum_j f[a, j] = 1``: one pack per truck). The fleet kernel sums two age tables over the
cohorts in use (:mod:`elt_odym.fleet.kernel`), weighted by the share of a cohort's trucks that
carry a pack: replacements ``m[a]`` and the kWh in use of chemistry ``k``,
``U[c, a, k] = sum_{j<=a} f[a, j] cap[c + j] chem[c + j, k]`` (vintage ``c + j``). Then, per
type and battery powertrain::

    fitted_t   = (new_t + replaced_t) cap_t chem_t          packs of new trucks and replacements
    retired_t  = in_use_{t-1} + fitted_t - in_use_t          packs leaving trucks (the balance)
    to_2nd_t   = s2_t retired_t,    from_2nd_t = sum_{s<t} to_2nd_s (b2[t-1-s] - b2[t-s])
    collected  = retired - to_2nd + from_2nd,    recovered = eta_m collected

with materials ``kWh x intensity[k, m]``. Fuel-cell stacks and hydrogen tanks enter and leave
with their truck. A truck reclassified into another type (a transfer) leaves its pack and
fuel-cell parts with its source type (retired there) and gets new ones in the destination: an
approximation for the few vehicles concerned, stated so that the balance of every type holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...declaration import FUEL_CELL
from ...fleet.kernel import KernelTables, kernel_tables, survival_curves
from ..inputs import Draws, ModelInputs
from ..powertrain import GWH_PER_KWH, T_PER_KG, BatteryInputs
from .vehicles import ProfileLayout, Vehicles


def calc_renewal(survival: np.ndarray) -> np.ndarray:
    """Renewal density ``m[j]`` from the pack survival by age ``b`` ``(A, ...)``."""
    deaths = survival[:-1] - survival[1:]  # deaths[i] = b[i] - b[i+1]
    m = np.zeros(survival.shape)
    m[0] = 1.0
    for j in range(1, survival.shape[0]):
        m[j] = np.einsum("i...,i...->...", m[:j], deaths[:j][::-1])
    return m


def calc_fitted_age_shares(survival: np.ndarray) -> np.ndarray:
    """``f[a, j] = m[j] b[a - j]`` (zero for ``j > a``) ``(A, A, ...)``."""
    m = calc_renewal(survival)
    n = survival.shape[0]
    a, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    mask = (j <= a).reshape((n, n) + (1,) * (survival.ndim - 1))
    return m[j] * survival[np.clip(a - j, 0, None)] * mask


def release_matrix(shape: float, scale: float, n_t: int, form: str) -> np.ndarray:
    """``R[t, s] = b2[t-1-s] - b2[t-s]`` (``s < t``): what leaves second life in year ``t`` of
    what entered it in year ``s`` (inflow-driven, ``inflow_at="end"``)."""
    b2 = survival_curves(np.array([shape]), np.array([scale]), n_t + 1, form)[:, 0]
    t, s = np.meshgrid(np.arange(n_t), np.arange(n_t), indexing="ij")
    lag = np.clip(t - s, 1, None)
    return np.where(s < t, b2[lag - 1] - b2[lag], 0.0)


@dataclass(frozen=True)
class Variant:
    """Pack lifetime ``(G,)`` and second-life duration of one variant of the battery draws."""

    life_scale: np.ndarray
    life_shape: np.ndarray
    second_shape: float
    second_scale: float


def variants(bat: BatteryInputs, draws: Draws) -> list[Variant]:
    """The variants of a batch: the scenario's values, or the rows of the draws' table
    ``(V, 2 G + 2)`` (pack scale and shape per type, second-life shape and scale)."""
    table = None if draws.battery is None else draws.battery.variants
    if table is None:
        return [Variant(bat.life_scale, bat.life_shape, bat.second_life_shape,
                        bat.second_life_scale)]
    g = bat.life_scale.size
    return [Variant(row[:g], row[g:2 * g], float(row[2 * g]), float(row[2 * g + 1]))
            for row in np.asarray(table, float)]


def _lfp_direction(bat: BatteryInputs) -> np.ndarray:
    """``d[t, k]``: +1 for LFP, minus the ternary rest's own proportions (``(T, K)``), so that
    ``chem + delta d`` shifts the LFP share by ``delta`` and keeps the sum."""
    d = np.zeros(bat.chemistry.shape)
    if "LFP" not in bat.chemistries:
        return d
    i = bat.chemistries.index("LFP")
    rest = np.delete(bat.chemistry, i, axis=1)
    total = rest.sum(axis=1, keepdims=True)
    even = np.full(rest.shape, 1.0 / max(rest.shape[1], 1))
    ratio = np.divide(rest, total, out=even, where=total > 0)
    return np.insert(-ratio, i, 1.0, axis=1)


def chemistry_of(bat: BatteryInputs, shift: np.ndarray) -> np.ndarray:
    """Chemistry shares of new packs per draw ``(N, T, K)``; an LFP share pushed outside
    [0, 1] by the shift is an error (keep the shift range small enough)."""
    chem = bat.chemistry[None] + shift[:, None, None] * _lfp_direction(bat)[None]
    if np.any(chem < -1e-12) or np.any(chem > 1 + 1e-12):
        raise ValueError("the LFP shift takes a chemistry share outside [0, 1]; narrow it")
    return chem


@dataclass(frozen=True)
class AgeTables:
    """The age tables of a batch's variants ``(V, H, C, A, G)``, the profile each is weighted
    by, and where each sits: ``renew[p]`` and ``kwh[p][k]`` (and ``shift[p][k]``, the kWh per
    unit of LFP shift) for every battery powertrain ``p`` of the layout."""

    tables: np.ndarray
    table_profile: np.ndarray
    renew: list[int]
    kwh: list[list[int]]
    shift: list[list[int]]
    kernel: KernelTables | None = None
    """The tables in the fleet kernel's layout (made once, shared by every batch)."""


def age_tables(inputs: ModelInputs, draws: Draws, layout: ProfileLayout) -> AgeTables:
    """Replacements and kWh in use per pack-carrying truck by cohort and age (module
    docstring), for every variant of the batch."""
    bat = inputs.battery
    fleet = inputs.fleet
    n_c, n_g = fleet.stock.shape
    h, n_k = inputs.n_history, len(bat.chemistries)
    with_shift = draws.battery is not None and np.any(draws.battery.lfp_shift != 0)
    per_p = 1 + n_k * (2 if with_shift else 1)
    vs = variants(bat, draws)
    # held in the kernel's layout (G, H, C, A, V); ``tables`` is its (V, H, C, A, G) view
    kernel = np.zeros((n_g, per_p * len(layout.packs), n_c, n_c, len(vs)))
    tables = np.transpose(kernel, (4, 1, 2, 3, 0))
    direction = _lfp_direction(bat)
    idx = np.arange(n_c)
    hankel = idx[:, None] + idx[None, :]  # vintage c + j
    for v, var in enumerate(vs):
        for g in range(n_g):
            surv = survival_curves(np.array([var.life_shape[g]]), np.array([var.life_scale[g]]),
                                   n_c, fleet.form)[:, 0]
            f = calc_fitted_age_shares(surv)  # (A, J)
            m = calc_renewal(surv)
            for i, p in enumerate(layout.pack_powertrains):
                base = i * per_p
                tables[v, base, :, 1:, g] = m[1:][None]
                cap = np.zeros(2 * n_c)
                cap[h:h + len(inputs.years)] = bat.capacity[:, g, p]
                for k in range(n_k):
                    per = [bat.chemistry[:, k]] + ([direction[:, k]] if with_shift else [])
                    for s, chem in enumerate(per):
                        x = np.zeros(2 * n_c)
                        x[h:h + len(inputs.years)] = chem
                        xs = (cap * x)[hankel]  # (C, J): cap chem of vintage c + j
                        tables[v, base + 1 + s * n_k + k, :, :, g] = xs @ f.T
    renew = [i * per_p for i in range(len(layout.packs))]
    kwh = [[i * per_p + 1 + k for k in range(n_k)] for i in range(len(layout.packs))]
    shift = [[i * per_p + 1 + n_k + k for k in range(n_k)] if with_shift else []
             for i in range(len(layout.packs))]
    profile = np.repeat(np.array(layout.packs, dtype=np.int64), per_p)
    return AgeTables(tables, profile, renew, kwh, shift, kernel_tables(tables))


def _balance(in_use: np.ndarray, before: np.ndarray, added: np.ndarray) -> np.ndarray:
    """What left a stock: ``in_use[t-1] + added[t] - in_use[t]`` along axis 1 (years)."""
    prev = np.concatenate([before[:, None], in_use[:, :-1]], axis=1)
    return prev + added - in_use


def _second_life(entering: np.ndarray, bat: BatteryInputs, draws: Draws,
                 form: str) -> np.ndarray:
    """What leaves second life ``(N, T, ...)`` of what entered it, by each draw's variant."""
    vs = variants(bat, draws)
    out = np.empty_like(entering)
    variant = (np.zeros(entering.shape[0], dtype=np.int64)
               if draws.battery is None or draws.battery.variant is None
               else draws.battery.variant)
    for v in np.unique(variant):
        rows = variant == v
        r = release_matrix(vs[v].second_shape, vs[v].second_scale, entering.shape[1], form)
        out[rows] = np.einsum("ts,ns...->nt...", r, entering[rows])
    return out


def second_life_share(bat: BatteryInputs, draws: Draws) -> np.ndarray:
    """Share of retired packs reused ``(N, T)``: the scenario's, or a position in its range."""
    pos = None if draws.battery is None else draws.battery.second_life_pos
    if pos is None:
        return np.broadcast_to(bat.second_life_share[None],
                               (draws.n,) + bat.second_life_share.shape)
    low, high = bat.ranges["second_life_share"]
    drawn = low[None] + pos[:, None] * (high - low)[None]
    return np.where(np.isnan(pos)[:, None], bat.second_life_share[None], drawn)


def calc_traction(inputs: ModelInputs, draws: Draws, layout: ProfileLayout, veh: Vehicles,
                  tabs: AgeTables, flows: bool = True) -> dict[str, np.ndarray]:
    """The traction chain of a batch: packs ``(N, T, G, P)``, kWh ``(N, T, G, P, K)``,
    materials ``(N, T, G, M)`` and the fuel-cell parts (module docstring)."""
    bat = inputs.battery
    n, n_t, n_g = veh.stock.shape
    n_p = len(bat.powertrains)
    capm = (np.ones((n, n_g, n_p)) if draws.battery is None else draws.battery.capacity_mult)
    shift = np.zeros(n) if draws.battery is None else draws.battery.lfp_shift
    chem = chemistry_of(bat, shift)  # (N, T, K)
    out = {x: np.zeros((n, n_t, n_g, n_p)) for x in ("in_use", "new", "replaced", "retired")}
    kwh = {x: np.zeros((n, n_t, n_g, n_p, len(bat.chemistries)))
           for x in ("in_use", "fitted", "retired")}
    for i, p in enumerate(layout.pack_powertrains):
        pack = layout.packs[i]
        out["in_use"][..., p] = veh.stock_by[:, :, pack]
        out["new"][..., p] = veh.inflow_by[:, :, pack]
        out["replaced"][..., p] = veh.age_stock[:, :, tabs.renew[i]]
        out["retired"][..., p] = _balance(out["in_use"][..., p], veh.initial_by[:, pack],
                                          out["new"][..., p] + out["replaced"][..., p])
        in_use = veh.age_stock[:, :, tabs.kwh[i]]  # (N, T, K, G)
        before = veh.initial_age[:, tabs.kwh[i]]
        if tabs.shift[i]:
            in_use = in_use + shift[:, None, None, None] * veh.age_stock[:, :, tabs.shift[i]]
            before = before + shift[:, None, None] * veh.initial_age[:, tabs.shift[i]]
        scale = capm[:, None, None, :, p]
        kwh["in_use"][..., p, :] = np.moveaxis(in_use * scale, 2, 3)
        fitted = ((out["new"][..., p] + out["replaced"][..., p]) * bat.capacity[None, :, :, p]
                  * capm[:, None, :, p])
        kwh["fitted"][..., p, :] = fitted[..., None] * chem[:, :, None, :]
        kwh["retired"][..., p, :] = _balance(kwh["in_use"][..., p, :],
                                             np.moveaxis(before * capm[:, None, :, p], 1, 2),
                                             kwh["fitted"][..., p, :])
    return _traction_materials(inputs, draws, layout, veh, out, kwh, flows)


def _per_material(kwh: np.ndarray, per_kwh: np.ndarray) -> np.ndarray:
    """``kwh[..., k] @ per_kwh[k, m]`` as one matrix product (``(..., M)``)."""
    return (kwh.reshape(-1, kwh.shape[-1]) @ per_kwh).reshape(kwh.shape[:-1] + per_kwh.shape[1:])


def _traction_materials(inputs, draws, layout, veh, packs, kwh, flows) -> dict[str, np.ndarray]:
    """Materials, second life, fuel-cell parts and recovery of the traction chain (with
    ``flows``, also what only the system's flows and stocks need)."""
    bat = inputs.battery
    per_kwh = bat.intensity * T_PER_KG  # (K, M) t/kWh
    s2 = second_life_share(bat, draws)  # (N, T)
    retired_kwh = kwh["retired"].sum(axis=3)  # (N, T, G, K)
    to_second = s2[:, :, None, None] * retired_kwh
    from_second = _second_life(to_second, bat, draws, inputs.fleet.form)
    packs_retired = packs["retired"].sum(axis=3)
    fc = bat.powertrains.index(FUEL_CELL)
    fc_share = layout.shares[fc]
    fc_fitted = veh.inflow_by[:, :, fc_share, :, None] * bat.fuel_cell[None, None]
    fc_retired = _balance(veh.stock_by[:, :, fc_share], veh.initial_by[:, fc_share],
                          veh.inflow_by[:, :, fc_share])[..., None] * bat.fuel_cell[None, None]
    collected = _per_material(retired_kwh - to_second + from_second, per_kwh) + fc_retired
    out = {
        "packs": packs, "kwh": kwh,
        "packs_to_second": s2[:, :, None] * packs_retired,
        "packs_from_second": _second_life(s2[:, :, None] * packs_retired, bat, draws,
                                          inputs.fleet.form),
        "pack_retired": _per_material(retired_kwh, per_kwh), "fc_retired": fc_retired,
        "collected": collected,
        "by_chemistry": retired_kwh.sum(axis=2)[..., None] * per_kwh[None, None],
        "gwh_by_chemistry": retired_kwh.sum(axis=2) * GWH_PER_KWH}
    if flows:
        out |= {"pack_fitted": _per_material(kwh["fitted"].sum(axis=3), per_kwh),
                "to_second": _per_material(to_second, per_kwh),
                "from_second": _per_material(from_second, per_kwh), "fc_fitted": fc_fitted}
    return out
