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


class NonFiniteOutputError(EltOdymError):
    """An output table holds values that are not finite numbers (inf or NaN): nothing is
    published (exit 1, a check failed)."""


class Interrupted(KeyboardInterrupt):
    """A signal (SIGINT, SIGTERM, SIGHUP) turned into an interrupt, so that the clean-up of an
    output folder runs as it does on Ctrl-C; ``signum`` gives the exit code ``128 + signum``.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


RULES: dict[str, str] = {
    # structure of a workbook
    "unreadable-workbook": "the file is not a readable .xlsx (not a zip, truncated, broken XML, "
                           "a DTD): save it again from Excel as .xlsx",
    "not-a-file": "the path names a folder, a device or a pipe, not a file: name a workbook "
                  "(or CSV) file",
    "unreadable-file": "a CSV input (calibration residuals, calibration draws) is not readable "
                       "UTF-8 CSV: save it again as CSV (UTF-8) or remove it",
    "workbook-too-large": "the file, its XML or a sheet's extent is above a limit "
                          "(--max-workbook-mb, --max-xml-mb, --max-rows, --max-cells)",
    "missing-file": "a workbook the scenario reads is not there; the message names a file of "
                    "the same name with another extension when there is one (only .xlsx is "
                    "read)",
    "missing-sheet": "a sheet is missing; the message lists the sheets found (a renamed sheet)",
    "empty-sheet": "Values_Master (or the value sheet of a TABLE) holds nothing, not even its "
                   "header row",
    "missing-record-type": "the Cover has no Dataset_RecordType row",
    "bad-record-type": "Dataset_RecordType is not LIST or TABLE",
    "bad-header": "a column header of Values_Master is not ODYM's (value, unit nominator, ...) "
                  "or names another aspect",
    "bad-table-aspects": "the row and column aspects of a TABLE are not the parameter's aspects",
    "missing-aspect": "an aspect classification on the Cover has no meaning beside it",
    "missing-classification": "an aspect of the earlier cover layout names no classification",
    "table-size": "No_Rows or No_Cols on the Cover differ from the value sheet (ODYM reads only "
                  "that many)",
    # the cover
    "name-mismatch": "Dataset_Name is not the parameter the file is read for",
    "version-mismatch": "the classification version differs from the master's file name",
    "unit-mismatch": "Dataset_Unit (or a row's unit) differs from the declared unit",
    "aspect-mismatch": "the aspects differ from the parameter's declared dimensions",
    "wrong-classification": "an aspect uses another classification than config.toml assigns",
    # cells
    "unknown-item": "an index cell (or a TABLE header cell) is not an item of its "
                    "classification; the message lists the items or the years",
    "duplicate-row": "the same index appears twice",
    "not-a-number": "a value cell is empty or holds text; the message says whether it is a "
                    "number stored as text, a comma decimal, a percentage or a date",
    "number-as-text": "a value cell holds a number typed as text ('20', '12,5', '20 %'): the "
                      "message says what to type",
    "formula-without-value": "a value cell holds a formula without a saved result (or with an "
                             "error such as #DIV/0!): open and save the workbook in Excel",
    "below-minimum": "a value is below the parameter's declared minimum",
    "above-maximum": "a value is above the parameter's declared maximum",
    "implausible-value": "a value, or a bound of its uncertainty string, lies outside the "
                         "plausible range of its unit (docs/errors.md, Plausible ranges)",
    "sum-too-large": "values summed over a dimension exceed the declared bound",
    "sum-not-one": "shares (powertrain, chemistry, emission stage, material composition, age "
                   "distribution) do not sum to 1",
    "missing-item": "a required item combination has no value (full coverage)",
    "missing-source": "a value has no [REF|C] tag and the Cover no Dataset_Source",
    "unknown-source": "a [REF|C] tag names a ref_id the ref sheet lacks",
    "bad-confidence": "a confidence is not H, M or L",
    "bad-uncertainty": "a stats_array string does not parse (README, Uncertainty strings)",
    "too-few-observations": "a product type has fewer stock observations than the logistic "
                            "fit needs (stock_history plus stock_anchors)",
    # the classification master
    "duplicate-item": "an item appears twice in a classification",
    "duplicate-classification": "a classification is defined twice",
    "empty-classification": "a classification has no items",
    "missing-dimension": "a classification names no dimension",
    # the configuration and the model
    "unknown-classification": "a dimension of config.toml names no classification of the master",
    "bad-option": "a scenario's model options are invalid",
    "option-needs-workbook": "a model option needs a workbook that is absent",
    "shares-do-not-sum-to-1": "material shares of a component, or emission-stage shares of a "
                              "cohort, do not sum to 1 (checked when the composition is built)",
    "glider-negative": "the components of a truck weigh more than the truck",
    "negative-material": "lightweighting removes more of a material than a truck holds",
    "inconsistent-range": "the uncertainty ranges of one component are inconsistent",
    "derived-row": "component_mass has a row of a derived component (glider, trailer)",
    "unknown-anchor": "a stock anchor names an unknown product type",
    "bad-results-file": "a results.csv given to compare or report is not one elt-odym wrote",
    "bad-output-file": "a file of an output folder that report reads (sankey.json, "
                       "mass_balance.csv, validation.csv, ...) is not what elt-odym wrote",
    # statistics, priors and targets workbooks (io/statistics.py, io/targets.py)
    "empty-cell": "a required cell of a statistics or priors row is empty",
    "unknown-value": "a text cell is not one of the allowed values",
    "not-positive": "a number that must be positive is not",
    "not-a-year": "a year cell is not a whole year",
    "bad-years": "a range of years is not first-last within the model years",
    "bad-period": "a period of a statistic is not a year or a first-last range",
    "bad-range": "a low/high (or prior) range does not contain its value",
    "no-uncertainty": "a statistic gives neither a standard deviation nor a low/high range",
}
"""Every rule a :class:`Problem` can name, with what it means (``docs/errors.md`` lists them;
``tests/test_messages.py`` checks that every rule in the code is here)."""
