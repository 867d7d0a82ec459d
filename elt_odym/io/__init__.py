"""ODYM-format workbooks: classification master, parameter workbooks, uncertainty strings.

The names below are imported when first used, so importing one module of this package (for
example :mod:`.safe_open` for the command line's limits) does not load the others.
"""

from importlib import import_module

_WHERE = {
    "Classification": "classification", "ClassificationMaster": "classification",
    "read_classification_master": "classification",
    "write_classification_master": "classification",
    "Uncertainty": "stats_array", "parse_stats_array": "stats_array",
    "ParameterWorkbook": "workbook", "Record": "workbook",
    "read_parameter_workbook": "workbook", "write_parameter_workbook": "workbook",
}

__all__ = list(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
