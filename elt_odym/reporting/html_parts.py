"""Pieces of ``report.html`` shared by its sections: a table and an embedded figure."""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from ..io.safe_open import read_output_bytes


def table_html(df: pd.DataFrame) -> str:
    """A data frame as an HTML table with the CLI's number format (cells escaped)."""
    from .numbers import fmt

    return df.to_html(index=False, border=0, escape=True, na_rep="",
                      float_format=lambda v: fmt(v))


def figure_html(path: Path, caption: str) -> str:
    """A PNG of the output folder embedded as a figure with its caption (escaped); the file
    is checked first (:func:`~elt_odym.io.safe_open.read_output_bytes`)."""
    data = base64.b64encode(read_output_bytes(path)).decode("ascii")
    text = html.escape(caption, quote=True)
    return (f'<figure><img alt="{text}" src="data:image/png;base64,{data}">'
            f"<figcaption>{text}</figcaption></figure>")
