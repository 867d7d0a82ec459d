"""Pure evaluation functions (``calc_*``): economic value, energy and carbon savings."""

from .economics import calc_economic_value, calc_inflated
from .energy_carbon import calc_route_demand, calc_saving, calc_saving_range

__all__ = ["calc_economic_value", "calc_inflated", "calc_route_demand", "calc_saving",
           "calc_saving_range"]
