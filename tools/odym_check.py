"""Re-read an exported ODYM project with ODYM's own readers, and compare with ours.

Two steps, two Python environments (ODYM is never a dependency of elt-odym, and none of its
code is copied here: this script only calls it):

1. ``read`` runs in a throwaway environment with ODYM (IndEcol/ODYM) on its path and numpy<2
   (ODYM calls ``np.product``). It does not import elt_odym. For the project folder written by
   ``elt-odym export-odym`` it calls ``ParseModelControl`` and ``ParseConfigFile`` on the
   configuration workbook, ``ParseClassificationFile_Main`` on the master, builds the index
   table the way ODYM's tutorials do, and calls ``ReadParameterXLSX`` on every parameter of
   the configuration; it writes what ODYM read (every value it placed, with its position, and
   every error or critical log line) as JSON::

       python3 -m venv /tmp/odym_venv && /tmp/odym_venv/bin/pip install "numpy<2" pandas \\
           scipy openpyxl xlrd xlwt pypandoc
       PYTHONPATH=/tmp/odym/src /tmp/odym_venv/bin/python tools/odym_check.py read \\
           PROJECT_DIR odym_read.json

2. ``compare`` runs with elt-odym: it reads every exported workbook with our reader and checks
   that ODYM placed every record of ours, at the same items, with the bit-equal value, and no
   other value; it prints one line per parameter and exits 1 on any difference::

       .venv/bin/python tools/odym_check.py compare PROJECT_DIR odym_read.json

It writes only the JSON file named on the command line (never into the project folder).
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path


class _Collect(logging.Handler):
    """Keep ODYM's error and critical log lines, and its count of values assigned."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.assigned: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            self.lines.append(f"{record.levelname}: {message}")
        elif "were assigned" in message:
            self.assigned.append(message)


def _index_table(odym, pd, config, master, selector_items):
    """The index table of ODYM's tutorials (aspects, classifications, letters, sizes)."""
    from copy import deepcopy

    aspects, _, dims, classes, selectors, letters = config[:6]
    model = {}
    for aspect, cls, selector in zip(aspects, classes, selectors):
        model[aspect] = deepcopy(master[cls])
        evaluated = odym.EvalItemSelectString(selector, len(model[aspect].Items))
        if evaluated != "all":
            raise SystemExit(f"aspect {aspect}: selector {selector!r} is not 'All'")
        selector_items[aspect] = list(model[aspect].Items)
    table = pd.DataFrame({"Aspect": aspects, "Dimension": dims,
                          "Classification": [model[a] for a in aspects],
                          "IndexLetter": letters})
    table.set_index("Aspect", inplace=True)
    table["IndexSize"] = [len(c.Items) for c in table.Classification]
    return table, [c.Name for c in table.Classification]


def read(project: Path, target: Path) -> None:
    """Step 1 (ODYM environment): what ODYM's readers make of the project."""
    import numpy as np
    import odym
    import openpyxl
    import pandas as pd

    mylog = logging.getLogger("odym_check")
    mylog.setLevel(logging.INFO)
    collect = _Collect()
    mylog.addHandler(collect)
    config_path = next(project.glob("ODYM_Config_*.xlsx"))
    book = openpyxl.load_workbook(config_path, data_only=True)
    script = {"Model Setting": book["Config"].cell(4, 4).value}
    sheet = book["Setting_" + script["Model Setting"]]
    script = odym.ParseModelControl(sheet, script)
    config = odym.ParseConfigFile(sheet, script, mylog)
    master_book = openpyxl.load_workbook(
        project / (script["Version of master classification"] + ".xlsx"), data_only=True)
    master = odym.ParseClassificationFile_Main(master_book["MAIN_Table"], mylog)
    items: dict[str, list] = {}
    table, names = _index_table(odym, pd, config, master, items)
    letters = dict(zip(config[5], config[0]))
    out = {"classifications": {k: list(map(str, c.Items)) for k, c in master.items()},
           "aspects": config[0], "parameters": {}}
    for i, name in enumerate(config[6]):
        before = len(collect.lines)
        meta, values, uncertainty = odym.ReadParameterXLSX(
            str(project / config[8][i]), name, config[9][i], config[10][i], config[11][i],
            config[14][i], master, table, names, script, mylog, True)
        index = config[9][i]
        placed = np.argwhere(values != 0) if values.ndim else np.zeros((0, 0), int)
        out["parameters"][name] = {
            "index": index, "shape": list(values.shape),
            "aspects": [letters[x] for x in index],
            "placed": [[[str(items[letters[x]][k]) for x, k in zip(index, pos)],
                        float(values[tuple(pos)])] for pos in placed],
            "assigned": collect.assigned[-1] if collect.assigned else "",
            "uuid": meta.get("Dataset_UUID"), "log": collect.lines[before:]}
    target.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(f"{len(out['parameters'])} parameters read by ODYM from {project}; "
          f"{len(collect.lines)} error or critical log lines; written to {target}")


def compare(project: Path, source: Path) -> int:
    """Step 2 (elt-odym environment): ODYM's placement against our reader, value by value."""
    from elt_odym.io.classification import read_classification_master
    from elt_odym.io.workbook import read_parameter_workbook

    odym = json.loads(source.read_text(encoding="utf-8"))
    master = read_classification_master(next(p for p in project.glob("*.xlsx")
                                             if not p.name.startswith("ODYM_Config_")
                                             and _is_master(p)))
    ours_cls = {k: [str(i) for i in c.items] for k, c in master.classifications.items()}
    failures = int(ours_cls != odym["classifications"])
    print(f"{'ok ' if not failures else 'DIFF'} master: {len(odym['classifications'])} "
          f"classifications parsed by ODYM, {len(ours_cls)} ours, equal: {not failures}")
    for name, got in odym["parameters"].items():
        pw = read_parameter_workbook(project / f"{name}.xlsx")
        order = [next(i for i, (a, _) in enumerate(pw.aspects) if a == aspect)
                 for aspect in got["aspects"] if aspect != "Unity"]
        ours = {tuple(str(rec.index[i]) for i in order) or ("1",): float(rec.value)
                for rec in pw.records}
        theirs = {tuple(key): value for key, value in got["placed"]}
        nonzero = {k: v for k, v in ours.items() if v != 0}
        assigned = got["assigned"].split(" of ")[0].split(".")[0]
        ok = theirs == nonzero and not got["log"] and assigned in ("", str(len(ours)))
        failures += not ok
        print(f"{'ok ' if ok else 'DIFF'} {name}: index {got['index']} shape {got['shape']}, "
              f"{len(ours)} records, "
              f"ODYM assigned {assigned or '?'}; {len(theirs)} non-zero values placed by ODYM, "
              f"{len(nonzero)} ours, equal: {theirs == nonzero}"
              + (f"; log: {got['log']}" if got["log"] else ""))
    print(f"{failures} difference(s) over the master and {len(odym['parameters'])} parameters")
    return 1 if failures else 0


def _is_master(path: Path) -> bool:
    from elt_odym.io.safe_open import read_book

    return "MAIN_Table" in read_book(path, sheets=("MAIN_Table",))


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("read", "compare"):
        raise SystemExit("usage: odym_check.py read|compare PROJECT_DIR JSON")
    if sys.argv[1] == "read":
        read(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])))
