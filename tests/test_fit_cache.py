"""The logistic stock fits in the user's cache folder (issue 22): a fit found there is
bit-identical to computing it, and anything it depends on changing is never found there."""

from __future__ import annotations

import json
import logging
import math
import struct
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elt_odym.fleet import fit_cache, projection
from elt_odym.fleet.projection import LogisticFit, fit_logistic
from elt_odym.io import user_cache

YEARS = np.arange(2000.0, 2021.0)
VALUES = 5e6 / (1.0 + np.exp(-0.2 * (YEARS - 2012.0))) * (1.0 + 0.02 * np.sin(YEARS))
"""A rising logistic with a few per cent of scatter: a fit that converges."""
SIGMAS = np.where(YEARS >= 2015, 0.03 * VALUES, np.nan)
"""Stated sds on the last years, the default on the others."""
DECLINE_YEARS = np.arange(2003.0, 2022.0)
DECLINE = 1e6 * np.exp(-0.18 * (DECLINE_YEARS - 2003.0))
"""A declining exponential: its saturation runs off, the fit stops at MAX_FIT_EVALUATIONS."""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    """A private cache folder for the test; returns its ``fits`` folder."""
    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / fit_cache.KIND


@pytest.fixture
def solves(monkeypatch) -> list:
    """Counts the calls of the solver (each start of each fit)."""
    calls = []
    real = projection.least_squares

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(projection, "least_squares", counting)
    return calls


def fresh(monkeypatch, *args, **kwargs) -> LogisticFit:
    """The fit computed without any cache."""
    with monkeypatch.context() as m:
        m.setenv(user_cache.CACHE_ENV, "none")
        return fit_logistic(*args, **kwargs)


def bits(value) -> tuple:
    """A value as its type and exact bits (NaN, -0.0 and every digit told apart)."""
    if isinstance(value, float):
        return float, struct.pack("<d", value)
    return type(value), value


def assert_same_fit(got: LogisticFit, expected: LogisticFit) -> None:
    for f in fields(LogisticFit):
        assert bits(getattr(got, f.name)) == bits(getattr(expected, f.name)), f.name


def forbid_solver(monkeypatch) -> None:
    def fail(*args, **kwargs):
        raise AssertionError("least_squares called: the fit was not taken from the cache")

    monkeypatch.setattr(projection, "least_squares", fail)


def test_a_kept_fit_is_identical_and_not_solved_again(cache, monkeypatch):
    reference = fresh(monkeypatch, "ST", YEARS, VALUES, SIGMAS, 0.05, 0.3)
    first = fit_logistic("ST", YEARS, VALUES, SIGMAS, 0.05, 0.3)
    assert len(list(cache.glob("*.json"))) == 1
    forbid_solver(monkeypatch)
    again = fit_logistic("ST", YEARS, VALUES, SIGMAS, 0.05, 0.3)
    assert_same_fit(first, reference)
    assert_same_fit(again, reference)
    renamed = fit_logistic("MT", list(YEARS), list(VALUES), list(SIGMAS), 0.05, 0.3)
    assert renamed.product == "MT"  # the type is a label, not part of the key
    assert renamed.a == reference.a and renamed.se_t_c == reference.se_t_c


def test_no_cache_writes_nothing_and_still_fits(tmp_path, monkeypatch, solves):
    monkeypatch.setenv(user_cache.CACHE_ENV, "none")
    monkeypatch.chdir(tmp_path)
    first = fit_logistic("ST", YEARS, VALUES)
    n = len(solves)
    second = fit_logistic("ST", YEARS, VALUES)
    assert n == 2 * projection.N_STARTS and len(solves) == 2 * n
    assert list(tmp_path.iterdir()) == []
    assert_same_fit(second, first)
    assert abs(first.a / 5e6 - 1) < 0.05 and abs(first.k - 0.2) < 0.02


def test_a_damaged_entry_is_ignored_and_the_fit_made_again(cache, monkeypatch, solves):
    reference = fresh(monkeypatch, "ST", YEARS, VALUES, SIGMAS)
    fit_logistic("ST", YEARS, VALUES, SIGMAS)
    entry, = cache.glob("*.json")
    text = entry.read_bytes()
    changed = text.replace(repr(reference.a).encode(), repr(reference.a * 2).encode())
    assert changed != text
    entry.write_bytes(changed)
    solves.clear()
    again = fit_logistic("ST", YEARS, VALUES, SIGMAS)
    assert solves, "the damaged entry was used"
    assert_same_fit(again, reference)
    forbid_solver(monkeypatch)  # the fit made again is kept again
    assert_same_fit(fit_logistic("ST", YEARS, VALUES, SIGMAS), reference)


def test_an_entry_of_another_layout_is_not_used(cache, monkeypatch, solves):
    reference = fresh(monkeypatch, "ST", YEARS, VALUES)
    sigma = projection._sigma(VALUES, np.full(YEARS.shape, np.nan), 0.05)
    key = fit_cache.fit_key(YEARS, VALUES, sigma, 0.05, 0.3)
    wrong = {"fit": {"a": 1.0}, "status": 1, "nfev": 3}  # its own digest matches
    user_cache.store(cache, key, "json", json.dumps(wrong).encode())
    solves.clear()
    assert_same_fit(fit_logistic("ST", YEARS, VALUES), reference)
    assert solves


def test_nan_and_infinite_values_come_back_exactly(cache):
    names = tuple(f.name for f in fields(LogisticFit) if f.name != "product")
    values = [math.nan, math.inf, -0.0, 0.1 + 0.2, 5e-324, -1.7976931348623157e308, 7,
              2.0 ** 0.5, 1e22, 3.0]
    entry = {"fit": dict(zip(names, values)), "status": 0, "nfev": 400}
    fit_cache.store(cache, "k" * 32, entry)
    back = fit_cache.load(cache, "k" * 32, names)
    assert [bits(back["fit"][n]) for n in names] == [bits(v) for v in values]
    assert (back["status"], back["nfev"]) == (0, 400)


def _with_value(v):
    v = v.copy()
    v[5] *= 1.001
    return v


@pytest.mark.parametrize("change", [
    {"values": _with_value(VALUES)},
    {"years": YEARS + 1.0},
    {"sigmas": np.where(YEARS >= 2015, 0.04 * VALUES, np.nan)},
    {"rel_default": 0.06},
    {"k_bound": 0.25},
], ids=["value", "years", "sigma", "rel_default", "k_bound"])
def test_a_change_of_what_the_fit_depends_on_misses_the_cache(cache, monkeypatch, solves,
                                                              change):
    base = {"years": YEARS, "values": VALUES, "sigmas": SIGMAS, "rel_default": 0.05,
            "k_bound": 0.3}
    fit_logistic("ST", **base)
    solves.clear()
    fit_logistic("ST", **base)
    assert solves == []
    changed = fit_logistic("ST", **{**base, **change})
    assert len(solves) == 2 * projection.N_STARTS
    assert_same_fit(changed, fresh(monkeypatch, "ST", **{**base, **change}))


def test_the_degenerate_fit_is_reported_on_a_hit_as_on_a_miss(cache, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger=projection.__name__)
    miss = fit_logistic("NT", DECLINE_YEARS, DECLINE)
    on_miss = [r.getMessage() for r in caplog.records if r.name == projection.__name__]
    caplog.clear()
    forbid_solver(monkeypatch)
    hit = fit_logistic("NT", DECLINE_YEARS, DECLINE)
    on_hit = [r.getMessage() for r in caplog.records if r.name == projection.__name__]
    assert on_miss == on_hit
    assert len(on_hit) == 1
    assert f"stopped after {projection.MAX_FIT_EVALUATIONS} evaluations" in on_hit[0]
    assert hit.k < 0
    assert_same_fit(hit, miss)


def test_a_run_with_the_kept_fits_equals_the_run_that_made_them(cache, monkeypatch):
    from elt_odym.data import load_data
    from elt_odym.model import run

    cold = run()
    assert len(list(cache.glob("*.json"))) == len(cold.data.items["g"])  # one fit per type
    posteriors = projection.projection_posteriors(cold.data)  # the headline's, with priors
    forbid_solver(monkeypatch)
    warm = run(data=load_data())
    warm_posteriors = projection.projection_posteriors(warm.data)
    pd.testing.assert_frame_equal(warm.results, cold.results, check_exact=True)
    assert warm.fleet.fits.keys() == cold.fleet.fits.keys()
    for g, fit in cold.fleet.fits.items():
        assert_same_fit(warm.fleet.fits[g], fit)
        assert_same_fit(warm_posteriors[g].fit, posteriors[g].fit)
        np.testing.assert_array_equal(warm_posteriors[g].cov, posteriors[g].cov)


@pytest.mark.parametrize("constant, value", [("N_STARTS", 5), ("MAX_FIT_EVALUATIONS", 300),
                                             ("TC_MARGIN", 80.0), ("K_MIN", 1e-5)])
def test_a_changed_constant_or_code_misses_the_cache(cache, monkeypatch, solves, constant,
                                                     value):
    """The fitting module's constants as they are at the fit, and its code, are in the key: a
    fit kept by other settings or other code is never used."""
    fit_logistic("ST", YEARS, VALUES, SIGMAS)
    solves.clear()
    monkeypatch.setattr(projection, constant, value)
    fit_logistic("ST", YEARS, VALUES, SIGMAS)
    assert solves, f"a fit kept with another {constant} was used"
    monkeypatch.undo()
    monkeypatch.setenv(user_cache.CACHE_ENV, str(cache.parent))
    monkeypatch.setattr(fit_cache, "_code_digest", lambda: b"other code")
    monkeypatch.setattr(projection, "least_squares", _counting(solves))
    solves.clear()
    fit_logistic("ST", YEARS, VALUES, SIGMAS)
    assert solves, "a fit kept by other code was used"


def _counting(calls: list):
    real = projection.least_squares

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    return counting
