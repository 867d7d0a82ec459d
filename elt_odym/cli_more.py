"""Subcommands beyond the core: calibration and comparison with targets."""

from __future__ import annotations


def add_subcommands(sub) -> None:
    """Register the extra subcommands on the ``elt-odym`` parser."""
