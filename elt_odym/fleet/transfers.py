"""Transfers between truck types: reclassification is not end of life.

The NBS stock of heavy trucks falls from 1.48 M (2002) to 1.37 M (2003) while medium trucks rise
by 0.25 M, and mini trucks decline towards 23 thousand (2021) while light trucks grow: vehicles
re-registered in another class (validation brief, section 0: class boundaries changed). A
stock-driven model without transfers reads every such decline as scrapping.

With routes ``{source: destination}`` (model option ``transfers``) the surplus of a source type,
the part of its stock decline that its own retirements do not explain (what the ``retire``
policy of :func:`~elt_odym.fleet.kernel.solve_batch` retires early, ``early``), moves to the
destination instead of ending its life::

    transfer_t      = min(early_t[src], inflow_t[dst])         (no more than dst takes in)
    eol_t[src]      = outflow_t[src] - transfer_t
    new_t[dst]      = inflow_t[dst] - transfer_t                (new trucks, not transferred)

The vehicle balance of each type then reads ``S_t - S_{t-1} = new_t + in_t - eol_t - out_t``.
The size of each transfer comes from the stock data, not from a parameter. Transferred vehicles
join the destination's cohort of that year (their age is not carried over: an approximation
stated in the README), and carry the source's material per unit, so material is conserved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FleetFlows:
    """Vehicle flows with transfers separated, each ``(T, ..., G)``.

    ``inflow`` new trucks; ``eol`` end of life (early retirement included); ``early`` the part of
    ``eol`` retired early; ``transfer_out`` and ``transfer_in`` reclassified vehicles by source
    and by destination type.
    """

    inflow: np.ndarray
    eol: np.ndarray
    early: np.ndarray
    transfer_out: np.ndarray
    transfer_in: np.ndarray


def split_transfers(inflow: np.ndarray, outflow: np.ndarray, early: np.ndarray,
                    routes: dict[int, int]) -> FleetFlows:
    """Separate transfers from the solver's inflow and outflow (see the module docstring).

    Parameters
    ----------
    inflow, outflow, early : ndarray (T, ..., G)
        Inflow, outflow (early retirement included) and early retirement of the solver.
    routes : dict
        Source type index -> destination type index (last axis).

    Returns
    -------
    FleetFlows
    """
    transfer_out = np.zeros_like(early)
    transfer_in = np.zeros_like(early)
    capacity = np.maximum(np.array(inflow, dtype=float), 0.0)
    for src, dst in routes.items():
        moved = np.minimum(early[..., src], capacity[..., dst])
        transfer_out[..., src] += moved
        transfer_in[..., dst] += moved
        capacity[..., dst] -= moved
    return FleetFlows(inflow - transfer_in, outflow - transfer_out, early - transfer_out,
                      transfer_out, transfer_in)


def transfer_matrix(transfer_out: np.ndarray, routes: dict[int, int],
                    per_unit: np.ndarray) -> np.ndarray:
    """Material entering each destination type ``(T, G, M)``.

    ``transfer_out`` ``(T, G)`` vehicles leaving each source; ``per_unit`` ``(G, M)`` material
    per vehicle (unit weight x composition) of each type: a transferred vehicle keeps the
    source's material.
    """
    out = np.zeros(transfer_out.shape + per_unit.shape[1:])
    for src, dst in routes.items():
        out[:, dst] += transfer_out[:, src, None] * per_unit[src]
    return out
