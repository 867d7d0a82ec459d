"""The declared MFA system: dimensions, processes, flows, stocks and parameters.

This is the one place that says which flows exist and which parameters feed them. The truck
system is a *vehicle product system*: the product dimension takes its items from whichever
classification the configuration names (truck types here, bus types in ``examples/``), so another
product system is added by classification items, workbooks and configuration alone.

Process ids follow ODYM's numbering (flodym requires process 0 to be ``sysenv``)::

    0 sysenv  1 primary production  2 manufacturing  3 use  4 scrapping  5 recycling

Transfers of vehicles between product types (reclassification; routes and given amounts in
:mod:`elt_odym.fleet.inputs`, moved by the fleet kernel :mod:`elt_odym.fleet.kernel`) stay in
``use``: the flow ``use => reclassification`` leaves and re-enters ``use``; by type they
are the in-use material stock's extra outflow (source) and inflow (destination).
"""

from __future__ import annotations

from dataclasses import dataclass

# -- dimensions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionSpec:
    """A model dimension: its letter, the aspect name used in workbooks and the item type."""

    letter: str
    name: str
    dtype: type
    description: str


DIMENSIONS: tuple[DimensionSpec, ...] = (
    DimensionSpec("t", "Time", int, "calendar year"),
    DimensionSpec("g", "Product", str, "product type (truck type: HT, MT, ST, NT)"),
    DimensionSpec("m", "Material", str, "material or element contained in the product"),
    DimensionSpec("s", "Statistic", str, "price statistic: low, mean, high"),
    DimensionSpec("r", "Route", str, "production route: primary, secondary"),
    DimensionSpec("a", "Age", int, "age of a cohort in years (initial age structure)"),
)
DIM_BY_LETTER = {d.letter: d for d in DIMENSIONS}
DIM_BY_NAME = {d.name: d for d in DIMENSIONS}
FLOW_DIMS = ("t", "g", "m")

# -- processes, flows, stocks --------------------------------------------------------------------

PROCESSES: tuple[str, ...] = (
    "sysenv", "primary production", "manufacturing", "use", "scrapping", "recycling",
)


@dataclass(frozen=True)
class FlowSpec:
    """A flow between two processes; ``name`` defaults to flodym's ``"from => to"``."""

    from_process: str
    to_process: str
    dims: tuple[str, ...]
    description: str
    name: str = ""

    @property
    def key(self) -> str:
        return self.name or f"{self.from_process} => {self.to_process}"


FLOWS: tuple[FlowSpec, ...] = (
    FlowSpec("sysenv", "primary production", ("t", "m"), "ore and virgin feedstock"),
    FlowSpec("primary production", "manufacturing", ("t", "m"), "primary material for new trucks"),
    FlowSpec("recycling", "manufacturing", ("t", "m"),
             "secondary material used again in new trucks (closed loop)"),
    FlowSpec("manufacturing", "use", ("t", "g", "m"),
             "material in new trucks: inflow x unit weight x composition"),
    FlowSpec("use", "scrapping", ("t", "g", "m"),
             "material in end-of-life trucks (Eq. 6 of the study)"),
    FlowSpec("scrapping", "recycling", ("t", "g", "m"), "formally collected end-of-life material"),
    FlowSpec("scrapping", "sysenv", ("t", "g", "m"),
             "informally recycled or abandoned end-of-life material"),
    FlowSpec("recycling", "sysenv", ("t", "m"), "secondary material to other markets"),
    FlowSpec("recycling", "sysenv", ("t", "m"), "losses of secondary production",
             name="recycling => losses"),
    FlowSpec("use", "use", ("t", "m"),
             "material in vehicles re-registered as another type (a transfer within use, not "
             "end of life); by type in the in-use material stock and the fleet's "
             "transfer_out and transfer_in", name="use => reclassification"),
)


@dataclass(frozen=True)
class StockSpec:
    """A stock; ``process`` is empty for stocks counted in vehicles (outside the mass balance)."""

    name: str
    dims: tuple[str, ...]
    unit: str
    process: str
    description: str


STOCKS: tuple[StockSpec, ...] = (
    StockSpec("fleet", ("t", "g"), "unit", "",
              "trucks in use (vehicles, not mass): stock-driven, Weibull lifetimes"),
    StockSpec("in-use material", ("t", "g", "m"), "t", "use", "material in the in-use fleet"),
)
FLEET_STOCK = "fleet"
"""The stock-driven stock (a :class:`~elt_odym.fleet.stock_model.FleetStockModel`)."""

# -- parameters ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter: one workbook in ``datasets/``.

    Parameters
    ----------
    name : str
        Parameter name, equal to the workbook's ``Dataset_Name`` and file stem.
    dims : tuple of str
        Dimension letters.
    unit : str
        Unit the workbook's ``Dataset_Unit`` must declare.
    description : str
        Meaning, shown in ``results.xlsx`` and the docs.
    minimum, maximum : float or None
        Allowed value range.
    coverage : {"full", "sparse"}
        ``full``: every item combination must be present (time over the model years);
        ``sparse``: observations, any subset.
    fill : float or None
        For an optional workbook that is absent: the value every item takes.
    sum_at_most : tuple or None
        ``(letter, bound)``: values summed over that dimension may not exceed ``bound``.
    shares_over : str or None
        Letter of the dimension the values are shares of: summed over it, each group of
        values must be 1 (within :data:`SHARE_SUM_TOLERANCE`; rule ``sum-not-one``).
    """

    name: str
    dims: tuple[str, ...]
    unit: str
    description: str
    minimum: float | None = 0.0
    maximum: float | None = None
    coverage: str = "full"
    fill: float | None = None
    sum_at_most: tuple[str, float] | None = None
    shares_over: str | None = None


PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("stock_history", ("t", "g"), "unit",
                  "recorded in-use stock by type (NBS); used as the stock path up to the switch "
                  "year and as observations of the logistic fit", coverage="sparse"),
    ParameterSpec("stock_anchors", ("t", "g"), "unit",
                  "stock figures stated by the study; observations of the logistic fit, "
                  "weighted by their uncertainty", coverage="sparse"),
    ParameterSpec("stock_total_history", ("t",), "unit",
                  "total civil trucks before the type split (spin-up of the age structure)",
                  coverage="sparse"),
    ParameterSpec("weibull_shape", ("g",), "1", "Weibull shape beta of the lifetime", 0.05),
    ParameterSpec("weibull_scale", ("g",), "yr", "Weibull scale eta of the lifetime", 0.05),
    ParameterSpec("weibull_scale_cohort_factor", ("t", "g"), "1",
                  "multiplier of the Weibull scale by cohort (production year)", 0.05, fill=1.0),
    ParameterSpec("weibull_shape_cohort_factor", ("t", "g"), "1",
                  "multiplier of the Weibull shape by cohort (production year)", 0.05, fill=1.0),
    ParameterSpec("reclassification", ("t", "g"), "unit",
                  "vehicles the data show re-registered out of a type in a year, moved along its "
                  "transfer route (model option transfers) before any surplus is (0: none)",
                  0.0, fill=0.0),
    ParameterSpec("hazard_period_factor", ("t", "g"), "1",
                  "multiplier of the one-year scrapping hazard by calendar year (period effect "
                  "of scrappage programmes; 1: none)", 0.0, fill=1.0),
    ParameterSpec("legal_max_age", ("g",), "yr",
                  "legal maximum age of a truck (age cap; used when age_cap is true)", 1.0),
    ParameterSpec("initial_age_distribution", ("a", "g"), "1",
                  "age distribution of the first-year stock (shares summing to 1 per type)",
                  0.0, 1.0, sum_at_most=("a", 1.0 + 1e-9), shares_over="a"),
    ParameterSpec("unit_weight", ("g",), "t/unit",
                  "mass of one end-of-life truck: truck unit plus trailer (the study's base case)"),
    ParameterSpec("unit_weight_low", ("g",), "t/unit",
                  "mass of the truck unit only (lower end of the weight range)"),
    ParameterSpec("trailer_share", ("g",), "1",
                  "trailers retired with each end-of-life truck: the trailer (unit_weight - "
                  "unit_weight_low) counted this many times, drawn in the Monte Carlo from its "
                  "uncertainty string (uniform or triangular); absent, the study's choice: one "
                  "trailer per truck, drawn uniform between none and one", 0.0, 1.0, fill=1.0),
    ParameterSpec("material_composition", ("g", "m"), "1",
                  "mass share of each material in a truck", 0.0, 1.0, sum_at_most=("m", 1.0),
                  shares_over="m"),
    ParameterSpec("price", ("m", "s"), "USD/t", "commodity price: low, mean and high"),
    ParameterSpec("inflation_rate", (), "1/yr", "annual inflation applied to economic value"),
    ParameterSpec("energy_factor", ("m", "r"), "GJ/t",
                  "energy use of primary and secondary production (Table 1)", coverage="sparse"),
    ParameterSpec("carbon_factor", ("m", "r"), "t CO2e/t",
                  "carbon emission of primary and secondary production (Table 1)",
                  coverage="sparse"),
    ParameterSpec("factor_range", (), "1", "relative range of all energy and carbon factors",
                  0.0, 1.0),
    ParameterSpec("carbon_factor_multiplier", ("t",), "1",
                  "decreasing-factor path: multiplier of all carbon factors by year"),
    ParameterSpec("carbon_factor_path", ("t", "r"), "1",
                  "decreasing-factor paths by route: multipliers of the primary and of the "
                  "secondary carbon factors by year (when present, instead of "
                  "carbon_factor_multiplier for both)"),
    ParameterSpec("collection_rate", ("t", "g"), "1",
                  "share of end-of-life trucks that enter formal recycling", 0.0, 1.0),
    ParameterSpec("recovery_efficiency", ("m",), "1",
                  "share of collected material recovered as secondary material", 0.0, 1.0),
    ParameterSpec("closed_loop_share", ("m",), "1",
                  "share of secondary material used again in new trucks", 0.0, 1.0),
)
PARAMETER_BY_NAME = {p.name: p for p in PARAMETERS}

SYSTEM_PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("fleet_stock", ("t", "g"), "unit",
                  "stock path of the model years: recorded history, then the logistic fit "
                  "(Eq. 1); derived by elt_odym.fleet.inputs"),
    ParameterSpec("lifetime_shape", ("t", "g"), "1",
                  "Weibull shape by cohort: weibull_shape x weibull_shape_cohort_factor"),
    ParameterSpec("lifetime_scale", ("t", "g"), "yr",
                  "Weibull scale by cohort: weibull_scale x weibull_scale_cohort_factor"),
) + tuple(PARAMETER_BY_NAME[n] for n in ("unit_weight", "material_composition",
                                          "collection_rate", "recovery_efficiency",
                                          "closed_loop_share"))
"""The parameters of the flodym system: read by :class:`elt_odym.data.ScenarioReader`, the first
three derived from the workbooks (stock projection and cohort lifetimes), the rest as read."""
OPTIONAL_PARAMETERS = {"stock_total_history", "initial_age_distribution",
                       "weibull_scale_cohort_factor", "weibull_shape_cohort_factor",
                       "hazard_period_factor", "legal_max_age", "carbon_factor_path",
                       "reclassification", "trailer_share"}


# -- powertrains and traction batteries (issue 15) -----------------------------------------------
# Appended, nothing above changes. The extension is optional: it is active when the configuration
# assigns a classification to the Powertrain dimension (``[dimensions] Powertrain = ...``); a data
# folder without it (e.g. ``examples/buses``) runs the truck system alone, and the traction flows
# below stay zero.

POWERTRAIN_DIMENSIONS: tuple[DimensionSpec, ...] = (
    DimensionSpec("p", "Powertrain", str,
                  "powertrain of a truck: diesel (the reference, first item), natural gas, "
                  "battery-electric, fuel-cell, plug-in hybrid"),
    DimensionSpec("k", "Chemistry", str, "traction battery cell chemistry (LFP, NMC811, ...)"),
)
OPTIONAL_DIMENSIONS = {d.letter for d in POWERTRAIN_DIMENSIONS}
DIM_BY_LETTER.update({d.letter: d for d in POWERTRAIN_DIMENSIONS})
DIM_BY_NAME.update({d.name: d for d in POWERTRAIN_DIMENSIONS})

TRACTION_PROCESSES: tuple[str, ...] = (
    "traction manufacturing", "traction use", "second life", "traction recycling",
)
"""Processes 6-9: traction components (battery packs, fuel-cell stacks, hydrogen tanks) are
made, carried by trucks (with replacements when a pack dies before its truck), reused in second
life and recycled."""

TRACTION_FLOWS: tuple[FlowSpec, ...] = (
    FlowSpec("sysenv", "traction manufacturing", ("t", "m"),
             "material for new traction components (packs of new trucks and replacement packs)"),
    FlowSpec("traction manufacturing", "traction use", ("t", "g", "m"),
             "traction components fitted: packs of new trucks, replacement packs, fuel-cell "
             "stacks and hydrogen tanks"),
    FlowSpec("traction use", "second life", ("t", "g", "m"),
             "retired packs reused (stationary storage, cascade use)"),
    FlowSpec("traction use", "traction recycling", ("t", "g", "m"),
             "retired traction components collected for recycling"),
    FlowSpec("second life", "traction recycling", ("t", "g", "m"),
             "packs at the end of their second life"),
    FlowSpec("traction recycling", "sysenv", ("t", "m"), "secondary battery material"),
    FlowSpec("traction recycling", "sysenv", ("t", "m"), "losses of battery recycling",
             name="traction recycling => losses"),
)

TRACTION_STOCKS: tuple[StockSpec, ...] = (
    StockSpec("traction material", ("t", "g", "m"), "t", "traction use",
              "material in the traction components of the in-use fleet"),
    StockSpec("second-life material", ("t", "g", "m"), "t", "second life",
              "material in packs in second life"),
)

ALL_PROCESSES = PROCESSES + TRACTION_PROCESSES
ALL_FLOWS = FLOWS + TRACTION_FLOWS
ALL_STOCKS = STOCKS + TRACTION_STOCKS
"""The declared flodym system: the truck system (``PROCESSES``, ``FLOWS``, ``STOCKS``, as the
study draws it) and the traction chain appended (its flows stay zero without the powertrain
extension). The mass balance covers all of it."""

POWERTRAIN_PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("powertrain_share", ("t", "g", "p"), "1",
                  "share of each powertrain in the new trucks of a type and year (sums to 1 "
                  "over powertrains); a cohort keeps its powertrain", 0.0, 1.0,
                  sum_at_most=("p", 1.0 + 1e-9), shares_over="p"),
    ParameterSpec("battery_capacity", ("t", "g", "p"), "kWh/unit",
                  "capacity of a new traction pack by production year, type and powertrain "
                  "(0: no traction pack)"),
    ParameterSpec("battery_chemistry_share", ("t", "k"), "1",
                  "cell chemistry mix of new packs (capacity shares, sum to 1)", 0.0, 1.0,
                  sum_at_most=("k", 1.0 + 1e-9), shares_over="k"),
    ParameterSpec("battery_material_intensity", ("k", "m"), "kg/kWh",
                  "material per kWh of pack by chemistry (BatPaC 5.1), pack housing included"),
    ParameterSpec("battery_lifetime_shape", ("g",), "1",
                  "Weibull shape of the traction pack lifetime", 0.05),
    ParameterSpec("battery_lifetime_scale", ("g",), "yr",
                  "Weibull scale of the traction pack lifetime", 0.05),
    ParameterSpec("second_life_share", ("t",), "1",
                  "share of retired packs (by year of retirement) reused in second life",
                  0.0, 1.0),
    ParameterSpec("second_life_shape", (), "1", "Weibull shape of the second-life duration",
                  0.05),
    ParameterSpec("second_life_scale", (), "yr", "Weibull scale of the second-life duration",
                  0.05),
    ParameterSpec("battery_recovery_efficiency", ("m",), "1",
                  "share of collected traction material recovered as secondary material",
                  0.0, 1.0),
    ParameterSpec("battery_energy_factor", ("m", "r"), "GJ/t",
                  "energy use of primary and secondary production of battery materials",
                  coverage="sparse"),
    ParameterSpec("battery_carbon_factor", ("m", "r"), "t CO2e/t",
                  "carbon emission of primary and secondary production of battery materials",
                  coverage="sparse"),
    ParameterSpec("fuel_cell_power", ("g",), "kW/unit",
                  "fuel-cell system power of a fuel-cell truck"),
    ParameterSpec("fuel_cell_pt_loading", (), "g/kW", "platinum per kW of fuel-cell stack"),
    ParameterSpec("hydrogen_tank_mass", ("g",), "t/unit",
                  "carbon fibre in the hydrogen tanks of a fuel-cell truck"),
)
POWERTRAIN_PARAMETER_BY_NAME = {p.name: p for p in POWERTRAIN_PARAMETERS}
PARAMETER_BY_NAME.update(POWERTRAIN_PARAMETER_BY_NAME)
FUEL_CELL = "FCEV"
"""The powertrain item that carries a fuel-cell stack and hydrogen tanks."""




# -- composition by component and cohort (issue 21) ----------------------------------------------
# Appended, nothing above changes. Optional: active when the configuration assigns the Component
# and Emission_standard dimensions (with Powertrain) and the scenario's ``composition`` option
# asks for it (:mod:`elt_odym.system.composition`); otherwise every truck carries the
# study's single composition (unit_weight x material_composition).

COMPOSITION_DIMENSIONS: tuple[DimensionSpec, ...] = (
    DimensionSpec("o", "Component", str,
                  "truck component besides the glider (engine, after-treatment, e-motor, "
                  "magnet, fuel-cell stack, ...; the glider is derived)"),
    DimensionSpec("e", "Emission_standard", str,
                  "national emission stage of a cohort (China_0 before China I ... China_VI)"),
)
OPTIONAL_DIMENSIONS |= {d.letter for d in COMPOSITION_DIMENSIONS}
DIM_BY_LETTER.update({d.letter: d for d in COMPOSITION_DIMENSIONS})
DIM_BY_NAME.update({d.name: d for d in COMPOSITION_DIMENSIONS})

COMPOSITION_PARAMETERS: tuple[ParameterSpec, ...] = (
    ParameterSpec("component_mass", ("g", "p", "o"), "t/unit",
                  "mass of a component in a truck of a type and powertrain (a missing row: "
                  "the component is absent); the glider and the trailer are derived from "
                  "unit_weight, unit_weight_low and material_composition", coverage="sparse"),
    ParameterSpec("component_composition", ("o", "m"), "1",
                  "material share of each component (sums to 1 over materials)", 0.0, 1.0,
                  sum_at_most=("m", 1.0 + 1e-9), shares_over="m"),
    ParameterSpec("pgm_loading", ("e", "g", "p", "m"), "g/unit",
                  "platinum-group metals in the after-treatment of a truck by emission stage, "
                  "type and powertrain (a missing row: none)", coverage="sparse"),
    ParameterSpec("emission_standard_share", ("t", "g", "p", "e"), "1",
                  "share of a cohort's new trucks registered under each emission stage (sums "
                  "to 1 over stages); cohorts outside the rows take the nearest year's",
                  0.0, 1.0, coverage="sparse", sum_at_most=("e", 1.0 + 1e-9),
                  shares_over="e"),
    ParameterSpec("lightweighting_mass", ("t", "g"), "t/unit",
                  "glider mass saved by lightweighting in a cohort (0: the study's trucks); "
                  "cohorts outside the rows take the nearest year's", coverage="sparse"),
    ParameterSpec("lightweighting_substitution", ("m",), "t/t",
                  "material change per t of glider mass saved (sums to -1: steel out, "
                  "aluminium in)", None),
)
COMPOSITION_PARAMETER_BY_NAME = {p.name: p for p in COMPOSITION_PARAMETERS}
PARAMETER_BY_NAME.update(COMPOSITION_PARAMETER_BY_NAME)
OPTIONAL_PARAMETERS |= set(COMPOSITION_PARAMETER_BY_NAME)
COMPOSITION_LETTERS = frozenset({"p", "o", "e"})
"""Dimensions the composition parameters need: declared when all are configured."""


def declared_parameters(letters) -> tuple[ParameterSpec, ...]:
    """The parameters of a data folder: the truck system's, plus the powertrain extension's
    when the Powertrain dimension is configured (``"p" in letters``), plus the composition's
    when Powertrain, Component and Emission_standard are (issue 21)."""
    letters = set(letters)
    return (PARAMETERS + (POWERTRAIN_PARAMETERS if "p" in letters else ())
            + (COMPOSITION_PARAMETERS if COMPOSITION_LETTERS <= letters else ()))


# -- plausible ranges and share sums (issue 24) --------------------------------------------------
# Every numeric input (a value, or a bound of its uncertainty string) must lie within the
# plausible range of its unit, besides the declared minimum and maximum: a value outside it is a
# typo (a unit slip, a decimal point, 1e308) that would overflow into inf/NaN outputs. The ranges
# are generous on purpose: they catch slips, not judgements.


@dataclass(frozen=True)
class Plausible:
    """The plausible range of the values of a unit, and why.

    Parameters
    ----------
    low, high : float
        Inclusive bounds (rule ``implausible-value``).
    why : str
        The rationale, shown in the message and in ``docs/errors.md``.
    """

    low: float
    high: float
    why: str


PLAUSIBLE_BY_UNIT: dict[str, Plausible] = {
    "unit": Plausible(0.0, 1e10, "a stock or flow of vehicles above 1e10 is more than one "
                                 "vehicle per person on Earth"),
    "yr": Plausible(0.0, 200.0, "a lifetime or age above 200 years outlives any vehicle "
                                "(and the model period)"),
    "t/unit": Plausible(0.0, 1000.0, "the heaviest road vehicles weigh a few hundred t"),
    "USD/t": Plausible(0.0, 1e10, "the dearest metal ever traded (rhodium, 2021) reached "
                                  "about 1e9 USD/t"),
    "GJ/t": Plausible(0.0, 1e7, "the most energy-intensive metals (platinum-group) need "
                                "about 1e5-1e6 GJ/t"),
    "t CO2e/t": Plausible(0.0, 1e6, "the most carbon-intensive metals (platinum-group) emit "
                                    "about 1e4-1e5 t CO2e/t"),
    "1/yr": Plausible(-1.0, 1.0, "an annual rate beyond +-100 % is hyperinflation, outside "
                                 "a valuation in US dollars"),
    "1": Plausible(-100.0, 100.0, "dimensionless inputs are shares (0-1), multipliers and "
                                  "Weibull shapes near 1-10"),
    "t/t": Plausible(-10.0, 10.0, "a substitution of more than 10 t of material per t saved "
                                  "is not a substitution"),
    "kWh/unit": Plausible(0.0, 1e4, "the largest traction packs of trucks hold about 1 MWh"),
    "kg/kWh": Plausible(0.0, 100.0, "a whole traction pack weighs about 4-10 kg/kWh"),
    "kW/unit": Plausible(0.0, 1e4, "truck fuel-cell systems deliver tens to a few hundred kW"),
    "g/kW": Plausible(0.0, 100.0, "fuel-cell stacks hold about 0.1-1 g of platinum per kW"),
    "g/unit": Plausible(0.0, 1e6, "a truck's after-treatment holds grams to tens of grams "
                                  "of platinum-group metals"),
}
"""Plausible ranges by the unit a parameter declares (rule ``implausible-value``)."""
PLAUSIBLE_FALLBACK = Plausible(-1e12, 1e12, "no model input reaches 1e12 in its unit; beyond "
                                            "it sums of many values overflow")
"""The range of a unit not in :data:`PLAUSIBLE_BY_UNIT` (a new unit of another data folder)."""
_SHAPE = Plausible(0.0, 20.0, "a Weibull shape above 20 retires every item within a few per "
                              "cent of its scale; measured lifetimes have shapes of 1-8")
PLAUSIBLE_BY_PARAMETER: dict[str, Plausible] = {
    "weibull_shape": _SHAPE, "battery_lifetime_shape": _SHAPE, "second_life_shape": _SHAPE,
}
"""Parameters whose plausible range is narrower than their unit's."""
LOGNORMAL_MAX_SIGMA = 5.0
"""Largest sigma of log(x) of a lognormal uncertainty: +-3 sigma already spans 13 orders of
magnitude; beyond it draws overflow (rule ``implausible-value``)."""
SHARE_SUM_TOLERANCE = 1e-6
"""Shares (:attr:`ParameterSpec.shares_over`) must sum to 1 within this: the bundled shares sum
to 1 within 1e-15; six typed decimals are enough for any share."""
MIN_FIT_OBSERVATIONS = 3
"""Stock observations (``stock_history`` plus ``stock_anchors``) each product type needs: the
logistic fit of Eq. 1 has three parameters (a, k, t_c)."""


def plausible_range(spec: ParameterSpec) -> Plausible:
    """The plausible range of a parameter's values: its own (:data:`PLAUSIBLE_BY_PARAMETER`),
    else its unit's (:data:`PLAUSIBLE_BY_UNIT`), else :data:`PLAUSIBLE_FALLBACK`."""
    if spec.name in PLAUSIBLE_BY_PARAMETER:
        return PLAUSIBLE_BY_PARAMETER[spec.name]
    return PLAUSIBLE_BY_UNIT.get(spec.unit, PLAUSIBLE_FALLBACK)
