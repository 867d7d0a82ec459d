"""Formula (CSV) injection escaping for every string that reaches an output cell.

A spreadsheet evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and some
also after a leading tab or carriage return) as a formula. A classification item or a source
note named like ``=HYPERLINK(...)`` would then run when a user opens ``results.csv`` or
``results.xlsx``. :func:`escape_cell` prefixes such a string with a single quote, the OWASP
recommendation, so it is shown as text; numbers, and strings that are numbers (``-0.5``), are
left untouched so the tables stay readable by machines.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return not math.isnan(value)


def escape_cell(value: Any) -> Any:
    """``value`` made safe to write into a spreadsheet cell.

    Parameters
    ----------
    value : Any
        A cell value. Only strings are changed.

    Returns
    -------
    Any
        A string starting with one of :data:`FORMULA_START` (and not itself a number such as
        ``-1.5``) gets a leading ``'``; anything else is returned as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def escape_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`escape_cell` applied to every text cell and column name.

    Numeric columns are not touched (and not copied cell by cell).
    """
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out
