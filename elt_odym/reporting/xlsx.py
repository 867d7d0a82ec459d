"""Excel workbooks people like to open: frozen header, filters, widths, number formats.

Written in bulk: each sheet's XML is made column by column from the data frame's arrays and
zipped once (SpreadsheetML, ECMA-376, the parts Excel needs and no more), about five times
faster than a cell-by-cell writer. Nothing is converted automatically: a string is written as
text (never a formula, a URL or a number), every text cell is escaped by
:func:`~elt_odym.io.escape.escape_cell`, a number keeps every digit (the shortest text that
reads back to the same double), NaN is an empty cell and an infinity the error ``#NUM!``. The
file has no timestamps, so the same tables always give the same bytes.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape as _xml_escape

import numpy as np
import pandas as pd

from ..io.escape import escape_cell
from ..io.sheets import column_letter

NUMBER_FORMATS = ("#,##0", "#,##0.00", "0.0000", "0.00E+00")
MAX_WIDTH = 60
HEADER_STYLE, FIRST_NUMBER_STYLE = 1, 2
COMPRESSION_LEVEL = 1
"""zlib level: 1 is about twice as fast as 6 for a file some 10 % larger."""
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")


def _number_class(values: np.ndarray) -> np.ndarray:
    """Index into :data:`NUMBER_FORMATS` for each value by its magnitude."""
    a = np.abs(np.nan_to_num(values.astype(float), nan=0.0))
    return np.select([(a == 0) | (a >= 1000), a >= 1, a >= 1e-3], [0, 1, 2], 3)


def _width(series: pd.Series, header: str, numeric: bool) -> float:
    if numeric:
        return max(len(str(header)), 11) + 1
    lengths = series.astype(str).str.len()
    longest = int(lengths.max()) if len(lengths) else 0
    return min(max(longest, len(str(header))) + 2, MAX_WIDTH)


def xml_text(value: str) -> str:
    """Text for an XML element: markup escaped; control characters (which XML cannot hold) and
    a literal ``_xHHHH_`` written as Excel's ``_xHHHH_`` escapes, as Excel itself does."""
    if _ILLEGAL.search(value):
        value = _ILLEGAL.sub(lambda m: "_x005F" + m.group(0) if len(m.group(0)) > 1
                             else f"_x{ord(m.group(0)):04X}_", value)
    return _xml_escape(value)


class SharedStrings:
    """The workbook's table of distinct texts; cells refer to a text by its index."""

    def __init__(self):
        self.index: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> str:
        items = "".join(f'<si><t xml:space="preserve">{xml_text(t)}</t></si>'
                        for t in self.index)
        return (f'{XML_HEAD}<sst xmlns="{MAIN_NS}" count="{len(self.index)}" '
                f'uniqueCount="{len(self.index)}">{items}</sst>')


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _number_cells(series: pd.Series, letter: str) -> list[str]:
    """The ``<c>`` elements of a numeric column from row 2 on (``""`` for a blank)."""
    values = series.to_numpy(float)
    styles = (_number_class(values) + FIRST_NUMBER_STYLE).astype(str).tolist()
    texts = list(map(repr, values.tolist()))  # the shortest text that reads back the same
    out = [f'<c r="{letter}{row}" s="{s}"><v>{v}</v></c>'
           for row, s, v in zip(range(2, len(texts) + 2), styles, texts)]
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        out[i] = "" if np.isnan(values[i]) else f'<c r="{letter}{i + 2}" t="e"><v>#NUM!</v></c>'
    return out


def _text_cells(series: pd.Series, letter: str, strings: SharedStrings) -> list[str]:
    """The ``<c>`` elements of a text column from row 2 on (``""`` for a blank); each distinct
    value escaped once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ids = [None if (v is None or v == "" or (isinstance(v, float) and np.isnan(v)))
           else strings(str(escape_cell(v))) for v in uniques] + [None]  # code -1: missing
    return ["" if ids[c] is None else f'<c r="{letter}{row}" t="s"><v>{ids[c]}</v></c>'
            for row, c in enumerate(codes.tolist(), start=2)]


def _sheet_view(freeze_cols: int, selected: bool) -> str:
    """A view with the header row (and ``freeze_cols`` columns) frozen."""
    top_left = f"{column_letter(freeze_cols + 1)}2"
    tab = ' tabSelected="1"' if selected else ""
    if freeze_cols:
        pane = (f'<pane xSplit="{freeze_cols}" ySplit="1" topLeftCell="{top_left}" '
                f'activePane="bottomRight" state="frozen"/><selection pane="topRight"/>'
                f'<selection pane="bottomLeft"/><selection pane="bottomRight" '
                f'activeCell="{top_left}" sqref="{top_left}"/>')
    else:
        pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>')
    return f'<sheetViews><sheetView{tab} workbookViewId="0">{pane}</sheetView></sheetViews>'


def sheet_xml(df: pd.DataFrame, strings: SharedStrings, freeze_cols: int = 0,
              selected: bool = False) -> tuple[str, str]:
    """One data frame as worksheet XML: bold header, numbers formatted by magnitude, frozen
    header and ``freeze_cols`` columns, autofilter and widths. Returns the XML and the
    autofilter range (``A1:K20``)."""
    letters = [column_letter(i + 1) for i in range(len(df.columns))]
    header, columns, widths = [], [], []
    for letter, (title, series) in zip(letters, df.items()):
        name = str(escape_cell(str(title)))
        header.append(f'<c r="{letter}1" s="{HEADER_STYLE}" t="s"><v>{strings(name)}</v></c>')
        numeric = _is_numeric(series)
        columns.append(_number_cells(series, letter) if numeric
                       else _text_cells(series, letter, strings))
        widths.append(_width(series, str(title), numeric))
    rows = [f'<row r="1">{"".join(header)}</row>']
    for row, cells in enumerate(zip(*columns), start=2):
        rows.append(f'<row r="{row}">{"".join(cells)}</row>')
    last = f"{letters[-1]}{max(len(df), 1) + 1}" if letters else "A1"
    cols = "".join(f'<col min="{i}" max="{i}" width="{w + 0.7109375:.7g}" customWidth="1"/>'
                   for i, w in enumerate(widths, start=1))
    xml = (f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
           f'<dimension ref="A1:{last}"/>{_sheet_view(freeze_cols, selected)}'
           f'<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "")
           + f'<sheetData>{"".join(rows)}</sheetData>'
           + (f'<autoFilter ref="A1:{last}"/>' if letters else "")
           + '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
             'footer="0.3"/></worksheet>')
    return xml, f"A1:{last}" if letters else ""


def _styles_xml() -> str:
    """Fonts, fills, borders and the cell formats: 0 default, 1 header, 2.. number formats."""
    fmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{_xml_escape(f)}"/>'
                   for i, f in enumerate(NUMBER_FORMATS))
    numbers = "".join(f'<xf numFmtId="{164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" '
                      f'applyNumberFormat="1"/>' for i in range(len(NUMBER_FORMATS)))
    return (f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}">'
            f'<numFmts count="{len(NUMBER_FORMATS)}">{fmts}</numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            '<fills count="3"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill><fill><patternFill '
            'patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill>'
            '</fill></fills><borders count="2"><border><left/><right/><top/><bottom/>'
            '<diagonal/></border><border><left style="thin"><color auto="1"/></left>'
            '<right style="thin"><color auto="1"/></right><top style="thin"><color auto="1"/>'
            '</top><bottom style="thin"><color auto="1"/></bottom><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            f'</cellStyleXfs><cellXfs count="{2 + len(NUMBER_FORMATS)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" '
            'applyFill="1" applyBorder="1" applyAlignment="1"><alignment vertical="top" '
            f'wrapText="1"/></xf>{numbers}</cellXfs><cellStyles count="1"><cellStyle '
            'name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_xml(names: list[str], filters: list[str]) -> str:
    sheets = "".join(f'<sheet name="{_xml_escape(n, {chr(34): "&quot;"})}" sheetId="{i}" '
                     f'r:id="rId{i}"/>' for i, n in enumerate(names, start=1))
    defined = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f'{_xml_escape(_quoted(n))}!{_absolute(ref)}</definedName>'
        for i, (n, ref) in enumerate(zip(names, filters)) if ref)
    return (f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
            f'<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>'
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + "</workbook>")


def _absolute(ref: str) -> str:
    """``A1:K20`` -> ``$A$1:$K$20``."""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


def _package_parts(n: int) -> dict[str, str]:
    """Content types and relationships of a workbook with ``n`` sheets."""
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                        f'ContentType="{sheet_type}.worksheet+xml"/>' for i in range(1, n + 1))
    rels = "".join(f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" '
                   f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
    return {
        "[Content_Types].xml": (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            f'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            f'ContentType="{sheet_type}.sheet.main+xml"/>{overrides}<Override '
            f'PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/><Override '
            f'PartName="/xl/sharedStrings.xml" ContentType="{sheet_type}.sharedStrings+xml"/>'
            "</Types>"),
        "_rels/.rels": (f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}"><Relationship '
                        f'Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
                        "</Relationships>"),
        "xl/_rels/workbook.xml.rels": (
            f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}<Relationship '
            f'Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/><Relationship '
            f'Id="rId{n + 2}" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"),
    }


def sheet_names(names) -> list[str]:
    """Excel sheet names: at most 31 characters, none of ``[]:*?/\\``, distinct."""
    out: list[str] = []
    for name in names:
        base = re.sub(r"[\[\]:*?/\\]", "_", str(name))[:31] or "sheet"
        candidate, k = base, 2
        while candidate.lower() in {o.lower() for o in out}:
            candidate = f"{base[:31 - len(str(k)) - 1]}_{k}"
            k += 1
        out.append(candidate)
    return out


def write_sheets(sheets: dict[str, pd.DataFrame], path: Path,
                 freeze_cols: dict[str, int] | None = None) -> None:
    """Write ``sheets`` (name -> table) into a new workbook at ``path``.

    Parameters
    ----------
    sheets : dict of str to pandas.DataFrame
        Sheet name (cut to Excel's 31 characters) and its table, in order; the first sheet is
        the one shown when the file opens.
    path : Path
        The ``.xlsx`` file to write.
    freeze_cols : dict of str to int, optional
        Leading columns kept in view when scrolling right, per sheet (e.g. the keys of a wide
        table); the header row is always frozen.
    """
    freeze_cols = freeze_cols or {}
    strings = SharedStrings()
    names = sheet_names(sheets)
    parts, filters = {}, []
    for i, (key, name) in enumerate(zip(sheets, names), start=1):
        xml, ref = sheet_xml(sheets[key], strings, freeze_cols.get(key, 0), selected=i == 1)
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        filters.append(ref)
    parts |= _package_parts(len(names))
    parts["xl/workbook.xml"] = _workbook_xml(names, filters)
    parts["xl/styles.xml"] = _styles_xml()
    parts["xl/sharedStrings.xml"] = strings.xml()
    order = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml",
             "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"]
    order += [p for p in parts if p not in order]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                         compresslevel=COMPRESSION_LEVEL) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, parts[name].encode("utf-8", "replace"),
                        compresslevel=COMPRESSION_LEVEL)
