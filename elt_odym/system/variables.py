"""The tidy long form of output variables: ``scenario, variable, truck_type, material, year,
value, unit`` with totals over truck type and material."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .equations.indicators import Output

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


def money_year_of(table: pd.DataFrame, scenario: str) -> str | None:
    """The money year of a scenario's economic values, read from their unit (``USD2016``)."""
    units = table.loc[(table["scenario"] == scenario) & (table["variable"] == "economic_value"),
                      "unit"]
    found = units.astype(str).str.extract(r"^USD(\d{4})$")[0].dropna()
    return str(found.iloc[0]) if len(found) else None

