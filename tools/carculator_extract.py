"""Extract what elt-odym's composition data take from carculator_truck (PSI), as JSON.

Run with a Python that has ``carculator-truck`` installed (a throwaway venv; never a runtime
dependency of elt-odym)::

    python3.11 -m venv /tmp/ct && /tmp/ct/bin/pip install carculator-truck==0.5.0
    /tmp/ct/bin/python tools/carculator_extract.py tools/carculator_truck_extract.json

It does not import elt_odym. ``tools/bootstrap_composition.py`` reads the JSON it writes and
derives the workbooks from it, so the workbooks can be rebuilt without carculator installed.

What is extracted (carculator_truck's default parameters, ``TruckModel(...).set_all()`` on the
"Regional delivery" cycle, value 0 = the mode of each parameter):

- ``masses``: per size class, powertrain, year and parameter, the component masses (kg) and the
  powers (kW) that carculator sizes;
- ``datasets``: per component dataset (``exhaust system, for lorry``, ...), its material inputs
  per kg of component (kg/kg), read from carculator_utils' A matrix (Wolff et al. 2020 via
  carculator).
"""

from __future__ import annotations

import csv
import json
import sys
import warnings
from pathlib import Path

SIZES = ["3.5t", "7.5t", "18t", "40t"]
POWERTRAINS = ["ICEV-d", "ICEV-g", "BEV", "FCEV", "PHEV-d"]
PARAMETERS = [
    "glider base mass", "lightweighting", "combustion engine mass", "electric engine mass",
    "transmission mass", "exhaust system mass", "fuel tank mass", "other components mass",
    "inverter mass", "converter mass", "power distribution unit mass", "charger mass",
    "fuel cell stack mass", "fuel cell essential BoP mass", "fuel cell ancillary BoP mass",
    "electric power", "combustion power", "fuel cell power", "curb mass", "gross mass",
]
DATASETS = [
    "exhaust system, for lorry", "internal combustion engine, for lorry", "gearbox, for lorry",
    "transmission, for lorry", "retarder, for lorry", "frame, blanks and saddle, for lorry",
    "suspension, for lorry", "tires and wheels, for lorry", "power electronics, for lorry",
    "other components, for electric lorry", "other components, for hybrid electric lorry",
    "fuel tank, for diesel vehicle", "fuel tank assembly, compressed natural gas, 200 bar",
    "fuel tank assembly, compressed hydrogen gas, 700bar", "glider lightweighting",
    "fuel cell stack production, 1 kWe, proton exchange membrane (PEM)",
]


def extract_masses() -> dict:
    """Component masses and powers by size, powertrain, year (carculator_truck defaults)."""
    from carculator_truck import (TruckInputParameters, TruckModel,
                                  fill_xarray_from_input_parameters)

    tip = TruckInputParameters()
    tip.static()
    _, array = fill_xarray_from_input_parameters(tip)
    model = TruckModel(array, cycle="Regional delivery", country="CH")
    model.set_all()
    sel = model.array.sel(value=0)
    years = [int(y) for y in sel.coords["year"].values]
    out = {}
    for size in SIZES:
        for pt in POWERTRAINS:
            for p in PARAMETERS:
                values = sel.sel(parameter=p, powertrain=pt, size=size).values
                out[f"{size}|{pt}|{p}"] = dict(zip(years, [float(v) for v in values]))
    return {"years": years, "values": out}


def extract_datasets() -> dict:
    """Inputs per unit of each component dataset, from carculator_utils' A matrix."""
    import carculator_utils
    from scipy import sparse

    base = Path(carculator_utils.__file__).parent / "data" / "IAM"
    a = sparse.load_npz(base / "A_matrix.npz").toarray()
    with open(base / "dict_inputs_A_matrix.csv", encoding="utf-8") as f:
        labels = [tuple(r) for r in csv.reader(f, delimiter=";")]
    out = {}
    for name in DATASETS:
        col = next(j for j, r in enumerate(labels) if r[0] == name and j < a.shape[1])
        out[name] = {f"{labels[i][0]}|{labels[i][1]}|{labels[i][2]}": float(-a[i, col])
                     for i in range(a.shape[0]) if a[i, col] != 0 and i != col}
    return out


def main(target: Path) -> None:
    import carculator_truck
    import carculator_utils

    warnings.filterwarnings("ignore")
    doc = {"carculator_truck": ".".join(str(x) for x in carculator_truck.__version__[:3]),
           "carculator_utils": getattr(carculator_utils, "__version__", ""),
           "cycle": "Regional delivery", "masses": extract_masses(),
           "datasets": extract_datasets()}
    if isinstance(doc["carculator_utils"], tuple):
        doc["carculator_utils"] = ".".join(str(x) for x in doc["carculator_utils"][:3])
    target.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "tools/carculator_truck_extract.json"))
