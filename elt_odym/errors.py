"""Typed errors of elt-odym.

Every data problem names the file, the sheet, the cell and the rule that was broken, so that a
user can open the workbook in Excel and fix it. Readers collect problems instead of stopping at
the first one; :class:`DataValidationError` carries all of them.
"""

from __future__ import annotations

from dataclasses import dataclass


class EltOdymError(Exception):
    """Base class of all errors raised by elt-odym."""


@dataclass(frozen=True)
class Problem:
    """One broken rule in one place of one workbook.

    Parameters
    ----------
    file : str
        Path of the workbook (or other input file).
    sheet : str
        Sheet name, empty if the problem concerns the whole file.
    cell : str
        Cell reference such as ``"C12"``, empty if not applicable.
    rule : str
        Short identifier of the rule, e.g. ``"unknown-item"``.
    message : str
        What is wrong and what to do about it.
    """

    file: str
    sheet: str
    cell: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.sheet:
            where += f" [{self.sheet}]"
        if self.cell:
            where += f" {self.cell}"
        return f"{where}: {self.rule}: {self.message}"


class DataError(EltOdymError):
    """A single problem with input data; carries the :class:`Problem`."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


class DataValidationError(EltOdymError):
    """One or more problems found while reading or validating input data."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(dict.fromkeys(problems))
        lines = [f"{len(self.problems)} problem(s) in the input data:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class ClassificationError(DataError):
    """The classification master is malformed or an item is not in it."""


class ConfigError(EltOdymError):
    """The run configuration is invalid (unknown scenario, key or option)."""


class MassBalanceError(EltOdymError):
    """A process is out of balance beyond the tolerance."""


class NegativeInflowError(EltOdymError):
    """A stock-driven model produced a negative inflow under the ``error`` policy."""


class OutputExistsError(EltOdymError):
    """The output folder is not empty and ``force`` was not given."""


class CalibrationError(EltOdymError):
    """A calibration could not be set up or did not converge."""


class UnsafeNameError(ConfigError):
    """A name that becomes part of a file path (scenario, file name) is not a safe name."""


class UnreadableWorkbookError(DataValidationError):
    """A workbook could not be opened (not an xlsx, truncated, broken XML) or is too large.

    Carries one :class:`Problem` (rule ``unreadable-workbook`` or ``workbook-too-large``), so a
    validation that collects problems can list it and go on.
    """

    def __init__(self, problem: Problem):
        super().__init__([problem])
        self.problem = problem


class ResourceLimitError(EltOdymError):
    """The work asked for would exceed a resource limit (memory budget, workbook size)."""


class OutputLockedError(OutputExistsError):
    """Another elt-odym process is writing into the same output folder."""
