"""MkDocs hook (``hooks:`` in ``mkdocs.yml``): the parts of the site written by code at build time.

Nothing under ``docs/`` holds a result typed by hand. Three kinds of generated content:

1. **Tables in a page.** A line ``<!-- generated: NAME -->`` (alone on its line, from its first
   column) is replaced by the Markdown that the command ``GENERATORS[NAME]`` prints on standard
   output, run from the repository's root with this Python. A command that prints several
   tables separates them by lines ``<!-- block: PART -->``; the marker
   ``<!-- generated: NAME.PART -->`` takes one of them. Each command runs once per build,
   only if a page names it, two at a time, started before the pages are rendered. A failing
   command, an unknown name or empty output stops the build. To plug in a table: write a
   script that prints Markdown (``tools/validation_tables.py`` does), add one line to
   :data:`GENERATORS`, put the marker in the page.
2. **Pages made from other files of the repository** (:data:`MIRRORED`, such as the benchmark
   logs ``benchmarks/README.md``). A link to such a file from a page (``../benchmarks/README.md``)
   is pointed at its page in the site.
3. **Tutorials**: each notebook of ``examples/notebooks/`` becomes ``tutorials/<name>.md`` (its
   Markdown cells, its code cells as Python blocks; the notebooks hold no outputs; the test
   suite executes them).

``ELT_ODYM_DOCS_SKIP_TABLES=1`` replaces the tables by a note instead of running the commands
(a quick preview with ``mkdocs serve``); the test suite and ``.ci/run`` build everything.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import subprocess
import sys
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent

GENERATORS: dict[str, tuple[str, ...]] = {  # started in this order: the slowest first
    "electrification": ("tools/electrification_table.py",),
    "uncertainty": ("tools/uncertainty_tables.py",),
    "validation": ("tools/validation_tables.py",),
    "headline": ("tools/docs_tables.py", "headline"),
    "calibration": ("tools/docs_tables.py", "calibration"),
    "structural": ("tools/docs_tables.py", "structural"),
    "outputs": ("tools/docs_tables.py", "outputs"),
    "parameters": ("tools/docs_tables.py", "parameters"),
    "variables": ("tools/docs_tables.py", "variables"),
    "scenarios": ("tools/docs_tables.py", "scenarios"),
    "cli": ("tools/docs_tables.py", "cli"),
    "composition": ("tools/composition_table.py",),
    "errors": ("tools/errors_tables.py",),
    "best_estimate": ("tools/best_estimate_tables.py",),
}
"""Marker name -> command (a script of the repository and its arguments) printing Markdown."""

MIRRORED: dict[str, str] = {
    "benchmarks/README.md": "development/benchmarks.md",
    "CHANGELOG.md": "changelog.md",
}
"""File of the repository -> the page of the site made from it at build time."""

NOTEBOOKS = "examples/notebooks"
"""Folder of the tutorial notebooks; ``<name>.ipynb`` becomes ``tutorials/<name>.md``."""

MARKER = re.compile(r"^<!-- generated: ([\w.-]+) -->$", re.MULTILINE)
BLOCK = re.compile(r"^<!-- block: ([\w-]+) -->$", re.MULTILINE)
ROLE = re.compile(r":(?:func|class|mod|meth|data|attr|exc|obj):<code>(~?)([\w.]+)</code>")
LINK = re.compile(r"\]\(([^)\s#]+)(#[^)\s]*)?\)")
PARALLEL = 2

_running: dict[str, Future] = {}
_pool: ThreadPoolExecutor | None = None


def on_files(files, config):
    """Add the mirrored pages and the tutorials, then start every table the pages name."""
    for src, dest in MIRRORED.items():
        text = (ROOT / src).read_text(encoding="utf-8")
        files.append(File.generated(config, dest, content=_mirror_note(src) + text))
    for nb in sorted((ROOT / NOTEBOOKS).glob("*.ipynb")):
        files.append(File.generated(config, f"tutorials/{nb.stem}.md",
                                    content=notebook_markdown(nb)))
    names = set()
    for f in files.documentation_pages():
        names.update(MARKER.findall(f.content_string))
    _start(sorted(names))
    return files


def on_page_markdown(markdown, page, config, files):
    """Fill the page's markers and point links to mirrored files at their pages."""
    markdown = MARKER.sub(lambda m: _table(m.group(1), page.file.src_uri), markdown)
    return LINK.sub(lambda m: _relink(m, page.file.src_uri), markdown)


def on_page_content(html, page, config, files):
    """Docstrings use Sphinx roles (``:func:`run```): show the name as code, without the role
    (``~a.b.c`` as ``c``, the Sphinx way)."""
    def name(m: re.Match) -> str:
        return m.group(2).rsplit(".", 1)[-1] if m.group(1) else m.group(2)

    return ROLE.sub(lambda m: f"<code>{name(m)}</code>", html)


def on_post_build(config):
    """Stop the pool; print how long each table took."""
    global _pool
    for name, future in sorted(_running.items()):
        if future.done():
            print(f"INFO    -  table {name!r} generated in {future.result()[1]:.1f} s",
                  file=sys.stderr)
    if _pool is not None:
        _pool.shutdown(wait=True)
    _pool = None
    _running.clear()


def _start(names: list[str]) -> None:
    """Submit the commands of ``names`` (each once) to a pool of :data:`PARALLEL` workers."""
    global _pool
    if os.environ.get("ELT_ODYM_DOCS_SKIP_TABLES") == "1":
        return
    names = sorted({n.split(".", 1)[0] for n in names})
    unknown = [n for n in names if n not in GENERATORS]
    if unknown:
        raise PluginError(f"unknown generated table(s) {unknown}: add them to GENERATORS in "
                          f"tools/docs_hooks.py (known: {sorted(GENERATORS)})")
    _pool = _pool or ThreadPoolExecutor(max_workers=PARALLEL)
    for name in [n for n in GENERATORS if n in names]:  # in the registry's order: slow first
        if name not in _running:
            _running[name] = _pool.submit(_run, GENERATORS[name])


def _run(command: tuple[str, ...]) -> tuple[subprocess.CompletedProcess, float]:
    """Run one generator from the repository's root; output and seconds taken."""
    start = time.perf_counter()
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    done = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    return done, time.perf_counter() - start


def _table(name: str, page: str) -> str:
    """The Markdown of one marker (or a note when the tables are skipped)."""
    if os.environ.get("ELT_ODYM_DOCS_SKIP_TABLES") == "1":
        return f"*(table `{name}`: generated at build time, skipped in this preview)*"
    generator, _, part = name.partition(".")
    done, _ = _running[generator].result()
    command = " ".join(GENERATORS[generator])
    if done.returncode != 0 or not done.stdout.strip():
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise PluginError(f"{page}: table {name!r} (python {command}) failed with exit "
                          f"{done.returncode}:\n{tail or '(no output)'}")
    text = block(done.stdout, part) if part else done.stdout
    if not text.strip():
        raise PluginError(f"{page}: table {name!r}: python {command} printed no block "
                          f"{part!r} (blocks: {sorted(BLOCK.findall(done.stdout))})")
    note = f"<small>Generated at build time by `python {command}`.</small>"
    return f"{text.strip()}\n\n{note}\n"


def block(output: str, part: str) -> str:
    """The text of block ``part`` of a generator's output (between its ``<!-- block: part -->``
    line and the next block line or the end); empty if there is none."""
    pieces = BLOCK.split(output)  # [before, name1, text1, name2, text2, ...]
    found = dict(zip(pieces[1::2], pieces[2::2]))
    return found.get(part, "")


def _relink(match: re.Match, page: str) -> str:
    """A link to a mirrored file of the repository, pointed at its page; others unchanged."""
    target, anchor = match.group(1), match.group(2) or ""
    if "://" in target or target.startswith("/"):
        return match.group(0)
    repo_path = posixpath.normpath(posixpath.join("docs", posixpath.dirname(page), target))
    if repo_path not in MIRRORED:
        return match.group(0)
    dest = posixpath.relpath(MIRRORED[repo_path], posixpath.dirname(page) or ".")
    return f"]({dest}{anchor})"


def _mirror_note(src: str) -> str:
    """The line that opens a mirrored page."""
    return (f"<!-- This page is {src}, copied into the site at build time "
            f"(tools/docs_hooks.py); edit that file. -->\n\n")


def notebook_markdown(path: Path) -> str:
    """A notebook as a page: Markdown cells as they are, code cells as Python blocks."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    rel = path.relative_to(ROOT).as_posix()
    parts = []
    for cell in nb["cells"]:
        text = "".join(cell["source"]).strip()
        if cell["cell_type"] == "markdown":
            parts.append(text)
        elif cell["cell_type"] == "code" and text:
            parts.append(f"```python\n{text}\n```")
    parts.append(f"*This page is the notebook `{rel}` without its outputs. Run it with "
                 f"`jupyter lab {rel}` (or `.venv/bin/python -m pytest tests/test_notebooks.py`, "
                 f"which executes every tutorial).*")
    return "\n\n".join(parts) + "\n"
