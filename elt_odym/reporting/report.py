"""``report.html``: one self-contained page per output folder.

The page holds the headline tables, every figure of the folder (PNG embedded as data URIs),
the Sankey of every scenario (plotly.js inlined once), the validation against independent
statistics (``validation.csv`` and its figure), the calibration residuals beside the
run's workbooks (``datasets/<scenario>/calibration_residuals.csv``), a mass-balance summary,
the workbook each parameter of each scenario is read from, the sources of the run's input
workbooks (those its record or ``manifest.json`` lists: no other file of the data folder is
opened) and the run's ``manifest.json`` when there is one. It makes no request outside the
file: it opens offline and from an e-mail attachment alike.

Everything it shows is escaped for HTML (:func:`html.escape`, pandas' escaped tables, JSON in a
``<script>`` through :func:`~elt_odym.io.escape.script_json`), so no label in a file it reads
can open a comment or a script that swallows the sections after it. A file of the output folder
that is not what ``elt-odym run`` wrote (edited, truncated) is a one-line error naming it (rule
``bad-output-file``), never a traceback.
"""

from __future__ import annotations

import datetime
import html
import json
from pathlib import Path

import pandas as pd

from ..errors import DataError, EltOdymError, Problem
from ..io.escape import script_json
from ..io.safe_open import check_output_file, read_output_text
from ..io.output_folder import atomic_write
from ..io.workbook import read_ref_sheet
from ..version import __version__
from .html_parts import figure_html, table_html
from .results import read_results_csv, summary_sheet
from .validation import validation_section

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:0;
color:#222;background:#fafafa}
header{background:#1f3b57;color:#fff;padding:14px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 28px;
z-index:5}
nav a{margin-right:16px;color:#1f3b57;text-decoration:none;font-size:14px}
main{padding:8px 28px 40px;max-width:1400px}
h2{border-bottom:2px solid #1f3b57;padding-bottom:4px;margin-top:36px}
table{border-collapse:collapse;font-size:13px;margin:8px 0 16px;background:#fff}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#e8eef5} td:first-child,th:first-child{text-align:left}
td.text{text-align:left}
figure{margin:10px 0 24px;background:#fff;padding:8px;border:1px solid #ddd}
figure img{max-width:100%;height:auto} figcaption{font-size:13px;color:#555}
.note{font-size:13px;color:#555} pre{background:#fff;border:1px solid #ddd;padding:8px;
overflow:auto;font-size:12px;max-height:400px}
details{margin:6px 0}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


READ_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
               UnicodeDecodeError, pd.errors.ParserError)
"""What reading a file that elt-odym did not write (or that was edited) raises."""


def read_output(path: Path, read):
    """``read(path)``, with a file that is not what ``elt-odym run`` writes reported as one
    :class:`~elt_odym.errors.DataError` (rule ``bad-output-file``) naming it."""
    if path.exists() or path.is_symlink():  # the size and kind checked before any reader
        check_output_file(path)              # opens it (a missing file: the reader says so)
    try:
        return read(path)
    except READ_ERRORS as exc:
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise DataError(Problem(
            str(path), "", "", "bad-output-file",
            f"not the {path.name} elt-odym run writes ({type(exc).__name__}: {detail}); run "
            f"elt-odym run again to rewrite the folder, or delete the file")) from None


def headline_section(out: Path, data_dir: Path | None) -> str:
    """Per scenario: what the headline is (maximum potential or current practice), the
    headline year's deterministic value beside the Monte Carlo's median and p05-p95
    (``headline.csv``, the numbers the console printed) and the deterministic values by year
    (the ``summary`` sheet of ``results.xlsx``)."""
    path = out / "results.csv"
    if not path.is_file():
        return "<p class='note'>no results.csv in this folder</p>"
    table = read_output(path, lambda p: summary_sheet(read_results_csv(p)))
    ranges = read_output(out / "headline.csv", _read_headline) \
        if (out / "headline.csv").is_file() else None
    parts = []
    for scenario, part in table.groupby("scenario", sort=False):
        parts.append(f"<h3 id='headline-{_e(scenario)}'>{_e(scenario)}</h3>")
        if ranges is not None and scenario in set(ranges["scenario"]):
            parts.append(_range_html(ranges[ranges["scenario"] == scenario]))
        else:
            parts.append("<p class='note'>no headline.csv: the deterministic run only</p>")
        parts.append("<p class='note'>The deterministic run by year:</p>"
                     + table_html(part.drop(columns="scenario")))
    return "".join(parts)


def _read_headline(path: Path) -> pd.DataFrame | None:
    """``headline.csv`` of the folder, or None without one."""
    if not path.is_file():
        return None
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def _range_html(part: pd.DataFrame) -> str:
    """One scenario's headline with its range (:func:`~.results.headline_range_text` as
    HTML)."""
    from .results import NO_RANGE_NOTE, RANGE_NOTE, outside_notes

    first = part.iloc[0]
    draws = int(first["draws"])
    head = (NO_RANGE_NOTE if draws == 0
            else RANGE_NOTE.format(draws=draws, seed=int(first["seed"])))
    notes = outside_notes(part)
    cols = ["quantity", "unit", "deterministic", "median", "p05", "p95"]
    return (f"<p><b>{_e(first['basis'])}</b>: {_e(first['basis_detail'])}.</p>"
            f"<p class='note'>Headline {_e(first['year'])}: {_e(head)}.</p>"
            + table_html(part[cols]) + "".join(f"<p class='note'>{_e(n)}</p>" for n in notes))


OWN_SECTION = {"validation.png"}
"""Figures shown in their own section, not among the figures."""


def figures_section(out: Path) -> str:
    """Every PNG of the folder and of ``figures/`` (system first, then per scenario), but
    those of :data:`OWN_SECTION`."""
    fig_dir = out / "figures"
    parts = []
    pngs = sorted(out.glob("*.png")) + sorted(fig_dir.glob("*.png"))
    parts += [figure_html(p, p.relative_to(out).as_posix()) for p in pngs]
    for folder in sorted(p for p in fig_dir.glob("*") if p.is_dir()):
        imgs = "".join(figure_html(p, p.relative_to(out).as_posix())
                       for p in sorted(folder.glob("*.png")) if p.name not in OWN_SECTION)
        if imgs:
            parts.append(f"<details open><summary><b>{_e(folder.name)}</b></summary>"
                         f"{imgs}</details>")
    return "".join(parts) or "<p class='note'>no figures in this folder</p>"


def sankey_section(out: Path) -> tuple[str, bool]:
    """Every ``figures/<scenario>/sankey.json`` as a plotly chart; whether there was one."""
    parts = []
    for i, path in enumerate(sorted((out / "figures").glob("*/sankey.json"))):
        spec = read_output(path, _sankey_spec)
        parts.append(f"<h3>{_e(path.parent.name)}</h3><div id='sankey-{i}' class='sankey'>"
                     f"</div><script>(function(){{var f={spec};Plotly.newPlot('sankey-{i}',"
                     f"f.data,f.layout,{{displaylogo:false,responsive:true}});}})();</script>")
    if not parts:
        return "<p class='note'>no Sankey in this folder (run without --no-figures)</p>", False
    return "".join(parts), True


def _sankey_spec(path: Path) -> str:
    """The ``data`` and ``layout`` of a ``sankey.json`` as JSON safe inside ``<script>``."""
    fig = json.loads(path.read_text(encoding="utf-8"))
    data, layout = fig.get("data", []), fig.get("layout", {})
    if not isinstance(data, list) or not isinstance(layout, dict):
        raise ValueError("'data' must be a list and 'layout' an object")
    return script_json({"data": data, "layout": layout})


def calibration_section(data_dir: Path | None, inputs: list[str] | None = None) -> str:
    """The ``calibration_residuals.csv`` (and its PNG) beside the run's workbooks
    (:func:`~elt_odym.data.residual_files`; ``inputs``: the run's input paths relative to the
    data folder), each read within the limits; an unreadable one is named, not fatal."""
    from ..data import residual_files
    from ..io.safe_open import read_csv_checked

    if data_dir is None or inputs is None:
        return _unknown(data_dir, "calibration residuals")
    parts = []
    for path in residual_files(data_dir, inputs):
        try:
            table = read_csv_checked(path, keep_default_na=False)
        except EltOdymError as exc:
            parts.append(f"<p class='note'>{_e(exc)}</p>")
            continue
        cols = [c for c in ("target_id", "target", "model", "rel_error", "tolerance", "status")
                if c in table.columns]
        parts.append(f"<h3>{_e(path.parent.name)}</h3>" + table_html(table[cols] if cols else table))
        png = path.with_suffix(".png")
        if png.is_file():
            parts.append(figure_html(png, f"{path.parent.name}: relative error / tolerance"))
    return "".join(parts) or "<p class='note'>no calibration residuals beside the run's " \
                             "workbooks</p>"


def mass_balance_section(out: Path) -> str:
    """Largest imbalance per scenario and process, relative to the largest flow."""
    path = out / "mass_balance.csv"
    if not path.is_file():
        return "<p class='note'>no mass_balance.csv in this folder</p>"
    table = read_output(path, _balance_table)
    return ("<p>Inputs − outputs − stock change of every process, year and material; the run "
            "fails above the tolerance of the configuration (1e-9 of the largest flow by "
            "default).</p>" + table_html(table))


def _balance_table(path: Path) -> pd.DataFrame:
    """Largest imbalance and flow per scenario and process of a ``mass_balance.csv``."""
    mb = pd.read_csv(path, keep_default_na=False)
    for col in ("inputs", "outputs", "imbalance"):
        mb[col] = pd.to_numeric(mb[col])
    mb["abs_imbalance"] = mb["imbalance"].abs()
    mb["largest_flow"] = mb[["inputs", "outputs"]].abs().max(axis=1)
    table = mb.groupby(["scenario", "process"], sort=False).agg(
        largest_imbalance_t=("abs_imbalance", "max"), largest_flow_t=("largest_flow", "max"))
    largest = mb.groupby("scenario")["largest_flow"].max()
    table = table.reset_index()
    table["relative"] = table["largest_imbalance_t"] / table["scenario"].map(largest)
    return table


def _scenarios(out: Path, record: dict | None) -> list[str]:
    """The scenarios of the run: its record, else its ``manifest.json``, else ``results.csv``."""
    if record is None and (out / "manifest.json").is_file():
        try:
            record = json.loads(read_output_text(out / "manifest.json"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            record = None
    names = record.get("scenarios") if isinstance(record, dict) else None
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        return names
    if (out / "results.csv").is_file():
        table = read_output(out / "results.csv", read_results_csv)
        return [str(s) for s in table["scenario"].unique()]
    return []


def workbooks_section(out: Path, data_dir: Path | None, record: dict | None = None) -> str:
    """The workbook each parameter of each scenario of the run is read from, and why
    (:func:`~elt_odym.scenario_files.sources_rows`; ``elt-odym scenarios --files``)."""
    from ..config import load_config
    from ..scenario_files import sources_rows

    if data_dir is None:
        return "<p class='note'>data folder unknown: no workbooks listed</p>"
    try:
        config = load_config(data_dir)
    except (EltOdymError, OSError) as exc:
        return f"<p class='note'>the data folder's config.toml cannot be read: {_e(exc)}</p>"
    now = "" if record is not None else " (as the data folder's config.toml names them now)"
    parts = [f"<p class='note'>Where each parameter is read from{now}: the scenario's own "
             f"<code>files</code> entry (scenario file), the entry of a scenario it inherits "
             f"(inherited from ...), or <code>&lt;parameter&gt;.xlsx</code> in the data folder "
             f"(default path). An edit to another workbook of the same parameter has no "
             f"effect on the scenario.</p>"]
    for scenario in _scenarios(out, record):
        try:
            rows = sources_rows(config, scenario)
        except EltOdymError as exc:
            parts.append(f"<h3>{_e(scenario)}</h3><p class='note'>{_e(exc)}</p>")
            continue
        parts.append(f"<details><summary><b>{_e(scenario)}</b></summary>"
                     f"{table_html(pd.DataFrame(rows))}</details>")
    return "".join(parts)


def sources_section(data_dir: Path | None, inputs: list[str] | None = None) -> str:
    """The ``ref`` sheets of the run's input workbooks (``inputs``: paths relative to the data
    folder, from the run's record or manifest; only those inside the data folder are read,
    each within the workbook limits): source, confidence, workbooks."""
    if data_dir is None or inputs is None:
        return _unknown(data_dir, "sources")
    root = Path(data_dir).resolve()
    rows = []
    for name in sorted(set(inputs)):
        path = (root / name).resolve()
        if path.suffix.lower() != ".xlsx" or root not in path.parents:
            continue  # the master lies outside; a tampered manifest may name anything
        try:
            refs = read_ref_sheet(path)  # within the workbook limits, fast
        except (EltOdymError, OSError):
            continue
        for r in refs:
            rows.append({**r, "workbook": path.relative_to(root).as_posix()})
    if not rows:
        return "<p class='note'>no ref sheets found</p>"
    refs = pd.DataFrame(rows)
    keys = [c for c in ("ref_id", "source", "confidence") if c in refs.columns]
    table = refs.groupby(keys, sort=True)["workbook"].agg(lambda s: ", ".join(sorted(set(s))))
    return table_html(table.reset_index())


def _unknown(data_dir: Path | None, what: str) -> str:
    why = ("data folder unknown" if data_dir is None else
           "the run's inputs are unknown (no manifest.json lists them)")
    return f"<p class='note'>{why}: no {what}</p>"


def run_inputs(out: Path, record: dict | None) -> list[str] | None:
    """The run's input paths (relative to its data folder): from ``record`` while the run is
    written, else from the folder's ``manifest.json`` (None when neither lists them)."""
    from ..io.output_folder import read_manifest

    source = record if record is not None else read_manifest(out)
    entries = (source or {}).get("inputs")
    if not isinstance(entries, list):
        return None
    return [e["path"] for e in entries if isinstance(e, dict) and isinstance(e.get("path"), str)]


def manifest_section(out: Path, record: dict | None = None) -> str:
    """``manifest.json`` of the run, shown as it is (when the folder has one), or the run's
    record (version, command, scenarios, seed, input hashes) while the run is being written:
    ``manifest.json`` is written last and lists this page's own hash, so it cannot be in it."""
    path = out / "manifest.json"
    if record is not None:
        note = ("<p class='note'>the run's record; manifest.json, written after this page, "
                "adds every output file with its size and sha256</p>")
        return note + f"<pre>{_e(json.dumps(record, indent=2, default=str))}</pre>"
    if not path.is_file():
        return "<p class='note'>no manifest.json in this folder</p>"
    return f"<pre>{_e(read_output_text(path))}</pre>"


SECTIONS = (("headline", "Headline values"), ("figures", "Figures"), ("sankey", "Sankey"),
            ("validation", "Validation"), ("calibration", "Calibration residuals"),
            ("balance", "Mass balance"), ("workbooks", "Workbooks read"), ("sources", "Sources"),
            ("manifest", "Manifest"))


def build_report(out: str | Path, data_dir: str | Path | None = None,
                 record: dict | None = None, name: str | None = None,
                 sections: dict[str, str] | None = None) -> str:
    """The HTML of the report of the output folder ``out``.

    Parameters
    ----------
    out : str or Path
        An output folder of ``elt-odym run``.
    data_dir : str or Path, optional
        The data folder of the run (``config.toml``), for calibration residuals and sources.
    record : dict, optional
        The run's record while it is being written (see :func:`manifest_section`).
    name : str, optional
        The folder's name in the title (default: ``out``'s; a run writes into a staging folder
        and names its target).
    sections : dict of str to str, optional
        Sections already made, by key (``"headline"``: :func:`headline_section`,
        ``"sources"``: :func:`sources_section` of the same folders; a run makes them in worker
        processes while it writes the outputs).
    """
    from plotly.offline import get_plotlyjs

    out = Path(out)
    name = name or out.resolve().name
    data_dir = Path(data_dir) if data_dir is not None else None
    sankey, has_sankey = sankey_section(out)
    made = sections or {}
    inputs = run_inputs(out, record)
    body = {"headline": made["headline"] if "headline" in made
            else headline_section(out, data_dir), "figures": figures_section(out),
            "sankey": sankey,
            "validation": read_output(out / "validation.csv",
                                      lambda p: validation_section(out)),
            "calibration": calibration_section(data_dir, inputs),
            "balance": mass_balance_section(out),
            "workbooks": workbooks_section(out, data_dir, record),
            "sources": made["sources"] if "sources" in made
            else sources_section(data_dir, inputs),
            "manifest": manifest_section(out, record)}
    script = f"<script>{get_plotlyjs()}</script>" if has_sankey else ""
    return _page(name, data_dir, script, body)


def _page(name: str, data_dir: Path | None, script: str, body: dict[str, str]) -> str:
    """The report's page: head, navigation and the sections of :data:`SECTIONS` from
    ``body``."""
    nav = "".join(f"<a href='#{k}'>{_e(t)}</a>" for k, t in SECTIONS)
    sections = "".join(f"<section id='{k}'><h2>{_e(t)}</h2>{body[k]}</section>"
                       for k, t in SECTIONS)
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>elt-odym report: {_e(name)}</title><style>{CSS}</style>"
            f"{script}</head><body><header><h1>elt-odym report: {_e(name)}</h1>"
            f"<p>elt-odym {_e(__version__)}, written {stamp}; data folder "
            f"{_e(data_dir.name if data_dir else 'unknown')}</p></header><nav>{nav}</nav>"
            f"<main>{sections}</main></body></html>")


def write_report(out: str | Path, data_dir: str | Path | None = None,
                 record: dict | None = None, name: str | None = None,
                 sections: dict[str, str] | None = None) -> Path:
    """Write ``report.html`` into the output folder ``out`` (atomically); returns its path.
    The arguments are those of :func:`build_report`."""
    out = Path(out)
    text = build_report(out, data_dir, record, name, sections)
    path = out / "report.html"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path
