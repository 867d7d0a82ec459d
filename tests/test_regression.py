"""Regression against the study's figures (data_brief.md), with the tolerances stated there.

Every target passes within its stated tolerance except the known gaps listed here and in the
documentation (docs/scenarios.md, "Known gaps"), each with its reason. A known gap is not asserted to stay a gap:
closing one is progress, not a regression; what must hold is that every other target passes and
that each gap stays bounded (it may not grow past the bound below).
"""

from __future__ import annotations

import pytest

from elt_odym.io.targets import compare, read_targets

KNOWN_GAPS = {  # target_id: largest |relative error| allowed (measured gap + margin), docs/scenarios.md
    "S_HT_2035": 0.08,      # "about 13 M": the fit weights the precise 2010/2020 more
    "EOL_NT_2010": 3.5,     # NT stock falls faster than 15.7 thousand a year (retire policy)
    "EOLM_NT_2010": 0.5,    # mini-truck weight anomaly (1.2 t, not 6.4 t)
    "IMP_Fe_2020": 0.22,    # cohort trend acts too slowly for 2020-2023
    "IMP_Al_2020": 0.16,
    "IMP_Fe_2023": 0.14,
    "IMP_Cu_2023": 0.14,
}


@pytest.fixture(scope="module")
def table(runs, bundled):
    targets = read_targets(bundled / "datasets" / "targets.xlsx")
    return compare(runs("paper_calibrated").results, targets).set_index("target_id")


def test_every_target_is_found(table):
    assert (table["status"] != "missing").all()
    assert (table["status"] != "unit-mismatch").all()


def test_targets_pass_within_stated_tolerance(table):
    passing = table.drop(index=list(KNOWN_GAPS))
    failed = passing[passing["status"] != "pass"]
    assert failed.empty, failed[["target", "model", "rel_error", "tolerance"]].to_string()


@pytest.mark.parametrize("target_id", sorted(KNOWN_GAPS))
def test_known_gaps_stay_bounded(table, target_id):
    assert abs(table.loc[target_id, "rel_error"]) <= KNOWN_GAPS[target_id]


def test_stock_anchors_within_5_percent(runs):
    r = runs("paper_calibrated")
    anchors = [("total", 2010, 16e6), ("total", 2020, 30e6), ("total", 2050, 51e6),
               ("ST", 2010, 9.1e6), ("ST", 2020, 21e6), ("ST", 2050, 37e6), ("HT", 2010, 4e6),
               ("HT", 2020, 8.4e6), ("HT", 2050, 13e6), ("MT", 2010, 2.7e6),
               ("MT", 2020, 1.1e6), ("NT", 2021, 23e3)]
    for g, year, value in anchors:
        assert r.value("stock", year, g) == pytest.approx(value, rel=0.05), (g, year)
    assert r.value("stock", 2050, "MT") < 1000
