"""Escaping for every medium an output reaches: spreadsheet cells, HTML, terminals.

Spreadsheets (:func:`escape_cell`, :func:`escape_frame`)
----------------------------------------------------------
Formula (CSV) injection escaping for every string that reaches an output cell.

A spreadsheet evaluates a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (and some
also after a leading tab or carriage return) as a formula. A classification item or a source
note named like ``=HYPERLINK(...)`` would then run when a user opens ``results.csv`` or
``results.xlsx``. :func:`escape_cell` prefixes such a string with a single quote, the OWASP
recommendation, so it is shown as text; numbers, and strings that are numbers (``-0.5``), are
left untouched so the tables stay readable by machines.

HTML (:func:`script_json`)
--------------------------
Text in ``report.html`` goes through :func:`html.escape`; JSON embedded in a ``<script>`` block
goes through :func:`script_json`, which writes ``<``, ``>`` and ``&`` as JSON escapes, so that no
label (``</script>``, ``<!--``) can end the script or switch the HTML parser into a state that
swallows the sections after it.

Terminals (:func:`terminal_text`, :func:`control_characters`)
-----------------------------------------------------------------
What the command line prints (scenario descriptions, file names, cell values in messages)
passes :func:`terminal_text`: escape sequences and control characters of a ``config.toml`` or a
workbook never reach the terminal raw. :func:`control_characters` finds them where they are
refused (``config.toml``).
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING, Any

from ..safety import CONTROL, control_characters, control_characters_in  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet treat a cell as a formula."""


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return not math.isnan(value)


def escape_cell(value: Any) -> Any:
    """``value`` made safe to write into a spreadsheet cell.

    Parameters
    ----------
    value : Any
        A cell value. Only strings are changed.

    Returns
    -------
    Any
        A string starting with one of :data:`FORMULA_START` (and not itself a number such as
        ``-1.5``) gets a leading ``'``; anything else is returned as it is.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def escape_frame(df: "pd.DataFrame") -> "pd.DataFrame":
    """A copy of ``df`` with :func:`escape_cell` applied to every text cell and column name.

    Numeric columns are not touched (and not copied cell by cell).
    """
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(escape_cell)
    out.columns = [escape_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                  "\u2028": "\\u2028", "\u2029": "\\u2029"}
"""Characters written as JSON escapes inside ``<script>`` (the same value once parsed)."""


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` element.

    Parameters
    ----------
    value : Any
        Anything :func:`json.dumps` takes.

    Returns
    -------
    str
        JSON in which ``<``, ``>``, ``&`` and the line separators U+2028/U+2029 are ``\\uXXXX``
        escapes (in strings, the only place JSON holds them), so ``</script>`` and ``<!--``
        never occur in it; parsed, it is the same value.
    """
    text = json.dumps(value)
    return re.sub("[<>&\u2028\u2029]", lambda m: SCRIPT_ESCAPES[m.group()], text)


ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])")
"""An escape sequence: CSI (``ESC [ ... m``), OSC (``ESC ] ... BEL``) or a two-byte one."""


def terminal_text(text: object) -> str:
    """``text`` without escape sequences and control characters (tab and newline kept).

    Each escape sequence and control character becomes ``?``, so the terminal shows where
    something was removed.
    """
    return CONTROL.sub("?", ANSI.sub("?", str(text)))
