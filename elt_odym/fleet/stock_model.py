"""The fleet as a flodym stock-driven model: the declared ``fleet`` stock of the system.

:class:`FleetStockModel` is a :class:`flodym.StockDrivenDSM` named in the system's declaration
(:func:`elt_odym.declaration.build_mfa_definition`) together with its lifetime model. Its
:meth:`~FleetStockModel.compute` takes the survival table of that lifetime model and solves the
study's Eqs. 2-3 with the one solver, :func:`elt_odym.fleet.kernel.solve_batch` (see there for
the maths and the negative-inflow policies), as a batch of one.

The stock may have a *history* before the first model year (the spin-up or workbook age
structure, :mod:`elt_odym.fleet.inputs`): the model then solves on the extended axis
``history years + model years`` with a lifetime model of the same class whose parameters are
``history_prms`` for the history cohorts, and reports the model years. ``initial`` is the
stock of the year before the first model year (0 without a history).
"""

from __future__ import annotations

from typing import Literal

import flodym as fd
import numpy as np
from pydantic import PrivateAttr

from .hazard import Hazard, adjust_table
from .kernel import POLICIES, BatchResult, NegativeInflowEvent, solve_batch

__all__ = ["FleetStockModel", "NegativeInflowEvent", "POLICIES"]


class FleetStockModel(fd.StockDrivenDSM):
    """flodym's stock-driven model with an explicit negative-inflow policy and a history.

    After :meth:`compute`: ``inflow`` and ``outflow`` (end of life, including early retirement)
    of the model years, ``early_retirement`` and ``negative`` per year and type, ``events()``.
    """

    negative_inflow: Literal["error", "retire", "allow"] = "retire"
    history: np.ndarray | None = None
    """Stock of the years before the first model year ``(H, G)``, or None."""
    history_prms: dict[str, np.ndarray] | None = None
    """Lifetime parameters of the history cohorts, each ``(H, G)``."""
    hazard: Hazard | None = None
    """Period effects and age cap applied to the lifetime model's survival table
    (:mod:`elt_odym.fleet.hazard`), on the extended axis."""
    initial: np.ndarray | None = None
    """Stock of the year before the first model year (0 without a history), as in
    :class:`~elt_odym.system.stocks.MaterialStock`."""
    early_retirement: np.ndarray | None = None
    negative: np.ndarray | None = None
    _result: BatchResult | None = PrivateAttr(default=None)
    _ext_years: list[int] = PrivateAttr(default_factory=list)

    @property
    def n_history(self) -> int:
        """Number of history years before the first model year."""
        return 0 if self.history is None else int(self.history.shape[0])

    def _names(self) -> list[str]:
        others = [d for d in self.dims if d.letter != self.time_letter]
        return [str(i) for i in others[0].items] if others else [self.name]

    def _extended(self) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Stock, survival table and years on the extended axis."""
        years = list(self.dims[self.time_letter].items)
        if not self.n_history:
            return self.stock.values, self.lifetime_model.sf, years
        h = self.n_history
        ext_years = list(range(years[0] - h, years[0])) + years
        time = fd.Dimension(name=self.dims[self.time_letter].name, letter=self.time_letter,
                            items=ext_years, dtype=int)
        ext_dims = fd.DimensionSet(dim_list=[time] + [d for d in self.dims
                                                      if d.letter != self.time_letter])
        lm = self.lifetime_model
        prms = {k: np.concatenate([self.history_prms[k], v]) for k, v in lm.prms.items()}
        ext_lm = type(lm)(dims=ext_dims, time_letter=self.time_letter, inflow_at=lm.inflow_at,
                          **prms)
        return np.concatenate([self.history, self.stock.values]), ext_lm.sf, ext_years

    def compute(self) -> None:
        """Solve inflow and outflow for every year and type (one solver, a batch of one)."""
        self._check_needed_arrays()
        stock, sf, years = self._extended()
        sf = adjust_table(sf, self.hazard)
        if np.any(np.diagonal(sf, axis1=0, axis2=1) <= 0):
            raise ValueError("survival in the year of registration must be positive")
        res = solve_batch(stock.reshape(stock.shape[0], 1, -1), self.negative_inflow,
                          sf_table=sf.reshape(sf.shape[:2] + (1, -1)), names=self._names(),
                          years=years)
        self._ext_years = years
        self._store(res, stock)

    def _store(self, res: BatchResult, stock: np.ndarray) -> None:
        h, shape = self.n_history, self.stock.values.shape
        self.inflow.values[...] = res.inflow[h:, 0].reshape(shape)
        self.outflow.values[...] = res.outflow[h:, 0].reshape(shape)
        self.early_retirement = res.early_retirement[h:, 0].reshape(shape)
        self.negative = res.negative[h:, 0].reshape(shape)
        self.initial = stock[h - 1] if h else np.zeros(shape[1:])
        self._result = res

    def events(self) -> list[NegativeInflowEvent]:
        """Every (type, year) with a negative required inflow, history years included."""
        return self._result.events(self._names(), self._ext_years)

    def balance_error(self) -> np.ndarray:
        """``S_t - S_{t-1} - (inflow_t - outflow_t)``, the first year against ``initial``."""
        s = self.stock.values
        previous = np.concatenate([self.initial[np.newaxis], s[:-1]])
        return s - previous - (self.inflow.values - self.outflow.values)
