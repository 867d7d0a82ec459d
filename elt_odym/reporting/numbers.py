"""The one number format of the command line and the report."""

from __future__ import annotations


def fmt(value: float) -> str:
    """The one number format of the CLI: 4 significant digits, thousands separators."""
    if value != value:  # NaN
        return ""
    return f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.4g}"

