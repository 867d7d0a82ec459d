"""Results in the output contract: tidy ``results.csv``, ``results.xlsx`` and diagnostics.

``results.csv`` columns: ``scenario, variable, truck_type, material, year, value, unit``. A
dimension that does not apply is empty; a sum over a dimension is labelled ``total``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError, Problem
from ..evaluation.indicators import VARIABLES, Output
from .output_folder import umask_mode

COLUMNS = ["scenario", "variable", "truck_type", "material", "year", "value", "unit"]
TOTAL = "total"


def _with_totals(values: np.ndarray, dims: tuple[str, ...], items: dict[str, list]):
    """Append a ``total`` item along the product and material axes."""
    labels = {x: list(map(str, items[x])) if x != "t" else list(items[x]) for x in dims}
    for axis, x in enumerate(dims):
        if x in ("g", "m"):
            values = np.concatenate([values, values.sum(axis=axis, keepdims=True)], axis=axis)
            labels[x] = labels[x] + [TOTAL]
    return values, labels


def tidy(outputs: list[Output], scenario: str) -> pd.DataFrame:
    """Long table of all outputs with totals over truck type and material."""
    frames = []
    for out in outputs:
        values, labels = _with_totals(out.values, out.dims, out.items)
        grids = np.meshgrid(*[np.arange(len(labels[x])) for x in out.dims], indexing="ij")
        col = {x: np.asarray(labels[x], dtype=object)[g.ravel()] for x, g in zip(out.dims,
                                                                                 grids)}
        n = values.size
        frames.append(pd.DataFrame({
            "scenario": scenario, "variable": out.name,
            "truck_type": col.get("g", np.full(n, "", dtype=object)),
            "material": col.get("m", np.full(n, "", dtype=object)),
            "year": col["t"].astype(int), "value": values.ravel(), "unit": out.unit}))
    return pd.concat(frames, ignore_index=True)[COLUMNS]


def wide(table: pd.DataFrame) -> pd.DataFrame:
    """Years as columns (for Excel and IAMC-like reading)."""
    keys = ["scenario", "variable", "truck_type", "material", "unit"]
    out = table.pivot_table(index=keys, columns="year", values="value", sort=False,
                            aggfunc="first")
    return out.reset_index()


def variables_sheet() -> pd.DataFrame:
    """Meaning, unit and group of every variable."""
    rows = [{"variable": v.name, "unit": v.unit, "group": v.group, "description": v.description}
            for v in VARIABLES.values()]
    return pd.DataFrame(rows)


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then move it into place.

    The file gets the mode of an ordinary new file (the user's umask), not ``0600``.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "no such folder", str(path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, umask_mode())
        Path(tmp).replace(path)
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Atomic CSV write."""
    atomic_write(path, lambda p: df.to_csv(p, index=False))


def write_results_xlsx(table: pd.DataFrame, sheets: dict[str, pd.DataFrame], path: Path) -> None:
    """One sheet per variable group (years as columns) plus the given extra sheets."""
    groups: dict[str, list[str]] = {}
    for v in VARIABLES.values():
        groups.setdefault(v.group, []).append(v.name)

    def write(p: Path) -> None:
        with pd.ExcelWriter(p, engine="openpyxl") as xl:
            for group, names in groups.items():
                part = table[table["variable"].isin(names)]
                if not part.empty:
                    wide(part).to_excel(xl, sheet_name=group, index=False)
            for name, df in sheets.items():
                df.to_excel(xl, sheet_name=name[:31], index=False)

    atomic_write(path, write)


def read_results_csv(path: str | Path) -> pd.DataFrame:
    """Read a ``results.csv`` of the output contract (empty cells stay empty strings).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    DataError
        If it is not a CSV with the columns of :data:`COLUMNS` and numeric values.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "no such results file", str(path))
    try:
        table = pd.read_csv(path, keep_default_na=False,
                            dtype={"truck_type": str, "material": str})
        missing = [c for c in COLUMNS if c not in table.columns]
        if missing:
            raise ValueError(f"columns {missing} are missing")
        table["value"] = pd.to_numeric(table["value"])
        table["year"] = pd.to_numeric(table["year"])
    except (ValueError, TypeError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(Problem(str(path), "", "", "bad-results-file",
                                f"not a results.csv of elt-odym run ({_short(exc)})")) from None
    return table


def _short(exc: BaseException) -> str:
    """An exception as one short line."""
    return " ".join(str(exc).split())[:160] or type(exc).__name__
