"""Rewrite the shipped workbooks into ODYM's layout (issue 16); safe to run again.

For each data root (the repository's ``classification/`` + ``datasets/`` and
``examples/buses/``):

- the classification master is rewritten in ODYM's layout with a ``Unity`` classification; its
  version becomes its file name (ODYM identifies a master by its file name);
- every parameter workbook (a file with a ``Cover`` sheet) is read, its
  ``Dataset_Classification_version_number`` set to that name, and written again in ODYM's layout.

Every record (index, value, units, stats string, comment with its ``[REF|C]`` tag), the ``ref`` and
``log`` sheets and every other cover value are compared after the rewrite; the script stops on
the first difference. Run: ``.venv/bin/python tools/migrate_odym_layout.py [ROOT] [--out DIR |
--in-place]`` (ROOT default: the repository; again with ``examples/buses``). By default nothing
is written, only the diff is printed (``tools/data_step.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from elt_odym.io.classification import (
    read_classification_master,
    write_classification_master,
)
from elt_odym.io.data_update import is_parameter_workbook
from elt_odym.io.workbook import read_parameter_workbook, write_parameter_workbook

REPO = Path(__file__).resolve().parents[1]
VERSION_KEY = "Dataset_Classification_version_number"


def _content(pw) -> tuple:
    """What must survive a rewrite; aspects by name (a TABLE lists row aspects first)."""
    order = sorted(range(len(pw.aspects)), key=lambda i: pw.aspects[i][0])
    records = sorted((tuple(r.index[i] for i in order), r.value, r.unit_nominator,
                      r.unit_denominator, r.stats_array, r.comment) for r in pw.records)
    aspects = [pw.aspects[i] for i in order]
    cover = {k: v for k, v in pw.cover.items() if v and k != VERSION_KEY}
    return records, aspects, pw.record_type, pw.refs, pw.log, cover


def _is_parameter_workbook(path: Path) -> bool:
    return is_parameter_workbook(path)  # through the guarded reader (limits, no DTD)


def migrate_master(path: Path) -> str:
    """Rewrite one master; return its version (the file name without .xlsx)."""
    before = read_classification_master(path, check_version=False)
    write_classification_master(before, path)
    after = read_classification_master(path)
    for name, cls in before.classifications.items():
        assert after[name].items == cls.items, f"{path}: items of {name} changed"
        assert after[name].reference == cls.reference, f"{path}: reference of {name} changed"
    return after.version


def migrate_workbook(path: Path, version: str) -> None:
    """Rewrite one parameter workbook and check that nothing but the layout changed."""
    before = read_parameter_workbook(path)
    before.cover[VERSION_KEY] = version
    write_parameter_workbook(before, path)
    after = read_parameter_workbook(path)
    old, new = _content(before), _content(after)
    for what, a, b in zip(("records", "aspects", "record type", "refs", "log"), old, new):
        assert a == b, f"{path}: {what} changed"
    assert all(new[5].get(k) == v for k, v in old[5].items()), f"{path}: cover changed"
    assert after.cover[VERSION_KEY] == version


def migrate_root(root: Path) -> int:
    """Rewrite the master and every parameter workbook of one data root; return the count."""
    masters = sorted((root / "classification").glob("*.xlsx"))
    if len(masters) != 1:
        raise SystemExit(f"{root}: expected one classification master, found {masters}")
    version = migrate_master(masters[0])
    count = 0
    for path in sorted((root / "datasets").rglob("*.xlsx")):
        if _is_parameter_workbook(path):
            migrate_workbook(path, version)
            count += 1
    print(f"{root}: master {version!r} and {count} parameter workbooks in ODYM's layout")
    return count


def main(argv: list[str]) -> int:
    """Migrate a copy of ROOT and print the diff, keep it (``--out``) or install it."""
    from data_step import run_step

    return run_step(migrate_root, argv, __doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
