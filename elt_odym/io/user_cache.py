"""The user's cache folder: files found by the hash of what made them, checked by their own.

An entry is ``<kind>/<key>-<digest>.<suffix>``: ``key`` is the hash of everything the entry
was made from (for a workbook, its bytes and the reader's version and limits); ``digest`` the
sha256 of the entry's bytes, checked on every read, so a damaged or half-written entry is never
used (it is ignored and made again). Entries are written to a temporary name and renamed, so
concurrent processes never see a partial file; a kind keeps its newest entries.
A cache that cannot be read or written is skipped: the caller makes the thing itself.

The folder is ``$ELT_ODYM_CACHE_DIR`` when set (``none``: no cache), else the platform's:
``$XDG_CACHE_HOME/elt-odym`` or ``~/.cache/elt-odym`` on Linux, ``~/Library/Caches/elt-odym``
on macOS, ``%LOCALAPPDATA%\\elt-odym`` on Windows.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
from pathlib import Path

log = logging.getLogger(__name__)

CACHE_ENV = "ELT_ODYM_CACHE_DIR"
"""Environment variable naming the cache folder (``none``: no cache)."""
MAX_ENTRIES = 2000
"""Entries kept per kind; the oldest are removed when a new one is written."""


def cache_dir() -> Path | None:
    """The user's cache folder of elt-odym (module docstring); None when switched off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return None if chosen.lower() == "none" else Path(chosen)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "elt-odym"


def kind_folder(kind: str) -> Path | None:
    """The folder of one kind of entry (``workbooks``, ``figures``, ``fits``, ``parameters``,
    ``checked``) in :func:`cache_dir`; None when the cache is switched off."""
    root = cache_dir()
    return None if root is None else root / kind


def source_digest(names: tuple[str, ...]) -> bytes | None:
    """The sha256 of the package's source files ``names`` (paths relative to the package, in
    order, each with its name): what an entry made by that code is keyed by. None if one
    cannot be read (the caller then caches nothing)."""
    root = Path(__file__).parent.parent
    h = hashlib.sha256()
    try:
        for name in names:
            h.update(name.encode("utf-8") + b"\0" + (root / name).read_bytes() + b"\0")
    except OSError:
        return None
    return h.digest()


def entry_key(code: bytes, context: object, raw: bytes) -> str:
    """The key of an entry made by ``code`` (:func:`source_digest`) from a file's bytes
    ``raw`` in a ``context`` (its ``repr``: the layout, the limits, what else it depends on)."""
    h = hashlib.sha256(code)
    h.update(repr(context).encode("utf-8"))
    h.update(hashlib.sha256(raw).digest())
    return h.hexdigest()[:32]


def digest(data: bytes) -> str:
    """The hash used in entry names (sha256, 32 hex digits)."""
    return hashlib.sha256(data).hexdigest()[:32]


def load(folder: Path | None, key: str, suffix: str) -> bytes | None:
    """The bytes of the entry ``key`` in ``folder`` whose digest matches, or None."""
    if folder is None:
        return None
    for entry in sorted(folder.glob(f"{key}-*.{suffix}")):
        try:
            data = entry.read_bytes()
        except OSError:
            continue
        if entry.stem.rsplit("-", 1)[1] == digest(data):
            return data
        log.info("ignoring %s: its bytes do not match its hash", entry)
    return None


def store(folder: Path | None, key: str, suffix: str, data: bytes,
          keep: int = MAX_ENTRIES) -> None:
    """Add the entry ``key`` to ``folder`` (atomically), which keeps its newest ``keep``
    entries; errors are logged, never raised."""
    if folder is None:
        return
    target = folder / f"{key}-{digest(data)}.{suffix}"
    temp = folder / f".{target.name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temp.write_bytes(data)
        os.replace(temp, target)
        _prune(folder, suffix, keep)
    except OSError as exc:
        log.info("not cached in %s: %s", folder, exc)
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _prune(folder: Path, suffix: str, keep: int) -> None:
    """Keep the newest ``keep`` entries of ``folder``."""
    entries = list(folder.glob(f"*.{suffix}"))
    if len(entries) <= keep:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for entry in entries[:len(entries) - keep]:
        with contextlib.suppress(OSError):
            entry.unlink()
