"""The fleet as a flodym stock-driven model: the declared ``fleet`` stock of the system.

:class:`FleetStockModel` is a :class:`flodym.StockDrivenDSM` named in the system's declaration
(:func:`elt_odym.system.definition.build_mfa_definition`) with its lifetime model. Its
:meth:`~FleetStockModel.compute` solves the study's Eqs. 2-3 with the one compiled kernel,
:func:`elt_odym.fleet.kernel.solve_fleet`, as a batch of one, and fills flodym's arrays:
``stock``, ``inflow``, ``outflow`` and the cohort arrays (:meth:`get_stock_by_cohort`,
:meth:`get_outflow_by_cohort`).

The stock may have a *history* before the first model year (the spin-up or workbook age
structure, :mod:`elt_odym.fleet.inputs`): the model then solves on the extended axis
``history years + model years`` and reports the model years; the cohort axis of the cohort
arrays is the extended axis (:attr:`cohort_years`), so that the cohorts sum to the stock.
The system (:class:`elt_odym.system.mfa.ELTSystem`) gives the kernel's whole input, profiles
and age tables included (:attr:`batch`); standing alone, the model builds it from its own
stock, lifetime model parameters, history, period factors, age cap and policy.
"""

from __future__ import annotations

from typing import Literal

import flodym as fd
import numpy as np
from pydantic import ConfigDict, PrivateAttr

from .kernel import (
    POLICIES,
    FleetBatch,
    FleetSolution,
    NegativeInflowEvent,
    solve_fleet,
)

__all__ = ["FleetStockModel", "NegativeInflowEvent", "POLICIES"]


class FleetStockModel(fd.StockDrivenDSM):
    """flodym's stock-driven model on the compiled kernel, with a negative-inflow policy and a
    history. After :meth:`compute`: ``inflow`` and ``outflow`` (end of life, early retirement
    and transfers out included) of the model years, ``early_retirement`` and ``negative``
    per year and type, :meth:`events`, the cohort arrays and :attr:`solution`."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    negative_inflow: Literal["error", "retire", "allow"] = "retire"
    history: np.ndarray | None = None
    """Stock of the years before the first model year ``(H, G)``, or None."""
    history_prms: dict[str, np.ndarray] | None = None
    """Lifetime parameters of the history cohorts, each ``(H, G)``."""
    period: np.ndarray | None = None
    """Period factor of the one-year hazard by calendar year on the extended axis ``(T, G)``."""
    max_age: np.ndarray | None = None
    """Legal age cap per type, or None."""
    batch: FleetBatch | None = None
    """The kernel's whole input (the system gives it); None: built from the fields above."""
    early_retirement: np.ndarray | None = None
    negative: np.ndarray | None = None
    initial: np.ndarray | None = None
    """Stock of the year before the first model year (0 without a history)."""
    _solution: FleetSolution | None = PrivateAttr(default=None)
    _years: list[int] = PrivateAttr(default_factory=list)

    @property
    def n_history(self) -> int:
        """Number of history years before the first model year."""
        if self.batch is not None:
            return self.batch.stock.shape[0] - self.stock.values.shape[0]
        return 0 if self.history is None else int(self.history.shape[0])

    @property
    def cohort_years(self) -> list[int]:
        """The cohort axis of the cohort arrays (the extended axis)."""
        return list(self._years)

    @property
    def solution(self) -> FleetSolution | None:
        """The kernel's solution on the extended axis (after :meth:`compute`)."""
        return self._solution

    def _names(self) -> list[str]:
        others = [d for d in self.dims if d.letter != self.time_letter]
        return [str(i) for i in others[0].items] if others else [self.name]

    def _own_batch(self) -> FleetBatch:
        """The kernel's input from this model's own stock, lifetime parameters and history."""
        lm = self.lifetime_model
        if set(lm.prms) != {"weibull_shape", "weibull_scale"}:
            raise ValueError(f"the fleet kernel computes Weibull survival (Eqs. 4-5); "
                             f"{type(lm).__name__} is not one: use flodym's StockDrivenDSM "
                             f"for other lifetime models")
        prms = {k: np.asarray(v, float).reshape(self.stock.values.shape)
                for k, v in lm.prms.items()}
        stock = self.stock.values.reshape(self.stock.values.shape[0], -1)
        shape, scale = prms["weibull_shape"], prms["weibull_scale"]
        form = "survival" if "Survival" in type(lm).__name__ else "pdf"
        if self.n_history:
            stock = np.concatenate([self.history, stock])
            shape = np.concatenate([self.history_prms["weibull_shape"], shape])
            scale = np.concatenate([self.history_prms["weibull_scale"], scale])
        period = None if self.period is None else self.period[:, None, :]
        return FleetBatch(stock[:, None, :], shape.reshape(stock.shape),
                          scale.reshape(stock.shape), form, self.negative_inflow,
                          period=period, max_age=self.max_age)

    def compute(self) -> None:
        """Solve inflow, outflow and the cohorts of every year and type (a batch of one)."""
        self._check_needed_arrays()
        batch = self.batch if self.batch is not None else self._own_batch()
        years = list(self.dims[self.time_letter].items)
        h = batch.stock.shape[0] - len(years)
        self._years = list(range(years[0] - h, years[0])) + years
        sol = solve_fleet(batch, names=self._names(), years=self._years, keep_cohorts=True)
        self._store(sol, h)

    def _store(self, sol: FleetSolution, h: int) -> None:
        shape = self.stock.values.shape
        self.stock.values[...] = sol.stock[h:, 0].reshape(shape)
        self.inflow.values[...] = sol.inflow[h:, 0].reshape(shape)
        self.outflow.values[...] = sol.outflow[h:, 0].reshape(shape)
        self.early_retirement = sol.early[h:, 0].reshape(shape)
        self.negative = sol.negative[h:, 0].reshape(shape)
        self.initial = (sol.stock[h - 1, 0] if h else np.zeros(sol.stock.shape[2])
                        ).reshape(shape[1:])
        cohorts = sol.cohort_stock[:, :, 0]  # (T_ext, C, G)
        out = np.zeros_like(cohorts)
        out[1:] = cohorts[:-1] - cohorts[1:]
        idx = np.arange(cohorts.shape[0])
        out[idx, idx] = sol.inflow[:, 0] - cohorts[idx, idx]
        tail = shape[1:]
        self._stock_by_cohort = cohorts[h:].reshape((shape[0], cohorts.shape[1]) + tail)
        self._outflow_by_cohort = out[h:].reshape((shape[0], cohorts.shape[1]) + tail)
        self._solution = sol

    def events(self) -> list[NegativeInflowEvent]:
        """Every (type, year) with a negative required inflow, history years included."""
        return self._solution.events(self._names(), self._years)

    def balance_error(self) -> np.ndarray:
        """``S_t - S_{t-1} - (inflow_t - outflow_t)``, the first year against ``initial``."""
        s = self.stock.values
        previous = np.concatenate([self.initial[np.newaxis], s[:-1]])
        return s - previous - (self.inflow.values - self.outflow.values)
