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

Every aspect selects all items of its classification (``All``), so ODYM places every value of
every workbook; the model years are in ``Model flow control`` (``first_year``, ``last_year``).
Scalars use the aspect ``Unity`` with index letter ``1``, as ODYM's tutorials do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from ..config import load_config
from ..declaration import (
    DIM_BY_LETTER,
    DIMENSIONS,
    OPTIONAL_PARAMETERS,
    PARAMETERS,
    PROCESSES,
)
from ..errors import DataValidationError, Problem
from ..io.classification import (
    UNITY,
    ClassificationMaster,
    read_classification_master,
    write_classification_master,
)
from ..io.cover import dataset_uuid
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


def _export_parameters(config, scenario: str, master: ClassificationMaster, folder: Path
                       ) -> list[OdymParameter]:
    from ..data import parameter_paths

    _, _, options = config.resolve(scenario)
    years = list(range(options.first_year, options.last_year + 1))
    dim_classes = {x: config.dimensions[d.name] for x, d in DIM_BY_LETTER.items()}
    out = []
    for spec in PARAMETERS:
        path = parameter_paths(config, scenario)[spec.name]
        if not path.is_file() and spec.name in OPTIONAL_PARAMETERS:
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
    return out


def export_odym(folder: str | Path, data_dir: str | Path | None = None,
                scenario: str | None = None) -> OdymProject:
    """Write one scenario as an ODYM project (module docstring) into ``folder``.

    Parameters
    ----------
    folder : str or Path
        Target folder; created if missing. Files of the same names are replaced.
    data_dir : str or Path, optional
        Data folder with ``config.toml``; default: the bundled data.
    scenario : str, optional
        Scenario; default: the configuration's ``default_scenario``.

    Returns
    -------
    OdymProject

    Raises
    ------
    DataValidationError
        If a workbook of the scenario is not valid (nothing is exported from invalid data).
    """
    from ..paths import bundled_data_dir

    config = load_config(data_dir or bundled_data_dir())
    name, _, options = config.resolve(scenario)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    master = read_classification_master(config.classification_path)
    master_path = folder / f"{master.version}.xlsx"
    write_classification_master(master, master_path)
    params = _export_parameters(config, name, master, folder)
    config_path = folder / f"ODYM_Config_{name}.xlsx"
    description = config.scenarios[name].description
    write_config(config_path, name, config.name, description, master, config.dimensions,
                 params, options.model_dump())
    files = [config_path, master_path] + [folder / f"{p.name}.xlsx" for p in params]
    return OdymProject(folder, config_path, master_path, params, files)


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
    for dim in DIMENSIONS:
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
