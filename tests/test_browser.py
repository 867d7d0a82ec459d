"""The report and every Sankey, rendered in a real browser (headless Chromium, Playwright).

Fails on a console error, a page error, any request that is not local, or a blank page. When
the machine has no Playwright or no Chromium the tests are skipped with a message saying so
(``.ci/run`` installs both).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from elt_odym.reporting.outputs import write_outputs

LOCAL = ("file:", "data:", "blob:", "about:")


def _chromium() -> str:
    """Path of a Chromium executable, or skip saying why."""
    pytest.importorskip("playwright.sync_api",
                        reason="playwright is not installed (pip install playwright): "
                               "the report and Sankey were NOT checked in a browser")
    for candidate in (os.environ.get("ELT_ODYM_CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.skip("no Chromium on this machine (apt-get install chromium, or set "
                "ELT_ODYM_CHROMIUM): the report and Sankey were NOT checked in a browser")


@pytest.fixture(scope="module")
def browser():
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def out(runs, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser") / "out"
    write_outputs([runs("paper_calibrated_current_practice")], folder)
    return folder


def _open(browser, path: Path):
    """Load ``path``; return the page and the problems seen while loading it."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: problems.append(f"outside request: {r.url}")
            if not r.url.startswith(LOCAL) else None)
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(500)
    return page, problems


def test_sankey_pages_render(browser, out):
    pages = sorted((out / "figures").glob("*/sankey.html"))
    assert len(pages) == 1
    for path in pages:
        page, problems = _open(browser, path)
        assert problems == [], (path, problems)
        assert page.locator(".sankey .sankey-node").count() >= 8, path
        assert page.locator(".slider-container").count() == 1, path
        labels = page.locator(".sankey .node-label").all_text_contents()
        assert any("Mt" in t for t in labels), labels
        page.close()


def test_report_renders_offline(browser, out):
    page, problems = _open(browser, out / "report.html")
    assert problems == [], problems
    text = page.inner_text("body")
    for heading in ("Headline values", "Figures", "Sankey", "Mass balance", "Sources"):
        assert heading in text
    assert "billion US$2016" in text
    assert page.locator("svg .sankey").count() == 1
    broken = page.evaluate("Array.from(document.images).filter(i => !i.naturalWidth).length")
    assert broken == 0 and page.locator("img").count() >= 6
    page.close()
