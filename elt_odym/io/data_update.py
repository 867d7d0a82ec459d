"""Replace a file of the data folder only when asked, only when it changes, keeping its notes.

``elt-odym calibrate --in-place`` and the generator scripts of ``tools/`` (with
``--in-place``) write their files into a staging folder first; :func:`install` then puts each
one in place of the shipped file:

- a file whose content equals the shipped one is not written (a parameter workbook compares
  its aspects, records, record type, ``ref`` rows and cover, not the dates of its cover or
  its ``log``; another workbook compares the values of every sheet; any other file its bytes),
  so re-running a step that changes nothing leaves ``git status`` clean;
- a parameter workbook that changes keeps every note of the shipped one (:func:`keep_notes`):
  every ``ref`` row, every ``log`` row, the comment (provenance) of every value that does not
  change, and every comment the new file would shorten (a caveat a later step appended, e.g.
  ``(no scrap price found: ...)``);
- the move is atomic (``os.replace``: a link at the destination is replaced, never followed).

:func:`describe` says what changed, for the diff a step prints before or instead of writing.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..errors import EltOdymError
from .safe_open import read_book
from .workbook import ParameterWorkbook, read_parameter_workbook, write_parameter_workbook

DATE_KEYS = frozenset({"Date created", "Last modified", "Last modified by"})
"""Cover keys that record when and by whom, not what: not compared."""


def content(pw: ParameterWorkbook) -> tuple:
    """What a parameter workbook says (aspects by name, records in order of their index,
    record type, ``ref`` rows, cover values but its dates); its ``log`` is history, not content."""
    order = sorted(range(len(pw.aspects)), key=lambda i: pw.aspects[i][0])
    records = sorted((tuple(str(r.index[i]) for i in order), _norm(r.value), r.unit_nominator,
                      r.unit_denominator, r.stats_array, r.comment) for r in pw.records)
    refs = sorted(tuple(sorted(r.items())) for r in pw.refs)
    cover = sorted((k, str(v)) for k, v in pw.cover.items() if v and k not in DATE_KEYS)
    return [pw.aspects[i] for i in order], records, pw.record_type, refs, cover


def keep_notes(new: ParameterWorkbook, old: ParameterWorkbook
               ) -> tuple[ParameterWorkbook, list[str]]:
    """``new`` with every note of ``old`` it would drop, and what was kept.

    The ``ref`` rows of ``old`` come first (in their order), then those only ``new`` has; the
    ``log`` rows likewise. A value keeps the comment (its ``[REF|C]`` provenance) of ``old``
    when the value itself does not change, or when the comment of ``old`` starts with the new
    one and goes on (a caveat appended by a later step); a changed value takes its new comment.
    """
    kept = []
    refs = list(old.refs) + [r for r in new.refs if r not in old.refs]
    kept += [f"ref {r.get('ref_id', '')}" for r in old.refs if r not in new.refs]
    log = list(old.log) + [r for r in new.log if r not in old.log]
    kept += [f"log row of {r.get('date', '')}" for r in old.log if r not in new.log]
    before = {tuple(map(str, r.index)): r for r in old.records}
    records, same, longer = [], 0, 0
    for rec in new.records:
        was = before.get(tuple(map(str, rec.index)))
        if was is not None and was.comment != rec.comment:
            if _same_value(was.value, rec.value):
                rec, same = dataclasses.replace(rec, comment=was.comment), same + 1
            elif was.comment.startswith(rec.comment):
                rec, longer = dataclasses.replace(rec, comment=was.comment), longer + 1
        records.append(rec)
    if same:
        kept.append(f"the comment of {same} unchanged value(s)")
    if longer:
        kept.append(f"the longer comment of {longer} value(s)")
    return dataclasses.replace(new, refs=refs, log=log, records=records), kept


def _same_value(a: object, b: object) -> bool:
    """Equal values (``1`` and ``1.0`` are equal; text compares as text)."""
    return _norm(a) == _norm(b)


def _norm(value: object) -> str:
    """A value as compared: a number by its float (``1`` is ``1.0``), anything else as text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(float(value))
    return repr(value)


def describe(old: ParameterWorkbook, new: ParameterWorkbook) -> str:
    """What differs between two versions of a parameter workbook, in one phrase."""
    a, b = content(old), content(new)
    if a == b:
        return "unchanged"
    old_rec = {r[0]: r[1:] for r in a[1]}
    new_rec = {r[0]: r[1:] for r in b[1]}
    values = sum(old_rec[k][0] != new_rec[k][0] for k in old_rec.keys() & new_rec.keys())
    comments = sum(old_rec[k][1:] != new_rec[k][1:] for k in old_rec.keys() & new_rec.keys())
    parts = [f"{n} {what}" for n, what in (
        (values, "value(s) changed"), (comments, "comment(s) or unit(s) changed"),
        (len(new_rec.keys() - old_rec.keys()), "row(s) added"),
        (len(old_rec.keys() - new_rec.keys()), "row(s) removed"),
        (len(set(b[3]) - set(a[3])), "ref row(s) added"),
        (len(set(a[3]) - set(b[3])), "ref row(s) dropped")) if n]
    if a[0] != b[0] or a[2] != b[2]:
        parts.append("aspects or layout changed")
    if a[4] != b[4]:
        parts.append("cover changed")
    return ", ".join(parts) or "changed"


def is_parameter_workbook(path: Path) -> bool:
    """A workbook with a ``Cover`` sheet (read within the limits)."""
    try:
        return "Cover" in read_book(path, sheets=("Cover",))
    except EltOdymError:
        return False


def compare(staged: Path, dest: Path) -> tuple[str, ParameterWorkbook | None]:
    """What installing ``staged`` over ``dest`` would do, and the workbook to write (a
    parameter workbook with the notes of ``dest`` kept; None: copy ``staged`` as it is)."""
    if not dest.exists():
        return "added", None
    if staged.suffix.lower() != ".xlsx":
        return ("unchanged" if staged.read_bytes() == dest.read_bytes() else "changed"), None
    if not (is_parameter_workbook(staged) and is_parameter_workbook(dest)):
        same = _sheet_values(staged) == _sheet_values(dest)
        return ("unchanged" if same else "changed (sheet values differ)"), None
    old = read_parameter_workbook(dest)
    merged, kept = keep_notes(read_parameter_workbook(staged), old)
    what = describe(old, merged)
    if kept and what != "unchanged":
        what += "; kept " + ", ".join(kept)
    return what, merged


def install(staged: Path, dest: Path) -> str:
    """Put ``staged`` in place of ``dest`` if it changes anything (module docstring); return
    what was done (``unchanged``, ``added`` or what changed)."""
    what, merged = compare(staged, dest)
    if what == "unchanged":
        return what
    if merged is not None:
        write_parameter_workbook(merged, staged)
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, dest)
    return what


def _sheet_values(path: Path) -> dict:
    return {name: sheet.rows for name, sheet in read_book(path).sheets.items()}
