"""The stock-driven population balance model (the study's Eqs. 2-3) on flodym's stock machinery.

Maths (per truck type; ``sf`` from :mod:`elt_odym.fleet.lifetimes`, ``r_c`` the share of cohort
``c`` not yet retired early, initially 1)::

    survivors_t = sum_{c<t} inflow_c * r_c * sf[t, c]
    inflow_t    = (S_t - survivors_t) / sf[t, t]                      (Eq. 2 solved for inflow)
    outflow_t   = sum_{c<=t} (stock_by_cohort[t-1, c] - stock_by_cohort[t, c])   (Eq. 3)

When ``inflow_t < 0`` (the stock falls faster than its retirements) the policy decides:

``error``   raise :class:`~elt_odym.errors.NegativeInflowError` naming type, year and amount;
``retire``  ``inflow_t = 0`` and the surplus ``survivors_t - S_t`` is retired early from every
            existing cohort in proportion (``r_c *= 1 - surplus/survivors_t``); the stock still
            holds and the surplus is extra end-of-life, reported as an event;
``allow``   keep the negative inflow (flodym's plain behaviour), reported as an event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import flodym as fd

from ..errors import NegativeInflowError

POLICIES = ("error", "retire", "allow")


@dataclass(frozen=True)
class NegativeInflowEvent:
    """A year in which a type's stock fell faster than its retirements."""

    product: str
    year: int
    amount: float
    policy: str

    def describe(self) -> str:
        action = {"retire": "retired early", "allow": "negative inflow kept",
                  "error": "stopped"}[self.policy]
        return f"{self.product} {self.year}: {self.amount:,.0f} units ({action})"


class FleetStockModel(fd.StockDrivenDSM):
    """flodym's :class:`~flodym.StockDrivenDSM` with an explicit negative-inflow policy.

    After :meth:`compute`, ``early_retirement`` holds the surplus retired early (``retire``) per
    year and type, and :meth:`events` lists every negative-inflow year.
    """

    negative_inflow: Literal["error", "retire", "allow"] = "retire"
    early_retirement: np.ndarray | None = None
    raw_negative: np.ndarray | None = None

    def compute(self) -> None:
        """Solve inflow, stock by cohort and outflow for every year and type."""
        self._check_needed_arrays()
        sf = self.lifetime_model.sf
        if np.any(np.diagonal(sf, axis1=0, axis2=1) <= 0):
            raise ValueError("survival in the year of registration must be positive")
        result = solve_one(self.stock.values, sf, self.negative_inflow,
                           names=self._product_names(), years=self.dims["t"].items)
        inflow, by_cohort, early, negative = result
        self.early_retirement, self.raw_negative = early, negative
        if self.negative_inflow == "allow":
            # flodym's own solver and outflow, untouched
            super()._compute_cohorts_and_inflow()
            super()._compute_outflow()
            return
        self.inflow.values[...] = inflow
        self._stock_by_cohort = by_cohort
        self._outflow_by_cohort = _outflow_by_cohort(inflow, by_cohort)
        self.outflow.values[...] = self._outflow_by_cohort.sum(axis=1)

    def _product_names(self) -> list[str]:
        others = [d for d in self.dims if d.letter != self.time_letter]
        if not others:
            return [self.name]
        return [str(i) for i in others[0].items]

    def events(self) -> list[NegativeInflowEvent]:
        """Every (type, year) with a negative required inflow."""
        names, years = self._product_names(), self.dims["t"].items
        out = []
        for t, g in zip(*np.nonzero(self.raw_negative.reshape(len(years), -1) > 0)):
            out.append(NegativeInflowEvent(names[g], int(years[t]),
                                           float(self.raw_negative.reshape(len(years), -1)[t, g]),
                                           self.negative_inflow))
        return out


def solve_one(stock: np.ndarray, sf: np.ndarray, policy: str, names: list[str] | None = None,
              years: list[int] | None = None, tolerance: float = 1e-9
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve the stock-driven model for one parameter set.

    Parameters
    ----------
    stock : ndarray, shape (T, ...)
        Stock path.
    sf : ndarray, shape (T, T, ...)
        Survival table ``sf[t, c]``.
    policy : {"error", "retire", "allow"}

    Returns
    -------
    inflow (T, ...), stock_by_cohort (T, T, ...), early_retirement (T, ...),
    negative (T, ...): the size of each negative required inflow (0 where none).
    """
    if policy not in POLICIES:
        raise ValueError(f"negative_inflow policy must be one of {POLICIES}, not {policy!r}")
    n = stock.shape[0]
    inflow = np.zeros_like(stock, dtype=float)
    remain = np.ones_like(sf[0], dtype=float)  # r_c per cohort
    by_cohort = np.zeros_like(sf, dtype=float)
    early = np.zeros_like(inflow)
    negative = np.zeros_like(inflow)
    scale = np.maximum(np.abs(stock).max(axis=0), 1.0)
    for t in range(n):
        part = inflow[:t] * remain[:t] * sf[t, :t]
        survivors = part.sum(axis=0)
        need = (stock[t] - survivors) / sf[t, t]
        neg = need < -tolerance * scale
        negative[t] = np.where(neg, -need * sf[t, t], 0.0)
        if policy == "error" and np.any(neg):
            _raise_negative(neg, need * sf[t, t], names, years, t)
        if policy == "retire":
            frac = np.where(neg, (survivors - stock[t]) / np.where(neg, survivors, 1.0), 0.0)
            remain[:t] *= 1.0 - frac
            early[t] = np.where(neg, survivors - stock[t], 0.0)
            need = np.where(neg, 0.0, need)
        inflow[t] = need
        by_cohort[t, :t] = inflow[:t] * remain[:t] * sf[t, :t]
        by_cohort[t, t] = need * sf[t, t]
    return inflow, by_cohort, early, negative


def _raise_negative(neg, deficit, names, years, t) -> None:
    flat = np.atleast_1d(neg).ravel()
    g = int(np.argmax(flat))
    name = names[g] if names and g < len(names) else str(g)
    year = years[t] if years is not None else t
    amount = -float(np.atleast_1d(deficit).ravel()[g])
    raise NegativeInflowError(
        f"negative inflow for {name} in {year}: the stock falls {amount:,.0f} units faster "
        f"than retirements; choose the 'retire' or 'allow' negative_inflow policy or fix the "
        f"stock data")


def _outflow_by_cohort(inflow: np.ndarray, by_cohort: np.ndarray) -> np.ndarray:
    """Outflow by cohort: what left each cohort during each year."""
    out = np.zeros_like(by_cohort)
    out[1:] = by_cohort[:-1] - by_cohort[1:]
    idx = np.arange(inflow.shape[0])
    out[idx, idx] = inflow - by_cohort[idx, idx]
    return out
