"""Initial age structure options, on the bundled data and on a workbook made in the test."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from elt_odym.data import load_data
from elt_odym.errors import ConfigError
from elt_odym.fleet.lifetimes import survival_by_age
from elt_odym.io.workbook import new_parameter_workbook, write_parameter_workbook
from elt_odym.model import cumulative, cumulative_summary, run
from elt_odym.system.equations import evaluate
from elt_odym.system.inputs import base_draws, model_inputs


def run_fleet(data):
    """The fleet of the declared system (vehicles, model years)."""
    return run(data=data).fleet


def with_option(data, **kw):
    return dataclasses.replace(data, options=data.options.model_copy(update=kw))


@pytest.fixture(scope="module")
def data():
    return load_data(scenario="open_data")


def test_single_cohort_first_inflow_is_first_stock(data):
    f = run_fleet(data)
    np.testing.assert_allclose(f.inflow[0], f.stock[0])
    assert np.all(f.initial_stock == 0)
    assert np.all(f.eol[0] == 0)


def test_spin_up_builds_an_age_structure(data):
    d = with_option(data, age_structure="spin_up")
    f = run_fleet(d)
    assert f.ext_years[0] == 1978 and f.ext_years[-1] == 2050
    np.testing.assert_allclose(f.stock, run_fleet(data).stock)  # same stock path
    total_2001 = 765.24e4
    assert f.initial_stock.sum() == pytest.approx(total_2001, rel=1e-9)
    assert f.eol[0].sum() > 0  # older cohorts retire in 2002
    assert f.inflow[0].sum() < f.stock[0].sum()
    np.testing.assert_allclose(f.balance_error(), 0.0, atol=1e-6)
    inputs = model_inputs(d)
    batch = evaluate(inputs, base_draws(inputs, 3)).values["eol"]  # the batch of three
    for k in range(3):
        np.testing.assert_allclose(batch[k], f.eol, rtol=1e-12, atol=1e-6)
    assert run(data=d).mass_balance_error < 1e-9


def test_workbook_age_distribution(data_copy):
    ages = list(range(0, 61))
    shares = {0: 0.4, 1: 0.3, 2: 0.2, 5: 0.1}
    rows = [(a, g, shares.get(a, 0.0), "", "[T|L] test") for a in ages
            for g in ("HT", "MT", "ST", "NT")]
    refs = [{"ref_id": "T", "source": "test", "confidence": "L", "note": ""}]
    pw = new_parameter_workbook("initial_age_distribution", "test", "1",
                                [("Age", "Age"), ("Product", "Truck_type")], rows, refs,
                                "ELT_Classification_Master")
    write_parameter_workbook(pw, data_copy / "initial_age_distribution.xlsx")
    d = with_option(load_data(data_copy, "open_data"), age_structure="workbook")
    f = run_fleet(d)
    assert f.ext_years[0] == 2002 - 5
    # the cohorts of ages 1..5 survive to 2002 as 60 % of the 2002 stock; age 0 is the inflow
    np.testing.assert_allclose(f.inflow[0], 0.4 * f.stock[0], rtol=1e-9)
    shape = np.asarray(d["weibull_shape"].values)
    scale = np.asarray(d["weibull_scale"].values)
    sf = survival_by_age(np.arange(7)[:, None], shape, scale, "pdf")
    # the year before: cohorts of ages 1, 2, 5 (at 2002) were 0, 1, 4 years old
    before = f.stock[0] * (0.3 / sf[1] * sf[0] + 0.2 / sf[2] * sf[1] + 0.1 / sf[5] * sf[4])
    np.testing.assert_allclose(f.initial_stock, before, rtol=1e-9)
    np.testing.assert_allclose(f.balance_error(), 0.0, atol=1e-6)
    # a draw with another lifetime keeps the age shares: its history inflow is its own
    inputs = model_inputs(d)
    draws = base_draws(inputs, 2)
    draws.scale_mult[1] = 1.3
    out = evaluate(inputs, draws, keep_cohorts=True)
    cohorts = out.vehicles.solution.cohort_stock  # (T_ext, C, N, G)
    first = inputs.n_history
    for j in range(2):
        np.testing.assert_allclose(cohorts[first, :first, j].sum(axis=0), 0.6 * f.stock[0],
                                   rtol=1e-9)


def test_workbook_option_without_workbook_is_an_error(data):
    with pytest.raises(ConfigError, match="initial_age_distribution"):
        run_fleet(with_option(data, age_structure="workbook"))


def test_cumulative_sums(runs):
    r = runs("paper_calibrated")
    total = sum(r.value("carbon_saving", y, "total", "total") for y in range(2025, 2051))
    assert cumulative(r, "carbon_saving", 2025, 2050) == pytest.approx(total, rel=1e-12)
    table = cumulative_summary(r, 2025, 2050).set_index("quantity")
    assert table.loc["carbon_saving", "value"] == pytest.approx(total * 1e-6, rel=1e-12)
    assert table.loc["carbon_saving", "low"] < total * 1e-6 < table.loc["carbon_saving", "high"]
