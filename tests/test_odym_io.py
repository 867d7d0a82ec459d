"""ODYM-format workbooks: round trips and every validation rule on broken copies."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import set_cell

from elt_odym.data import load_data, validate_data_dir
from elt_odym.errors import DataValidationError
from elt_odym.io import (
    read_classification_master,
    read_parameter_workbook,
    write_classification_master,
    write_parameter_workbook,
)
from elt_odym.io.stats_array import parse_stats_array


def _records(pw):
    return [(r.index, r.value, r.unit_nominator, r.unit_denominator, r.stats_array, r.comment)
            for r in pw.records]


@pytest.mark.parametrize("name", ["price", "stock_anchors", "collection_rate", "inflation_rate",
                                  "material_composition"])
def test_parameter_round_trip(bundled, tmp_path, name):
    src = bundled / "datasets" / f"{name}.xlsx"
    first = read_parameter_workbook(src)
    write_parameter_workbook(first, tmp_path / "a.xlsx")
    second = read_parameter_workbook(tmp_path / "a.xlsx")
    write_parameter_workbook(second, tmp_path / "b.xlsx")
    third = read_parameter_workbook(tmp_path / "b.xlsx")
    assert first.cover == second.cover == third.cover
    assert first.aspects == second.aspects
    assert [(r.index, r.value) for r in first.records] == [(r.index, r.value)
                                                            for r in second.records]
    assert _records(second) == _records(third)
    assert first.refs == second.refs and first.log == second.log
    assert first.record_type == second.record_type


def test_table_layout_is_read(bundled):
    pw = read_parameter_workbook(bundled / "datasets" / "collection_rate.xlsx")
    assert pw.record_type == "TABLE"
    assert len(pw.records) == 73 * 4  # every year of the classification x 4 types
    assert pw.provenance(pw.records[0]) == ("ASSUME", "L")


def test_classification_round_trip(bundled, tmp_path):
    path = bundled / "classification" / "ELT_Classification_Master.xlsx"
    master = read_classification_master(path)
    assert master["Truck_type"].items == ["HT", "MT", "ST", "NT"]
    assert master["Time"].items[0] == 1978 and master["Time"].items[-1] == 2050
    assert len(master["Material"].items) == 28  # 20 + other + 6 battery materials + Pr (15, 21)
    assert master["Powertrain"].items[0] == "diesel"
    write_classification_master(master, tmp_path / "ELT_Classification_Master.xlsx")
    again = read_classification_master(tmp_path / "ELT_Classification_Master.xlsx")
    assert {k: v.items for k, v in again.classifications.items()} == {
        k: v.items for k, v in master.classifications.items()}
    assert again.version == master.version == "ELT_Classification_Master"  # the file name
    assert master["Unity"].items == [1]


def test_bundled_data_is_valid(bundled):
    assert validate_data_dir(bundled / "datasets") == []


def _problems(data_dir: Path) -> list:
    return validate_data_dir(data_dir)


BROKEN = [  # file, sheet, cell, new value, rule, cell reported
    ("unit_weight.xlsx", "Values_Master", "A3", "XT", "unknown-item", "A3"),
    ("unit_weight.xlsx", "Values_Master", "B2", "heavy", "not-a-number", "B2"),
    ("unit_weight.xlsx", "Values_Master", "B2", -3.0, "below-minimum", "B2"),
    ("unit_weight.xlsx", "Values_Master", "B2", float("nan"), "not-a-number", "B2"),
    ("unit_weight.xlsx", "Values_Master", "A3", "HT", "duplicate-row", "B3"),
    ("unit_weight.xlsx", "Values_Master", "C2", "kg", "unit-mismatch", "B2"),
    ("unit_weight.xlsx", "Cover", "B5", "kg/unit", "unit-mismatch", "B5"),
    ("unit_weight.xlsx", "Cover", "B15", "0.9", "version-mismatch", "B15"),
    ("unit_weight.xlsx", "Values_Master", "F2", "no tag", "missing-source", "B2"),
    ("unit_weight.xlsx", "Values_Master", "F2", "[NOPE|M] x", "unknown-source", "B2"),
    ("unit_weight.xlsx", "Values_Master", "F2", "[BRIEF|Q] x", "bad-confidence", "B2"),
    ("unit_weight.xlsx", "Values_Master", "E2", "3;abc", "bad-uncertainty", "B2"),
    ("recovery_efficiency.xlsx", "Values_Master", "B2", 1.5, "above-maximum", "B2"),
    ("material_composition.xlsx", "Values_Master", "C2", 0.9, "sum-too-large", ""),
    ("collection_rate.xlsx", "Values_Table", "C2", None, "not-a-number", "C2"),
    ("unit_weight.xlsx", "Cover", "B3", "unit_mass", "name-mismatch", "B3"),
]


@pytest.mark.parametrize("file,sheet,cell,value,rule,where", BROKEN)
def test_each_rule_names_file_sheet_cell(data_copy, file, sheet, cell, value, rule, where):
    set_cell(data_copy / file, sheet, cell, value)
    problems = [p for p in _problems(data_copy) if p.rule == rule]
    assert problems, f"rule {rule} not reported"
    p = problems[0]
    assert Path(p.file).name == file
    assert p.sheet == sheet or (sheet == "Values_Master" and p.sheet == "Values_Master")
    assert p.cell == where


def test_aspect_and_classification_rules(data_copy):
    path = data_copy / "unit_weight.xlsx"  # Cover row 23: A classification, B meaning
    set_cell(path, "Cover", "B23", "truck type")  # free meaning: ODYM goes by classification
    assert _problems(data_copy) == []
    set_cell(path, "Cover", "A23", "Route")
    set_cell(path, "Cover", "B23", "Route")
    assert any(p.rule == "aspect-mismatch" and p.sheet == "Cover" and p.cell == "A23"
               for p in _problems(data_copy))
    set_cell(path, "Cover", "B23", "Product")
    set_cell(path, "Cover", "A23", "Material")
    found = [p for p in _problems(data_copy) if p.rule == "wrong-classification"]
    assert found and "configuration assigns 'Truck_type'" in found[0].message
    assert found[0].cell == "A23"


def test_missing_workbook_is_reported(data_copy):
    (data_copy / "price.xlsx").unlink()
    problems = [p for p in _problems(data_copy) if p.rule == "missing-file"]
    assert problems and Path(problems[0].file).name == "price.xlsx"


def test_missing_row_is_missing_item_not_dropped(data_copy):
    import openpyxl

    path = data_copy / "unit_weight.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["Values_Master"].delete_rows(3)  # drop MT
    wb.save(path)
    problems = _problems(data_copy)
    assert any(p.rule == "missing-item" and "('MT',)" in p.message for p in problems)


def test_every_problem_reported_not_just_first(data_copy):
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "B2", "x")
    set_cell(data_copy / "price.xlsx", "Values_Master", "A5", "Unobtainium")
    set_cell(data_copy / "weibull_shape.xlsx", "Values_Master", "B3", -1)
    rules = {(Path(p.file).name, p.rule) for p in _problems(data_copy)}
    assert {("unit_weight.xlsx", "not-a-number"), ("price.xlsx", "unknown-item"),
            ("weibull_shape.xlsx", "below-minimum")} <= rules


def test_load_data_raises_typed_error(data_copy):
    set_cell(data_copy / "unit_weight.xlsx", "Values_Master", "A3", "XT")
    with pytest.raises(DataValidationError) as exc:
        load_data(data_copy, "literature")
    assert "unit_weight.xlsx [Values_Master] A3: unknown-item" in str(exc.value)


def test_classification_duplicate_item(data_copy):
    path = data_copy.parent / "classification" / "ELT_Classification_Master.xlsx"
    set_cell(path, "MAIN_Table", "C12", "HT")
    with pytest.raises(DataValidationError) as exc:
        read_classification_master(path)
    assert exc.value.problems[0].cell == "C12"
    assert exc.value.problems[0].rule == "duplicate-item"


@pytest.mark.parametrize("text,kind", [("", "none"), ("3;;0.5", "normal"), ("2;;0.1", "lognormal"),
                                       ("4;2;3", "uniform"), ("5;1;;4", "triangular"),
                                       ("8;3.3;10", "weibull")])
def test_stats_array_parse(text, kind):
    assert parse_stats_array(text).kind == kind


@pytest.mark.parametrize("text", ["9;1;2", "x", "4;3;2", "3"])
def test_stats_array_rejects(text):
    with pytest.raises(ValueError):
        parse_stats_array(text)
