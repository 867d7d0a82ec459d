"""Which workbook each parameter of a scenario is read from, and why; edits that do nothing.

A scenario reads a parameter from the file its own ``files`` entry names, else from the entry
of the nearest scenario it inherits, else from ``<data>/<parameter>.xlsx`` (the default path).
:func:`parameter_sources` says which and why (``elt-odym scenarios --files``, the report's
*Workbooks read* section). Two slips leave an edit without effect, and :func:`edit_warnings`
names them (one line each, on ``run`` and ``validate``):

- a workbook the scenario does not read (the default path, or an inherited entry the scenario
  overrides) saved after the one it reads: ``datasets/weibull_scale.xlsx`` edited while
  ``best_estimate`` reads ``best_estimate/weibull_scale.xlsx``;
- a ``.csv`` (or ``.xls``, ``.ods``, ...) saved beside a workbook of the same name: only
  ``.xlsx`` is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import RunConfig
from .data import parameter_paths
from .declaration import OPTIONAL_PARAMETERS, PARAMETER_BY_NAME
from .errors import ConfigError
from .io.hints import stray_copies
from .safety import relative_path

SHADOW_SLACK_S = 60.0
"""Seconds a shadowed workbook must be newer than the one read to count as edited: files that
one checkout, copy or install writes lie within a minute of each other; an edit comes later."""


@dataclass(frozen=True)
class ParameterSource:
    """Where a scenario reads one parameter from.

    Attributes
    ----------
    parameter : str
    path : Path
        The workbook read.
    why : str
        ``scenario file`` (the scenario's own ``files`` entry), ``inherited from X`` (the entry
        of scenario X it inherits) or ``default path`` (``<parameter>.xlsx``).
    exists : bool
    optional : bool
        An optional parameter whose absent workbook means "not used" (or its fill value).
    shadowed : tuple of Path
        Workbooks of the same parameter the scenario does not read (the default path, the
        entries of the scenarios it inherits that its own entries override), when they exist.
    """

    parameter: str
    path: Path
    why: str
    exists: bool
    optional: bool
    shadowed: tuple[Path, ...] = ()


def _chain(config: RunConfig, scenario: str) -> list[str]:
    """The scenario and those it inherits, nearest first (``resolve`` has checked it)."""
    chain, current = [], scenario
    while current and current not in chain:
        chain.append(current)
        current = config.scenarios[current].inherit
    return chain


def parameter_sources(config: RunConfig, scenario: str | None = None) -> list[ParameterSource]:
    """Where ``scenario`` (default: the default scenario) reads each declared parameter.

    Raises
    ------
    ConfigError
        For an unknown scenario or an inheritance loop.
    """
    name, _, _ = config.resolve(scenario)
    paths = parameter_paths(config, name)
    chain = _chain(config, name)
    out = []
    for parameter, path in paths.items():
        naming = [s for s in chain if parameter in config.scenarios[s].files]
        why = ("default path" if not naming else "scenario file" if naming[0] == name
               else f"inherited from {naming[0]}")
        candidates = [config.data_dir / config.scenarios[s].files[parameter]
                      for s in naming[1:]] + [config.data_dir / f"{parameter}.xlsx"]
        shadowed = tuple(dict.fromkeys(p for p in candidates
                                       if p != path and p.is_file()))
        out.append(ParameterSource(parameter, path, why, path.is_file(),
                                   parameter in OPTIONAL_PARAMETERS, shadowed))
    return out


def sources_rows(config: RunConfig, scenario: str | None = None) -> list[dict]:
    """:func:`parameter_sources` as rows ``parameter, workbook, from`` (paths relative to the
    data folder), for a table."""
    rows = []
    for s in parameter_sources(config, scenario):
        workbook = relative_path(s.path, config.data_dir)
        if not s.exists:
            fill = PARAMETER_BY_NAME[s.parameter].fill
            workbook += (" (absent: not used)" if s.optional and fill is None else
                         f" (absent: every value {fill:g})" if s.optional else
                         " (absent: the scenario cannot run)")
        rows.append({"parameter": s.parameter, "workbook": workbook, "from": s.why})
    return rows


def edit_warnings(config: RunConfig, scenarios: list[str]) -> list[str]:
    """One line per edit that does nothing in ``scenarios`` (see the module docstring)."""
    shadows: dict[tuple[Path, Path], list[str]] = {}
    strays: dict[Path, Path] = {}
    looked: set[Path] = set()
    for scenario in scenarios:
        try:
            sources = parameter_sources(config, scenario)
        except ConfigError:  # a broken scenario: the command reports it
            continue
        for s in sources:
            if not s.exists:
                continue
            read_at = s.path.stat().st_mtime
            for other in s.shadowed:
                if other.stat().st_mtime > read_at + SHADOW_SLACK_S:
                    shadows.setdefault((other, s.path), []).append(scenario)
            if s.path not in looked:  # a workbook most scenarios share: looked beside once
                looked.add(s.path)
                strays.update((copy, s.path) for copy in stray_copies(s.path))
    def rel(path: Path) -> str:
        return relative_path(path, config.data_dir)

    lines = [f"{rel(other)} was saved after {rel(path)}, which scenario(s) "
             f"{', '.join(names)} read for {path.stem} instead (their files in config.toml): "
             f"your edit has no effect there; edit {rel(path)}, or change those files entries "
             f"(elt-odym scenarios --files shows what is read)"
             for (other, path), names in shadows.items()]
    lines += [f"{rel(copy)} lies beside {rel(path)} and is never read (only .xlsx workbooks "
              f"are): save your changes in {rel(path)}" for copy, path in strays.items()]
    return lines
