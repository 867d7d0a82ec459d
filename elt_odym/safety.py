"""Names that become paths: checked against one safe pattern before any file is written.

A scenario name becomes a folder (``figures/<scenario>/``) and a file name; a name with ``/``,
``..``, a control character or 300 characters would write outside the output folder or fail
half-way. Every such name passes :func:`check_path_name` first. Paths written into outputs are
made relative by :func:`relative_path`, so no output holds an absolute local path. Text that
reaches terminals, workbooks and HTML (``config.toml``) is refused when it holds a control
character (:func:`control_characters_in`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .errors import UnsafeNameError

MAX_NAME_LENGTH = 64
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""Letters, digits, ``.``, ``_`` and ``-``; starts with a letter or digit."""
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
            *(f"lpt{i}" for i in range(10))}
"""Device names that Windows refuses as file names (with any extension)."""


def check_path_name(name: object, what: str) -> str:
    """Return ``name`` if it is safe as one path component, else raise.

    Parameters
    ----------
    name : object
        The candidate (a scenario name, a file stem, ...); anything but a ``str`` is refused.
    what : str
        What the name is, for the message (e.g. ``"scenario name"``).

    Returns
    -------
    str
        ``name`` unchanged.

    Raises
    ------
    UnsafeNameError
        Naming the offending value and the allowed pattern.
    """
    shown = repr(name) if len(repr(name)) <= 80 else repr(name)[:77] + "..."
    if not isinstance(name, str):
        raise UnsafeNameError(f"{what} {shown} is not text")
    why = _why_unsafe(name)
    if why:
        raise UnsafeNameError(f"{what} {shown} {why}; use 1-{MAX_NAME_LENGTH} letters, digits, "
                              f"'.', '_' or '-', starting with a letter or digit")
    return name


def _why_unsafe(name: str) -> str:
    """Why ``name`` is not a safe path component (empty: it is safe)."""
    if not name:
        return "is empty"
    if len(name) > MAX_NAME_LENGTH:
        return f"is {len(name)} characters long"
    if not SAFE_NAME.fullmatch(name):
        return "has a character that is not allowed in a file name"
    if ".." in name or name.endswith("."):
        return "has '..' or ends with '.'"
    if name.split(".")[0].lower() in RESERVED:
        return "is a reserved device name"
    return ""


def relative_path(path: str | os.PathLike, root: str | os.PathLike) -> str:
    """``path`` relative to ``root`` with ``/`` separators (``..`` where it lies outside).

    Used for every path written into an output (provenance, manifest), so outputs carry no
    absolute local path. A path on another drive (Windows) keeps only its file name.
    """
    if not str(path):
        return ""
    try:
        rel = os.path.relpath(Path(path).resolve(), Path(root).resolve())
    except ValueError:
        return Path(path).name
    return Path(rel).as_posix()


CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters: C0 but tab and newline, DEL, C1 (CSI ``\\x9b`` among them) and the
bidirectional overrides that reorder what a terminal shows."""


def control_characters(text: str) -> list[str]:
    """The control characters of ``text`` (as :data:`CONTROL` defines them), e.g. ``['\\x1b']``."""
    return CONTROL.findall(text)


def control_characters_in(value: object, where: str = "") -> list[tuple[str, str]]:
    """``(key path, character)`` of each string (or key) in nested dicts and lists that holds a
    control character, e.g. ``[("scenarios.x.description", "\\x1b")]``."""
    found = []
    if isinstance(value, str):
        found += [(where or "a value", c) for c in control_characters(value)[:1]]
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            found += [(f"the key {path!r}", c) for c in control_characters(str(key))[:1]]
            found += control_characters_in(item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += control_characters_in(item, f"{where}[{i}]")
    return found
