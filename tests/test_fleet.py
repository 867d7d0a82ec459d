"""Lifetimes, the declared stock-driven model and its policies, the kernel against a plain-loop
reference and flodym's own StockDrivenDSM."""

from __future__ import annotations

import flodym as fd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import gamma

from elt_odym.errors import NegativeInflowError
from elt_odym.fleet.kernel import FleetBatch, solve_fleet
from elt_odym.fleet.lifetimes import (
    from_odym_lifetime,
    make_lifetime_model,
    scipy_weibull,
    survival_by_age,
    weibull_cdf,
    weibull_pdf,
)
from elt_odym.fleet.stock_model import FleetStockModel


def dims(n_t: int, n_g: int = 1) -> fd.DimensionSet:
    return fd.DimensionSet(dim_list=[
        fd.Dimension(name="Time", letter="t", items=list(range(2000, 2000 + n_t)), dtype=int),
        fd.Dimension(name="Product", letter="g", items=[f"P{i}" for i in range(n_g)],
                     dtype=str)])


def reference_solve(stock, sf, policy):
    """The stock-driven model with the negative-inflow policies, written plainly with loops
    for one type (an independent reference for the kernel; see its module docstring)."""
    n = len(stock)
    inflow, remain, early = [0.0] * n, [1.0] * n, [0.0] * n
    for t in range(n):
        survivors = sum(inflow[c] * remain[c] * sf[t][c] for c in range(t))
        need = (stock[t] - survivors) / sf[t][t]
        if need < -1e-9 * max(max(abs(x) for x in stock), 1.0):
            if policy == "error":
                raise NegativeInflowError(f"negative inflow in {t}")
            if policy == "retire":
                for c in range(t):
                    remain[c] *= stock[t] / survivors
                early[t], need = survivors - stock[t], 0.0
        inflow[t] = need
    outflow = [inflow[t] - (stock[t] - (stock[t - 1] if t else 0.0)) for t in range(n)]
    return np.array(inflow), np.array(outflow), np.array(early)


def flodym_solve(stock, shape, scale, form, policy):
    d = dims(*stock.shape)
    model = FleetStockModel(dims=d, lifetime_model=make_lifetime_model(d, shape, scale, form),
                            negative_inflow=policy, stock=fd.StockArray(dims=d, values=stock))
    model.compute()
    return model


def test_weibull_pdf_cdf_match_scipy():
    k = np.linspace(0.0, 40.0, 81)
    for beta, eta in ((3.3, 10.35), (5.0, 18.2), (1.0, 4.0), (0.7, 2.0)):
        dist = scipy_weibull(beta, eta)
        np.testing.assert_allclose(weibull_pdf(k[1:], beta, eta), dist.pdf(k[1:]), rtol=1e-12)
        np.testing.assert_allclose(weibull_cdf(k, beta, eta), dist.cdf(k), rtol=1e-12,
                                   atol=1e-15)
    assert weibull_pdf(np.array([-1.0, 0.0]), 3.3, 10.0).tolist() == [0.0, 0.0]


def test_pdf_and_survival_forms_differ_by_a_measured_amount():
    ages = np.arange(0, 60)
    pdf = survival_by_age(ages, 3.3, 10.35, "pdf")
    surv = survival_by_age(ages, 3.3, 10.35, "survival")
    assert pdf[0] == surv[0] == 1.0
    # sum_{j<=k} phi(j) is a midpoint rule for the integral from 1/2 to k + 1/2, so the pdf
    # form runs about half a year ahead of the survival form: largest gap 6.2 % (beta 3.3)
    gap = np.abs(pdf - surv).max()
    assert 0.055 < gap < 0.07
    half_year_ahead = scipy_weibull(3.3, 10.35).sf(ages + 0.5)
    assert np.abs(pdf - half_year_ahead)[1:].max() < 0.01
    assert abs(pdf[-1]) < 1e-9 and abs(surv[-1]) < 1e-12


def test_flodym_weibull_equals_our_survival_form():
    d = dims(30)
    ours = make_lifetime_model(d, np.full((30, 1), 3.3), np.full((30, 1), 10.0), "survival")
    expected = survival_by_age(np.arange(30)[:, None], 3.3, 10.0, "survival")
    np.testing.assert_allclose(ours.sf[:, 0, 0], expected[:, 0], rtol=1e-12)


def test_fixed_lifetime_by_hand():
    # lifetime 2 years, inflow at the end of the year: a cohort is in use at ages 0 and 1
    # (ODYM's Fixed lifetime on flodym's own stock-driven model: the fleet's kernel is Weibull)
    d = dims(5)
    lt = from_odym_lifetime({"Type": "Fixed", "Mean": 2}, d)
    model = fd.StockDrivenDSM(dims=d, lifetime_model=lt,
                              stock=fd.StockArray(dims=d, values=np.array([[10.], [10.], [12.],
                                                                           [12.], [12.]])))
    model.compute()
    # year0: 10 new; year1: 10 survive, 0 new; year2: year0 cohort leaves (10), need 12 -> 12 new
    # year3: 12 survive, 0 new, 0 out; year4: year2 cohort (12) leaves -> 12 new
    assert model.inflow.values[:, 0].tolist() == [10.0, 0.0, 12.0, 0.0, 12.0]
    assert model.outflow.values[:, 0].tolist() == [0.0, 0.0, 10.0, 0.0, 12.0]
    fleet = FleetStockModel(dims=d, lifetime_model=lt, stock=fd.StockArray(
        dims=d, values=np.full((5, 1), 10.0)))
    with pytest.raises(ValueError, match="Weibull"):
        fleet.compute()


def test_constant_stock_steady_state_inflow_is_stock_over_mean_life():
    n = 300
    stock = np.full((n, 1), 1000.0)
    beta, eta = 3.3, 10.0
    model = flodym_solve(stock, np.full((n, 1), beta), np.full((n, 1), eta), "survival",
                         "allow")
    mean_life = eta * gamma(1 + 1 / beta)
    # discrete: sum_{k>=0} sf(k) = mean + 1/2 (Euler-Maclaurin) with inflow at year end
    assert model.inflow.values[-1, 0] == pytest.approx(1000.0 / (mean_life + 0.5), rel=2e-3)


def test_stock_equals_accumulated_inflow_minus_outflow():
    rng = np.random.default_rng(1)
    stock = np.cumsum(rng.uniform(0, 100, (40, 3)), axis=0)
    model = flodym_solve(stock, np.full((40, 3), 3.0), np.full((40, 3), 8.0), "pdf", "retire")
    acc = np.cumsum(model.inflow.values - model.outflow.values, axis=0)
    np.testing.assert_allclose(acc, stock, rtol=1e-9)
    assert np.all(model.outflow.values >= -1e-9)


def _falling():
    stock = np.array([[100.0], [110.0], [60.0], [65.0], [70.0], [72.0]])
    return stock, np.full((6, 1), 2.0), np.full((6, 1), 5.0)


def test_policy_error_names_type_and_year():
    stock, shape, scale = _falling()
    with pytest.raises(NegativeInflowError, match="P0 in 2002"):
        flodym_solve(stock, shape, scale, "pdf", "error")


def test_policy_retire_keeps_stock_and_reports_event():
    stock, shape, scale = _falling()
    model = flodym_solve(stock, shape, scale, "pdf", "retire")
    assert model.inflow.values[2, 0] == 0.0
    events = model.events()
    assert [(e.product, e.year) for e in events] == [("P0", 2002)]
    # early retirement = survivors - stock; outflow of that year includes it
    assert model.early_retirement[2, 0] == pytest.approx(events[0].amount)
    np.testing.assert_allclose(np.cumsum(model.inflow.values - model.outflow.values, axis=0),
                               stock, rtol=1e-12)
    # the early retirement of the plain-loop reference (survivors minus stock, year 2002)
    ref_in, ref_out, ref_early = reference_solve(stock[:, 0].tolist(),
                                                 model.lifetime_model.sf[:, :, 0].tolist(),
                                                 "retire")
    np.testing.assert_allclose(model.early_retirement[:, 0], ref_early, rtol=1e-12)


def test_policy_allow_is_flodyms_plain_solver():
    stock, shape, scale = _falling()
    model = flodym_solve(stock, shape, scale, "pdf", "allow")
    assert model.inflow.values[2, 0] < 0
    plain = fd.StockDrivenDSM(dims=model.dims, lifetime_model=model.lifetime_model,
                              stock=fd.StockArray(dims=model.dims, values=stock))
    plain.compute()
    np.testing.assert_allclose(plain.inflow.values, model.inflow.values, rtol=1e-12)
    np.testing.assert_allclose(plain.outflow.values, model.outflow.values, rtol=1e-12,
                               atol=1e-12)


@st.composite
def cases(draw):
    n_t = draw(st.integers(3, 25))
    n_g = draw(st.integers(1, 3))
    steps = draw(st.lists(st.floats(-0.3, 0.5), min_size=n_t * n_g, max_size=n_t * n_g))
    start = draw(st.floats(10.0, 1e6))
    growth = 1.0 + np.array(steps).reshape(n_t, n_g)
    stock = start * np.cumprod(growth, axis=0)
    shape0 = draw(st.floats(1.0, 6.0))
    scale0 = draw(st.floats(2.0, 25.0))
    trend = draw(st.floats(-0.05, 0.05))
    cohort = np.exp(trend * np.arange(n_t))[:, None] * np.ones((1, n_g))
    policy = draw(st.sampled_from(["retire", "allow", "error"]))
    form = draw(st.sampled_from(["pdf", "survival"]))
    return stock, shape0 * np.ones((n_t, n_g)), scale0 * cohort, policy, form


@settings(max_examples=60, deadline=None)
@given(cases())
def test_kernel_equals_independent_references(case):
    """The one kernel against a plain-loop reference on flodym's survival table (every policy)
    and, for ``allow``, against flodym's own StockDrivenDSM on flodym's lifetime model."""
    stock, shape, scale, policy, form = case
    d = dims(*stock.shape)
    lifetime = make_lifetime_model(d, shape, scale, form)
    for g in range(stock.shape[1]):
        sf = lifetime.sf[:, :, g]
        batch = FleetBatch(stock[:, None, g:g + 1], shape[:, g:g + 1], scale[:, g:g + 1],
                           form, policy)
        try:
            ref_in, ref_out, _ = reference_solve(stock[:, g].tolist(), sf.tolist(), policy)
        except NegativeInflowError:  # the 'error' policy: the kernel must stop as well
            with pytest.raises(NegativeInflowError, match="negative inflow"):
                solve_fleet(batch)
            continue
        res = solve_fleet(batch)
        scale_ = np.abs(ref_in).max() + np.abs(stock).max()
        np.testing.assert_allclose(res.inflow[:, 0, 0], ref_in, rtol=0, atol=1e-9 * scale_)
        np.testing.assert_allclose(res.outflow[:, 0, 0], ref_out, rtol=0, atol=1e-9 * scale_)
    if policy == "allow":
        plain = fd.StockDrivenDSM(dims=d, lifetime_model=lifetime,
                                  stock=fd.StockArray(dims=d, values=stock))
        plain.compute()
        model = flodym_solve(stock, shape, scale, form, policy)
        ref = np.abs(plain.inflow.values).max() + np.abs(stock).max()
        np.testing.assert_allclose(model.inflow.values, plain.inflow.values, rtol=0,
                                   atol=1e-9 * ref)
        np.testing.assert_allclose(model.outflow.values, plain.outflow.values, rtol=0,
                                   atol=1e-9 * ref)
        np.testing.assert_allclose(model.get_stock_by_cohort(), plain.get_stock_by_cohort(),
                                   rtol=0, atol=1e-9 * ref)


def test_odym_lifetime_dicts():
    d = dims(10)
    for lt in ({"Type": "Weibull", "Shape": 3.3, "Scale": 10.0},
               {"Type": "Normal", "Mean": 8.0, "StdDev": 2.0},
               {"Type": "FoldedNormal", "Mean": 8.0, "StdDev": 2.0},
               {"Type": "LogNormal", "Mean": 8.0, "StdDev": 2.0},
               {"Type": "Fixed", "Mean": 5}):
        model = from_odym_lifetime(lt, d)
        assert model.inflow_at == "end"
        assert model.sf.shape == (10, 10, 1)
    w = from_odym_lifetime({"Type": "Weibull", "Shape": 3.3, "Scale": 10.0}, d)
    assert w.sf[4, 0, 0] == pytest.approx(scipy_weibull(3.3, 10.0).sf(4.0), rel=1e-12)
    with pytest.raises(ValueError, match="Type"):
        from_odym_lifetime({"Type": "Gamma"}, d)
    with pytest.raises(ValueError, match="Scale"):
        from_odym_lifetime({"Type": "Weibull", "Shape": 2}, d)


def test_odym_lifetime_dicts_drive_the_model():
    from elt_odym.data import load_data
    from elt_odym.fleet.lifetimes import with_odym_lifetimes
    from elt_odym.model import run

    data = load_data(scenario="literature")
    new = with_odym_lifetimes(data, {"HT": {"Type": "Weibull", "Shape": 5.0, "Scale": 18.2}})
    assert new["weibull_shape"].values[0] == 5.0 and new["weibull_scale"].values[0] == 18.2
    assert new["weibull_scale"].values[1] == data["weibull_scale"].values[1]
    a, b = run(data=data).fleet, run(data=new).fleet
    assert not np.allclose(a.eol[:, 0], b.eol[:, 0])
    np.testing.assert_allclose(a.eol[:, 2], b.eol[:, 2])
    with pytest.raises(ValueError, match="Weibull"):
        with_odym_lifetimes(data, {"HT": {"Type": "Normal", "Mean": 10, "StdDev": 2}})
    with pytest.raises(ValueError, match="product type"):
        with_odym_lifetimes(data, {"XX": {"Type": "Weibull", "Shape": 2, "Scale": 3}})
