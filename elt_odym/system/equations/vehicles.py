"""The fleet of a batch of draws: kernel inputs from the model's inputs, and vehicles, their
powertrains and their sums over cohorts on the model years.

The kernel (:func:`elt_odym.fleet.kernel.solve_fleet`) sums quantities per vehicle of a cohort
(*profiles*) over the cohorts in use. The profiles of this model (:class:`ProfileLayout`):

- the share of each powertrain in a cohort (history cohorts: the reference powertrain, the
  first item); the same meaning in every type, so moved vehicles bring their source's mix;
- per battery powertrain, the share of its trucks that carry a traction pack (the age tables
  of :mod:`.battery` are weighted by it);
- the body of a vehicle (:mod:`.materials`): profiles whose material vectors are the type's
  own; each transfer route has slots of its own for the body profiles of its source, so that
  a moved vehicle keeps its source's material.

End of life by profile follows from the balance of each type (the kernel's docstring)::

    eol_A[t]   = stock_A[t-1] - stock_A[t] + inflow_t A'[t] - moved_out_t mean_A[t]
    new_A[t]   = (inflow_t - moved_in_t) A[t]                     (new vehicles only)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...fleet.kernel import FleetBatch, FleetSolution, solve_fleet, survival_curves
from ...jit import jit
from ..inputs import Draws, ModelInputs


@dataclass(frozen=True)
class ProfileLayout:
    """Positions on the kernel's profile axis.

    ``shares``: one per powertrain (empty without the powertrain extension); ``packs``: per
    battery powertrain (``pack_powertrains``, indices into the powertrains); ``body``: the
    type's own body profiles, one per (composition factor, powertrain) pair of ``body_pairs``
    (powertrain -1: every powertrain alike, the study's single composition); ``imported[r]``:
    the slots of route ``r`` (as many as ``body``).
    """

    shares: list[int]
    packs: list[int]
    pack_powertrains: list[int]
    body: list[int]
    imported: list[list[int]]
    body_pairs: list[tuple[int, int]] = ((0, -1),)

    @property
    def size(self) -> int:
        """Number of profiles."""
        return len(self.shares) + len(self.packs) + len(self.body) * (1 + len(self.imported))

    def slots(self) -> np.ndarray:
        """``(R, F)``: the source profile each destination profile receives (-1: none)."""
        out = np.full((len(self.imported), self.size), -1, dtype=np.int64)
        for r, imported in enumerate(self.imported):
            out[r, self.shares + self.packs] = self.shares + self.packs
            out[r, imported] = self.body
        return out


def body_pairs(inputs: ModelInputs) -> list[tuple[int, int]]:
    """The (factor, powertrain) pairs of the composition that are not zero; one pair of every
    powertrain alike (-1) for the study's single composition."""
    comp = inputs.composition
    if comp.mode == "single" or inputs.battery is None:
        return [(f, -1) for f in range(len(comp.names))]
    p_any = np.abs(comp.profiles).max(axis=(1, 2)) > 0  # (F, P)
    v_any = np.abs(comp.vectors).max(axis=(1, 3)) > 0
    return [(int(f), int(p)) for f, p in zip(*np.nonzero(p_any & v_any))]


def profile_layout(inputs: ModelInputs) -> ProfileLayout:
    """The layout of a scenario: shares and pack profiles if it has powertrains, and the body
    profiles of its composition."""
    bat = inputs.battery
    n_p = 0 if bat is None else len(bat.powertrains)
    pack_p = [] if bat is None else [p for p in range(n_p) if np.any(bat.capacity[..., p] > 0)]
    pairs = body_pairs(inputs)
    n_body = len(pairs)
    k = n_p + len(pack_p)
    body = list(range(k, k + n_body))
    routes = inputs.fleet.routes
    imported = [list(range(k + n_body * (r + 1), k + n_body * (r + 2)))
                for r in range(len(routes))]
    return ProfileLayout(list(range(n_p)), list(range(n_p, k)), pack_p, body, imported, pairs)


def share_path(inputs: ModelInputs, draws: Draws) -> np.ndarray:
    """Powertrain shares of new vehicles ``(T, N|1, G, P)``: the scenario's path, or per draw
    between its low and high paths (``draws.battery.share_pos``; NaN: the scenario's)."""
    bat = inputs.battery
    pos = None if draws.battery is None else draws.battery.share_pos
    if pos is None or bat.share_low is None:
        return bat.share[:, None]
    drawn = (bat.share_low[:, None] + pos[None, :, None, None]
             * (bat.share_high - bat.share_low)[:, None])
    return np.where(np.isnan(pos)[None, :, None, None], bat.share[:, None], drawn)


def profiles(inputs: ModelInputs, draws: Draws, layout: ProfileLayout) -> np.ndarray:
    """The kernel's profiles ``(F, C, N|1, G)`` on the extended cohort axis: powertrain
    shares, pack carriers and the body (a composition factor's profile times the share of its
    powertrain; history cohorts are of the reference powertrain)."""
    n_c, n_g = inputs.fleet.stock.shape
    h = inputs.n_history
    bat = inputs.battery
    n = 1
    share = None
    if bat is not None:
        share = share_path(inputs, draws)  # (T, N|1, G, P)
        n = share.shape[1]
    out = np.zeros((layout.size, n_c, n, n_g))
    if share is not None:
        out[layout.shares[0], :h] = 1.0  # history cohorts: the reference powertrain
        out[layout.shares, h:] = np.moveaxis(share, 3, 0)
        for i, p in zip(layout.packs, layout.pack_powertrains):
            out[i, h:] = share[..., p] * (bat.capacity[:, None, :, p] > 0)
    comp = inputs.composition.profiles  # (F, C, G, P)
    for i, (f, p) in zip(layout.body, layout.body_pairs):
        out[i] = comp[f, :, None, :, max(p, 0)]
        if p >= 0:
            out[i] *= out[layout.shares[p]]
    return out


def history_inflow(inputs: ModelInputs, draws: Draws) -> np.ndarray | None:
    """Inflow of the history years under the workbook age structure ``(H, N, G)``: the cohort
    of age ``a`` entered with ``share_a S / s(a)`` trucks, ``s`` the survival of each draw's
    lifetime, so that ``share_a S`` of them are in use in the first model year."""
    fleet = inputs.fleet
    if fleet.age_shares is None:
        return None
    h, n, n_g = fleet.n_history, draws.n, len(inputs.products)
    first = fleet.stock[h]
    out = np.zeros((h, n, n_g))
    shape = fleet.shape[:h][:, None] * draws.shape_mult[None]
    scale = fleet.scale[:h][:, None] * draws.scale_mult[None]
    for a in range(1, h + 1):
        c = h - a  # the entry year of the cohort of age a
        surv = survival_curves(shape[c].ravel(), scale[c].ravel(), a + 1, fleet.form)[a]
        surv = surv.reshape(n, n_g)
        if np.any(surv <= 0):
            raise ValueError(f"initial_age_distribution has trucks of age {a}, which no "
                             f"truck survives to (legal or lifetime limit)")
        out[c] = fleet.age_shares[a][None] * first[None] / surv
    return out


def fleet_batch(inputs: ModelInputs, draws: Draws, profile_values: np.ndarray,
                tables: np.ndarray | None = None, table_profile: np.ndarray | None = None,
                variant: np.ndarray | None = None, slots: np.ndarray | None = None
                ) -> FleetBatch:
    """The kernel's inputs of a batch (:class:`~elt_odym.fleet.kernel.FleetBatch`)."""
    fleet = inputs.fleet
    stock = draws.stock if draws.stock is not None else \
        fleet.stock[:, None, :] * draws.stock_mult[None]
    period = draws.period if draws.period is not None else fleet.period[:, None, :]
    return FleetBatch(stock, fleet.shape, fleet.scale, fleet.form, fleet.policy,
                      shape_mult=draws.shape_mult, scale_mult=draws.scale_mult, period=period,
                      max_age=fleet.max_age, history_inflow=history_inflow(inputs, draws),
                      routes=fleet.routes, given=draws.given if draws.given is not None
                      else None if fleet.given is None else fleet.given[..., None],
                      slots=slots, profiles=profile_values,
                      tables=tables, table_profile=table_profile, variant=variant,
                      tolerance=fleet.tolerance)


@dataclass
class Vehicles:
    """Vehicles and sums over cohorts of a batch on the model years, draws first.

    Counts ``(N, T, G)``: ``stock``, ``new`` (new vehicles), ``eol`` (end of life, early
    retirement included), ``early``, ``transfer_out``, ``transfer_in``; ``initial`` ``(N, G)``
    the stock of the year before the first model year. By profile ``(N, T, F, G)``:
    ``stock_by``, ``new_by``, ``eol_by``, ``moved_in_by``, ``moved_out_by``, ``inflow_by``
    (new and moved vehicles with the profile they entered with) and the year-before
    ``initial_by`` ``(N, F, G)``; the age tables' sums ``age_stock`` ``(N, T, H, G)`` and
    ``initial_age`` ``(N, H, G)``.
    """

    solution: FleetSolution
    stock: np.ndarray
    new: np.ndarray
    eol: np.ndarray
    early: np.ndarray
    transfer_out: np.ndarray
    transfer_in: np.ndarray
    initial: np.ndarray
    stock_by: np.ndarray
    new_by: np.ndarray
    eol_by: np.ndarray
    moved_in_by: np.ndarray
    moved_out_by: np.ndarray
    initial_by: np.ndarray
    age_stock: np.ndarray
    initial_age: np.ndarray
    inflow_by: np.ndarray


def _model(a: np.ndarray, h: int) -> np.ndarray:
    """Model years of a kernel array ``(T_ext, ..., N, G)`` as ``(N, T, ..., G)``."""
    return np.moveaxis(a[h:], -2, 0)


@jit
def _by_profile(h, p_stock, p_entry, p_moved, inflow, moved_out, moved_in, prof, stock_by,
                inflow_by, eol_by, new_by, moved_in_by, moved_out_by):
    """The balance of each profile (module docstring) on the model years ``t >= h``: kernel
    arrays ``(T_ext, F, N, G)`` and ``(T_ext, N, G)``, profiles ``(F, C, N|1, G)``, into
    contiguous ``(N, T, F, G)`` arrays (draws first), eight draws at a time::

        inflow_by = inflow A'          moved_out_by = moved_out mean_A
        eol_by    = stock_by[t-1] - stock_by[t] + inflow_by - moved_out_by
        new_by    = (inflow - moved_in) A        moved_in_by = inflow_by - new_by
    """
    n_t, n_f, n, n_g = p_stock.shape
    shared = prof.shape[2] == 1
    for n0 in range(0, n, 8):
        for t in range(h, n_t):
            for f in range(n_f):
                for g in range(n_g):
                    for i in range(n0, min(n0 + 8, n)):
                        s = p_stock[t, f, i, g]
                        prev = p_stock[t - 1, f, i, g] if t > 0 else 0.0
                        ib = inflow[t, i, g] * p_entry[t, f, i, g]
                        mo = moved_out[t, i, g] * p_moved[t, f, i, g]
                        nb = (inflow[t, i, g] - moved_in[t, i, g]) * \
                            prof[f, t, 0 if shared else i, g]
                        y = t - h
                        stock_by[i, y, f, g] = s
                        inflow_by[i, y, f, g] = ib
                        eol_by[i, y, f, g] = prev - s + ib - mo
                        new_by[i, y, f, g] = nb
                        moved_in_by[i, y, f, g] = ib - nb
                        moved_out_by[i, y, f, g] = mo


def solve_vehicles(inputs: ModelInputs, batch: FleetBatch, keep_cohorts: bool = False,
                   solution: FleetSolution | None = None) -> Vehicles:
    """Solve the fleet of a batch (unless its ``solution`` is given) and arrange it on the
    model years (module docstring)."""
    years, names = inputs.fleet.years, inputs.products
    sol = solution or solve_fleet(batch, names=names, years=years, keep_cohorts=keep_cohorts)
    h = inputs.n_history
    n_t, n_f, n, n_g = sol.profile_stock.shape
    by = [np.empty((n, n_t - h, n_f, n_g)) for _ in range(6)]
    # C-contiguous (T_ext, N, G): one compiled layout for a draw of one and for many
    vehicles = [np.ascontiguousarray(a) for a in (sol.inflow, sol.moved_out, sol.moved_in)]
    _by_profile(h, sol.profile_stock, sol.profile_entry, sol.profile_moved, *vehicles,
                batch.profiles, *by)
    stock_by, inflow_by, eol_by, new_by, moved_in_by, moved_out_by = by

    def before(a: np.ndarray) -> np.ndarray:  # the year before the first model year
        return np.moveaxis(a[h - 1] if h else np.zeros_like(a[0]), -2, 0)

    return Vehicles(
        solution=sol, stock=_model(sol.stock, h), new=_model(sol.inflow - sol.moved_in, h),
        eol=_model(sol.outflow - sol.moved_out, h), early=_model(sol.early - sol.moved_out, h),
        transfer_out=_model(sol.moved_out, h), transfer_in=_model(sol.moved_in, h),
        initial=before(sol.stock), stock_by=stock_by, new_by=new_by, eol_by=eol_by,
        moved_in_by=moved_in_by, moved_out_by=moved_out_by,
        initial_by=before(sol.profile_stock), age_stock=_model(sol.age_stock, h),
        initial_age=before(sol.age_stock), inflow_by=inflow_by)
