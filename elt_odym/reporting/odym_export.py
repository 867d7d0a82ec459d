"""Export a scenario as an ODYM project: configuration workbook, classification master, parameters.

The project folder holds (layout of ODYM's tutorial configuration, our own code):

``ODYM_Config_<setting>.xlsx``
    Sheet ``Config`` (``Setting name`` in D4, its sheet in D5) and sheet ``Setting_<setting>``
    with the blocks ODYM's ``ParseModelControl`` and ``ParseConfigFile`` look for in column B:
    ``General Info``, ``Software version selection`` (``Version of master classification``),
    ``Index Table`` (aspect, description, dimension, classification, selector, index letter),
    ``Process Group List``, ``Model Parameters`` (name, description, file name, index
    structure, aspect order match, layer selection, UUID, and in columns L-O subfolder, proxy
    code, processing method, update flag), ``Model flow control`` (our model options) and
    ``Model output control``.
``<master>.xlsx``
    The classification master with ``Unity``; ODYM opens it by the name in the configuration.
``<parameter>.xlsx``
    One workbook per parameter of the scenario, in ODYM's layout, named by the parameter (a
    scenario's override such as ``open_data/weibull_scale.xlsx`` becomes ``weibull_scale.xlsx``).
    Every declared parameter of the data folder is exported: the truck system's, the powertrain
    and traction-battery extension's and the composition's when their dimensions are configured
    (an electrification scenario exports its own ``powertrain_share``). An optional parameter
    the data folder has no workbook for is listed in :attr:`OdymProject.absent`, never dropped
    silently.

Every configured aspect is in the index table and selects all items of its classification
(``All``), so ODYM places every value of every workbook; the model years are in ``Model flow
control`` (``first_year``, ``last_year``). Scalars (``inflation_rate``, ``factor_range``, ...)
use the aspect ``Unity`` with index letter ``1``, as ODYM's tutorials do: ODYM's
``ReadParameterXLSX`` reads them as an array of shape ``(1,)`` over ``Unity`` (item ``1``), our
reader as a 0-d value; the value is the same (``tools/odym_check.py`` checks it).

The project is written like every output (:class:`~elt_odym.io.output_folder.OutputFolder`):
staged, then published with ``manifest.json``; a folder that is, contains or lies inside the
data folder (or the classification master's folder) is refused before anything is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from ..config import load_config
from ..declaration import (
    DIM_BY_LETTER,
    OPTIONAL_PARAMETERS,
    PROCESSES,
    declared_parameters,
)
from ..errors import DataValidationError, Problem
from ..io.classification import (
    UNITY,
    ClassificationMaster,
    read_classification_master,
    write_classification_master,
)
from ..io.cover import dataset_uuid
from ..io.output_folder import OutputFolder
from ..io.validation import validate_parameter
from ..io.workbook import (
    ParameterWorkbook,
    read_parameter_workbook,
    write_parameter_workbook,
)
from ..version import __version__

UNITY_LETTER = "1"
MAX_SHEET = 31  # Excel's limit on a sheet name
PARAMETER_HEADER = ["Parameter_Name", "Description", "Version (filename)", "Index structure",
                    "Aspect order match", "Layer selection", "UUID"]
PARAMETER_TAIL_HEADER = ["Subfolder", "Proxy code", "Processing method", "Update/overwrite"]
INDEX_HEADER = ["Aspect", "Description", "Dimension", "Classification", "Selector",
                "IndexLetter (unique!)"]


@dataclass
class OdymParameter:
    """One row of the configuration's ``Model Parameters`` block."""

    name: str
    description: str
    index_structure: str
    aspect_order: list[int]
    uuid: str


@dataclass
class OdymProject:
    """What :func:`export_odym` wrote."""

    folder: Path
    config: Path
    master: Path
    parameters: list[OdymParameter] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    absent: list[str] = field(default_factory=list)
    """Optional parameters the data folder has no workbook for (not exported)."""


def aspect_order(pw: ParameterWorkbook, dims: tuple[str, ...]) -> list[int]:
    """ODYM's "Aspect order match": for each model aspect, its position in the file."""
    if not dims:
        return [0]
    names = pw.aspect_names
    return [names.index(DIM_BY_LETTER[x].name) for x in dims]


def _read_valid(path: Path, spec, master, dim_classes, years) -> ParameterWorkbook:
    problems: list[Problem] = []
    pw = read_parameter_workbook(path, collect=problems)
    problems += validate_parameter(pw, spec, master, dim_classes, years)
    if problems:
        raise DataValidationError(problems)
    return pw


def configured_letters(config) -> list[str]:
    """The letters of the dimensions ``config.toml`` assigns a classification, in declaration
    order (the truck system's, then the powertrain and composition extensions')."""
    return [x for x, d in DIM_BY_LETTER.items() if d.name in config.dimensions]


def _export_parameters(config, scenario: str, master: ClassificationMaster, folder: Path
                       ) -> tuple[list[OdymParameter], list[str]]:
    from ..data import parameter_paths

    _, _, options = config.resolve(scenario)
    years = list(range(options.first_year, options.last_year + 1))
    letters = configured_letters(config)
    dim_classes = {x: config.dimensions[DIM_BY_LETTER[x].name] for x in letters}
    paths = parameter_paths(config, scenario)
    out, absent = [], []
    for spec in declared_parameters(letters):
        path = paths[spec.name]
        if not path.is_file() and spec.name in OPTIONAL_PARAMETERS:
            absent.append(spec.name)
            continue
        pw = _read_valid(path, spec, master, dim_classes, years)
        pw.cover["Dataset_Classification_version_number"] = master.version
        target = folder / f"{spec.name}.xlsx"
        write_parameter_workbook(pw, target)
        pw = read_parameter_workbook(target)
        index = "".join(spec.dims) or UNITY_LETTER
        out.append(OdymParameter(spec.name, spec.description, index,
                                 aspect_order(pw, spec.dims),
                                 pw.cover.get("Dataset_UUID") or dataset_uuid(spec.name)))
    return out, absent


def export_odym(folder: str | Path, data_dir: str | Path | None = None,
                scenario: str | None = None, force: bool = False) -> OdymProject:
    """Write one scenario as an ODYM project (module docstring) into ``folder``.

    Parameters
    ----------
    folder : str or Path
        Target folder: new or empty unless ``force`` (then the files of the same names are
        replaced, under the rules of :class:`~elt_odym.io.output_folder.OutputFolder`); never
        the data folder, a folder inside it or one that contains it.
    data_dir : str or Path, optional
        Data folder with ``config.toml``; default: the bundled data.
    scenario : str, optional
        Scenario; default: the configuration's ``default_scenario``.
    force : bool
        Accept a non-empty folder.

    Returns
    -------
    OdymProject
        Paths at their final place.

    Raises
    ------
    DataValidationError
        If a workbook of the scenario is not valid (nothing is exported from invalid data).
    OutputExistsError
        If ``folder`` is not empty (without ``force``) or overlaps the data folder.
    """
    from ..paths import bundled_data_dir

    config = load_config(data_dir or bundled_data_dir())
    name, _, options = config.resolve(scenario)
    with OutputFolder(folder, force, command="export-odym",
                      protect=config.input_folders()) as out:
        out.add_scenario(name)
        staged = out.path
        master = read_classification_master(config.classification_path)
        master_path = staged / f"{master.version}.xlsx"
        write_classification_master(master, master_path)
        params, absent = _export_parameters(config, name, master, staged)
        config_path = staged / f"ODYM_Config_{name}.xlsx"
        description = config.scenarios[name].description
        write_config(config_path, name, config.name, description, master, config.dimensions,
                     params, options.model_dump())
        files = [config_path, master_path] + [staged / f"{p.name}.xlsx" for p in params]
        _record_inputs(out, config, name, [p.name for p in params])
        files = [out.final(p) for p in files]
    return OdymProject(Path(folder), files[0], files[1], params, files, absent)


def _record_inputs(out: OutputFolder, config, scenario: str, names: list[str]) -> None:
    """The manifest's inputs: ``config.toml``, the master and every exported workbook."""
    from ..data import parameter_paths

    paths = parameter_paths(config, scenario)
    for path in [config.data_dir / "config.toml", config.classification_path,
                 *(paths[n] for n in names)]:
        out.add_input(path, config.data_dir)


def _block(ws, row: int, title: str, header: list[str], rows: list[list],
           first_col: int = 3) -> int:
    """A titled block: title in column B, header and rows from column C; returns the next row."""
    ws.cell(row, 2, title)
    for i, value in enumerate(header):
        ws.cell(row + 1, first_col + i, value)
    for r, values in enumerate(rows, start=row + 2):
        for i, value in enumerate(values):
            if value is not None and value != "":
                ws.cell(r, first_col + i, value)
    return row + 2 + len(rows) + 1


def _index_rows(master: ClassificationMaster, dimensions: dict[str, str]) -> list[list]:
    rows = []
    for dim in DIM_BY_LETTER.values():
        if dim.name not in dimensions:
            continue  # an extension that is not configured (e.g. the bus example)
        cls = dimensions[dim.name]
        rows.append([dim.name, dim.description, master[cls].dimension, cls, "All", dim.letter])
    rows.append([UNITY, "trivial aspect of scalars, one item", UNITY, UNITY, "All",
                 UNITY_LETTER])
    return rows


def _parameter_rows(params: list[OdymParameter]) -> list[list]:
    rows = []
    for p in params:
        order = "[" + ",".join(str(i) for i in p.aspect_order) + "]"
        # columns C-I, then J-K empty, L subfolder, M proxy code, N processing, O update
        rows.append([p.name, p.description, p.name, p.index_structure, order, "[0]", p.uuid,
                     None, None, None, None, "['none']", None])
    return rows


def write_config(path: Path, scenario: str, project: str, description: str,
                 master: ClassificationMaster, dimensions: dict[str, str],
                 params: list[OdymParameter], options: dict) -> None:
    """Write an ODYM configuration workbook (layout in the module docstring).

    The setting name is the scenario name cut to 23 characters, since Excel allows 31 in a sheet
    name (``Setting_`` + setting); ``Name of model setting`` keeps the whole name.
    """
    setting = scenario[:MAX_SHEET - len("Setting_")]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Config"
    for row, label, value in ((1, "User Name", "elt-odym"), (2, "Project name", project),
                              (4, "Setting name", setting),
                              (5, "Sheet  name", f"Setting_{setting}")):
        ws.cell(row, 2, label)
        ws.cell(row, 4, value)
    ws = wb.create_sheet(f"Setting_{setting}")
    row = _block(ws, 2, "General Info", ["Descriptor", "Value"],
                 [["Name of model setting", scenario], ["Description", description],
                  ["Name of model script used", f"elt-odym {__version__}"]])
    row = _block(ws, row, "Software version selection", ["Descriptor", "Value"],
                 [["Version of master classification", master.version]])
    row = _block(ws, row, "Index Table", INDEX_HEADER, _index_rows(master, dimensions))
    processes = [[i, p, "Environment" if i == 0 else "Industry/Transformation"]
                 for i, p in enumerate(PROCESSES)]
    row = _block(ws, row, "Process Group List",
                 ["Process Group Number", "Process group name", "Process type", "Comment"],
                 processes)
    header = PARAMETER_HEADER + ["", ""] + PARAMETER_TAIL_HEADER
    row = _block(ws, row, "Model Parameters", header, _parameter_rows(params))
    flow = [[key, value if isinstance(value, (int, float, str, bool)) else json.dumps(value)]
            for key, value in options.items()]  # a mapping option (transfers) as JSON text
    row = _block(ws, row, "Model flow control", ["Option", "Value"], flow)
    _block(ws, row, "Model output control", ["Option", "Value"], [])
    wb.save(path)
