"""Run a data-generating step of tools/ without writing over the shipped data unless asked.

Every generator script of ``tools/`` (``build_best_estimate.py``, ``bootstrap_*.py``,
``migrate_odym_layout.py``) runs through :func:`run_step`; each takes the same options::

    python tools/STEP.py [ROOT] [--out DIR | --in-place]

- no option (the default): the step runs on a copy of ``ROOT/classification`` and
  ``ROOT/datasets`` in a temporary folder, prints what it would change, file by file, and
  removes the copy: nothing under ``ROOT`` is written;
- ``--out DIR``: the same, and the copy is kept in ``DIR`` (a new or empty folder outside
  ``ROOT``'s data), a complete data folder to try (``elt-odym run --data DIR/datasets``);
- ``--in-place``: the files that change replace the shipped ones
  (:func:`elt_odym.io.data_update.install`): a file equal in content is not written, and a
  replaced parameter workbook keeps every ``ref`` row, every ``log`` row and every value
  comment of the shipped one that the step would shorten (a caveat a later step appended).

Both the copy and the shipped files keep those notes, so the diff printed is what
``--in-place`` writes. ``ROOT`` defaults to the repository.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

from elt_odym.io.data_update import compare
from elt_odym.io.workbook import write_parameter_workbook

REPO = Path(__file__).resolve().parents[1]
DATA_FOLDERS = ("classification", "datasets")


def parse(argv: list[str], description: str, default_root: Path = REPO) -> argparse.Namespace:
    """``[ROOT] [--out DIR | --in-place]``."""
    p = argparse.ArgumentParser(description=description.splitlines()[0])
    p.add_argument("root", nargs="?", type=Path, default=default_root,
                   help=f"folder with classification/ and datasets/ (default: {default_root})")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--out", type=Path, help="keep the new data folder here (new or empty)")
    mode.add_argument("--in-place", action="store_true",
                      help="replace the shipped files that change (notes kept)")
    return p.parse_args(argv)


def run_step(step: Callable[[Path], object], argv: list[str], description: str,
             default_root: Path = REPO, inputs: tuple[str, ...] = ()) -> int:
    """Run ``step(root)`` on a copy of the data (module docstring); print the diff; keep the
    copy (``--out``) or install the changes (``--in-place``). ``inputs``: other files of
    ``ROOT`` the step reads (copied too). Returns the exit code."""
    args = parse(argv, description, default_root)
    root = args.root.resolve()
    with tempfile.TemporaryDirectory(prefix="elt-odym-step-") as tmp:
        work = _work_folder(root, args.out, Path(tmp))
        for name in DATA_FOLDERS:
            if (root / name).is_dir():
                shutil.copytree(root / name, work / name)  # a link's content, not the link
        for name in inputs:
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(root / name, work / name)
        step(work)
        changes = diff(root, work)
        for rel, what in changes:
            print(f"{rel}: {what}")
        print(f"{len(changes)} file(s) differ from {root}" if changes else
              f"no file differs from {root}")
        if args.in_place:
            for rel, _ in changes:
                _replace(work / rel, root / rel)
            print(f"replaced or added {len(changes)} file(s) under {root}")
        elif args.out:
            print(f"the new data folder is {work / 'datasets'}; nothing under {root} was "
                  f"written (--in-place replaces the shipped files)")
        else:
            print("nothing was written: --out DIR keeps the new files, --in-place replaces "
                  "the shipped ones")
    return 0


def _work_folder(root: Path, out: Path | None, tmp: Path) -> Path:
    """``out`` (new or empty, outside ``root``'s data folders) or a temporary folder."""
    if out is None:
        return tmp / "data"
    real = out.resolve()
    for name in DATA_FOLDERS:
        data = (root / name).resolve()
        if real == data or data in real.parents or real in data.parents:
            raise SystemExit(f"--out {out} overlaps {data}; choose a folder outside it, or "
                             f"use --in-place to replace the shipped files")
    if real.exists() and (not real.is_dir() or any(real.iterdir())):
        raise SystemExit(f"--out {out} exists and is not an empty folder; choose a new one")
    real.mkdir(parents=True, exist_ok=True)
    return real


def _replace(src: Path, dest: Path) -> None:
    """Copy ``src`` over ``dest`` atomically (a link at ``dest`` is replaced, not followed)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.elt-odym-step")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dest)


def diff(root: Path, work: Path) -> list[tuple[str, str]]:
    """The files of ``work``'s data folders that differ from ``root``'s, with what changed.
    A changed parameter workbook in ``work`` is rewritten with the notes of ``root``'s kept;
    an unchanged file gets ``root``'s bytes back (so ``--out`` holds no spurious change)."""
    out = []
    for name in DATA_FOLDERS:
        for path in sorted(p for p in (work / name).rglob("*") if p.is_file()):
            rel = path.relative_to(work).as_posix()
            what, merged = compare(path, root / rel)
            if what == "unchanged":
                shutil.copyfile(root / rel, path)
                continue
            if merged is not None:
                write_parameter_workbook(merged, path)
            out.append((rel, what))
    return out


if __name__ == "__main__":
    sys.exit("data_step.py is imported by the generator scripts of tools/, not run")
