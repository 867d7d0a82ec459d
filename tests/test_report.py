"""report.html from the files of an output folder (the browser test renders it)."""

from __future__ import annotations

import json

from elt_odym.reporting.report import build_report
from elt_odym.reporting.results import write_csv


def test_report_sections_from_folder_files(runs, bundled, tmp_path):
    r = runs("paper_calibrated")
    write_csv(r.results, tmp_path / "results.csv")
    write_csv(r.mass_balance, tmp_path / "mass_balance.csv")
    (tmp_path / "manifest.json").write_text(json.dumps({"note": "<b>run</b>"}))
    page = build_report(tmp_path, bundled / "datasets")
    assert "billion US$2016" in page and "million vehicles" in page
    assert "IMP_Cu_2050" in page or "calibration" in page.lower()
    for folder in ("open_data", "paper_calibrated"):
        assert f"<h3>{folder}</h3>" in page
    assert "&lt;b&gt;run&lt;/b&gt;" in page and "<b>run</b>" not in page
    assert "no Sankey in this folder" in page and "Plotly.newPlot" not in page
    assert "NBS" in page  # a ref of the sources


def test_report_without_data_folder_says_so(runs, tmp_path):
    write_csv(runs("paper_calibrated").results, tmp_path / "results.csv")
    page = build_report(tmp_path)
    assert "data folder unknown" in page and "no manifest.json" in page
