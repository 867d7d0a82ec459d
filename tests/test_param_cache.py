"""Validated parameters kept in the user's cache folder (issue 22): a parameter found there
equals the one read and validated afresh, field by field and bit by bit; anything it depends
on changing is never found there; a workbook with problems is never kept."""

from __future__ import annotations

import ast
import dataclasses
import json
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from conftest import set_cell

import elt_odym
from elt_odym import data as data_module
from elt_odym import declaration
from elt_odym.config import load_config
from elt_odym.data import (
    DIM_BY_LETTER,
    _dim_items,
    _read_all,
    load_data,
    parameter_paths,
    validate_data_dir,
)
from elt_odym.declaration import declared_parameters
from elt_odym.io import param_cache, read_classification_master, user_cache, validation
from elt_odym.io.safe_open import WorkbookLimits
from elt_odym.paths import bundled_data_dir


@pytest.fixture
def cache(tmp_path: Path, monkeypatch) -> Path:
    """A private, empty cache folder in force; returns the folder of the parameters."""
    monkeypatch.setenv(user_cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / param_cache.KIND


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.json")) if folder.exists() else []


def _bits(value) -> tuple:
    """A value as its type and exact bits (NaN, -0.0 and every digit told apart)."""
    if isinstance(value, float):
        return float, struct.pack("<d", value)
    if isinstance(value, tuple):
        return tuple, tuple(_bits(v) for v in value)
    return type(value), value


def _view(p: data_module.ParameterData) -> dict:
    """Every field of a parameter as exact, comparable values (in order)."""
    values = None if p.values is None else (p.values.dtype.str, p.values.shape,
                                            np.ascontiguousarray(p.values).tobytes())
    return {"spec": p.spec, "items": [[_bits(i) for i in items] for items in p.items],
            "values": values,
            "observations": [(_bits(k), _bits(v)) for k, v in p.observations.items()],
            "uncertainty": [(_bits(k), type(u), _bits(dataclasses.astuple(u)))
                            for k, u in p.uncertainty.items()],
            "provenance": [(_bits(k), _bits(v)) for k, v in p.provenance.items()],
            "path": p.path, "present": p.present}


def _read(data_dir: Path | None, scenario: str | None = None, names=None) -> dict:
    """The parameters of a scenario as ``_read_all`` reads them (all, or ``names``)."""
    config = load_config(data_dir or bundled_data_dir())
    name, _, options = config.resolve(scenario)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, options)
    paths = parameter_paths(config, name)
    if names is not None:
        paths = {k: v for k, v in paths.items() if k in names}
    data, problems = _read_all(config, master, items, paths)
    assert problems == []
    return data


def _read_all_of(names) -> tuple[dict, list]:
    """``_read_all`` of the bundled default scenario's parameters ``names``: data, problems."""
    config = load_config(bundled_data_dir())
    name, _, options = config.resolve(None)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, options)
    paths = {k: v for k, v in parameter_paths(config, name).items() if k in names}
    return _read_all(config, master, items, paths)


def _fresh(monkeypatch, *args, **kwargs) -> dict:
    with monkeypatch.context() as m:
        m.setenv(user_cache.CACHE_ENV, "none")
        return _read(*args, **kwargs)


def _no_reading(monkeypatch) -> None:
    """Reading or validating a parameter workbook from here on fails the test."""
    def fail(*args, **kwargs):
        raise AssertionError("a workbook was read or validated again")
    monkeypatch.setattr(data_module, "read_parameter_workbook", fail)
    monkeypatch.setattr(data_module, "validate_parameter", fail)


def _context(data_dir: Path | None = None, scenario: str | None = None):
    config = load_config(data_dir or bundled_data_dir())
    _, _, options = config.resolve(scenario)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, options)
    dim_classes = {x: config.dimensions[d.name] for x, d in DIM_BY_LETTER.items()
                   if d.name in config.dimensions}
    return config, master, items, dim_classes


def test_a_hit_equals_a_fresh_read_for_every_bundled_parameter(cache, monkeypatch):
    config = load_config(bundled_data_dir())
    checked = 0
    for scenario in config.scenario_names():
        fresh = _fresh(monkeypatch, None, scenario)
        first = _read(None, scenario)  # fills the cache (or finds another scenario's entries)
        with monkeypatch.context() as m:
            _no_reading(m)
            again = _read(None, scenario)
        assert list(first) == list(again) == list(fresh)
        for name, parameter in fresh.items():
            assert _view(first[name]) == _view(parameter), (scenario, name)
            assert _view(again[name]) == _view(parameter), (scenario, name)
            checked += parameter.present
    assert len(_entries(cache)) >= 60 and checked >= 14 * 40


def _key(path: Path, spec=None, master=None, dim_classes=None, items=None, limits=None):
    _, master0, items0, classes0 = _context()
    spec = spec or next(p for p in declared_parameters(items0) if p.name == path.stem)
    return param_cache.parameter_key(path, spec, master or master0, dim_classes or classes0,
                                     items or items0, limits)


def test_each_part_of_the_key_changes_it(tmp_path, monkeypatch):
    source = bundled_data_dir() / "unit_weight.xlsx"
    path = tmp_path / "unit_weight.xlsx"
    shutil.copy(source, path)
    base = _key(path)
    assert base is not None and base == _key(path) == _key(source)  # the path is not in it
    _, master, items, classes = _context()
    spec = next(p for p in declared_parameters(items) if p.name == "unit_weight")
    t = items["t"]
    changed = {
        "spec": _key(path, spec=dataclasses.replace(spec, maximum=1e9)),
        "years": _key(path, items=items | {"t": t[:-1]}),
        "items": _key(path, items=items | {"g": items["g"][::-1]}),
        "classification": _key(path, dim_classes=classes | {"g": "Other"}),
        "master items": _key(path, master=dataclasses.replace(master, classifications={
            **master.classifications, classes["g"]: dataclasses.replace(
                master[classes["g"]], items=master[classes["g"]].items[:-1])})),
        "version": _key(path, master=dataclasses.replace(master, version="other")),
        "limits": _key(path, limits=WorkbookLimits(max_rows=50_000)),
    }
    with monkeypatch.context() as m:
        m.setattr(param_cache, "_code_digest", lambda: b"other code")
        changed["source"] = _key(path)
    with monkeypatch.context() as m:
        m.setattr(param_cache, "FORMAT", "other")
        changed["format"] = _key(path)
    with monkeypatch.context() as m:
        m.setattr(validation, "SHARE_SUM_TOLERANCE", 1e-3)  # the name the checks read
        changed["constant"] = _key(path)
    set_cell(path, "Values_Master", "D2", 12345.0)  # one cell edited
    changed["bytes"] = _key(path)
    assert base not in changed.values() and None not in changed.values()
    assert len(set(changed.values())) == len(changed), changed


def _imported(root: Path, name: str) -> set[str]:
    """The package's modules (paths relative to ``root``) that module ``name`` imports."""
    out = set()
    for node in ast.walk(ast.parse((root / name).read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.ImportFrom) and node.level):
            continue
        base = Path(name).parents[node.level - 1]
        module = base.joinpath(*(node.module or "").split("."))
        names = [module] if node.module else [module / a.name for a in node.names]
        out |= {n.with_suffix(".py").as_posix() for n in names
                if (root / n.with_suffix(".py")).is_file()}
    return out


def test_the_sources_hold_every_module_the_reader_and_the_checks_import():
    root = Path(elt_odym.__file__).parent
    todo, seen = ["io/workbook.py", "io/validation.py", "io/param_cache.py"], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += sorted(_imported(root, name))
    assert {"io/cover.py", "io/sheets.py", "declaration.py", "io/stats_array.py"} <= seen
    assert seen <= set(param_cache.SOURCES), seen - set(param_cache.SOURCES)
    assert "data.py" in param_cache.SOURCES and all(
        (root / name).is_file() for name in param_cache.SOURCES)


def test_changed_code_misses_and_reads_again(cache, monkeypatch):
    names = {"unit_weight", "price"}
    _read(None, names=names)
    assert len(_entries(cache)) == 2
    monkeypatch.setattr(param_cache, "_code_digest", lambda: b"other code")
    calls = []
    real = data_module.validate_parameter
    monkeypatch.setattr(data_module, "validate_parameter",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    _read(None, names=names)
    assert len(calls) == 2 and len(_entries(cache)) == 4


def test_no_cache_when_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv(user_cache.CACHE_ENV, "none")
    monkeypatch.chdir(tmp_path)  # where a folder named "none" would appear
    monkeypatch.setattr(user_cache, "store", lambda *a, **k: pytest.fail("stored"))
    assert param_cache.folder() is None
    data = _read(None, names={"price"})
    assert data["price"].present and list(tmp_path.iterdir()) == []


def test_a_stricter_check_is_not_served_from_the_cache(cache, monkeypatch):
    """A constant the checks read, changed (here the tolerance of shares summing to one):
    the workbook the cache holds is checked again and its problems are reported."""
    names = {"material_composition"}
    data, problems = _read_all_of(names)
    assert problems == [] and len(_entries(cache)) == 1
    monkeypatch.setattr(validation, "SHARE_SUM_TOLERANCE", -1.0)
    data, problems = _read_all_of(names)
    assert problems and {p.rule for p in problems} == {"sum-not-one"}
    assert "material_composition" not in data


def test_a_copied_folder_gets_its_own_paths_from_the_cache(cache, data_copy, monkeypatch):
    """Entries are found by content, not path: a copy of the data folder reads nothing, and
    every parameter names the copy's workbook."""
    load_data(bundled_data_dir())
    with monkeypatch.context() as m:
        _no_reading(m)
        copied = load_data(data_copy)
    paths = [p.path for p in copied.parameters.values() if p.present]
    assert paths and all(Path(p).is_relative_to(data_copy) for p in paths)


def test_a_workbook_edited_while_it_is_read_is_not_kept(cache, data_copy, monkeypatch):
    """The bytes a key was made from are not those read: nothing is kept under that key and
    the values returned are those read."""
    path = data_copy / "unit_weight.xlsx"
    config = load_config(data_copy)
    master = read_classification_master(config.classification_path)
    items = _dim_items(config, master, config.resolve(None)[2])
    dim_classes = {x: config.dimensions[d.name] for x, d in DIM_BY_LETTER.items()
                   if d.name in config.dimensions}
    spec = next(s for s in declared_parameters(items) if s.name == "unit_weight")
    before = param_cache.parameter_key(path, spec, master, dim_classes, items)
    real = data_module.read_parameter_workbook

    def edit_then_read(p, **kw):
        set_cell(path, "Values_Master", "B2", 17.25)  # HT's weight, saved as it is read
        return real(p, **kw)

    monkeypatch.setattr(data_module, "read_parameter_workbook", edit_then_read)
    got, problems = data_module._read_one(path, spec, master, dim_classes, items)
    assert problems == [] and 17.25 in got.observations.values()
    assert param_cache.load(param_cache.folder(), before, len(spec.dims)) is None
    assert _entries(cache) == []


def test_a_damaged_entry_is_ignored(cache, monkeypatch):
    fresh = _fresh(monkeypatch, None, names={"price"})["price"]
    _read(None, names={"price"})
    entry, = _entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(good.replace(b'"value":[', b'"value":[[', 1))
    calls = []
    real = data_module.validate_parameter
    monkeypatch.setattr(data_module, "validate_parameter",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    again = _read(None, names={"price"})["price"]
    assert _view(again) == _view(fresh) and calls == [1]
    assert _entries(cache) == [entry] and entry.read_bytes() == good  # read again, kept again


def test_an_entry_that_does_not_match_its_key_is_not_used(cache, monkeypatch):
    """An entry whose bytes match their hash but whose rows lack an item combination (written
    by someone else, or by a bug) is read again, never half used."""
    fresh = _fresh(monkeypatch, None, names={"price"})["price"]
    _read(None, names={"price"})
    entry, = _entries(cache)
    key = entry.stem.rsplit("-", 1)[0]
    rows = param_cache.decode(entry.read_bytes(), len(fresh.spec.dims))
    entry.unlink()
    user_cache.store(cache, key, "json", param_cache.encode(rows[1:], 2))
    assert _view(_read(None, names={"price"})["price"]) == _view(fresh)
    good = {"format": param_cache.FORMAT, "stats": ["0"], "sources": [["a", "H"]],
            "index": [[1, "x"]], "value": [1.0, 2.0], "stat": [0, 0], "source": [0, 0]}
    assert param_cache.decode(json.dumps(good), 1) == [((1,), 1.0, "0", ("a", "H")),
                                                       (("x",), 2.0, "0", ("a", "H"))]
    for change in ({"index": [[[1], "x"]]}, {"value": [1, 2.0]}, {"stat": [0, 1]},
                   {"index": [[1]]}, {"sources": [["a", 3]]}, {"format": "0"}):
        assert param_cache.decode(json.dumps(good | change), 1) is None, change
    assert param_cache.decode(json.dumps(good), 2) is None
    assert param_cache.decode(b"[1, 2]", 1) is None


def test_rows_that_would_not_come_back_are_not_kept(cache):
    assert param_cache.encode([((1, "a"), 2.0, "0", ("R", "H"))], 2) is not None
    for rows in ([((float("nan"),), 2.0, "0", ("R", "H"))],
                 [((1,), 2, "0", ("R", "H"))],
                 [((None,), 2.0, "0", ("R", "H"))],
                 [((1,), 2.0, "0", ("R", 3))]):
        assert param_cache.encode(rows, 1) is None
        param_cache.store(cache, "k" * 32, rows, 1)
    assert _entries(cache) == []


def test_a_workbook_with_problems_is_never_kept(cache, data_copy, monkeypatch):
    path = data_copy / "price.xlsx"
    set_cell(path, "Values_Master", "C2", "twelve")
    first = validate_data_dir(data_copy)
    second = validate_data_dir(data_copy)
    assert first == second and any(p.rule == "not-a-number" and p.file == str(path)
                                   for p in first)
    config, master, items, classes = _context(data_copy)
    spec = next(p for p in declared_parameters(items) if p.name == "price")
    key = param_cache.parameter_key(path, spec, master, classes, items)
    assert key is not None and not list(cache.glob(f"{key}-*.json"))


def _fe_mean(path: Path) -> tuple[str, float]:
    import openpyxl

    sheet = openpyxl.load_workbook(path)["Values_Master"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == "Fe"
               and sheet.cell(r, 2).value == "mean")
    return f"C{row}", float(sheet.cell(row, 3).value)


def test_validate_cold_and_warm_and_an_edit_is_read(cache, data_copy, monkeypatch):
    assert validate_data_dir(data_copy) == []
    kept = len(_entries(cache))
    assert kept >= 60
    with monkeypatch.context() as m:
        _no_reading(m)
        assert validate_data_dir(data_copy) == []
    path = data_copy / "valuation_secondary" / "price.xlsx"
    cell, old = _fe_mean(path)
    set_cell(path, "Values_Master", cell, old * 1.01)
    assert validate_data_dir(data_copy) == []
    assert len(_entries(cache)) == kept + 1  # only the edited workbook was read again
    model = load_data(data_copy)
    assert model["price"].path == str(path)
    key = next(k for k in model["price"].observations if "Fe" in k and "mean" in k)
    assert model["price"].observations[key] == old * 1.01 != old
    fresh = _fresh(monkeypatch, data_copy, names={"price"})["price"]
    assert _view(model["price"]) == _view(fresh)
    assert not math.isclose(float(np.sum(fresh.values)), 0.0)
