"""Excel workbooks people like to open: frozen header, filters, widths, number formats.

Written with xlsxwriter, with every automatic conversion switched off (a string is never
turned into a formula, a URL or a number) and every text cell escaped by
:func:`~elt_odym.io.escape.escape_cell`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io.escape import escape_cell

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False, "nan_inf_to_errors": True}
NUMBER_FORMATS = ("#,##0", "#,##0.00", "0.0000", "0.00E+00")
MAX_WIDTH = 60


def _number_class(values: np.ndarray) -> np.ndarray:
    """Index into :data:`NUMBER_FORMATS` for each value by its magnitude."""
    a = np.abs(np.nan_to_num(values.astype(float), nan=0.0))
    return np.select([(a == 0) | (a >= 1000), a >= 1, a >= 1e-3], [0, 1, 2], 3)


def _width(series: pd.Series, header: str, numeric: bool) -> float:
    if numeric:
        return max(len(str(header)), 11) + 1
    lengths = series.astype(str).str.len()
    longest = int(lengths.max()) if len(lengths) else 0
    return min(max(longest, len(str(header))) + 2, MAX_WIDTH)


def _write_column(ws, col: int, series: pd.Series, formats: list) -> bool:
    """Write one column from row 1 on; returns whether it is numeric."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric:
        values = series.to_numpy(float)
        classes = _number_class(values)
        for row, (v, k) in enumerate(zip(values, classes), start=1):
            if np.isnan(v):
                ws.write_blank(row, col, None)
            else:
                ws.write_number(row, col, float(v), formats[k])
    else:
        for row, v in enumerate(series.tolist(), start=1):
            if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
                ws.write_blank(row, col, None)
            else:
                ws.write_string(row, col, str(escape_cell(v)))
    return numeric


def write_frame(workbook, name: str, df: pd.DataFrame, freeze_cols: int = 0) -> None:
    """One data frame as a sheet: bold frozen header, autofilter, column widths.

    Parameters
    ----------
    workbook : xlsxwriter.Workbook
        The open workbook.
    name : str
        Sheet name (cut to Excel's 31 characters).
    df : pandas.DataFrame
        The table; numbers get a format by magnitude, text is escaped.
    freeze_cols : int
        Leading columns kept in view when scrolling right (e.g. the keys of a wide table).
    """
    ws = workbook.add_worksheet(name[:31])
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1,
                                  "text_wrap": True, "valign": "top"})
    formats = [workbook.add_format({"num_format": f}) for f in NUMBER_FORMATS]
    for col, (title, series) in enumerate(df.items()):
        ws.write_string(0, col, str(escape_cell(str(title))), header)
        numeric = _write_column(ws, col, series, formats)
        ws.set_column(col, col, _width(series, str(title), numeric))
    ws.freeze_panes(1, freeze_cols)
    if len(df.columns):
        ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path,
                 freeze_cols: dict[str, int] | None = None) -> None:
    """Write ``sheets`` (name -> table) into a new workbook at ``path``."""
    import xlsxwriter

    freeze_cols = freeze_cols or {}
    with xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS) as workbook:
        for name, df in sheets.items():
            write_frame(workbook, name, df, freeze_cols.get(name, 0))
