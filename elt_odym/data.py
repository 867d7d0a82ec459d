"""Workbooks to model data for one scenario: read, validate everything, then build arrays.

Nothing is dropped: a problem anywhere stops the run with the full list of problems.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .config import ModelOptions, RunConfig, load_config
from .declaration import (
    DIM_BY_LETTER,
    OPTIONAL_DIMENSIONS,
    OPTIONAL_PARAMETERS,
    ParameterSpec,
    declared_parameters,
)
from .errors import ConfigError, DataValidationError, Problem
from .io import (
    ClassificationMaster,
    read_classification_master,
    read_parameter_workbook,
)
from .io import checked_files, param_cache
from .io.hints import missing_workbook
from .io.safe_open import read_csv_checked
from .io.statistics import STATISTICS_FILE, read_statistics
from .io.stats_array import Uncertainty, parse_stats_array
from .io.validation import stock_observation_problems, validate_parameter
from .io.workbook import ParameterWorkbook
from .paths import bundled_data_dir

if TYPE_CHECKING:
    import flodym as fd


@dataclass
class ParameterData:
    """Values of one parameter.

    ``values`` is a dense array over ``items`` (time restricted to the model years) for a
    full-coverage parameter; ``observations`` maps index tuples to values for any parameter.
    """

    spec: ParameterSpec
    items: list[list]
    values: np.ndarray | None
    observations: dict[tuple, float]
    uncertainty: dict[tuple, Uncertainty]
    provenance: dict[tuple, tuple[str, str]]
    path: str = ""
    present: bool = True

    def scalar(self) -> float:
        return float(self.values)


@dataclass
class ModelData:
    """Everything one model run needs, with its origin."""

    config: RunConfig
    scenario: str
    options: ModelOptions
    master: ClassificationMaster
    items: dict[str, list]
    parameters: dict[str, ParameterData] = field(default_factory=dict)

    def __getitem__(self, name: str) -> ParameterData:
        return self.parameters[name]

    @property
    def years(self) -> list[int]:
        return self.items["t"]

    def flodym_dims(self, letters: tuple[str, ...] = ("t", "g", "m")) -> "fd.DimensionSet":
        """The flodym :class:`~flodym.DimensionSet` of the given letters."""
        import flodym as fd  # lazy: reading and validating workbooks does not need flodym

        return fd.DimensionSet(dim_list=[
            fd.Dimension(name=DIM_BY_LETTER[x].name, letter=x, items=self.items[x],
                         dtype=DIM_BY_LETTER[x].dtype) for x in letters])

    def parameter(self, name: str) -> "fd.Parameter":
        """A full-coverage parameter as a flodym :class:`~flodym.Parameter`."""
        import flodym as fd

        p = self.parameters[name]
        return fd.Parameter(name=name, dims=self.flodym_dims(p.spec.dims), values=p.values)


def with_values(data: ModelData, updates: dict[str, np.ndarray]) -> ModelData:
    """A copy of ``data`` whose parameters ``updates`` take new dense values."""
    params = dict(data.parameters)
    for name, values in updates.items():
        params[name] = dataclasses.replace(params[name], values=np.asarray(values, float),
                                           present=True)
    return dataclasses.replace(data, parameters=params)


def with_observations(data: ModelData, updates: dict[str, dict[tuple, float]]) -> ModelData:
    """A copy of ``data`` whose sparse parameters ``updates`` take new observations."""
    params = dict(data.parameters)
    for name, observations in updates.items():
        params[name] = dataclasses.replace(params[name], observations=dict(observations))
    return dataclasses.replace(data, parameters=params)


def _dim_items(config: RunConfig, master: ClassificationMaster, options: ModelOptions
               ) -> dict[str, list]:
    items = {}
    for letter, dim in DIM_BY_LETTER.items():
        cls = config.dimensions.get(dim.name)
        if cls is None and letter in OPTIONAL_DIMENSIONS:
            continue  # the powertrain extension is not configured
        if cls is None or cls not in master:
            raise DataValidationError([Problem(str(config.data_dir / "config.toml"), "", "",
                                               "unknown-classification",
                                               f"dimension {dim.name!r} has no classification "
                                               f"in the master (config names {cls!r})")])
        items[letter] = list(master[cls].items)
    all_years = items["t"]
    years = list(range(options.first_year, options.last_year + 1))
    missing = [y for y in years if y not in all_years]
    if missing:
        raise DataValidationError([Problem(master.path, "MAIN_Table", "", "missing-item",
                                           f"model years {missing} are not in the Time "
                                           f"classification")])
    items["t"] = years
    return items


def _rows(pw: ParameterWorkbook, spec: ParameterSpec) -> list[param_cache.Row]:
    """Each record's index (in the order of ``spec.dims``), value, uncertainty string and
    provenance: what a valid workbook gives the model, and what :mod:`.io.param_cache` keeps."""
    pos = [pw.aspect_names.index(DIM_BY_LETTER[x].name) for x in spec.dims]
    return [(tuple(rec.index[i] for i in pos), float(rec.value), rec.stats_array,
             pw.provenance(rec)) for rec in pw.records]


def _from_rows(rows: list[param_cache.Row], spec: ParameterSpec, items: dict[str, list],
               path: str) -> ParameterData:
    """The :class:`ParameterData` of a valid workbook's :func:`_rows`.

    Raises
    ------
    KeyError, ValueError
        If a full-coverage parameter lacks an item combination or an uncertainty string does
        not parse (only rows from a cache entry that does not hold what its key says can).
    """
    keys, numbers, strings, sources = zip(*rows) if rows else ((), (), (), ())
    parsed = {s: parse_stats_array(s) for s in dict.fromkeys(strings)}  # a few recur often
    obs = dict(zip(keys, numbers))
    unc = dict(zip(keys, map(parsed.__getitem__, strings)))
    prov = dict(zip(keys, sources))
    dim_items = [items[x] for x in spec.dims]
    values = None
    if spec.coverage == "full":
        values = np.array([obs[k] for k in itertools.product(*dim_items)], dtype=float)
        values = values.reshape([len(i) for i in dim_items]) if dim_items else values[0]
    return ParameterData(spec, dim_items, values, obs, unc, prov, path=path)


def _absent(spec: ParameterSpec, items: dict[str, list]) -> ParameterData:
    dim_items = [items[x] for x in spec.dims]
    values = None
    if spec.fill is not None:
        values = np.full([len(i) for i in dim_items], spec.fill, dtype=float)
    return ParameterData(spec, dim_items, values, {}, {}, {}, present=False)


def parameter_paths(config: RunConfig, scenario: str | None) -> dict[str, Path]:
    """The workbook path of every declared parameter in a scenario."""
    _, files, _ = config.resolve(scenario)
    letters = {x for x, d in DIM_BY_LETTER.items() if d.name in config.dimensions}
    return {p.name: files.get(p.name, config.data_dir / f"{p.name}.xlsx")
            for p in declared_parameters(letters)}


def _read_all(config, master, items, paths) -> tuple[dict, list[Problem]]:
    """Read and validate the parameters named in ``paths`` (a subset or all)."""
    problems: list[Problem] = []
    data = {}
    dim_classes = {x: config.dimensions[d.name] for x, d in DIM_BY_LETTER.items()
                   if d.name in config.dimensions}
    for spec in declared_parameters(items):
        if spec.name not in paths:
            continue
        path = paths[spec.name]
        if not path.is_file():
            if spec.name in OPTIONAL_PARAMETERS:
                data[spec.name] = _absent(spec, items)
                continue
            problems.append(missing_workbook(path, spec.name))
            continue
        parameter, found = _read_one(path, spec, master, dim_classes, items)
        problems += found
        if parameter is not None:  # a workbook with any problem is not used
            data[spec.name] = parameter
    stock = ("stock_history", "stock_anchors")
    if all(name in data for name in stock):  # the logistic fit of each type needs them
        problems += stock_observation_problems({n: data[n].observations for n in stock},
                                               {n: data[n].path for n in stock}, items["g"])
    return data, problems


def _read_one(path: Path, spec: ParameterSpec, master: ClassificationMaster,
              dim_classes: dict[str, str], items: dict[str, list]
              ) -> tuple[ParameterData | None, list[Problem]]:
    """One parameter workbook read and validated: its data (None if it has any problem, from
    reading or validating) and its problems. The data of a valid workbook is kept in the
    user's cache folder (:mod:`.io.param_cache`) and found there when nothing it depends on
    changed; a workbook with problems is read and validated every time."""
    where = param_cache.folder()
    key = param_cache.parameter_key(path, spec, master, dim_classes, items) if where else None
    rows = param_cache.load(where, key, len(spec.dims))
    if rows is not None:
        try:
            return _from_rows(rows, spec, items, str(path)), []
        except (KeyError, ValueError):  # an entry that does not hold what its key says
            pass
    found: list[Problem] = []
    pw = read_parameter_workbook(path, collect=found)
    found = _unique(found + validate_parameter(pw, spec, master, dim_classes, items["t"]))
    if found:
        return None, found
    rows = _rows(pw, spec)
    if key is not None and key == param_cache.parameter_key(path, spec, master, dim_classes,
                                                             items):
        param_cache.store(where, key, rows, len(spec.dims))  # the file did not change while read
    return _from_rows(rows, spec, items, pw.path), []


OPTION_NEEDS = {("age_structure", "workbook"): "initial_age_distribution",
                ("age_structure", "spin_up"): "stock_total_history",
                ("composition", "powertrain"): "component_mass",
                ("composition", "cohort"): "lightweighting_mass"}
"""Options that need a workbook: (option, value) -> parameter."""


def option_problems(config: RunConfig, scenario: str, options: ModelOptions,
                    paths: dict[str, Path]) -> list[Problem]:
    """Options whose required workbook is missing (rule ``option-needs-workbook``)."""
    problems = []
    for (option, value), parameter in OPTION_NEEDS.items():
        path = paths.get(parameter)  # absent: the parameter's dimensions are not configured
        if getattr(options, option) == value and not (path and path.is_file()):
            problems.append(Problem(
                str(config.data_dir / "config.toml"), "", "", "option-needs-workbook",
                f"scenario {scenario!r}: {option} = {value!r} needs the {parameter} workbook "
                + (f"({path.name} not found)" if path else
                   "(its dimensions are not configured in [dimensions])")))
    return problems


def load_data(data_dir: str | Path | None = None, scenario: str | None = None) -> ModelData:
    """Read and validate all workbooks of a scenario.

    Parameters
    ----------
    data_dir : str or Path, optional
        Folder with ``config.toml`` (or with ``datasets/config.toml``); default: bundled data.
    scenario : str, optional
        Scenario name; default: the configuration's ``default_scenario``.

    Raises
    ------
    DataValidationError
        With every problem found in every workbook.
    """
    config = load_config(data_dir or bundled_data_dir())
    name, _, options = config.resolve(scenario)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, options)
    paths = parameter_paths(config, name)
    data, problems = _read_all(config, master, items, paths)
    problems += option_problems(config, name, options, paths)
    if problems:
        raise DataValidationError(problems)
    return ModelData(config=config, scenario=name, options=options, master=master, items=items,
                     parameters=data)


def read_parameter_values(config: RunConfig, scenario: str, name: str) -> np.ndarray:
    """The dense values of one parameter as another scenario of the same data folder reads
    it (e.g. the powertrain share paths a Monte Carlo draws between).

    Raises
    ------
    DataValidationError
        If the scenario's workbook of that parameter has any problem.
    """
    _, _, options = config.resolve(scenario)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, options)
    path = parameter_paths(config, scenario)[name]
    data, problems = _read_all(config, master, items, {name: path})
    if problems:
        raise DataValidationError(problems)
    return np.asarray(data[name].values, dtype=float)


RESIDUALS_FILE = "calibration_residuals.csv"
"""Written by ``elt-odym calibrate`` beside its workbooks; the report shows it."""


def residual_files(data_dir: str | Path, workbooks) -> list[Path]:
    """The :data:`RESIDUALS_FILE` beside the given workbooks: in their folders inside the data
    folder (not the data folder itself), where one exists. What a run's report reads, and so
    what ``validate`` checks."""
    root = Path(data_dir).resolve()
    out = []
    for workbook in workbooks:
        folder = (root / workbook).resolve().parent
        if folder != root and root in folder.parents and (folder / RESIDUALS_FILE).is_file():
            out.append(folder / RESIDUALS_FILE)
    return sorted(set(out))


def _run_inputs_problems(config: RunConfig, items: dict[str, list], paths: dict[str, Path],
                         seen: set) -> list[Problem]:
    """Problems in what a run reads besides the parameter workbooks: the statistics workbook
    (``validation.csv``) and the calibration residuals the report shows (each file and set of
    truck types once: ``seen``; the residuals beside a workbook are looked for once too)."""
    problems: list[Problem] = []
    statistics = config.data_dir / STATISTICS_FILE
    types = tuple(items["g"])
    workbooks = [p for p in paths.values() if ("beside", p) not in seen]
    seen |= {("beside", p) for p in workbooks}
    readers = [((p, ()), ("csv", ()), lambda p: read_csv_checked(p, keep_default_na=False))
               for p in residual_files(config.data_dir, [w.resolve() for w in workbooks])]
    if statistics.exists():
        readers.append(((statistics, types), ("statistics", types),
                        lambda p: read_statistics(p, list(types))))
    for key, what, reader in readers:
        if key in seen:
            continue
        seen.add(key)
        problems += _file_problems(key[0], reader, what)
    return problems


def _file_problems(path: Path, reader, what: tuple) -> list[Problem]:
    """The problems ``reader`` finds in ``path``, or none if the same bytes were found valid
    the same way before (:mod:`.io.checked_files`); a valid file is recorded."""
    key = checked_files.checked_key(path, what) if checked_files.folder() else None
    if checked_files.found_valid(key):
        return []
    try:
        reader(path)
    except DataValidationError as exc:
        return exc.problems
    if key is not None and key == checked_files.checked_key(path, what):
        checked_files.record_valid(key)  # the file did not change while it was read
    return []


def validate_data_dir(data_dir: str | Path | None = None, *, config: RunConfig | None = None
                      ) -> list[Problem]:
    """Validate what a run of every scenario reads: the configuration, the classification
    master, every scenario's workbooks, the statistics workbook and the calibration residuals
    beside the scenarios' workbooks.

    Parameters
    ----------
    data_dir : str or Path, optional
        The data folder (default: the bundled one).
    config : RunConfig, optional
        Its configuration, when the caller has loaded it already (then without ``data_dir``).

    Returns
    -------
    list of Problem
        Every problem found; empty: all valid.
    """
    if config is not None and data_dir is not None:
        raise ValueError("validate_data_dir: give data_dir or config, not both")
    if config is None:
        config = load_config(data_dir or bundled_data_dir())
    try:
        master = read_classification_master(config.classification_path)
    except DataValidationError as exc:
        return exc.problems
    problems: list[Problem] = []
    checked: set[tuple[Path, int, int]] = set()
    seen: set = set()
    for scenario in config.scenario_names():
        try:
            _, _, options = config.resolve(scenario)
            items = _dim_items(config, master, options)
        except DataValidationError as exc:
            problems += exc.problems
            continue
        except ConfigError as exc:
            problems.append(Problem(str(config.data_dir / "config.toml"), "", "",
                                    "bad-option", str(exc)))
            continue
        all_paths = parameter_paths(config, scenario)
        problems += option_problems(config, scenario, options, all_paths)
        paths = {k: v for k, v in all_paths.items()
                 if (v, options.first_year, options.last_year) not in checked}
        checked |= {(v, options.first_year, options.last_year) for v in paths.values()}
        _, found = _read_all(config, master, items, paths)
        problems += found + _run_inputs_problems(config, items, all_paths, seen)
    return _unique(problems)


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))
