"""Validation of parameter workbooks: stricter than ODYM, and nothing is ever dropped.

Each broken rule becomes a :class:`~elt_odym.errors.Problem` naming file, sheet, cell and rule.
Rules (the ``rule`` field):

``name-mismatch``, ``version-mismatch``, ``unit-mismatch``, ``aspect-mismatch``,
``wrong-classification``, ``unknown-item``, ``duplicate-row``, ``not-a-number``,
``below-minimum``, ``above-maximum``, ``sum-too-large``, ``missing-item``, ``missing-source``,
``unknown-source``, ``bad-confidence``, ``bad-uncertainty``. The readers add the structural
rules (``missing-sheet``, ``bad-header``, ``bad-table-aspects``, ``table-size``,
``missing-aspect``, ...).

Aspects are matched as ODYM matches them, by classification (:func:`resolve_aspects`).
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

from ..declaration import DIM_BY_LETTER, ParameterSpec
from ..errors import Problem
from .classification import ClassificationMaster
from .sheets import column_letter as get_column_letter
from .stats_array import parse_stats_array
from .workbook import COVER, VALUES, ParameterWorkbook, Record, is_number

CONFIDENCE = ("H", "M", "L")
MAX_LISTED = 12


def _sheet(pw: ParameterWorkbook) -> str:
    return VALUES if pw.record_type == "LIST" else pw.table_sheet


def _cover_cell(pw: ParameterWorkbook, key: str) -> str:
    return pw.cells.get(key, "B2")


def resolve_aspects(pw: ParameterWorkbook, spec: ParameterSpec,
                    dim_classes: dict[str, str]) -> None:
    """Name each aspect by its dimension, as ODYM does, when its meaning is not our name.

    ODYM matches a workbook's aspects to the model by classification; the meaning column is
    free text (``Product``, ``commodity``, ``Age-cohort``). An aspect whose name is not one of
    the parameter's dimension names takes the name of the one dimension the configuration
    assigns its classification to. Renames ``pw.aspects``, ``pw.row_aspects`` and
    ``pw.col_aspects`` in place; leaves them as they are when that is ambiguous.
    """
    want = {DIM_BY_LETTER[x].name for x in spec.dims}
    if {a for a, _ in pw.aspects} == want:
        return
    by_class: dict[str, list[str]] = defaultdict(list)
    for letter in spec.dims:
        by_class[dim_classes.get(letter, "")].append(DIM_BY_LETTER[letter].name)
    rename = {}
    for aspect, cls in pw.aspects:
        if aspect not in want and len(by_class.get(cls, [])) == 1:
            rename[aspect] = by_class[cls][0]
    if not rename:
        return
    for old, new in rename.items():
        pw.cells[f"aspect:{new}"] = pw.cells.get(f"aspect:{old}", "")
    pw.aspects = [(rename.get(a, a), c) for a, c in pw.aspects]
    pw.row_aspects = [rename.get(a, a) for a in pw.row_aspects]
    pw.col_aspects = [rename.get(a, a) for a in pw.col_aspects]


def _item_cell(pw: ParameterWorkbook, rec: Record, aspect_pos: int) -> str:
    if pw.record_type != "LIST":
        return rec.cell
    row = re.sub(r"^[A-Z]+", "", rec.cell)
    return f"{get_column_letter(aspect_pos + 1)}{row}"


def check_cover(pw: ParameterWorkbook, spec: ParameterSpec, master: ClassificationMaster,
                dim_classes: dict[str, str]) -> list[Problem]:
    """Check name, classification version, unit and aspects of the cover."""
    out = []
    f = pw.path
    if pw.name != spec.name:
        out.append(Problem(f, COVER, _cover_cell(pw, "Dataset_Name"), "name-mismatch",
                           f"Dataset_Name is {pw.name!r}, the model expects {spec.name!r}"))
    version = pw.version
    if version != master.version:
        out.append(Problem(f, COVER, _cover_cell(pw, "Dataset_Classification_version_number"),
                           "version-mismatch",
                           f"workbook declares classification version {version!r}, the "
                           f"classification master is {master.version!r} (ODYM names a "
                           f"master by its file name)"))
    if pw.unit != spec.unit:
        out.append(Problem(f, COVER, _cover_cell(pw, "Dataset_Unit"), "unit-mismatch",
                           f"Dataset_Unit is {pw.unit!r}, the model declares {spec.unit!r}"))
    want = sorted(DIM_BY_LETTER[x].name for x in spec.dims)
    if sorted(pw.aspect_names) != want:
        out.append(Problem(f, COVER, pw.cells.get("aspects", ""), "aspect-mismatch",
                           f"aspects are {pw.aspect_names}, the model declares {want}"))
        return out
    for aspect, cls in pw.aspects:
        letter = next(x for x in spec.dims if DIM_BY_LETTER[x].name == aspect)
        cell = pw.cells.get(f"aspect:{aspect}", "")
        if cls != dim_classes.get(letter, cls):
            out.append(Problem(f, COVER, cell, "wrong-classification",
                               f"aspect {aspect!r} uses classification {cls!r}, the "
                               f"configuration assigns {dim_classes[letter]!r}"))
        elif cls not in master:
            out.append(Problem(f, COVER, cell, "wrong-classification",
                               f"classification {cls!r} is not in the classification master"))
    return out


def _check_record(pw: ParameterWorkbook, spec: ParameterSpec, rec: Record,
                  items: list[dict]) -> list[Problem]:
    out = []
    f, sheet = pw.path, _sheet(pw)
    for pos, (aspect, cls) in enumerate(pw.aspects):
        if rec.index[pos] not in items[pos]:
            out.append(Problem(f, sheet, _item_cell(pw, rec, pos), "unknown-item",
                               f"{rec.index[pos]!r} is not an item of classification {cls!r} "
                               f"(aspect {aspect!r})"))
    if not is_number(rec.value):
        out.append(Problem(f, sheet, rec.cell, "not-a-number",
                           f"value {rec.value!r} is not a finite number"))
        return out
    if spec.minimum is not None and rec.value < spec.minimum:
        out.append(Problem(f, sheet, rec.cell, "below-minimum",
                           f"value {rec.value} is below the allowed minimum {spec.minimum}"))
    if spec.maximum is not None and rec.value > spec.maximum:
        out.append(Problem(f, sheet, rec.cell, "above-maximum",
                           f"value {rec.value} is above the allowed maximum {spec.maximum}"))
    return out + _check_record_meta(pw, rec)


def _check_record_meta(pw: ParameterWorkbook, rec: Record) -> list[Problem]:
    out = []
    f, sheet = pw.path, _sheet(pw)
    nom, den = (pw.unit.split("/", 1) + [""])[:2]
    if pw.record_type == "LIST" and (rec.unit_nominator, rec.unit_denominator) != (nom, den):
        out.append(Problem(f, sheet, rec.cell, "unit-mismatch",
                           f"row unit {rec.unit_nominator!r}/{rec.unit_denominator!r} differs "
                           f"from Dataset_Unit {pw.unit!r}"))
    ref, conf = pw.provenance(rec)
    if not ref:
        out.append(Problem(f, sheet, rec.cell, "missing-source",
                           "no [REF|C] tag in the comment and no Dataset_Source on the cover"))
    elif ref not in pw.ref_ids():
        out.append(Problem(f, sheet, rec.cell, "unknown-source",
                           f"source {ref!r} is not a ref_id of the ref sheet"))
    if conf not in CONFIDENCE:
        out.append(Problem(f, sheet, rec.cell, "bad-confidence",
                           f"confidence {conf!r} must be one of H, M, L"))
    try:
        parse_stats_array(rec.stats_array)
    except ValueError as exc:
        out.append(Problem(f, sheet, rec.cell, "bad-uncertainty",
                           f"stats_array {rec.stats_array!r}: {exc}"))
    return out


def _required_items(spec, pw, items, years) -> list[list]:
    required = []
    for pos, (aspect, _) in enumerate(pw.aspects):
        if aspect == "Time" and years is not None:
            required.append(list(years))
        else:
            required.append(list(items[pos]))
    return required


def check_records(pw: ParameterWorkbook, spec: ParameterSpec, master: ClassificationMaster,
                  years: list[int] | None) -> list[Problem]:
    """Check every record: items, duplicates, values, units, sources, coverage and sums."""
    items = [dict.fromkeys(master[cls].items) if cls in master else {} for _, cls in pw.aspects]
    out: list[Problem] = []
    seen: dict[tuple, str] = {}
    sums: dict[tuple, float] = defaultdict(float)
    sum_pos = None
    if spec.sum_at_most:
        sum_name = DIM_BY_LETTER[spec.sum_at_most[0]].name
        sum_pos = pw.aspect_names.index(sum_name)
    for rec in pw.records:
        out += _check_record(pw, spec, rec, items)
        if rec.index in seen:
            out.append(Problem(pw.path, _sheet(pw), rec.cell, "duplicate-row",
                               f"index {rec.index} was already given at {seen[rec.index]}"))
        seen.setdefault(rec.index, rec.cell)
        if sum_pos is not None and is_number(rec.value):
            sums[rec.index[:sum_pos] + rec.index[sum_pos + 1:]] += rec.value
    if spec.sum_at_most:
        for key, total in sums.items():
            if total > spec.sum_at_most[1] + 1e-12:
                out.append(Problem(pw.path, _sheet(pw), "", "sum-too-large",
                                   f"values at {key} sum to {total:.6g} over "
                                   f"{DIM_BY_LETTER[spec.sum_at_most[0]].name}, more than "
                                   f"{spec.sum_at_most[1]:g}"))
    if spec.coverage == "full":
        out += _check_coverage(pw, spec, items, years, seen)
    return out


def _check_coverage(pw, spec, items, years, seen) -> list[Problem]:
    required = _required_items(spec, pw, items, years)
    missing = [combo for combo in itertools.product(*required) if combo not in seen]
    if not missing:
        return []
    shown = ", ".join(str(m) for m in missing[:MAX_LISTED])
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    return [Problem(pw.path, _sheet(pw), "", "missing-item",
                    f"{len(missing)} required item combination(s) of {pw.aspect_names} have no "
                    f"value: {shown}{more}")]


def validate_parameter(pw: ParameterWorkbook, spec: ParameterSpec, master: ClassificationMaster,
                       dim_classes: dict[str, str], years: list[int] | None) -> list[Problem]:
    """All problems of one parameter workbook (empty list: the workbook is valid)."""
    if pw.unreadable:
        return [pw.unreadable]
    resolve_aspects(pw, spec, dim_classes)
    problems = check_cover(pw, spec, master, dim_classes)
    if any(p.rule == "aspect-mismatch" for p in problems):
        return problems
    return problems + check_records(pw, spec, master, years)
