"""The composition model (issue 21): hand-computed cases, the all-diesel anchor, the low-rank
product against a plain loop, mass closure, draws, the study's single composition, bad data."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from elt_odym.config import load_config
from elt_odym.data import load_data
from elt_odym.errors import DataValidationError
from elt_odym.io.stats_array import Uncertainty
from elt_odym.system.composition import (
    TONNES_PER_GRAM,
    calc_cohort_composition,
    calc_draw_vectors,
    calc_unit_material,
    nominal_draws,
    nonzero_pairs,
)

COHORTS = list(range(1990, 2051))


@pytest.fixture(scope="module")
def best():
    return load_data(scenario="best_estimate")


@pytest.fixture(scope="module")
def data(best):
    """best_estimate with the study's one trailer per truck (the anchor of the tests below:
    a diesel truck of the component model is the study's truck); the trailer statistics of
    best_estimate are tested on ``best``."""
    params = dict(best.parameters)
    params["trailer_share"] = dataclasses.replace(  # as if the workbook were absent
        params["trailer_share"], values=np.ones(len(best.items["g"])), observations={},
        uncertainty={}, present=False)
    return dataclasses.replace(best, parameters=params)


def with_mode(data, mode):
    return dataclasses.replace(data, options=data.options.model_copy(
        update={"composition": mode}))


def replace(data, name, **fields):
    params = dict(data.parameters)
    params[name] = dataclasses.replace(params[name], **fields)
    return dataclasses.replace(data, parameters=params)


@pytest.fixture(scope="module")
def comps(data):
    return {mode: calc_cohort_composition(with_mode(data, mode), COHORTS)
            for mode in ("single", "powertrain", "cohort")}


def today(data):
    """Today's per-vehicle material: unit_weight x material_composition, (G, M)."""
    return data["unit_weight"].values[:, None] * data["material_composition"].values


# -- hand-computed case ----------------------------------------------------------------------------

def hand_data(data):
    """HT: 10 t with one 2 t trailer (Fe only); 80 % Fe, 10 % Al, 10 % other, 1 ppm Pt (10 g);
    a diesel engine of 1 t and a natural-gas engine of 0.5 t, both half Fe, half Al; diesel Pt
    10 g before China I, 30 g under China VI; 2020 cohorts half and half; 0.1 t lightweighting
    in 2020 (-1.8 Fe, +0.8 Al per t). The other types keep their unit weights, no components."""
    items = data.items
    m = {x: i for i, x in enumerate(items["m"])}
    comp = data["material_composition"].values.copy()
    comp[0] = 0.0
    comp[0, m["Fe"]], comp[0, m["Al"]], comp[0, m["other"]], comp[0, m["Pt"]] = \
        0.8, 0.1, 0.1 - 1e-6, 1e-6
    uw, uwl = data["unit_weight"].values.copy(), data["unit_weight_low"].values.copy()
    uw[0], uwl[0] = 10.0, 8.0
    sigma = np.zeros_like(data["component_composition"].values)
    sigma[:, m["Fe"]] = 1.0
    o = items["o"].index("engine")
    sigma[o] = 0.0
    sigma[o, m["Fe"]] = sigma[o, m["Al"]] = 0.5
    none = Uncertainty("none")
    masses = {("HT", "diesel", "engine"): 1.0, ("HT", "natural_gas", "engine"): 0.5}
    pgm = {("China_0", "HT", "diesel", "Pt"): 10.0, ("China_VI", "HT", "diesel", "Pt"): 30.0}
    shares = {}
    for y in COHORTS:
        for g in items["g"]:
            for p in items["p"]:
                split = {"China_0": 0.5, "China_VI": 0.5} if y == 2020 else \
                    ({"China_0": 1.0} if y < 2020 else {"China_VI": 1.0})
                shares.update({(y, g, p, e): v for e, v in split.items()})
    lw = {(y, g): (0.1 if (y, g) == (2020, "HT") else 0.0) for y in COHORTS for g in items["g"]}
    sub = np.zeros(len(items["m"]))
    sub[m["Fe"]], sub[m["Al"]] = -1.8, 0.8
    out = data
    for name, fields in (
            ("material_composition", {"values": comp}), ("unit_weight", {"values": uw}),
            ("unit_weight_low", {"values": uwl}), ("component_composition", {"values": sigma}),
            ("component_mass", {"observations": masses,
                                "uncertainty": dict.fromkeys(masses, none)}),
            ("pgm_loading", {"observations": pgm, "uncertainty": dict.fromkeys(pgm, none)}),
            ("emission_standard_share", {"observations": shares}),
            ("lightweighting_mass", {"observations": lw, "uncertainty": dict.fromkeys(lw, none)}),
            ("lightweighting_substitution", {"values": sub}),
            ("trailer_share", {"values": np.ones(len(items["g"]))})):
        out = replace(out, name, **fields)
    return out, m


def test_hand_computed_trucks(data):
    hand, m = hand_data(data)
    comp = calc_cohort_composition(with_mode(hand, "cohort"), COHORTS)
    mass = calc_unit_material(comp)
    p = {x: i for i, x in enumerate(comp.powertrains)}
    c2010, c2020, c2030 = (COHORTS.index(y) for y in (2010, 2020, 2030))
    # glider = 10 t today - 2 t trailer - 1 t diesel engine - 10 g Pt: Fe 8-2-0.5, Al 1-0.5
    diesel_2010 = mass[c2010, 0, p["diesel"]]
    assert diesel_2010[m["Fe"]] == pytest.approx(8.0, rel=1e-12)
    assert diesel_2010[m["Al"]] == pytest.approx(1.0, rel=1e-12)
    assert diesel_2010[m["Pt"]] == pytest.approx(10e-6, rel=1e-12)
    assert diesel_2010.sum() == pytest.approx(10.0, rel=1e-12)
    # natural gas: glider 8.5 t... Fe 5.5 + 2 + 0.25, Al 0.5 + 0.25; no PGM row: none
    ng = mass[c2010, 0, p["natural_gas"]]
    assert (ng[m["Fe"]], ng[m["Al"]], ng[m["Pt"]]) == pytest.approx((7.75, 0.75, 0.0), rel=1e-12)
    # BEV: glider and trailer only, 9 t less the 10 g of Pt
    assert mass[c2010, 0, p["BEV"]].sum() == pytest.approx(9.0 - 10e-6, rel=1e-12)
    # 2020 diesel: half China_0 (10 g), half China_VI (30 g) = 20 g; 0.1 t lighter glider
    d2020 = mass[c2020, 0, p["diesel"]]
    assert d2020[m["Pt"]] == pytest.approx(20e-6, rel=1e-12)
    assert d2020[m["Fe"]] == pytest.approx(8.0 - 0.18, rel=1e-12)
    assert d2020[m["Al"]] == pytest.approx(1.0 + 0.08, rel=1e-12)
    assert mass[c2030, 0, p["diesel"], m["Pt"]] == pytest.approx(30e-6, rel=1e-12)
    assert mass[c2030, 0, p["diesel"]].sum() == pytest.approx(10.0 + 20e-6, rel=1e-12)


def test_hand_computed_switched_off(data):
    """composition = "powertrain": every cohort is the 2010 truck of the hand case."""
    hand, m = hand_data(data)
    mass = calc_unit_material(calc_cohort_composition(with_mode(hand, "powertrain"), COHORTS))
    np.testing.assert_allclose(mass[:, 0, 0, m["Pt"]], 10e-6, rtol=1e-12)
    np.testing.assert_allclose(mass[:, 0, 0].sum(axis=-1), 10.0, rtol=1e-12)


# -- the all-diesel anchor ----------------------------------------------------------------------

def test_diesel_keeps_todays_material_when_switched_off(data, comps):
    mass = calc_unit_material(comps["powertrain"])
    for c in range(len(COHORTS)):
        np.testing.assert_allclose(mass[c, :, 0, :], today(data), rtol=1e-12, atol=0)


def test_diesel_before_china_iii_and_lightweighting_is_todays_truck(data, comps):
    """With cohort changes on, a 2005 diesel truck (China II, no lightweighting) is today's
    truck up to the 9-decimal rounding of the loadings written in pgm_loading."""
    mass = calc_unit_material(comps["cohort"])[COHORTS.index(2005), :, 0, :]
    np.testing.assert_allclose(mass, today(data), rtol=1e-9, atol=1e-15)


def test_single_composition_is_the_study(data, comps):
    mass = calc_unit_material(comps["single"])
    expected = np.broadcast_to(today(data)[None, :, None, :], mass.shape)
    np.testing.assert_allclose(mass, expected, rtol=1e-12, atol=0)
    assert comps["single"].names == ("base",)


def test_default_scenarios_keep_the_single_composition(bundled):
    config = load_config(bundled / "datasets")
    for name in config.scenario_names():
        mode = config.resolve(name)[2].composition
        best = ("best_estimate", "best_estimate_study_path", "best_estimate_current_practice")
        expected = "cohort" if name in best or name.startswith("electrification") else "single"
        assert mode == expected, name
    for path in ("low", "central", "high"):
        assert config.scenarios[f"electrification_{path}"].inherit == "best_estimate"


# -- the low-rank product, mass closure ------------------------------------------------------

def test_low_rank_product_equals_a_plain_loop(comps):
    comp = comps["cohort"]
    mass = calc_unit_material(comp)
    loop = np.zeros_like(mass)
    n_f, n_c, n_g, n_p = comp.profiles.shape
    for c in range(n_c):
        for g in range(n_g):
            for p in range(n_p):
                for m in range(len(comp.materials)):
                    loop[c, g, p, m] = sum(comp.profiles[f, c, g, p] * comp.vectors[f, g, p, m]
                                           for f in range(n_f))
    np.testing.assert_allclose(mass, loop, rtol=1e-13, atol=1e-18)


def test_masses_positive_and_closing_to_the_unit_weight(data, comps):
    """Per cohort and powertrain: glider + trailer + components - mass saved + PGM."""
    comp = comps["cohort"]
    mass = calc_unit_material(comp)
    assert (mass >= 0).all()
    items = data.items
    uw, uwl = data["unit_weight"].values, data["unit_weight_low"].values
    parts = np.zeros((len(items["g"]), len(items["p"])))
    for (g, p, _), v in data["component_mass"].observations.items():
        parts[items["g"].index(g), items["p"].index(p)] += v
    pgm_metals = [i for i, x in enumerate(items["m"]) if x in ("Pt", "Pd", "Rh")]
    study_pgm = today(data)[:, pgm_metals].sum(axis=1)
    glider = uw - (uw - uwl) - parts[:, 0] - study_pgm
    lw = np.array([[data["lightweighting_mass"].observations[(y, g)] for g in items["g"]]
                   for y in COHORTS])
    shares = data["emission_standard_share"].observations
    pgm = data["pgm_loading"].observations
    for ci, y in enumerate(COHORTS):
        for gi, g in enumerate(items["g"]):
            for pi, p in enumerate(items["p"]):
                loading = sum(v * shares[(y, g, p, e)] for (e, g2, p2, _), v in pgm.items()
                              if (g2, p2) == (g, p)) * TONNES_PER_GRAM
                expected = (glider[gi] + (uw - uwl)[gi] + parts[gi, pi] + loading
                            + lw[ci, gi] * data["lightweighting_substitution"].values.sum())
                assert mass[ci, gi, pi].sum() == pytest.approx(expected, rel=1e-12), (y, g, p)


def test_electric_trucks_carry_no_after_treatment_pgm_and_magnets(data, comps):
    mass = calc_unit_material(comps["cohort"])
    m = {x: i for i, x in enumerate(data.items["m"])}
    p = {x: i for i, x in enumerate(data.items["p"])}
    c = COHORTS.index(2030)
    for metal in ("Pt", "Pd", "Rh"):
        assert (mass[c, :, p["BEV"], m[metal]] == 0).all()
    assert (mass[c, :, p["BEV"], m["Nd"]] > 5 * mass[c, :, p["diesel"], m["Nd"]]).all()
    assert (mass[c, :, p["BEV"], m["Pr"]] > 0).all() and (mass[c, :, 0, m["Pr"]] == 0).all()


def test_few_cohort_profiles(comps):
    pairs = nonzero_pairs(comps["cohort"])
    assert len(pairs) <= 14
    assert comps["cohort"].names[:2] == ("base", "lightweighting")


# -- draws -----------------------------------------------------------------------------------

def test_nominal_draws_are_the_deterministic_run(comps):
    for comp in comps.values():
        base = calc_draw_vectors(comp)
        np.testing.assert_array_equal(base[0], comp.vectors)
        for kind in ("uniform", "normal"):
            again = calc_draw_vectors(comp, nominal_draws(comp, kind), kind)
            np.testing.assert_allclose(again, base, rtol=1e-12, atol=1e-18)


def test_draws_with_zero_variance_equal_the_base(comps, data):
    comp = comps["cohort"]
    flat = dataclasses.replace(comp, uncertain=tuple(dataclasses.replace(
        q, kind="uniform", low=1.0, mode=1.0, high=1.0) for q in comp.uncertain))
    u = np.random.default_rng(7).random((5, len(comp.uncertain)))
    np.testing.assert_allclose(calc_draw_vectors(flat, u), np.repeat(comp.vectors[None], 5, 0),
                               rtol=1e-14, atol=0)


def test_a_magnet_draw_moves_neodymium_only_in_electric_trucks(comps, data):
    comp = comps["cohort"]
    names = [q.name for q in comp.uncertain]
    u = nominal_draws(comp)
    u[0, names.index("mass:magnet")] = 1.0
    high = calc_draw_vectors(comp, u)[0]
    q = comp.uncertain[names.index("mass:magnet")]
    m, bev = comp.materials.index("Nd"), comp.powertrains.index("BEV")
    glider_nd = today(data)[:, m]
    np.testing.assert_allclose(high[0, :, bev, m] - glider_nd,
                               q.high * (comp.vectors[0, :, bev, m] - glider_nd), rtol=1e-12)
    np.testing.assert_array_equal(high[0, :, 0, m], comp.vectors[0, :, 0, m])


def test_trailer_draw_spans_the_unit_weight_range():
    """The study's choice (datasets/trailer_share.xlsx: one trailer, uniform 0-1): the lowest
    draw is the truck unit alone, the nominal one the truck with its trailer."""
    paper = load_data(scenario="paper_reproduction")
    comp = calc_cohort_composition(with_mode(paper, "single"), COHORTS)
    names = [q.name for q in comp.uncertain]
    u = nominal_draws(comp)
    np.testing.assert_allclose(calc_draw_vectors(comp, u)[0, 0, :, 0, :], today(paper),
                               rtol=1e-12)
    for g in ("HT", "MT", "ST"):
        u[0, names.index(f"trailer:{g}")] = 0.0
    low = calc_draw_vectors(comp, u)[0, 0]
    expected = paper["unit_weight_low"].values[:, None] * paper["material_composition"].values
    np.testing.assert_allclose(low[:, 0, :], expected, rtol=1e-12, atol=1e-18)


def test_trailer_share_counts_that_many_trailers(best):
    """best_estimate: HT 0.55 (triangular 0.35-0.8), MT 0.1 (0-0.3), ST 0 (0-0.1) trailers per
    truck. The nominal truck weighs W - (1 - n)(W - W_low); draws span the workbook's range
    with its mode at the nominal value (triangular mean (low + mode + high) / 3)."""
    from elt_odym.system.equations.materials import trailer_multipliers

    n = np.array([0.55, 0.1, 0.0, 0.0])
    np.testing.assert_array_equal(best["trailer_share"].values, n)
    w, w_low = best["unit_weight"].values, best["unit_weight_low"].values
    comps = {mode: calc_cohort_composition(with_mode(best, mode), COHORTS)
             for mode in ("single", "cohort")}
    single = comps["single"]
    np.testing.assert_allclose(single.vectors[0, :, 0, :].sum(axis=-1), w - (1 - n) * (w - w_low),
                               rtol=1e-12)
    cohort = comps["cohort"]
    trailer = cohort.components.index("trailer")
    np.testing.assert_allclose(cohort.component_material[trailer].sum(axis=-1),
                               (n * (w - w_low))[:, None].repeat(len(cohort.powertrains), 1),
                               rtol=1e-12)
    names = [q.name for q in cohort.uncertain]
    assert "trailer:NT" not in names  # no trailer mass
    u = np.random.default_rng(4).random((40000, len(names)))
    drawn = trailer_multipliers(cohort, u, len(u))
    np.testing.assert_array_equal(trailer_multipliers(cohort, nominal_draws(cohort), 1)[0], n)
    for g, (lo, mode, hi) in enumerate([(0.35, 0.55, 0.8), (0.0, 0.1, 0.3), (0.0, 0.0, 0.1)]):
        assert lo - 1e-12 <= drawn[:, g].min() and drawn[:, g].max() <= hi + 1e-12
        assert drawn[:, g].mean() == pytest.approx((lo + mode + hi) / 3, abs=0.005)
        assert np.mean(drawn[:, g] <= mode) == pytest.approx((mode - lo) / (hi - lo), abs=0.01)
    np.testing.assert_array_equal(drawn[:, 3], 0.0)


@pytest.mark.parametrize("text, says", [
    ("3;;0.1", "trailer_share is drawn from uniform or triangular ranges only, not normal"),
    ("4;-0.5;1", "its range reaches -0.5, below the minimum 0 of trailer_share"),
    ("5;0;;1.5", "its range reaches 1.5, above the maximum 1 of trailer_share"),
    ("5;0;0.9;1", "the mode 0.9 differs from the value 0.55; leave the mode empty"),
])
def test_a_trailer_range_the_model_cannot_draw_is_named_by_validate(data_copy, capsys, text,
                                                                    says):
    from conftest import set_cell

    from elt_odym.cli import main

    path = data_copy / "best_estimate" / "trailer_share.xlsx"
    set_cell(path, "Values_Master", "E2", text)  # HT's stats_array string
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "trailer_share.xlsx [Values_Master] B2: bad-uncertainty" in out and says in out, out


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=27, max_size=27))
def test_any_draw_keeps_every_cohort_non_negative(comps, u):
    comp = comps["cohort"]
    vectors = calc_draw_vectors(comp, np.array([u[:len(comp.uncertain)]]))[0]
    mass = np.einsum("fcgp,fgpm->cgpm", comp.profiles, vectors)
    assert mass.min() >= -1e-12


def test_draws_are_checked(comps):
    comp = comps["cohort"]
    with pytest.raises(ValueError, match="columns"):
        calc_draw_vectors(comp, np.zeros((1, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        calc_draw_vectors(comp, np.full((1, len(comp.uncertain)), 1.5))


# -- bad data -------------------------------------------------------------------------------------

def rules(exc: pytest.ExceptionInfo) -> list[str]:
    return [p.rule for p in exc.value.problems]


def test_missing_workbook_for_the_mode(data):
    broken = replace(data, "lightweighting_mass", present=False)
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(broken, "cohort"), COHORTS)
    assert rules(exc) == ["option-needs-workbook"]
    assert "lightweighting_mass" in str(exc.value)
    calc_cohort_composition(with_mode(broken, "powertrain"), COHORTS)  # not needed there


def test_negative_glider_is_an_error(data):
    obs = dict(data["component_mass"].observations)
    obs[("NT", "diesel", "engine")] = 2.0
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(replace(data, "component_mass", observations=obs),
                                          "powertrain"), COHORTS)
    assert rules(exc) == ["glider-negative"] and "type NT" in str(exc.value)


def test_inconsistent_ranges_of_one_component_are_an_error(data):
    unc = dict(data["component_mass"].uncertainty)
    key = ("HT", "diesel", "engine")
    v = data["component_mass"].observations[key]
    unc[key] = Uncertainty("uniform", 0.5 * v, 2.0 * v)
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(replace(data, "component_mass", uncertainty=unc),
                                          "cohort"), COHORTS)
    assert rules(exc) == ["inconsistent-range"] and "mass:engine" in str(exc.value)


def test_shares_must_sum_to_one(data):
    sigma = data["component_composition"].values.copy()
    sigma[data.items["o"].index("magnet"), data.items["m"].index("Nd")] += 0.01
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(replace(data, "component_composition", values=sigma),
                                          "powertrain"), COHORTS)
    assert rules(exc) == ["shares-do-not-sum-to-1"] and "magnet" in str(exc.value)
    shares = dict(data["emission_standard_share"].observations)
    shares[(2015, "HT", "diesel", "China_IV")] = 0.5
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(replace(data, "emission_standard_share",
                                                  observations=shares), "cohort"), COHORTS)
    assert "cohort 2015, HT, diesel" in str(exc.value)


def test_trailer_rows_in_component_mass_are_an_error(data):
    obs = dict(data["component_mass"].observations)
    obs[("HT", "diesel", "trailer")] = 3.0
    with pytest.raises(DataValidationError) as exc:
        calc_cohort_composition(with_mode(replace(data, "component_mass", observations=obs),
                                          "powertrain"), COHORTS)
    assert rules(exc) == ["derived-row"]


def test_a_scenario_asking_for_missing_component_workbooks_fails_at_load(data_copy):
    (data_copy / "lightweighting_mass.xlsx").unlink()
    with pytest.raises(DataValidationError) as exc:
        load_data(data_copy, "best_estimate")
    assert "option-needs-workbook" in rules(exc)
    assert "composition = 'cohort' needs the lightweighting_mass workbook" in str(exc.value)
    load_data(data_copy, "literature")  # the single composition needs none of them


# -- electrification: what the composition implies at end of life (an independent account) -------

def parts_content(data, metal: str, component: str | None = None) -> np.ndarray:
    """``(G, P)`` t of ``metal`` per vehicle in the components of its powertrain (or in one
    ``component``): ``component_mass x component_composition``, read from the workbooks."""
    items = data.items
    g_, p_, m = items["g"], items["p"], items["m"].index(metal)
    sigma = data["component_composition"].values
    out = np.zeros((len(g_), len(p_)))
    for (g, p, o), v in data["component_mass"].observations.items():
        if component in (None, o):
            out[g_.index(g), p_.index(p)] += v * sigma[items["o"].index(o), m]
    return out


def pgm_content(data, metal: str, cohorts, powertrain: str | None = None) -> np.ndarray:
    """``(C, G, P)`` t of ``metal`` per vehicle in the after-treatment of each cohort (or of one
    ``powertrain``'s only): emission-stage shares x ``pgm_loading``; cohorts outside the stage
    table take its nearest year."""
    items = data.items
    g_, p_ = items["g"], items["p"]
    stages = data["emission_standard_share"].observations
    have = sorted({k[0] for k in stages})
    out = np.zeros((len(cohorts), len(g_), len(p_)))
    for (e, g, p, metal_), grams in data["pgm_loading"].observations.items():
        if metal_ != metal or powertrain not in (None, p):
            continue
        for c, y in enumerate(cohorts):
            share = stages.get((min(max(y, have[0]), have[-1]), g, p, e), 0.0)
            out[c, g_.index(g), p_.index(p)] += share * grams * TONNES_PER_GRAM
    return out


def powertrain_content(data, metal: str, cohorts) -> np.ndarray:
    """``(C, G, P)`` t of ``metal`` per vehicle in its powertrain's components and after-
    treatment (the glider, trailer and lightweighting are the same for every powertrain)."""
    return parts_content(data, metal)[None] + pgm_content(data, metal, cohorts)


def cohort_shares(r) -> np.ndarray:
    """``(C, G, P)`` powertrain shares of each cohort on the fleet's extended axis (cohorts
    before the first model year: diesel)."""
    h = r.system.inputs.n_history
    share = r.data["powertrain_share"].values
    out = np.zeros((h + share.shape[0],) + share.shape[1:])
    out[:h, :, 0] = 1.0
    out[h:] = share
    return out


def eol_of(r, per_vehicle: np.ndarray, year: int) -> float:
    """What the vehicles retiring in ``year`` carry of a quantity ``per_vehicle (C, G, P)``,
    from the fleet's stock by cohort (plain numpy, not the kernel's sums over cohorts).

    A type's cohort ``c`` loses ``S[t-1, c] - S[t, c]`` vehicles in year ``t``; those a
    transfer moved out left every cohort in proportion (not end of life). A destination's
    cohort ``c`` holds its own new vehicles and, a share ``moved_in / inflow`` of it, vehicles
    moved in that year, which carry the mean of the source's surviving cohorts.
    """
    inputs = r.system.inputs
    sol = r.system.stocks["fleet"].solution
    t = list(inputs.fleet.years).index(year)
    stock = sol.cohort_stock[:, :, 0, :]                                   # (T, C, G)
    own = np.einsum("cgp,cgp->cg", cohort_shares(r), per_vehicle)          # (C, G)
    carried = own.copy()
    dst = [d for _, d in inputs.fleet.routes]
    assert len(set(dst)) == len(dst), "one route per destination in this account"
    for src, d in inputs.fleet.routes:
        inflow, moved_in = sol.inflow[:, 0, d], sol.moved_in[:, 0, d]
        w = np.divide(moved_in, inflow, out=np.zeros_like(inflow), where=inflow > 0)
        mean = np.array([stock[c, :c, src] @ own[:c, src] / stock[c, :c, src].sum()
                         if stock[c, :c, src].sum() > 0 else 0.0 for c in range(len(w))])
        carried[:, d] = (1.0 - w) * own[:, d] + w * mean
    total = 0.0
    for g in range(stock.shape[2]):
        leaving = stock[t - 1, :t, g] - stock[t, :t, g]
        existing = stock[t, :t, g].sum()
        moved = sol.moved_out[t, 0, g] * stock[t, :t, g] / existing if existing > 0 else 0.0
        total += (leaving - moved) @ carried[:t, g]
    return float(total)


def test_the_account_counts_the_fleets_end_of_life(runs):
    """The independent account gives the model's end-of-life vehicles of each group of types a
    transfer joins (a moved vehicle keeps its source type's content)."""
    r = runs("electrification_low")
    n_c, n_g, n_p = cohort_shares(r).shape
    eol = r.system.results.values["eol"][0, -1]
    groups = [{g} | {d for s, d in r.system.inputs.fleet.routes if s == g}
              | {s for s, d in r.system.inputs.fleet.routes if d == g} for g in range(n_g)]
    for group in groups:
        one = np.zeros((n_c, n_g, n_p))
        one[:, sorted(group)] = 1.0
        assert eol_of(r, one, 2050) == pytest.approx(eol[sorted(group)].sum(), rel=1e-9)


@pytest.mark.parametrize("metal", ["Rh", "Pd", "Nd", "Pt", "Pr", "Dy", "Cu"])
def test_high_electrification_moves_pgm_and_magnets_by_what_the_composition_implies(runs, metal):
    """2050 end of life (``eol_material_total``, all that leaves the fleet), high minus low
    path: the same fleet, so the difference is each cohort's powertrain shares times its
    powertrain content. Rh and Pd fall (fewer natural-gas three-way catalysts), Nd rises
    (permanent-magnet motors). Cu also counts the traction packs (their own chain)."""
    low, high = runs("electrification_low"), runs("electrification_high")
    np.testing.assert_allclose(high.system.results.values["eol"],
                               low.system.results.values["eol"], rtol=1e-12)
    years = list(low.system.inputs.fleet.years)
    content = powertrain_content(low.data, metal, years)
    expected = eol_of(high, content, 2050) - eol_of(low, content, 2050)
    if metal == "Cu":
        expected += (high.value("battery_eol_material", 2050, "total", metal)
                     - low.value("battery_eol_material", 2050, "total", metal))
    else:
        for r in (low, high):
            assert r.value("battery_eol_material", 2050, "total", metal) == 0.0
    got = (high.value("eol_material_total", 2050, "total", metal)
           - low.value("eol_material_total", 2050, "total", metal))
    assert got == pytest.approx(expected, rel=1e-9)
    sign = {"Rh": -1, "Pd": -1, "Nd": 1, "Pr": 1, "Dy": 1, "Cu": 1}.get(metal)
    if sign is not None:
        assert sign * got > 0


# -- uncertainty: component masses, PGM loadings and magnets in the Monte Carlo ----------------

def with_uncertainty(data, **options):
    """``data`` with some Monte Carlo group options changed."""
    unc = data.config.uncertainty.model_copy(update=options)
    return dataclasses.replace(data, config=data.config.model_copy(update={"uncertainty": unc}))


def band_2050(summary, metal: str) -> np.ndarray:
    row = summary[(summary.variable == "eol_material_total") & (summary.year == 2050)
                  & (summary.truck_type == "total") & (summary.material == metal)]
    return row[["p05", "p50", "p95", "std"]].to_numpy(float)[0]


def block_content(data, name: str, metal: str, cohorts) -> np.ndarray | None:
    """``(C, G, P)`` t of ``metal`` per vehicle that the uncertain quantity ``name`` scales
    (``mass:<component>``, ``pgm:<powertrain>:<metal>``, ``lightweighting``), from the
    workbooks; None if it holds none of the metal."""
    kind, _, rest = name.partition(":")
    if kind == "mass":
        out = np.repeat(parts_content(data, metal, rest)[None], len(cohorts), axis=0)
    elif kind == "pgm":
        powertrain, _, metal_ = rest.partition(":")
        out = pgm_content(data, metal, cohorts, powertrain) if metal_ == metal else None
    elif kind == "lightweighting":
        saved = data["lightweighting_mass"].observations
        have = sorted({y for y, _ in saved})
        per_t = data["lightweighting_substitution"].values[data.items["m"].index(metal)]
        lw = np.array([[saved[(min(max(y, have[0]), have[-1]), g)] for g in data.items["g"]]
                       for y in cohorts])
        out = np.repeat((lw * per_t)[:, :, None], len(data.items["p"]), axis=2)
    else:
        return None
    return out if out is not None and np.any(out) else None


def test_composition_draws_give_the_monte_carlos_nd_and_pt(runs):
    """With only the composition drawn (fleet, shares and packs at their nominal values), each
    draw's 2050 Nd and Pt are the deterministic run's plus, per drawn quantity, (multiplier - 1)
    x what it holds in the vehicles retiring in 2050 (the independent account above); the
    Monte Carlo's percentiles are those of these numbers."""
    from elt_odym.uncertainty.montecarlo import mc_inputs, run_mc
    from elt_odym.uncertainty.sampling import sample_range
    from scipy.stats import triang

    base = runs("electrification_central")
    data = with_uncertainty(base.data, weight="none", prices="none", factors="none",
                            lifetime_shift_years=0.0, stock_rel_sd=0.0, battery="none",
                            stock="none", lifetimes="none", shares="none")
    n, seed = 300, 5
    summary = run_mc(data, n, seed, progress=False).summary()
    inputs = mc_inputs(data)
    u = sample_range(inputs, data.config.uncertainty, n, seed, 0, n).body_u
    years = list(inputs.fleet.years)
    for metal in ("Nd", "Pt"):
        values = np.full(n, base.value("eol_material_total", 2050, "total", metal))
        drawn = []
        for k, q in enumerate(inputs.composition.uncertain):
            per = block_content(base.data, q.name, metal, years)
            if per is None:
                continue
            assert q.kind == "triangular" and q.low <= q.mode <= q.high
            drawn.append(q.name)
            # independent inverse CDF: scipy's triangular law (mode as a fraction of the range)
            mult = triang.ppf(u[:, k], (q.mode - q.low) / (q.high - q.low), loc=q.low,
                              scale=q.high - q.low)
            values += (mult - 1.0) * eol_of(base, per, 2050)
        band = band_2050(summary, metal)
        np.testing.assert_allclose(band[:3], np.percentile(values, [5, 50, 95]), rtol=1e-9)
        assert band[2] > 1.5 * band[0], (metal, drawn)
        expected = {"Nd": {"mass:magnet"}, "Pt": {"mass:fuel_cell_catalyst", "pgm:diesel:Pt",
                                                  "pgm:natural_gas:Pt", "pgm:PHEV:Pt"}}[metal]
        assert set(drawn) == expected


def test_composition_spread_shows_in_the_joint_monte_carlo(runs):
    """One joint run with the fleet: the same seed draws the same fleets with the composition
    drawn or held, and drawing it widens the 2050 Nd and Pt."""
    from elt_odym.uncertainty.montecarlo import run_mc

    data = runs("electrification_central").data
    drawn = run_mc(data, 200, 11, progress=False).summary()
    held = run_mc(with_uncertainty(data, composition="none"), 200, 11, progress=False).summary()
    eol = [s[(s.variable == "eol") & (s.year == 2050) & (s.truck_type == "total")]
           [["p05", "p95"]].to_numpy() for s in (drawn, held)]
    np.testing.assert_array_equal(eol[0], eol[1])
    assert eol[0][0, 1] > eol[0][0, 0]  # the fleet is drawn
    for metal in ("Nd", "Pt"):
        assert band_2050(drawn, metal)[3] > 1.2 * band_2050(held, metal)[3], metal


def test_electrification_page_has_every_generated_block(bundled):
    """Every block of ``tools/electrification_table.py`` has its marker in
    ``docs/electrification.md`` (filled at build time by ``tools/docs_hooks.py``), once, and the
    page holds no other block of that script."""
    import importlib.util
    import re

    path = bundled / "tools" / "electrification_table.py"
    if not path.is_file():
        pytest.skip("tools/ is not installed with the package")
    spec = importlib.util.spec_from_file_location("electrification_table", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    page = (bundled / "docs" / "electrification.md").read_text(encoding="utf-8")
    found = re.findall(r"^<!-- generated: electrification\.([\w-]+) -->$", page, re.MULTILINE)
    assert sorted(found) == sorted(tool.BLOCKS)


def test_the_weight_sensitivity_says_which_trailer_case_it_is(best):
    """The study's range reaches the truck unit alone; best_estimate's heavy trucks keep 0.35
    trailers at the low end, and the sensitivity's label says so."""
    from elt_odym.system.inputs import model_inputs
    from elt_odym.uncertainty.sensitivity import cases

    def weight_case(data):
        return [change for name, change in cases(model_inputs(data))[0] if name == "weight"]

    assert weight_case(load_data(scenario="paper_reproduction")) == ["truck unit only"]
    assert weight_case(best) == ["fewest trailers (low end of trailer_share)"]


def test_the_weight_case_without_a_trailer_range_says_it_is_the_base(best):
    """best_estimate's trailers without their ranges: the weight case keeps the nominal
    trailers, equals the base run, and its label says so."""
    import dataclasses

    from elt_odym.batch import variable_margins
    from elt_odym.system.equations import evaluate
    from elt_odym.system.inputs import model_inputs
    from elt_odym.uncertainty.sensitivity import cases

    inputs = model_inputs(best)
    comp = inputs.composition
    fixed = dataclasses.replace(inputs, composition=dataclasses.replace(comp, uncertain=tuple(
        dataclasses.replace(q, kind="none") if q.name.startswith("trailer:") else q
        for q in comp.uncertain)))
    labels, draws = cases(fixed)
    i = labels.index(("weight", "trailers as in the base (trailer_share has no range)"))
    mass = variable_margins(evaluate(fixed, draws, flows=False), "eol_mass")  # (N, T, K)
    assert mass[0].sum() > 0
    np.testing.assert_allclose(mass[i], mass[0], rtol=1e-12)
