"""The examples run inside the test suite: a second product system, embedding, IAMC export."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from elt_odym.cli import main
from elt_odym.model import run
from elt_odym.reporting.iamc import to_iamc, variable_name

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_bus_system_by_data_alone(tmp_path):
    data = EXAMPLES / "buses"
    assert main(["validate", "--data", str(data)]) == 0
    out = tmp_path / "bus"
    assert main(["run", "--data", str(data), "--out", str(out), "--no-figures"]) == 0
    t = pd.read_csv(out / "results.csv", keep_default_na=False)
    assert set(t.loc[t.variable == "stock", "truck_type"]) == {"CB", "CO", "total"}
    assert set(t.loc[t.variable == "eol_material", "material"]) == {
        "Fe", "Al", "Cu", "rubber", "plastics", "glass", "other", "total"}
    mb = pd.read_csv(out / "mass_balance.csv")
    r = run(data, "illustrative")
    assert r.mass_balance_error <= 1e-9
    assert mb["imbalance"].abs().max() <= 1e-9 * r.results["value"].abs().max()
    iamc = pd.read_csv(out / "results_iamc.csv")
    assert "Buses|End of Life Mass|CB" in set(iamc["Variable"])


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_embedding_in_a_larger_model_balances():
    example = _load("embed_steel_market")
    model = example.main()
    fe = model.dims["m"].items.index("Fe")
    truck = model.flows["recycling => steel scrap market"].values[:, fe]
    steel = model.flows["steel"].values[:, fe]
    np.testing.assert_allclose(steel, example.EAF_YIELD * (1 + example.OTHER_SCRAP_FACTOR)
                               * truck, rtol=1e-12)
    model.flows["slag"].values[10, fe] += 1.0  # break it: flodym's check must notice
    with pytest.raises(ValueError, match="EAF steelmaking"):
        model.check_mass_balance()


def test_iamc_export(runs, tmp_path):
    r = runs("paper_calibrated")
    wide = to_iamc(r.results, "Trucks", "China", 2023)
    assert list(wide.columns[:5]) == ["Model", "Scenario", "Region", "Variable", "Unit"]
    assert wide.columns[5] == "2002" and wide.columns[-1] == "2050"
    row = wide[wide.Variable == "Trucks|CO2 Saving|Fe"]
    assert row["Unit"].iloc[0] == "Mt CO2-equiv/yr"
    assert row["2050"].iloc[0] == pytest.approx(
        r.value("carbon_saving", 2050, "total", "Fe") * 1e-6)
    assert variable_name("Trucks", "eol_mass", "total", "") == "Trucks|End of Life Mass"
    assert variable_name("Trucks", "eol_material", "HT", "Cu") == \
        "Trucks|End of Life Material|Cu|HT"
    assert not wide.duplicated(["Scenario", "Variable", "Unit"]).any()
