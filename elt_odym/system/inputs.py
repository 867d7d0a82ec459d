"""The model's inputs as arrays: one scenario's deterministic inputs (:class:`ModelInputs`) and
the per-draw inputs of a batch (:class:`Draws`, draws on the first axis).

The deterministic run is the batch of one :func:`base_draws`; Monte Carlo, Sobol, calibration,
sensitivity and the structural studies are other draws of the same equations
(:func:`elt_odym.system.equations.evaluate`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import ModelData
from ..errors import ConfigError
from ..fleet.inputs import FleetInputs, Projection, fleet_inputs
from ..fleet.lifetimes import weibull_mean
from ..fleet.projection import ProjectionPosterior, projection_posteriors
from .composition import CohortComposition, calc_cohort_composition, nominal_draws
from .powertrain import BatteryInputs, battery_inputs

UNCERTAIN_VALUES = ("weibull_scale", "weibull_shape", "price", "energy_factor", "carbon_factor")
"""Parameters whose own ``stats_array`` strings the Monte Carlo draws (beside group ranges);
what a truck is made of is drawn through the composition's own quantities
(:mod:`elt_odym.system.composition`)."""


def assessed_materials(data: ModelData, energy: str = "energy_factor",
                       carbon: str = "carbon_factor") -> list[str]:
    """Materials with primary and secondary energy and carbon factors (Fe, Al, Cu)."""
    keys = ("primary", "secondary")
    return [m for m in data.items["m"]
            if all((m, r) in data[n].observations for n in (energy, carbon) for r in keys)]


def factor_pairs(data: ModelData, name: str, materials: list[str]) -> np.ndarray:
    """Primary and secondary factor of each material, ``(M, 2)`` (Table 1 of the study)."""
    obs = data[name].observations
    return np.array([[obs[(m, "primary")], obs[(m, "secondary")]] for m in materials],
                    dtype=float).reshape(len(materials), 2)


def route_multipliers(data: ModelData) -> np.ndarray:
    """Decreasing-factor multipliers of the primary and secondary carbon factors ``(T, 2)``:
    ``carbon_factor_path`` when present, else ``carbon_factor_multiplier`` for both routes (the
    study's single path)."""
    path = data["carbon_factor_path"]
    if path.present:
        routes = data.items["r"]
        values = np.asarray(path.values, float)
        return values[:, [routes.index("primary"), routes.index("secondary")]]
    one = np.asarray(data["carbon_factor_multiplier"].values, float)
    return np.stack([one, one], axis=1)


def money_unit(data: ModelData) -> str:
    """``USD<money year of the prices>``, e.g. ``USD2016``."""
    return f"USD{data.options.price_money_year}"


@dataclass(frozen=True)
class ModelInputs:
    """Deterministic inputs of one scenario (the base point of every batch).

    Shapes: ``T`` model years, ``G`` types, ``M`` materials, ``K`` assessed metals (Fe, Al,
    Cu). ``price`` is ``(M, 3)``: low, mean, high; ``energy`` and ``carbon`` ``(K, 2)``:
    primary, secondary (Table 1); ``route_mult`` ``(T, 2)`` the decreasing-factor paths.
    """

    scenario: str
    years: list[int]
    products: list[str]
    materials: list[str]
    metals: list[str]
    fleet: FleetInputs
    weight: np.ndarray
    weight_low: np.ndarray
    composition: CohortComposition
    """What a vehicle of each cohort, type and powertrain is made of (profiles x vectors)."""
    collection: np.ndarray
    recovery: np.ndarray
    closed_loop: np.ndarray
    price: np.ndarray
    inflation_rate: float
    inflation_base_year: int
    money: str
    energy: np.ndarray
    carbon: np.ndarray
    rel_range: float
    route_mult: np.ndarray
    battery: BatteryInputs | None = None
    uncertainty: dict = field(default_factory=dict)
    """``{parameter: {index: Uncertainty}}`` of the values with their own uncertainty."""
    sources: "DrawSources | None" = field(default=None, compare=False, repr=False)
    """What the joint Monte Carlo draws from beyond the values (:class:`DrawSources`)."""

    @property
    def n_history(self) -> int:
        """History years before the first model year on the fleet's extended axis."""
        return self.fleet.n_history

    @property
    def mean_life(self) -> np.ndarray:
        """Mean Weibull lifetime of each type from its first model cohort's parameters."""
        h = self.n_history
        return weibull_mean(self.fleet.shape[h], self.fleet.scale[h])

    def with_fleet(self, **changes) -> "ModelInputs":
        """A copy with fleet inputs replaced (calibration, structural studies)."""
        return dataclasses.replace(self, fleet=dataclasses.replace(self.fleet, **changes))


def model_inputs(data: ModelData, projection: Projection | None = None) -> ModelInputs:
    """Collect a scenario's inputs as arrays."""
    metals = assessed_materials(data)
    unc = {name: {k: u for k, u in data[name].uncertainty.items() if u.kind != "none"}
           for name in UNCERTAIN_VALUES}
    fleet = fleet_inputs(data, projection)
    composition = calc_cohort_composition(data, fleet.years)
    battery = battery_inputs(data)
    if battery is not None and composition.mode != "single":
        # the fuel-cell stack and the hydrogen tanks are components of the truck: the traction
        # chain carries the packs only, so that nothing is counted twice
        battery = dataclasses.replace(battery, fuel_cell=np.zeros_like(battery.fuel_cell))
    return ModelInputs(
        scenario=data.scenario, years=list(data.years), products=list(data.items["g"]),
        materials=list(data.items["m"]), metals=metals, fleet=fleet,
        weight=np.asarray(data["unit_weight"].values, float),
        weight_low=np.asarray(data["unit_weight_low"].values, float),
        composition=composition,
        collection=np.asarray(data["collection_rate"].values, float),
        recovery=np.asarray(data["recovery_efficiency"].values, float),
        closed_loop=np.asarray(data["closed_loop_share"].values, float),
        price=np.asarray(data["price"].values, float),
        inflation_rate=data["inflation_rate"].scalar(),
        inflation_base_year=data.options.inflation_base_year, money=money_unit(data),
        energy=factor_pairs(data, "energy_factor", metals),
        carbon=factor_pairs(data, "carbon_factor", metals),
        rel_range=data["factor_range"].scalar(), route_mult=route_multipliers(data),
        battery=battery, uncertainty={k: v for k, v in unc.items() if v},
        sources=DrawSources(data, calibration_sets_path(data)))


CALIBRATED = ("weibull_scale", "weibull_shape", "hazard_period_factor",
              "weibull_scale_cohort_factor")
"""The workbooks ``elt-odym calibrate`` writes: a scenario's calibration parameter sets are
the ``calibration_draws.csv`` next to them."""
SETS_FILE = "calibration_draws.csv"


def calibration_sets_path(data: ModelData) -> Path | None:
    """The ``calibration_draws.csv`` in the folder of the scenario's calibrated workbooks
    (:data:`CALIBRATED`, the first that has one), or None."""
    for name in CALIBRATED:
        p = data[name]
        if p.present and p.path and (Path(p.path).parent / SETS_FILE).is_file():
            return Path(p.path).parent / SETS_FILE
    return None


@dataclass(eq=False)
class DrawSources:
    """The distributions the joint Monte Carlo draws from beyond the inputs' values, read or
    fitted on first use (once per object; :func:`model_inputs` makes one per scenario).

    ``data`` is the scenario's data (the stock projection's history and options);
    ``sets_path`` its calibration parameter sets (:func:`calibration_sets_path`), or
    ``sets`` given as a table (``elt-odym mc --calibration-draws``, :meth:`with_sets`).
    """

    data: ModelData
    sets_path: Path | None = None
    sets: pd.DataFrame | None = None
    _posteriors: dict | None = field(default=None, repr=False)

    def posteriors(self) -> dict[str, ProjectionPosterior]:
        """The stock projection's normal approximation per type, with the data folder's
        priors (:func:`elt_odym.fleet.projection.projection_posteriors`)."""
        if self._posteriors is None:
            self._posteriors = projection_posteriors(self.data)
        return self._posteriors

    def parameter_sets(self) -> pd.DataFrame | None:
        """The calibration parameter sets as read (checked where they are applied)."""
        if self.sets is None and self.sets_path is not None:
            try:
                self.sets = pd.read_csv(self.sets_path)
            except (OSError, ValueError, pd.errors.ParserError) as exc:
                raise ConfigError(f"{self.sets_path}: cannot read a calibration_draws.csv "
                                  f"({' '.join(str(exc).split())[:160]})") from None
        return self.sets

    def with_sets(self, sets: pd.DataFrame, path: Path | None = None) -> "DrawSources":
        """The same sources with other parameter sets (the fitted projection kept)."""
        return DrawSources(self.data, path, sets, self._posteriors)

    def __getstate__(self) -> dict:
        """Fitted and read before pickling (a Dask task), so workers do not repeat it."""
        self.posteriors()
        self.parameter_sets()
        return dict(self.__dict__)


@dataclass
class BatteryDraws:
    """Per-draw inputs of the traction chain.

    ``share_pos`` ``(N,)``: position between the low (0) and high (1) powertrain share paths
    (``None``: the scenario's own path); ``capacity_mult`` ``(N, G, P)``; ``lfp_shift`` ``(N,)``:
    shift of the LFP share of new packs (the ternary rest keeps its proportions);
    ``second_life_pos`` ``(N,)``: position in the second-life share's range; ``variant``
    ``(N,)``: which of the ``variants`` (pack lifetime scale and shape multipliers per type,
    second-life shape and scale, ``(V, 2 G + 2)``) a draw uses.
    """

    capacity_mult: np.ndarray
    lfp_shift: np.ndarray
    second_life_pos: np.ndarray | None = None
    share_pos: np.ndarray | None = None
    variant: np.ndarray | None = None
    variants: np.ndarray | None = None

    def take(self, sl: slice) -> "BatteryDraws":
        """The draws of a slice (the variant table is shared)."""
        def cut(a):
            return None if a is None else a[sl]
        return BatteryDraws(self.capacity_mult[sl], self.lfp_shift[sl],
                            cut(self.second_life_pos), cut(self.share_pos), cut(self.variant),
                            self.variants)


DRAW_AXIS = {"stock": 1, "period": 1, "given": 2}
"""Fields of :class:`Draws` whose draws are not on the first axis (like the kernel's inputs)."""


@dataclass
class Draws:
    """Per-draw inputs of a batch; every array has the draws on its first axis (``N``), except
    ``stock`` and ``period``, which are ``(T_ext, N, G)``, and ``given``, ``(R, T_ext, N)``,
    like the fleet kernel's inputs (:data:`DRAW_AXIS`).

    ``stock`` (per-draw stock paths; ``None``: the scenario's path times ``stock_mult``),
    ``stock_mult``, ``scale_mult``, ``shape_mult`` ``(N, G)``; ``period`` (per-draw period
    factors; ``None``: the scenario's); ``price`` ``(N, M)``; ``energy``, ``carbon``
    ``(N, K, 2)``; ``body_u`` ``(N, Q)``: uniform positions of the composition's uncertain
    quantities (component masses, the trailer's presence, PGM loadings, lightweighting;
    ``None``: their nominal values); ``battery`` (:class:`BatteryDraws`, ``None`` without the
    powertrain extension); ``given`` the vehicles each transfer route moves by the data in each
    year (a reclassification; ``None``: the scenario's).
    """

    stock_mult: np.ndarray
    scale_mult: np.ndarray
    shape_mult: np.ndarray
    price: np.ndarray
    energy: np.ndarray
    carbon: np.ndarray
    body_u: np.ndarray | None = None
    stock: np.ndarray | None = None
    period: np.ndarray | None = None
    battery: BatteryDraws | None = None
    given: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of draws."""
        return self.stock_mult.shape[0]

    def take(self, sl: slice) -> "Draws":
        """The draws of a slice (a chunk)."""
        def cut(a, axis=0):
            if a is None:
                return None
            return a[(slice(None),) * axis + (sl,)]
        return Draws(self.stock_mult[sl], self.scale_mult[sl], self.shape_mult[sl],
                     self.price[sl], self.energy[sl], self.carbon[sl],
                     cut(self.body_u), cut(self.stock, 1), cut(self.period, 1),
                     None if self.battery is None else self.battery.take(sl),
                     cut(self.given, 2))


def base_draws(inputs: ModelInputs, n: int = 1) -> Draws:
    """``n`` draws equal to the deterministic inputs (zero variance)."""
    g = len(inputs.products)
    battery = None
    if inputs.battery is not None:
        n_p = len(inputs.battery.powertrains)
        battery = BatteryDraws(np.ones((n, g, n_p)), np.zeros(n))
    return Draws(np.ones((n, g)), np.ones((n, g)), np.ones((n, g)),
                 np.tile(inputs.price[:, 1], (n, 1)),
                 np.tile(inputs.energy, (n, 1, 1)), np.tile(inputs.carbon, (n, 1, 1)),
                 battery=battery)


def concat_draws(parts: list[Draws]) -> Draws:
    """The draws of several batches, one after the other (variant tables must agree)."""
    if len(parts) == 1:
        return parts[0]

    def join(arrays, axis=0):
        return None if arrays[0] is None else np.concatenate(arrays, axis=axis)

    values = {f.name: join([getattr(p, f.name) for p in parts], DRAW_AXIS.get(f.name, 0))
              for f in dataclasses.fields(Draws) if f.name != "battery"}
    battery = None
    if parts[0].battery is not None:
        bats = [p.battery for p in parts]
        battery = BatteryDraws(**{f.name: join([getattr(b, f.name) for b in bats])
                                  for f in dataclasses.fields(BatteryDraws)
                                  if f.name != "variants"}, variants=bats[0].variants)
    return Draws(**values, battery=battery)


def nominal_body(inputs: ModelInputs, n: int) -> np.ndarray:
    """``n`` rows of the composition quantities at their nominal values ``(n, Q)``."""
    return np.repeat(nominal_draws(inputs.composition), n, axis=0)


def lifetime_shift_multiplier(mean_life: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Weibull-scale multiplier that shifts the mean lifetime by ``shift`` years, shape kept:
    ``(mean + shift) / mean`` (the mean of a Weibull is proportional to its scale)."""
    return (mean_life + shift) / mean_life
