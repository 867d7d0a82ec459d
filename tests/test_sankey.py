"""The Sankey's numbers: every process balances, the stock change in use is shown."""

from __future__ import annotations

import numpy as np
import pytest

from elt_odym.reporting.figures import display_unit
from elt_odym.reporting.sankey import (
    BUILD_UP,
    MATERIAL_GROUPS,
    RELEASE,
    mass_text,
    sankey_data,
    sankey_figure,
)


@pytest.fixture(scope="module")
def data(runs):
    return sankey_data(runs("paper_calibrated_current_practice").system)


def test_every_process_node_balances_with_the_stock_change(data):
    values = data.values
    for name in ("primary production", "manufacturing", "use", "scrapping",
                 "formal recycling"):
        k = data.nodes.index(name)
        into = values[:, np.asarray(data.target) == k].sum(axis=1)
        out = values[:, np.asarray(data.source) == k].sum(axis=1)
        np.testing.assert_allclose(into, out, rtol=1e-9, atol=1e-6 * values.max(), err_msg=name)


def test_stock_change_and_informal_route_are_links(data):
    assert BUILD_UP in data.nodes and RELEASE in data.nodes
    assert "informal recycling or abandoned" in data.nodes
    build = data.values[:, np.asarray(data.target) == data.nodes.index(BUILD_UP)].sum(axis=1)
    assert build[data.years.index(2023)] > 0
    assert set(data.group) <= set(MATERIAL_GROUPS)
    assert data.values.shape == (len(data.years), len(data.source))


def test_figure_has_a_slider_over_every_year(runs, data):
    fig = sankey_figure(runs("paper_calibrated_current_practice").system, 2023, "x")
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == [str(y) for y in data.years]
    assert fig.layout.sliders[0].active == data.years.index(2023)
    assert "x: material flows in 2023" == fig.layout.title.text


@pytest.mark.parametrize("tonnes, text", [(2.5e7, "25 Mt"), (4.5e5, "450 kt"), (3.2, "3.2 t"),
                                          (0.0, "0 t")])
def test_mass_text(tonnes, text):
    assert mass_text(tonnes) == text


def test_display_unit_fits_the_magnitude():
    assert display_unit(1.0e7, "unit") == (1e-6, "million units")
    assert display_unit(4.0e5, "t") == (1e-3, "kt")
    assert display_unit(3.0e10, "USD") == (1e-9, "billion US$")
    assert display_unit(2.0, "t") == (1.0, "t")


def test_traction_chain_nodes_balance_in_an_electrified_scenario(runs):
    """Packs and fuel-cell parts have their own nodes; each balances with its stock change."""
    d = sankey_data(runs("electrification_high").system)
    for name in ("traction manufacturing", "traction use", "traction recycling"):
        assert name in d.nodes, name
        k = d.nodes.index(name)
        into = d.values[:, np.asarray(d.target) == k].sum(axis=1)
        out = d.values[:, np.asarray(d.source) == k].sum(axis=1)
        assert into[d.years.index(2050)] > 0, name
        np.testing.assert_allclose(into, out, rtol=1e-9, atol=1e-6 * d.values.max(),
                                   err_msg=name)
    assert "traction stock build-up" in d.nodes



def test_battery_materials_and_praseodymium_have_their_groups(runs):
    """The material of the traction chain (Li, Ni, Mn, graphite, ...) and the magnets' Pr are
    not lumped into 'other': in electrification_high the battery group carries the packs'
    material through traction recycling, and 'other' holds the material 'other' alone."""
    from elt_odym.reporting.sankey import _group_of

    r = runs("electrification_high")
    materials = list(r.data.items["m"])
    groups = _group_of(materials)
    assert [materials[i] for i in groups["other"]] == ["other"]
    assert "Pr" in [materials[i] for i in groups["rare earths, precious metals"]]
    d = sankey_data(r.system)
    k = d.nodes.index("traction recycling")
    into = [v for v, t, g in zip(d.values[d.years.index(2050)], d.target, d.group)
            if t == k and g == "battery and fuel-cell materials"]
    assert sum(into) > 0
