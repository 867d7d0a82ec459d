"""The fast reader (python-calamine) against the reference (openpyxl), and the limits it obeys.

Every bundled workbook is read both ways; the grids, and what the ODYM readers make of them
(records, covers, ``ref`` and ``log`` sheets, uncertainty strings, provenance), must be
identical. Hostile sheets whose real extent is far larger than their content are refused
before any parser builds a grid.
"""

from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elt_odym.errors import UnreadableWorkbookError
from elt_odym.io import read_classification_master, read_parameter_workbook
from elt_odym.io.safe_open import WorkbookLimits, read_book
from elt_odym.io.sheets import cell_value, column_letter
from elt_odym.io.stats_array import parse_stats_array
from elt_odym.paths import bundled_root

ROOT = bundled_root()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "buses"
BUNDLED = sorted([*(ROOT / "datasets").rglob("*.xlsx"), *(ROOT / "classification").glob("*.xlsx"),
                  *EXAMPLES.rglob("*.xlsx")])
NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _ids(paths):
    return [p.relative_to(p.parents[2]).as_posix() for p in paths]


def test_every_bundled_folder_is_covered():
    folders = {p.parent.name for p in BUNDLED}
    assert {"datasets", "classification", "best_estimate"} <= folders
    assert any("buses" in p.parts for p in BUNDLED)
    assert len(BUNDLED) >= 60


@pytest.mark.parametrize("path", BUNDLED, ids=_ids(BUNDLED))
def test_both_readers_give_the_same_cells(path):
    fast, ref = read_book(path), read_book(path, engine="openpyxl")
    assert fast.sheetnames == ref.sheetnames
    for name in ref.sheetnames:
        a, b = fast[name].rows, ref[name].rows
        assert a == b, name
        assert [[type(v) for v in row] for row in a] == [[type(v) for v in row] for row in b]


def _parameter_view(pw):
    """Everything a reader of a parameter workbook hands on, as plain values."""
    records = [(r.index, r.value, type(r.value), r.unit_nominator, r.unit_denominator,
                r.stats_array, repr(parse_stats_array(r.stats_array)), r.comment, r.cell,
                pw.provenance(r)) for r in pw.records]
    rest = dataclasses.asdict(dataclasses.replace(pw, records=[], path=""))
    return records, rest


@pytest.mark.parametrize("path", BUNDLED, ids=_ids(BUNDLED))
def test_both_readers_give_the_same_workbook(path):
    book = read_book(path)
    if "Cover" not in book and "MAIN_Table" not in book:
        pytest.skip("not an ODYM workbook (calibration targets: compared cell by cell above)")
    if "MAIN_Table" in book:
        fast = read_classification_master(path)
        ref = read_classification_master(path, engine="openpyxl")
        assert fast == ref
        assert all(c.items for c in fast.classifications.values())
        return
    problems_fast, problems_ref = [], []
    fast = read_parameter_workbook(path, problems_fast)
    ref = read_parameter_workbook(path, problems_ref, engine="openpyxl")
    assert problems_fast == problems_ref == []
    assert _parameter_view(fast) == _parameter_view(ref)
    assert fast.records and fast.cover["Dataset_Name"] == path.stem
    assert all(pw.provenance(r)[0] for pw in (fast,) for r in pw.records)


def test_cell_values_are_normalised_as_openpyxl_reads_them():
    import datetime as dt

    assert cell_value(5.0) == 5 and type(cell_value(5.0)) is int
    assert type(cell_value(2.0 ** 60)) is float  # beyond exact integers: stays a float
    assert type(cell_value(1e308)) is float
    assert cell_value(2.5) == 2.5 and cell_value("") is None and cell_value(" a ") == " a "
    assert cell_value(dt.date(2020, 1, 2)) == dt.datetime(2020, 1, 2)
    assert cell_value(True) is True


@pytest.mark.parametrize("col", [1, 2, 26, 27, 52, 53, 702, 703, 16384])
def test_column_letters_match_openpyxl(col):
    from openpyxl.utils import get_column_letter

    assert column_letter(col) == get_column_letter(col)


# --- the real extent of a sheet -------------------------------------------------------------

def _workbook(path: Path, sheet_xml: bytes) -> Path:
    """A minimal one-sheet workbook whose sheet is ``sheet_xml``."""
    ct = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
          b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
          b'-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
          b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
          b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
          b'.worksheet+xml"/></Types>')
    rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            b'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            b'Target="xl/workbook.xml"/></Relationships>')
    wb = (b'<?xml version="1.0"?><workbook ' + NS + b' xmlns:r="http://schemas.openxmlformats.'
          b'org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
          b'r:id="rId1"/></sheets></workbook>')
    wb_rels = (b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
               b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
               b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
               b'Target="worksheets/sheet1.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("[Content_Types].xml", ct), ("_rels/.rels", rels),
                           ("xl/workbook.xml", wb), ("xl/_rels/workbook.xml.rels", wb_rels),
                           ("xl/worksheets/sheet1.xml", sheet_xml)):
            zf.writestr(name, data)
    return path


def _sheet(cells: bytes, dimension: bytes = b"A1:B3") -> bytes:
    return (b'<?xml version="1.0"?><worksheet ' + NS + b'><dimension ref="' + dimension
            + b'"/><sheetData>' + cells + b"</sheetData></worksheet>")


SMALL = b'<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>'


def test_a_small_sheet_reads_both_ways(tmp_path):
    path = _workbook(tmp_path / "ok.xlsx", _sheet(SMALL))
    for engine in ("calamine", "openpyxl"):
        assert read_book(path, engine=engine)["S"].rows == [[1, 2]]


@pytest.mark.parametrize("stray, option", [
    (b'<row r="900000"><c r="A900000"><v>1</v></c></row>', "--max-rows"),
    (b'<row r="5000"><c r="XFD5000"><v>1</v></c></row>', "--max-cells"),
    (b'<row r="5000"><c s="0" t="n" x=">" r="XFD5000"><v>1</v></c></row>', "--max-cells"),
    (b'<row r="7"><c r="A900000"><v>1</v></c></row>', "--max-rows"),  # cell below its row
    (b"<x:row r='900000'><x:c r='A900000'><x:v>1</x:v></x:c></x:row>", "--max-rows"),
])
@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_one_stray_cell_far_away_is_refused_before_parsing(tmp_path, stray, option, engine):
    path = _workbook(tmp_path / "stray.xlsx", _sheet(SMALL + stray))
    with pytest.raises(UnreadableWorkbookError, match=option) as exc:
        read_book(path, engine=engine)  # refused by the scan of the XML: no grid is built
    assert exc.value.problem.rule == "workbook-too-large"
    assert "reaches row" in str(exc.value) or "spans" in str(exc.value)
    assert exc.value.problem.file == str(path)


def test_cells_without_references_count_towards_the_extent(tmp_path):
    row = b"<row>" + b"<c><v>1</v></c>" * 30 + b"</row>"
    path = _workbook(tmp_path / "noref.xlsx", _sheet(row * 40))
    with pytest.raises(UnreadableWorkbookError, match="--max-cells"):
        read_book(path, limits=WorkbookLimits(max_cells=1000))
    assert len(read_book(path)["S"].rows) == 40


def test_a_document_type_is_refused_by_the_fast_reader(tmp_path):
    sheet = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><worksheet ' + NS
             + b'><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>'
             + b"</sheetData></worksheet>")
    path = _workbook(tmp_path / "dtd.xlsx", sheet)
    with pytest.raises(UnreadableWorkbookError, match="EntitiesForbidden"):
        read_book(path)


@given(rows=st.lists(st.lists(st.one_of(st.none(), st.integers(-10**6, 10**6),
                                        st.floats(-1e9, 1e9, allow_nan=False),
                                        st.text(alphabet="abc xyz-=1.", max_size=6)),
                              max_size=6), max_size=8))
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_random_sheets_read_the_same_both_ways(tmp_path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    path = tmp_path / "random.xlsx"
    wb.save(path)
    fast, ref = read_book(path).sheets, read_book(path, engine="openpyxl").sheets
    assert {k: v.rows for k, v in fast.items()} == {k: v.rows for k, v in ref.items()}
