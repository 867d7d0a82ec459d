"""The documentation: the site builds with ``mkdocs build --strict`` (its tables generated from
runs), the README stays short with its two commands first and a quickstart that runs, its
command table names every command, and the licence and citation metadata agree with the
package.

The site's build needs the ``docs`` extra; without it the build test is skipped and says so
(``.ci/run`` installs the extra and sets ``ELT_ODYM_REQUIRE_DOCS=1``, which turns the skip into
a failure).
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL = ('python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && '
           '.venv/bin/elt-odym run --out results')
TESTS = ".venv/bin/python -m pytest"


def _blocks(text: str, lang: str) -> list[str]:
    """The fenced code blocks of a language, in order."""
    return re.findall(rf"^```{lang}\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def _require_docs_extra() -> None:
    missing = [m for m in ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")
               if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        message = (f"the docs extra is not installed ({', '.join(missing)} missing): "
                   f"pip install -e '.[docs]' to build the site")
        if os.environ.get("ELT_ODYM_REQUIRE_DOCS") == "1":
            pytest.fail(message)
        pytest.skip(message)


def test_site_builds_strictly_with_generated_tables(tmp_path):
    _require_docs_extra()
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if k != "ELT_ODYM_DOCS_SKIP_TABLES"}
    env |= {"NO_MKDOCS_2_WARNING": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "WARNING" not in done.stderr, done.stderr[-4000:]
    for page in site.rglob("*.html"):  # every marker filled, on every page
        text = page.read_text(encoding="utf-8")
        assert "<!-- generated:" not in text and "skipped in this preview" not in text, page
    results = (site / "results" / "index.html").read_text(encoding="utf-8")
    assert "best_estimate" in results and "max/min" in results  # headline and spread tables
    scenarios = (site / "scenarios" / "index.html").read_text(encoding="utf-8")
    assert "at calibration" in scenarios and "this build" in scenarios
    cli = (site / "reference" / "cli" / "index.html").read_text(encoding="utf-8")
    assert all(f"elt-odym {c}" in cli for c in _commands())
    for page in ("tutorials/01_quickstart", "development/benchmarks", "changelog",
                 "reference/api/run"):
        assert (site / page / "index.html").is_file(), page
    api = (site / "reference" / "api" / "run" / "index.html").read_text(encoding="utf-8")
    assert 'id="elt_odym.model.run"' in api  # mkdocstrings rendered the docstring


def _hooks():
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "tools" / "docs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_marker_takes_one_block_of_a_generators_output():
    pytest.importorskip("mkdocs")
    out = "head\n<!-- block: a -->\n\n| 1 |\n<!-- block: b-2 -->\n| 2 |\n"
    block = _hooks().block
    assert block(out, "a").strip() == "| 1 |"
    assert block(out, "b-2").strip() == "| 2 |"
    assert block(out, "c") == ""


def test_readme_is_short_with_its_two_commands_first():
    lines = README.splitlines()
    assert len(lines) < 200, f"README.md has {len(lines)} lines; move detail to docs/"
    first, second = _blocks(README, "bash")[:2]
    assert first.strip() == INSTALL and second.strip() == TESTS
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # .ci/run runs the same commands (the install with more extras)
    assert re.search(r'\.venv/bin/pip install .*-e "\.\[test[,\]]', ci)
    assert re.search(r"^\.venv/bin/python -m pytest", ci, re.MULTILINE)


def _commands() -> set[str]:
    import argparse

    from elt_odym.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return set(sub.choices)


def test_readme_command_table_names_every_command():
    table = set(re.findall(r"^\| `elt-odym ([a-z-]+)", README, re.MULTILINE))
    assert table == _commands()


def test_readme_quickstart_runs(tmp_path, monkeypatch):
    code = _blocks(README.split("## Quickstart in Python", 1)[1], "python")[0]
    assert len(code.strip().splitlines()) <= 5
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README quickstart", "exec"), scope)  # noqa: S102 - our own README
    assert scope["result"].scenario == "best_estimate"
    fe = scope["fe"]
    assert set(fe["material"]) == {"Fe"} and len(fe) > 0
    assert list(tmp_path.iterdir()) == []  # the quickstart writes nothing


def test_licence_and_citation_agree_with_the_package():
    yaml = pytest.importorskip("yaml")
    from elt_odym.version import __version__

    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    assert cfg["metadata"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["version"] == __version__ and cff["license"] == "MIT"
    assert cff["title"] and cff["authors"] and cff["message"]
    study = cff["references"][0]
    assert study["doi"] == "10.1038/s43247-025-02832-x" and study["year"] == 2025
    assert study["doi"] in README
