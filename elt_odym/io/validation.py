"""Validation of parameter workbooks: stricter than ODYM, and nothing is ever dropped.

Each broken rule becomes a :class:`~elt_odym.errors.Problem` naming file, sheet, cell and rule.
Rules (the ``rule`` field):

``name-mismatch``, ``version-mismatch``, ``unit-mismatch``, ``aspect-mismatch``,
``wrong-classification``, ``unknown-item``, ``duplicate-row``, ``not-a-number``,
``number-as-text``, ``formula-without-value``, ``below-minimum``, ``above-maximum``,
``implausible-value``, ``sum-too-large``, ``sum-not-one``, ``missing-item``, ``missing-source``,
``unknown-source``, ``bad-confidence``, ``bad-uncertainty``, ``too-few-observations``. The
readers add the structural rules (``missing-sheet``, ``empty-sheet``, ``bad-header``,
``bad-table-aspects``, ``table-size``, ``missing-aspect``, ...). Every rule is listed with its
meaning in :data:`elt_odym.errors.RULES`.

Every value, and every bound of its uncertainty string, must also lie within the plausible range
of its unit (:func:`elt_odym.declaration.plausible_range`): 1e308 is a finite number, and an
overflow to inf/NaN in the outputs.

Aspects are matched as ODYM matches them, by classification (:func:`resolve_aspects`).
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from pathlib import Path

from ..declaration import (
    DIM_BY_LETTER,
    LOGNORMAL_MAX_SIGMA,
    MIN_FIT_OBSERVATIONS,
    PLAUSIBLE_BY_PARAMETER,
    SHARE_SUM_TOLERANCE,
    ParameterSpec,
    Plausible,
    plausible_range,
)
from ..errors import EltOdymError, Problem
from .classification import ClassificationMaster
from .hints import item_hint, non_number
from .sheets import column_letter as get_column_letter
from .stats_array import Uncertainty, parse_stats_array
from .workbook import COVER, VALUES, ParameterWorkbook, Record, formula_cells, is_number

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
    if aspect_pos < len(rec.item_cells):
        return rec.item_cells[aspect_pos]
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
            hint = item_hint(rec.index[pos], list(items[pos]), DIM_BY_LETTER["t"].name == aspect)
            out.append(Problem(f, sheet, _item_cell(pw, rec, pos), "unknown-item",
                               f"{rec.index[pos]!r} is not an item of classification {cls!r} "
                               f"(aspect {aspect!r})" + (f": {hint}" if hint else "")))
    if not is_number(rec.value):
        rule, message = non_number(rec.value, table=pw.record_type == "TABLE")
        out.append(Problem(f, sheet, rec.cell, rule, message))
        return out
    if spec.minimum is not None and rec.value < spec.minimum:
        out.append(Problem(f, sheet, rec.cell, "below-minimum",
                           f"value {rec.value} is below the allowed minimum {spec.minimum}"))
    elif spec.maximum is not None and rec.value > spec.maximum:
        out.append(Problem(f, sheet, rec.cell, "above-maximum",
                           f"value {rec.value} is above the allowed maximum {spec.maximum}"))
    else:
        rng = plausible_range(spec)
        if not rng.low <= rec.value <= rng.high:
            out.append(Problem(f, sheet, rec.cell, "implausible-value",
                               f"value {rec.value:g} is outside the plausible range "
                               f"{_span(rng, spec)} of {spec.name} ({rng.why}); check the "
                               f"unit and the decimal point"))
    return out + _check_record_meta(pw, rec, spec)


def _span(rng: Plausible, spec: ParameterSpec) -> str:
    return f"{rng.low:g} to {rng.high:g} {spec.unit}"


def uncertainty_problem(unc: Uncertainty, spec: ParameterSpec) -> str:
    """Why the distribution ``unc`` of a value of ``spec`` reaches beyond the plausible range
    (empty: it does not). Locations (bounds, mode, mean, scale) must lie in the range, a normal
    standard deviation within its width, a lognormal sigma at most
    :data:`~elt_odym.declaration.LOGNORMAL_MAX_SIGMA`."""
    rng = plausible_range(spec)
    locations = {"uniform": ("p1", "p2"), "triangular": ("p1", "p2", "p3"),
                 "normal": ("p1",), "weibull": ("p2",)}.get(unc.kind, ())
    for name in locations:
        value = getattr(unc, name)
        if not math.isnan(value) and not rng.low <= value <= rng.high:
            return (f"{unc.kind} parameter {name} = {value:g} is outside the plausible range "
                    f"{_span(rng, spec)} ({rng.why})")
    shape = PLAUSIBLE_BY_PARAMETER["weibull_shape"]
    spread = {"normal": ("p2", rng.high - rng.low, f"the width of the plausible range "
                                                   f"{_span(rng, spec)}"),
              "lognormal": ("p2", LOGNORMAL_MAX_SIGMA, "+-3 sigma spans 13 orders of magnitude"),
              "weibull": ("p1", shape.high, shape.why)}.get(unc.kind)
    if spread and not getattr(unc, spread[0]) <= spread[1]:
        return (f"{unc.kind} parameter {spread[0]} = {getattr(unc, spread[0]):g} is above "
                f"{spread[1]:g} ({spread[2]})")
    if unc.kind == "lognormal" and not math.isnan(unc.p1) and rng.high > 0 and not (
            unc.p1 <= math.log(rng.high)):
        return (f"lognormal parameter p1 = {unc.p1:g} puts the median exp(p1) beyond the "
                f"plausible range {_span(rng, spec)}")
    return ""


def _inconsistent(value: float, unc: Uncertainty) -> str:
    """Why ``unc`` cannot describe ``value`` (empty: it can): a uniform range, or a triangular
    one whose mode is the value, must contain the value; a standard deviation must not be
    negative (numpy refuses to draw with it)."""
    if (unc.kind == "uniform" and not unc.p1 <= value <= unc.p2) or (
            unc.kind == "triangular" and math.isnan(unc.p2) and not unc.p1 <= value <= unc.p3):
        return f"the value {value:g} lies outside its own range; the range must contain it"
    if unc.kind in ("normal", "lognormal") and unc.p2 < 0:
        return f"the standard deviation p2 = {unc.p2:g} is negative"
    return ""


def _check_record_meta(pw: ParameterWorkbook, rec: Record,
                       spec: ParameterSpec | None = None) -> list[Problem]:
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
        unc = parse_stats_array(rec.stats_array)
    except ValueError as exc:
        out.append(Problem(f, sheet, rec.cell, "bad-uncertainty",
                           f"stats_array {rec.stats_array!r}: {exc}"))
        return out
    checks = [("bad-uncertainty", lambda: _inconsistent(rec.value, unc))]
    if spec is not None:
        checks += [("bad-uncertainty", lambda: _drawable(rec.value, unc, spec)),
                   ("implausible-value", lambda: uncertainty_problem(unc, spec))]
    for rule, check in checks:  # the first that fails is the one reported
        why = check()
        if why:
            out.append(Problem(f, sheet, rec.cell, rule,
                               f"stats_array {rec.stats_array!r}: {why}"))
            break
    return out


def _drawable(value: float, unc: Uncertainty, spec: ParameterSpec) -> str:
    """Why ``unc`` would draw values ``spec`` does not allow (empty: it would not): a bound of
    a uniform or triangular range outside the declared minimum and maximum, a distribution
    kind the parameter's draw does not take (:attr:`ParameterSpec.draw_kinds`), or a mode
    other than the value where the draw centres on it."""
    if spec.draw_kinds is not None and unc.kind not in spec.draw_kinds + ("none",):
        return (f"{spec.name} is drawn from {' or '.join(spec.draw_kinds)} ranges only, not "
                f"{unc.kind}: write 4;low;high or 5;low;;high")
    bounds = {"uniform": (unc.p1, unc.p2), "triangular": (unc.p1, unc.p3)}.get(unc.kind, ())
    for bound in bounds:
        if spec.minimum is not None and bound < spec.minimum:
            return (f"its range reaches {bound:g}, below the minimum {spec.minimum:g} of "
                    f"{spec.name}; narrow the range")
        if spec.maximum is not None and bound > spec.maximum:
            return (f"its range reaches {bound:g}, above the maximum {spec.maximum:g} of "
                    f"{spec.name}; narrow the range")
    if (spec.draw_kinds is not None and unc.kind == "triangular" and not math.isnan(unc.p2)
            and unc.p2 != value):
        return (f"the mode {unc.p2:g} differs from the value {value:g}; leave the mode empty "
                "(5;low;;high): the draw centres on the value")
    return ""


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
    empty: list[str] = []
    for rec in pw.records:
        out += _check_record(pw, spec, rec, items)
        if rec.index in seen:
            out.append(Problem(pw.path, _sheet(pw), rec.cell, "duplicate-row",
                               f"index {rec.index} was already given at {seen[rec.index]}"))
        seen.setdefault(rec.index, rec.cell)
        if rec.value is None:
            empty.append(rec.cell)
    if empty:
        out = _formulas(pw, empty, out)
    out += _check_sums(pw, spec)
    if spec.coverage == "full" and not pw.incomplete:
        out += _check_coverage(pw, spec, items, years, seen)
    return out


def _formulas(pw: ParameterWorkbook, cells: list[str], problems: list[Problem]
              ) -> list[Problem]:
    """``problems`` with each empty cell that holds a formula (or an error value) reported as
    ``formula-without-value``."""
    try:
        found = formula_cells(pw.path, _sheet(pw), cells)
    except (EltOdymError, OSError, ValueError, KeyError):  # the first read said why already
        return problems
    out = []
    for p in problems:
        if p.cell in found and p.rule == "not-a-number":
            p = Problem(p.file, p.sheet, p.cell, "formula-without-value",
                        f"the cell holds {found[p.cell]}: open the workbook in Excel (or "
                        f"LibreOffice) and save it, so that the result is saved with the "
                        f"formula, or type the number")
        out.append(p)
    return out


def _group_sums(pw: ParameterWorkbook, letter: str) -> dict[tuple, list]:
    """``key -> [sum, first cell, last cell]`` of the values summed over dimension ``letter``."""
    pos = pw.aspect_names.index(DIM_BY_LETTER[letter].name)
    sums: dict[tuple, list] = {}
    for rec in pw.records:
        if is_number(rec.value):
            key = rec.index[:pos] + rec.index[pos + 1:]
            entry = sums.setdefault(key, [0.0, rec.cell, rec.cell])
            entry[0] += rec.value
            entry[2] = rec.cell
    return sums


def _check_sums(pw: ParameterWorkbook, spec: ParameterSpec) -> list[Problem]:
    """``sum-too-large`` (:attr:`ParameterSpec.sum_at_most`) and ``sum-not-one`` (shares,
    :attr:`ParameterSpec.shares_over`); at most :data:`MAX_LISTED` groups of each."""
    out: list[Problem] = []
    if spec.sum_at_most:
        letter, bound = spec.sum_at_most
        for key, (total, _, _) in _group_sums(pw, letter).items():
            if total > bound + 1e-12:
                out.append(Problem(pw.path, _sheet(pw), "", "sum-too-large",
                                   f"values at {key} sum to {total:.6g} over "
                                   f"{DIM_BY_LETTER[letter].name}, more than {bound:g}"))
    if not spec.shares_over:
        return out
    dim = DIM_BY_LETTER[spec.shares_over].name
    bad = [(key, v) for key, v in _group_sums(pw, spec.shares_over).items()
           if abs(v[0] - 1.0) > SHARE_SUM_TOLERANCE
           and not (spec.sum_at_most and v[0] > spec.sum_at_most[1] + 1e-12)]
    for i, (key, (total, first, last)) in enumerate(bad[:MAX_LISTED]):
        more = (f"; {len(bad) - MAX_LISTED} more groups do too"
                if i == MAX_LISTED - 1 and len(bad) > MAX_LISTED else "")
        out.append(Problem(pw.path, _sheet(pw), first, "sum-not-one",
                           f"the shares of {spec.name} at {_key(key)} (cells {first}-{last}) "
                           f"sum to {total:.6g} over {dim}, not 1: they split one whole, so "
                           f"correct them (or put the rest in an 'other' item){more}"))
    return out


def _key(key: tuple) -> str:
    return ", ".join(str(k) for k in key) if key else "the one group"


def _check_coverage(pw, spec, items, years, seen) -> list[Problem]:
    required = _required_items(spec, pw, items, years)
    missing = [combo for combo in itertools.product(*required) if combo not in seen]
    if not missing:
        return []
    if not pw.records:
        return [Problem(pw.path, _sheet(pw), "", "missing-item",
                        f"the sheet holds no values, only its header: it needs one row per "
                        f"item combination of {pw.aspect_names} ({len(missing)} rows)")]
    shown = ", ".join(str(m) for m in missing[:MAX_LISTED])
    more = f" and {len(missing) - MAX_LISTED} more" if len(missing) > MAX_LISTED else ""
    return [Problem(pw.path, _sheet(pw), "", "missing-item",
                    f"{len(missing)} required item combination(s) of {pw.aspect_names} have no "
                    f"value: {shown}{more}")]


def stock_observation_problems(observations: dict[str, dict[tuple, float]],
                               paths: dict[str, str], products: list) -> list[Problem]:
    """Product types with fewer stock observations than the logistic fit needs
    (:data:`~elt_odym.declaration.MIN_FIT_OBSERVATIONS`), rule ``too-few-observations``.

    Parameters
    ----------
    observations : dict
        ``stock_history`` and ``stock_anchors``: ``(year, product) -> value``.
    paths : dict
        Their workbooks; the problem names the anchors' workbook, the one to fill.
    products : list
        The product types of the classification.
    """
    counts = {name: defaultdict(int) for name in observations}
    for name, obs in observations.items():
        for key in obs:
            counts[name][key[1]] += 1
    out = []
    target = paths.get("stock_anchors") or next(iter(paths.values()))
    for g in products:
        found = {name: counts[name][g] for name in observations}
        if sum(found.values()) < MIN_FIT_OBSERVATIONS:
            detail = ", ".join(f"{Path(paths[n]).name}: {c}" for n, c in found.items())
            out.append(Problem(target, VALUES, "", "too-few-observations",
                               f"product type {g!r} has {sum(found.values())} stock "
                               f"observation(s) ({detail}); the logistic fit of its stock "
                               f"(Eq. 1) needs at least {MIN_FIT_OBSERVATIONS}: add rows "
                               f"(year, {g}, stock) to {Path(target).name}"))
    return out


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
