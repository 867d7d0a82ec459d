"""ODYM-format workbooks: classification master, parameter workbooks, uncertainty strings."""

from .classification import (
                             Classification,
                             ClassificationMaster,
                             read_classification_master,
                             write_classification_master,
)
from .stats_array import Uncertainty, parse_stats_array
from .workbook import (
                             ParameterWorkbook,
                             Record,
                             read_parameter_workbook,
                             write_parameter_workbook,
)

__all__ = [
    "Classification", "ClassificationMaster", "read_classification_master",
    "write_classification_master", "Uncertainty", "parse_stats_array", "ParameterWorkbook",
    "Record", "read_parameter_workbook", "write_parameter_workbook",
]
