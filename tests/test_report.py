"""report.html from the files of an output folder (the browser test renders it)."""

from __future__ import annotations

import json

from elt_odym.reporting.report import build_report
from elt_odym.reporting.results import write_csv


def test_report_sections_from_folder_files(runs, bundled, tmp_path):
    r = runs("paper_calibrated")
    write_csv(r.results, tmp_path / "results.csv")
    write_csv(r.mass_balance, tmp_path / "mass_balance.csv")
    inputs = [{"path": p} for p in ("paper_calibrated/weibull_scale.xlsx", "stock_history.xlsx",
                                    "../../../../etc/passwd")]
    (tmp_path / "manifest.json").write_text(json.dumps({"note": "<b>run</b>",
                                                        "inputs": inputs}))
    page = build_report(tmp_path, bundled / "datasets")
    assert "billion US$2016" in page and "million vehicles" in page
    assert "IMP_Cu_2050" in page  # a target of paper_calibrated/calibration_residuals.csv
    assert "<h3>paper_calibrated</h3>" in page  # the residuals beside the run's workbooks
    assert "<h3>open_data</h3>" not in page  # a workbook the run did not read: not opened
    assert "&lt;b&gt;run&lt;/b&gt;" in page and "<b>run</b>" not in page
    assert "no Sankey in this folder" in page and "Plotly.newPlot" not in page
    assert "NBS" in page  # a ref of the sources


def test_report_without_data_folder_says_so(runs, tmp_path):
    write_csv(runs("paper_calibrated").results, tmp_path / "results.csv")
    page = build_report(tmp_path)
    assert "data folder unknown" in page and "no manifest.json" in page
