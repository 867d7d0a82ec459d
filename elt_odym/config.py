"""Run configuration and scenarios, read from ``config.toml`` in the data folder.

A scenario is a named set of parameter workbooks and model options; it may ``inherit`` another
scenario and override some of its files and options. Unknown keys are errors (pydantic
``extra="forbid"``), so a typo never passes silently.

Paths are confined: every workbook a scenario's ``files`` names must end in ``.xlsx`` and lie
inside the data folder (links resolved), unless that scenario says ``allow_outside = true``
(or the top level of ``config.toml`` does, for every scenario). Even then a path in a system
folder (:data:`SYSTEM_FOLDERS`) is refused. All of it is checked when ``config.toml`` is loaded,
before any workbook is opened.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from .errors import ConfigError, UnsafeNameError
from .safety import check_path_name, control_characters_in

CONFIG_NAME = "config.toml"
MAX_CONFIG_BYTES = 1024 * 1024
MAX_YEARS = 500
"""Longest model period (years): bounds the work a configuration can ask for."""
MAX_LIFETIME_SHIFT = 50.0
"""Largest shift of a mean lifetime in the Monte Carlo (years): more than any truck lives."""
WORKBOOK_SUFFIX = ".xlsx"
SYSTEM_FOLDERS = (("/etc", "/proc", "/sys", "/dev", "/boot", "/run", "/var/run", "/bin",
                   "/sbin", "/usr/bin", "/usr/sbin", "/private/etc")
                  if sys.platform != "win32" else
                  (os.environ.get("SystemRoot", r"C:\Windows"),))
"""Folders of the operating system: no workbook is read from them, ``allow_outside`` or not."""


class ModelOptions(BaseModel):
    """Options of the fleet and evaluation model (all overridable per scenario)."""

    model_config = ConfigDict(extra="forbid")

    first_year: int = 2002
    last_year: int = 2050
    switch_year: int = 2003
    """Recorded stock history is used up to this year, the logistic fit after it."""
    lifetime_form: Literal["pdf", "survival"] = "pdf"
    age_structure: Literal["single_cohort", "spin_up", "workbook"] = "single_cohort"
    negative_inflow: Literal["error", "retire", "allow"] = "retire"
    age_cap: bool = False
    """Retire every truck at its ``legal_max_age`` (:mod:`elt_odym.fleet.hazard`)."""
    stock_join: Literal["switch", "blend"] = "switch"
    """``switch``: recorded stock up to ``switch_year``, the fit after (a step where they
    differ); ``blend``: the fit plus the last recorded residual decaying over ``blend_years``."""
    blend_years: float = Field(3.0, gt=0, le=MAX_YEARS, allow_inf_nan=False)
    """e-folding time (yr) of the recorded residual under ``stock_join = "blend"``."""
    transfers: dict[str, str] = {}
    """Reclassification routes ``{source type: destination type}``: a source stock falling
    faster than its retirements moves vehicles to the destination (not end of life)."""
    fit_default_rel_sigma: float = Field(0.05, gt=0, allow_inf_nan=False)
    """Relative standard deviation of a stock observation that carries no uncertainty string."""
    fit_max_rate: float = Field(0.3, gt=0, allow_inf_nan=False)
    """Bound on the logistic rate |k| (1/yr): 10 % to 90 % of saturation in >= ~15 years."""
    inflation_base_year: int = 2023
    price_money_year: int = 2016
    """Money year of the prices: economic values are in USD of this year (unit ``USD2016``);
    the nominal means of 2010-2023 are money of about their mid-period."""
    sankey_year: int = 2023
    share_paths: list[str] = []
    """Two scenarios whose powertrain share paths bound the shares the Monte Carlo draws (a
    uniform position between them); empty: the scenario's own path in every draw."""
    mass_balance_tolerance: float = Field(1e-9, ge=0, allow_inf_nan=False)
    composition: Literal["single", "powertrain", "cohort"] = "single"
    """Material of a truck (:mod:`elt_odym.system.composition`): ``single``, the
    study's one composition for every powertrain and cohort; ``powertrain``, glider plus the
    components of each powertrain; ``cohort``, that plus lightweighting and the emission
    standard's PGM loading by cohort (issue 21)."""

    @model_validator(mode="after")
    def _years(self):
        if not self.first_year < self.last_year <= self.first_year + MAX_YEARS:
            raise ValueError(f"last_year must be after first_year, by at most {MAX_YEARS}")
        for name in ("switch_year", "sankey_year"):
            year = getattr(self, name)
            if not self.first_year <= year <= self.last_year:
                raise ValueError(f"{name} {year} is outside first_year-last_year "
                                 f"{self.first_year}-{self.last_year}")
        return self


class UncertaintyOptions(BaseModel):
    """Which groups of inputs the joint Monte Carlo and the Sobol analysis draw, and their
    ranges (:mod:`elt_odym.uncertainty.sampling`); per-value ``stats_array`` strings in the
    workbooks take precedence for the values that carry one, within their group.

    Groups: ``stock`` (the stock projection), ``lifetimes`` (Weibull lifetimes and period
    factors), ``weight`` (unit weights: the trailer), ``composition``, ``prices``,
    ``factors`` (energy and carbon), ``shares`` (powertrain shares), ``battery`` (pack
    capacity, chemistry, pack lifetime, second life). Collection and recovery are not drawn
    (their workbooks carry no uncertainty).
    """

    model_config = ConfigDict(extra="forbid")

    draws: int = Field(100_000, ge=1)
    chunk: int = Field(2_000, ge=1)
    headline_draws: int = Field(1_000, ge=0)
    """Draws of the Monte Carlo that ``elt-odym run`` makes of the headline variables (their
    median and p05-p95 beside the deterministic value); 0: none."""
    stock: Literal["projection", "multiplier", "none"] = "projection"
    """``projection``: each draw's stock path from the projection's parameters per type drawn
    from the fit's covariance, with the priors of ``stock_projection_priors.xlsx``
    (:mod:`elt_odym.fleet.projection`), the recorded history as recorded; ``multiplier``: a
    normal multiplier with sd ``stock_rel_sd`` on each type's path; ``none``: the path of
    the deterministic run in every draw."""
    stock_spread: float = Field(1.0, ge=0.0, allow_inf_nan=False)
    """Multiplier of the projection's standard deviations under ``stock = "projection"`` (1:
    the fit's covariance as it is; 0: the deterministic path)."""
    stock_rel_sd: float = Field(0.0, ge=0.0, le=1.0, allow_inf_nan=False)
    """Relative standard deviation of the multiplier under ``stock = "multiplier"``."""
    lifetimes: Literal["calibration", "range", "none"] = "calibration"
    """``calibration``: the lifetimes and period factors of the scenario's calibration
    parameter sets (``calibration_draws.csv`` next to its calibrated workbooks), one set per
    draw, and ``+-lifetime_shift_years`` for the types they do not name; ``range``: every
    type's mean lifetime shifted within ``+-lifetime_shift_years``; ``none``: not drawn."""
    lifetime_shift_years: float = Field(1.0, ge=0.0, le=MAX_LIFETIME_SHIFT, allow_inf_nan=False)
    """Each type's mean lifetime shifted uniformly within +-this many years."""
    weight: Literal["range", "none"] = "range"
    """``range``: each type's trailers per end-of-life truck drawn from the uncertainty string
    of ``trailer_share`` (absent: the study's one trailer, drawn uniform between none and
    one)."""
    composition: Literal["range", "none"] = "range"
    """``range``: component masses (magnets included), PGM loadings and lightweighting drawn
    within their ranges (:mod:`elt_odym.system.composition`)."""
    prices: Literal["range", "none"] = "range"
    """``range``: each price triangular between low, mean (mode) and high."""
    factors: Literal["range", "none"] = "range"
    """``range``: each energy and carbon factor uniform within +-factor_range."""
    shares: Literal["range", "none"] = "range"
    """``range``: the powertrain shares of new trucks at a uniform position between the share
    paths of the two ``share_paths`` scenarios (when the scenario names them)."""
    battery: Literal["range", "none"] = "range"
    """``range``: pack capacity, chemistry (LFP share), pack lifetime and second life drawn
    (:mod:`elt_odym.uncertainty.sampling`)."""
    battery_variants: int = Field(16, ge=1, le=256)
    """Stratified variants of pack lifetime and second-life duration."""
    lfp_shift: float = Field(0.10, ge=0.0, le=0.5, allow_inf_nan=False)
    """Half-width of the uniform shift of the LFP share of new packs (assumption: the truck
    chemistry split is sourced at confidence M/L only)."""
    seed: int = Field(20250101, ge=0)

    @model_validator(mode="after")
    def _stock_sd(self):
        if (self.stock == "multiplier") != (self.stock_rel_sd > 0):
            raise ValueError("stock_rel_sd > 0 goes with stock = 'multiplier' (and only with "
                             f"it); got stock = {self.stock!r}, stock_rel_sd = "
                             f"{self.stock_rel_sd}")
        return self


class ScenarioConfig(BaseModel):
    """A scenario: which workbooks and options differ from the one it inherits.

    ``files`` keys must be declared parameters and ``model`` keys options of
    :class:`ModelOptions`: a misspelled key is an error, never silently ignored.
    """

    model_config = ConfigDict(extra="forbid")

    description: str = ""
    inherit: str = ""
    files: dict[str, str] = {}
    model: dict = {}
    allow_outside: bool = False
    """Allow this scenario's ``files`` to lie outside the data folder (never in a system
    folder)."""

    @field_validator("files")
    @classmethod
    def _known_parameters(cls, files: dict[str, str]) -> dict[str, str]:
        from .declaration import PARAMETER_BY_NAME

        unknown = [k for k in files if k not in PARAMETER_BY_NAME]
        if unknown:
            raise ValueError(f"unknown parameter(s) {unknown} in files; declared parameters: "
                             f"{sorted(PARAMETER_BY_NAME)}")
        return files

    @field_validator("model")
    @classmethod
    def _known_options(cls, model: dict) -> dict:
        unknown = [k for k in model if k not in ModelOptions.model_fields]
        if unknown:
            raise ValueError(f"unknown model option(s) {unknown}; options: "
                             f"{sorted(ModelOptions.model_fields)}")
        return model


class RunConfig(BaseModel):
    """The whole ``config.toml``."""

    model_config = ConfigDict(extra="forbid")

    name: str = "elt-odym"
    region: str = "World"
    """Region label of the IAMC export."""
    iamc_product: str = "Products"
    """First level of the IAMC variable names (e.g. ``Trucks``)."""
    classification_master: str
    default_scenario: str
    dimensions: dict[str, str]
    model: ModelOptions = ModelOptions()
    uncertainty: UncertaintyOptions = UncertaintyOptions()
    scenarios: dict[str, ScenarioConfig]
    allow_outside: bool = False
    """Allow the ``files`` of every scenario to lie outside the data folder (never in a system
    folder)."""
    data_dir: Path = Path(".")

    @model_validator(mode="after")
    def _default_exists(self):
        if self.default_scenario not in self.scenarios:
            raise ValueError(f"default_scenario {self.default_scenario!r} is not a scenario "
                             f"({sorted(self.scenarios)})")
        return self

    @model_validator(mode="after")
    def _confined(self):
        for name, sc in self.scenarios.items():
            for parameter, value in sc.files.items():
                why = path_problem(self.data_dir, value, self.allow_outside or sc.allow_outside)
                if why:
                    raise ValueError(f"scenarios.{name}.files.{parameter}: {why}")
        why = path_problem(self.data_dir, self.classification_master, True)
        if why:
            raise ValueError(f"classification_master: {why}")
        return self

    @field_validator("scenarios")
    @classmethod
    def _safe_names(cls, scenarios: dict) -> dict:
        for name in scenarios:  # a scenario name becomes a folder and file name
            check_path_name(name, "scenario name")
        return scenarios

    def scenario_names(self) -> list[str]:
        return list(self.scenarios)

    def resolve(self, scenario: str | None) -> tuple[str, dict[str, Path], ModelOptions]:
        """Return the scenario name, its parameter file overrides and its model options."""
        name = scenario or self.default_scenario
        if name not in self.scenarios:
            raise ConfigError(f"unknown scenario {name!r}; {self.data_dir / CONFIG_NAME} "
                              f"defines {self.scenario_names()}")
        chain, current = [], name
        while current:
            if current in chain:
                raise ConfigError(f"scenario inheritance loops: {chain + [current]}")
            if current not in self.scenarios:
                raise ConfigError(f"scenario {chain[-1]!r} inherits unknown {current!r}")
            chain.append(current)
            current = self.scenarios[current].inherit
        files: dict[str, Path] = {}
        options = self.model.model_dump()
        for link in reversed(chain):
            sc = self.scenarios[link]
            files.update({k: self.data_dir / v for k, v in sc.files.items()})
            options.update(sc.model)
        try:
            return name, files, ModelOptions(**options)
        except ValidationError as exc:
            raise ConfigError(f"{self.data_dir / CONFIG_NAME}: scenario {name!r}: invalid "
                              f"model options: {one_line(exc)}") from None

    @property
    def classification_path(self) -> Path:
        return self.data_dir / self.classification_master

    def input_folders(self) -> dict[Path, str]:
        """Folders an output must never be, contain or lie inside, in this order: the data
        folder, the classification master's folder and the folder of every workbook a scenario
        names outside the data folder (see :func:`~elt_odym.io.output_folder.check_apart`)."""
        folders = {self.data_dir: "the data folder",
                   self.classification_path.parent: "the classification master's folder"}
        root = self.data_dir.resolve()
        for name, sc in self.scenarios.items():
            for value in sc.files.values():
                folder = (self.data_dir / value).parent
                if not _inside(folder.resolve(), root):
                    folders.setdefault(folder, f"the folder of a workbook of scenario {name!r}")
        return folders


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def path_problem(data_dir: Path, value: str, allow_outside: bool) -> str:
    """Why the workbook path ``value`` of ``config.toml`` is refused (empty: accepted).

    The path must name an ``.xlsx`` file without control characters, lie inside ``data_dir``
    (links resolved) unless ``allow_outside``, and never in a system folder.
    """
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "the path has a control character"
    if not value.lower().endswith(WORKBOOK_SUFFIX):
        return (f"{value!r} is not an {WORKBOOK_SUFFIX} workbook; name the workbook file "
                f"(e.g. \"open_data/weibull_scale.xlsx\")")
    try:
        path = (Path(data_dir) / value).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, an invalid name
        return f"{value!r} cannot be resolved ({exc})"
    for folder in SYSTEM_FOLDERS:
        if _inside(path, Path(folder).resolve()):
            return f"{value!r} lies in the system folder {folder}; no workbook is read there"
    if not allow_outside and not _inside(path, Path(data_dir).resolve()):
        return (f"{value!r} lies outside the data folder; move the workbook into it, or set "
                f"allow_outside = true in this scenario (or at the top of config.toml) if that "
                f"is intended")
    return ""


def one_line(exc: ValidationError) -> str:
    """A pydantic validation error as one line: ``scenarios.open_data.files: unknown ...``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "config"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def find_config(data_dir: str | Path) -> Path:
    """Locate ``config.toml`` in ``data_dir`` or in ``data_dir/datasets``."""
    data_dir = Path(data_dir)
    for candidate in (data_dir / CONFIG_NAME, data_dir / "datasets" / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    raise ConfigError(f"no {CONFIG_NAME} in {data_dir} or {data_dir / 'datasets'}")


def load_config(data_dir: str | Path) -> RunConfig:
    """Read and validate the configuration of a data folder."""
    path = find_config(data_dir)
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KB; not a config.toml")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for where, char in control_characters_in(raw):  # they reach terminals, workbooks, HTML
        raise ConfigError(f"{path}: {where} holds the control character {char!r} (an escape "
                          f"sequence or a character pasted from another program): remove it")
    try:
        return RunConfig(**raw, data_dir=path.parent)
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid configuration: {one_line(exc)}") from None
    except UnsafeNameError as exc:
        raise UnsafeNameError(f"{path}: {exc}") from None
