"""A strict configuration: unknown keys and unmet option requirements are errors that name
the file, the scenario and the key, in ``validate`` and in ``run``."""

from __future__ import annotations

import pytest

from elt_odym.cli import main
from elt_odym.config import load_config
from elt_odym.errors import ConfigError


def edit_config(data_copy, old: str, new: str) -> None:
    path = data_copy / "config.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_misspelled_files_key_is_rejected_by_validate_and_run(data_copy, tmp_path, capsys):
    edit_config(data_copy, 'files = { weibull_scale = "open_data/', 'files = { weibul_scale = "open_data/')
    assert main(["validate", "--data", str(data_copy)]) == 2
    err = capsys.readouterr().err
    assert "config.toml" in err and "scenarios.open_data.files" in err and "weibul_scale" in err
    assert len(err.strip().splitlines()) == 1
    assert main(["run", "--data", str(data_copy), "--out", str(tmp_path / "o")]) == 2
    assert "weibul_scale" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("table,line,key", [
    ("[model]", "first_year = 2002", "first_yaer = 2002"),
    ("[uncertainty]", "draws = 100000", "drawz = 100000"),
])
def test_unknown_option_keys(data_copy, table, line, key):
    edit_config(data_copy, line, key)
    with pytest.raises(ConfigError, match=key.split()[0]):
        load_config(data_copy)


def test_unknown_scenario_model_option(data_copy, capsys):
    edit_config(data_copy, '[scenarios.open_data]\n', '[scenarios.open_data]\nmodel = { lifetime = "pdf" }\n')
    assert main(["validate", "--data", str(data_copy)]) == 2
    assert "unknown model option(s) ['lifetime']" in capsys.readouterr().err


def test_missing_default_scenario(data_copy):
    config = load_config(data_copy)
    edit_config(data_copy, f'default_scenario = "{config.default_scenario}"',
                'default_scenario = "nope"')
    with pytest.raises(ConfigError, match="default_scenario 'nope'"):
        load_config(data_copy)


def test_option_requirements_are_checked_by_validate(data_copy, capsys):
    edit_config(data_copy, '[scenarios.literature]\n',
                '[scenarios.literature]\nmodel = { age_structure = "workbook" }\n')
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "option-needs-workbook" in out and "initial_age_distribution" in out


def test_years_outside_the_time_range(data_copy, capsys):
    edit_config(data_copy, "sankey_year = 2023", "sankey_year = 2070")
    assert main(["validate", "--data", str(data_copy)]) == 2
    assert "sankey_year 2070 is outside" in capsys.readouterr().err


def test_a_scenario_option_outside_the_years_is_listed_by_validate(data_copy, capsys):
    edit_config(data_copy, '[scenarios.literature]\n',
                '[scenarios.literature]\nmodel = { switch_year = 1990 }\n')
    assert main(["validate", "--data", str(data_copy)]) == 1
    out = capsys.readouterr().out
    assert "bad-option" in out and "switch_year 1990 is outside" in out
