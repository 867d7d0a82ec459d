"""Stock holders of the MFA system.

The fleet (vehicles) is the declared stock-driven stock
(:class:`~elt_odym.fleet.stock_model.FleetStockModel`), which may solve over history years before
the first model year. The material in use is flow-driven with an initial stock (the fleet's stock
of the year before, times the material per vehicle):
``S_t = S_{t0-1} + sum_{t0..t}(inflow - outflow)``.
"""

from __future__ import annotations

import flodym as fd
import numpy as np


class MaterialStock(fd.SimpleFlowDrivenStock):
    """A flow-driven stock whose accumulation starts from the stock of the year before the window.

    ``initial`` has the shape of one year of the stock (all dimensions but time); it is zero when
    the whole first-year stock enters as one cohort.
    """

    initial: np.ndarray | None = None

    def compute(self) -> None:
        """Accumulate net inflow on top of the initial stock."""
        super().compute()
        if self.initial is not None:
            self.stock.values[...] += self.initial[np.newaxis, ...]

    def balance_error(self) -> np.ndarray:
        """``S_t - S_{t-1} - (inflow_t - outflow_t)`` for every year (the first against ``initial``)."""
        previous = np.zeros_like(self.stock.values)
        previous[1:] = self.stock.values[:-1]
        if self.initial is not None:
            previous[0] = self.initial
        return self.stock.values - previous - (self.inflow.values - self.outflow.values)
