"""The model's equations after the fleet, each once, on arrays with the draws first.

:func:`~.evaluate.evaluate` runs them all for a batch of draws; the modules hold the study's
equations as pure ``calc_*`` functions: :mod:`.vehicles` (the fleet kernel's inputs and
outputs), :mod:`.materials` (Eq. 6, collection, recovery), :mod:`.economics` (Eq. 7),
:mod:`.energy_carbon` (Eqs. 8-9), :mod:`.battery` (traction packs, second life, fuel cells).
"""

from .economics import calc_economic_value, calc_inflated
from .energy_carbon import calc_route_demand, calc_saving, calc_saving_range
from .evaluate import evaluate

__all__ = ["calc_economic_value", "calc_inflated", "calc_route_demand", "calc_saving",
           "calc_saving_range", "evaluate"]
