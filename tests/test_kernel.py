"""The one compiled fleet kernel against independent references: the numpy solver of
``tests/reference.py`` (1e-12), a plain loop over cohorts for the stock by cohort, transfers and
the sums over cohorts, and invariants (cohorts sum to the stock, balance of every type)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference import (
    Hazard,
    adjust_curves,
    cohort_survival_batch,
    solve_batch,
    survival_by_age_batch,
)

from elt_odym.errors import NegativeInflowError
from elt_odym.fleet.kernel import (
    FORMS,
    FleetBatch,
    solve_fleet,
    survival_curves,
    type_order,
)


@st.composite
def batches(draw, hazards: bool = True):
    """Random stock paths (rising and falling), cohort lifetimes, per-draw multipliers, period
    effects and age caps."""
    n_t, n_g, n = draw(st.integers(2, 24)), draw(st.integers(1, 3)), draw(st.integers(1, 5))
    steps = draw(st.lists(st.floats(-0.35, 0.5), min_size=n_t * n_g, max_size=n_t * n_g))
    stock = draw(st.floats(10.0, 1e6)) * np.cumprod(1 + np.reshape(steps, (n_t, n_g)), axis=0)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    trend = rng.uniform(-0.05, 0.05, 2)
    cohort = np.exp(np.outer(np.arange(n_t), trend))
    shape = draw(st.floats(0.8, 6.0)) * cohort[:, :1] * np.ones((1, n_g))
    scale = draw(st.floats(1.5, 30.0)) * cohort[:, 1:] * np.ones((1, n_g))
    if draw(st.booleans()):
        shape, scale = shape[:1].repeat(n_t, 0), scale[:1].repeat(n_t, 0)
    mults = [rng.uniform(0.8, 1.2, (n, n_g)) for _ in range(3)]
    if draw(st.booleans()):
        mults[2] = np.ones((n, n_g))
    period = max_age = None
    if hazards and draw(st.booleans()):
        period = np.ones((n_t, 1, n_g))
        years = rng.choice(n_t, size=min(n_t, 3), replace=False)
        period[years] = rng.uniform(0.3, 3.0, (len(years), 1, n_g))
    if hazards and draw(st.booleans()):
        max_age = rng.choice([3.0, 7.5, 12.0, np.inf], n_g)
    policy = draw(st.sampled_from(["retire", "allow", "error"]))
    form = draw(st.sampled_from(["pdf", "survival"]))
    stock_n = stock[:, None, :] * mults[0][None]
    return FleetBatch(stock_n, shape, scale, form, policy, shape_mult=mults[2],
                      scale_mult=mults[1], period=period, max_age=max_age)


def reference(batch: FleetBatch):
    """The numpy solver with the hazard applied to its per-cohort curves."""
    curves = cohort_survival_batch(batch.shape, batch.scale, batch.scale_mult, batch.form,
                                   batch.shape_mult)
    if batch.period is not None or batch.max_age is not None:
        hazard = Hazard(None if batch.period is None else batch.period[:, 0],
                        batch.max_age)
        curves = adjust_curves(curves, hazard)
    return solve_batch(batch.stock, batch.policy, sf_cohorts=curves), curves


def cohort_reference(batch: FleetBatch, inflow, early, curves):
    """Stock by cohort by a plain loop: each cohort's entry times its survival, shrunk by every
    later early retirement in proportion."""
    n_t, n, n_g = batch.stock.shape
    out = np.zeros((n_t, n_t, n, n_g))
    for g in range(n_g):
        for j in range(n):
            for c in range(n_t):
                for t in range(c, n_t):
                    out[t, c, j, g] = inflow[c, j, g] * curves[c][t - c, j, g]
            for t in range(n_t):
                surv = out[t, :t, j, g].sum()
                if early[t, j, g] > 0 and surv > 0:
                    keep = 1 - early[t, j, g] / surv
                    out[t:, :t, j, g] *= keep
    return out


@settings(max_examples=150, deadline=None)
@given(batches())
def test_kernel_equals_numpy_reference(batch):
    try:
        ref, curves = reference(batch)
    except NegativeInflowError as err:
        with pytest.raises(NegativeInflowError) as got:
            solve_fleet(batch)
        assert str(got.value) == str(err)
        return
    res = solve_fleet(batch, keep_cohorts=True, block=3)
    size = np.abs(batch.stock).max() + np.abs(ref.inflow).max()
    for name, got in (("inflow", res.inflow), ("outflow", res.outflow),
                      ("early_retirement", res.early), ("negative", res.negative)):
        np.testing.assert_allclose(got, getattr(ref, name), rtol=0, atol=1e-12 * size,
                                   err_msg=name)
    cohorts = cohort_reference(batch, ref.inflow, ref.early_retirement, curves)
    np.testing.assert_allclose(res.cohort_stock, cohorts, rtol=0, atol=1e-11 * size)
    if batch.policy == "retire":  # the cohorts hold the stock (no negative inflow kept)
        np.testing.assert_allclose(res.cohort_stock.sum(axis=1), batch.stock, rtol=0,
                                   atol=1e-9 * size)


@settings(max_examples=60, deadline=None)
@given(batches(hazards=False), st.integers(1, 8))
def test_results_do_not_depend_on_the_block(batch, block):
    try:
        a = solve_fleet(batch, block=block)
    except NegativeInflowError:
        return
    b = solve_fleet(batch, block=64)
    np.testing.assert_array_equal(a.inflow, b.inflow)
    np.testing.assert_array_equal(a.outflow, b.outflow)


def test_survival_curves_are_the_weibull_forms():
    ages = np.arange(30)
    np.testing.assert_allclose(survival_curves(np.array([3.3]), np.array([10.0]), 30,
                                               "survival")[:, 0],
                               np.exp(-(ages / 10.0) ** 3.3), rtol=1e-13)
    k = np.arange(1, 30)
    phi = 3.3 / 10 * (k / 10) ** 2.3 * np.exp(-(k / 10) ** 3.3)
    pdf = survival_curves(np.array([3.3]), np.array([10.0]), 30, "pdf")[:, 0]
    np.testing.assert_allclose(pdf[1:], np.maximum(1 - np.cumsum(phi), 0), rtol=1e-13,
                               atol=1e-15)
    np.testing.assert_allclose(survival_curves(np.array([2.0, 4.0]), np.array([5.0, 9.0]), 20,
                                               "pdf"),
                               survival_by_age_batch(np.array([2.0, 4.0]),
                                                     np.array([5.0, 9.0]), 20, "pdf"),
                               rtol=1e-13, atol=1e-15)


def test_fixed_two_year_life_by_hand():
    """Stock 10, 10, 10, survival 1, 1, 0 (age cap 2): inflow 10, 0, 10; outflow 0, 0, 10."""
    stock = np.full((3, 1, 1), 10.0)
    batch = FleetBatch(stock, np.full((3, 1), 50.0), np.full((3, 1), 1e6), "survival",
                       "retire", max_age=np.array([2.0]))
    res = solve_fleet(batch, keep_cohorts=True)
    assert res.inflow[:, 0, 0].tolist() == [10.0, 0.0, 10.0]
    assert res.outflow[:, 0, 0].tolist() == [0.0, 0.0, 10.0]
    assert res.cohort_stock[2, :, 0, 0].tolist() == [0.0, 0.0, 10.0]


def transfer_case(n_t=12, n=3):
    """A falling source and a rising destination, with profiles per vehicle."""
    rng = np.random.default_rng(7)
    t = np.arange(n_t)
    src = 100.0 * np.exp(-0.12 * t) + 20
    dst = 50.0 + 15.0 * t
    other = 80.0 + 3.0 * t
    stock = np.stack([src, dst, other], axis=1)[:, None, :] * rng.uniform(0.9, 1.1, (1, n, 3))
    shape, scale = np.full((n_t, 3), 2.5), np.full((n_t, 3), 6.0)
    profiles = rng.uniform(0, 1, (2, n_t, 1, 3))
    profiles[1] = profiles[1] * (t[:, None, None] >= 4)  # a profile that starts late
    return FleetBatch(stock, shape, scale, "pdf", "retire", routes=((0, 1),),
                      profiles=profiles)


@st.composite
def transfer_cases(draw):
    """Random falling sources and rising destinations with drawn lifetimes, an age cap and
    profiles that start late."""
    n_t, n = draw(st.integers(3, 16)), draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    t = np.arange(n_t)
    stock = np.stack([rng.uniform(50, 200) * np.exp(-rng.uniform(0.02, 0.3) * t) + 5,
                      rng.uniform(20, 80) + rng.uniform(0, 20) * t,
                      rng.uniform(50, 100) + rng.uniform(0, 5) * t], axis=1)
    stock = stock[:, None, :] * rng.uniform(0.9, 1.1, (1, n, 3))
    profiles = rng.uniform(0, 1, (2, n_t, 1, 3)) * (t[None, :, None, None] >= rng.integers(0, n_t))
    max_age = draw(st.sampled_from([None, np.array([6.0, 4.0, np.inf])]))
    return FleetBatch(stock, np.full((n_t, 3), rng.uniform(1.5, 5)),
                      np.full((n_t, 3), rng.uniform(3, 12)), draw(st.sampled_from(FORMS)),
                      "retire", scale_mult=rng.uniform(0.8, 1.2, (n, 3)), max_age=max_age,
                      routes=((0, 1),), profiles=profiles)


@settings(max_examples=60, deadline=None)
@given(transfer_cases())
def test_transfers_and_profiles_equal_plain_loops(batch):
    """Transfers by the rule ``moved = min(early_src, inflow_dst)`` and the sums over cohorts
    with the moved vehicles' mean profile, by plain loops over the kernel's cohorts."""
    res = solve_fleet(batch, keep_cohorts=True, block=2)
    cs = res.cohort_stock
    n_t, n, _ = batch.stock.shape
    np.testing.assert_allclose(res.moved_out[..., 0],
                               np.minimum(res.early[..., 0], np.maximum(res.inflow[..., 1], 0)),
                               rtol=1e-12)
    np.testing.assert_allclose(cs.sum(axis=1), res.stock, rtol=1e-10)
    prof = batch.profiles[:, :, 0, :]
    for j in range(n):
        eff = prof[:, :, 1].copy()
        for t in range(n_t):
            existing = cs[t, :t, j, 0].sum()
            mean = ((cs[t, :t, j, 0] * prof[:, :t, 0]).sum(axis=1) / existing if existing > 0
                    else prof[:, t, 0])
            w = res.moved_in[t, j, 1] / res.inflow[t, j, 1] if res.moved_in[t, j, 1] else 0.0
            eff[:, t] = (1 - w) * prof[:, t, 1] + w * mean
        for g, e in ((0, prof[:, :, 0]), (1, eff), (2, prof[:, :, 2])):
            want = np.einsum("tc,fc->tf", cs[:, :, j, g], e)
            np.testing.assert_allclose(res.profile_stock[:, :, j, g], want, rtol=1e-10,
                                       atol=1e-10 * max(want.max(), 1.0))


def test_transfers_move_the_surplus_and_carry_the_source_profile():
    batch = transfer_case()
    res = solve_fleet(batch, keep_cohorts=True, block=2)
    n_t, n, _ = batch.stock.shape
    # moved = min(early of the source, inflow of the destination)
    np.testing.assert_allclose(res.moved_out[..., 0],
                               np.minimum(res.early[..., 0], np.maximum(res.inflow[..., 1], 0)))
    np.testing.assert_allclose(res.moved_in[..., 1], res.moved_out[..., 0])
    assert res.moved_out[..., 0].max() > 0
    # plain loop: mean profile of the source's surviving cohorts, mixed into the cohort
    cs = res.cohort_stock
    prof = batch.profiles[:, :, 0, :]
    for j in range(n):
        eff_dst = prof[:, :, 1].copy()
        for t in range(n_t):
            existing = cs[t, :t, j, 0].sum()
            mean_src = (cs[t, :t, j, 0] * prof[:, :t, 0]).sum(axis=1) / existing if existing \
                else prof[:, t, 0]
            np.testing.assert_allclose(res.profile_moved[t, :, j, 0], mean_src, rtol=1e-12)
            w = res.moved_in[t, j, 1] / res.inflow[t, j, 1] if res.moved_in[t, j, 1] else 0.0
            eff_dst[:, t] += w * (mean_src - eff_dst[:, t])
        for g, eff in ((0, prof[:, :, 0]), (1, eff_dst), (2, prof[:, :, 2])):
            expected = np.einsum("tc,fc->tf", cs[:, :, j, g], eff)
            np.testing.assert_allclose(res.profile_stock[:, :, j, g], expected, rtol=1e-12,
                                       atol=1e-12 * expected.max())
        np.testing.assert_allclose(res.profile_entry[:, :, j, 1], eff_dst.T, rtol=1e-12)


def test_profile_sums_balance_with_moved_vehicles():
    """stock[t-1] - stock[t] + inflow_t A'[t] - moved_t mean = end of life of the profile."""
    batch = transfer_case()
    res = solve_fleet(batch, keep_cohorts=True)
    cs = res.cohort_stock
    n_t = cs.shape[0]
    for g in range(3):
        prev = np.concatenate([np.zeros((1,) + res.profile_stock.shape[1:-1]),
                               res.profile_stock[:-1, ..., g]])
        eol = (prev - res.profile_stock[..., g]
               + res.inflow[:, None, :, g] * res.profile_entry[..., g])
        # the same by cohort: O[t, c] = S[t-1, c] - S[t, c] for c < t (survival 1 at age 0)
        out_by_cohort = np.zeros_like(cs[..., g])
        out_by_cohort[1:] = cs[:-1, :, :, g] - cs[1:, :, :, g]
        out_by_cohort[np.arange(n_t), np.arange(n_t)] = 0.0
        direct = np.einsum("tcn,cfn->tfn", out_by_cohort, res.profile_entry[..., g])
        np.testing.assert_allclose(eol, direct, rtol=1e-10, atol=1e-10 * np.abs(direct).max())


def test_age_tables_weighted_by_their_profile():
    batch = transfer_case()
    n_t = batch.stock.shape[0]
    rng = np.random.default_rng(3)
    tables = rng.uniform(0, 1, (2, 3, n_t, n_t, 3))  # 2 variants, 3 tables
    variant = np.array([0, 1, 1])
    batch = FleetBatch(**{**batch.__dict__, "tables": tables,
                          "table_profile": np.array([0, 1, 1]), "variant": variant})
    res = solve_fleet(batch, keep_cohorts=True)
    cs = res.cohort_stock
    for j in range(3):
        for g in range(3):
            eff = res.profile_entry[:, :, j, g]  # (C, F)
            for h, f in enumerate((0, 1, 1)):
                expected = [sum(cs[t, c, j, g] * eff[c, f] * tables[variant[j], h, c, t - c, g]
                                for c in range(t + 1)) for t in range(n_t)]
                np.testing.assert_allclose(res.age_stock[:, h, j, g], expected, rtol=1e-12)


def test_history_inflow_is_given_and_the_stock_follows():
    stock = np.array([[0.0], [0.0], [50.0], [60.0]])[:, None, :]
    hist = np.array([[30.0], [20.0]])[:, None, :]
    batch = FleetBatch(stock, np.full((4, 1), 3.0), np.full((4, 1), 5.0), "survival",
                       "retire", history_inflow=hist)
    res = solve_fleet(batch, keep_cohorts=True)
    s = survival_curves(np.array([3.0]), np.array([5.0]), 4, "survival")[:, 0]
    assert res.inflow[:2, 0, 0].tolist() == [30.0, 20.0]
    np.testing.assert_allclose(res.stock[1, 0, 0], 30 * s[1] + 20)
    np.testing.assert_allclose(res.stock[2, 0, 0], 50.0)
    np.testing.assert_allclose(res.inflow[2, 0, 0], 50 - 30 * s[2] - 20 * s[1])


def test_routes_in_a_circle_are_refused():
    assert type_order(3, ((0, 1), (1, 2))).tolist() == [0, 1, 2]
    assert type_order(3, ((2, 0),)).tolist()[:2] == [2, 0]
    with pytest.raises(ValueError, match="circle"):
        type_order(2, ((0, 1), (1, 0)))


def test_given_transfer_by_hand():
    """Source 10 -> 10, destination 5 -> 9 (very long lives): 3 reclassified by data leave the
    source, which then needs 3 new vehicles to hold its stock; the destination takes them as 3
    of its 4 entries, so it gets 1 new vehicle."""
    stock = np.array([[10.0, 5.0], [10.0, 9.0]])[:, None, :]
    given = np.array([[[0.0], [3.0]]])  # route 0, years 0-1
    batch = FleetBatch(stock, np.full((2, 2), 50.0), np.full((2, 2), 1e6), "survival",
                       "retire", routes=((0, 1),), given=given)
    res = solve_fleet(batch, keep_cohorts=True)
    assert res.moved_out[1, 0].tolist() == [3.0, 0.0]
    assert res.moved_in[1, 0].tolist() == [0.0, 3.0]
    assert res.inflow[1, 0].tolist() == [3.0, 4.0]
    assert (res.inflow - res.moved_in)[1, 0].tolist() == [3.0, 1.0]  # new vehicles
    assert (res.outflow - res.moved_out)[1, 0].tolist() == [0.0, 0.0]  # no end of life
    np.testing.assert_allclose(res.cohort_stock[1, :, 0, 0], [7.0, 3.0])
    # more than the destination takes in is capped at its room
    capped = solve_fleet(FleetBatch(stock, batch.shape, batch.scale, "survival", "retire",
                                    routes=((0, 1),), given=given * 3))
    assert capped.moved_out[1, 0, 0] == 4.0


def test_the_compiled_loops_know_the_policies_by_their_index():
    """The kernel passes ``POLICIES.index(policy)``; the loops test the same numbers."""
    from elt_odym.fleet import loops
    from elt_odym.fleet.kernel import POLICIES

    assert (POLICIES.index("retire"), POLICIES.index("allow")) == (loops._RETIRE, loops._ALLOW)
    assert POLICIES.index("error") not in (loops._RETIRE, loops._ALLOW)
