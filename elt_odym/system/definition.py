"""The flodym declaration of the system: :func:`build_mfa_definition` turns the pure specs of
:mod:`elt_odym.declaration` into a :class:`flodym.MFADefinition`, naming the fleet's stock model
and lifetime model."""

from __future__ import annotations

import flodym as fd

from ..declaration import (
    ALL_FLOWS,
    ALL_PROCESSES,
    ALL_STOCKS,
    DIM_BY_LETTER,
    FLEET_STOCK,
    FLOW_DIMS,
    SYSTEM_PARAMETERS,
)
from ..fleet.lifetimes import lifetime_model_class
from ..fleet.stock_model import FleetStockModel
from .stocks import MaterialStock


def build_mfa_definition(lifetime_form: str = "pdf") -> fd.MFADefinition:
    """Return the flodym :class:`~flodym.MFADefinition` of the declared system.

    The ``fleet`` stock names its stock-driven model
    (:class:`~elt_odym.fleet.stock_model.FleetStockModel`) and its lifetime model (the class of
    ``lifetime_form``, :data:`elt_odym.fleet.lifetimes.LIFETIME_MODELS`, both with
    ``inflow_at="end"``); the material stock is flow-driven. Only the flow dimensions (time,
    product, material) enter the flodym system; the parameter dimensions statistic, route and
    age are handled by the data layer.
    """
    dims = [fd.DimensionDefinition(name=DIM_BY_LETTER[x].name, letter=x,
                                   dtype=DIM_BY_LETTER[x].dtype) for x in FLOW_DIMS]
    flows = [fd.FlowDefinition(from_process_name=f.from_process, to_process_name=f.to_process,
                               dim_letters=f.dims, name_override=f.name or None)
             for f in ALL_FLOWS]
    stocks = []
    for st in ALL_STOCKS:
        driven = st.name == FLEET_STOCK
        stocks.append(fd.StockDefinition(
            name=st.name, dim_letters=st.dims, process_name=st.process or None,
            subclass=FleetStockModel if driven else MaterialStock,
            lifetime_model_class=lifetime_model_class(lifetime_form) if driven else None))
    parameters = [fd.ParameterDefinition(name=p.name, dim_letters=p.dims)
                  for p in SYSTEM_PARAMETERS]
    return fd.MFADefinition(dimensions=dims, processes=list(ALL_PROCESSES), flows=flows,
                            stocks=stocks, parameters=parameters)

