"""An output folder that is complete or unfinished, never half-written and looking done.

:class:`OutputFolder` is a context manager around one command's outputs:

1. it takes an exclusive lock on the folder (``.elt-odym.lock``); a second run into the same
   folder fails at once with :class:`~elt_odym.errors.OutputLockedError`;
2. it refuses a non-empty folder unless ``force``, and removes the old ``manifest.json`` first,
   so a folder being rewritten never looks finished;
3. every file is written into a hidden staging folder inside the target (same file system);
4. on success the files are moved into place (``os.replace``), files of the previous manifest
   that this run did not write are removed (never files elt-odym did not write), and
   ``manifest.json`` is written last: each file with its size and sha256, the package version,
   the scenarios, the seed and the sha256 of every input. On an error or a kill nothing is
   moved, and no manifest is written.

A folder without ``manifest.json`` is, by definition, unfinished. Files get the user's umask
(``0o666 & ~umask``), not the ``0600`` of temporary files. Paths in the manifest are relative.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import OutputExistsError
from ..safety import relative_path
from .folder_lock import LOCK_NAME, FolderLock

MANIFEST = "manifest.json"
STAGING_PREFIX = ".elt-odym-staging-"
FORMAT = "elt-odym-manifest/1"


def umask_mode() -> int:
    """``0o666`` less the process umask: the mode a plain ``open(..., "w")`` would give."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutputFolder:
    """Stage, then publish one command's outputs (see the module docstring).

    Parameters
    ----------
    out : str or Path
        The output folder (created if missing).
    force : bool
        Accept a non-empty folder; files of the same name are replaced.
    command : str
        Recorded in the manifest (e.g. ``"run"``).

    Attributes
    ----------
    path : Path
        The staging folder to write into (valid inside the ``with`` block).
    target : Path
        The output folder.
    """

    def __init__(self, out: str | Path, force: bool = False, command: str = ""):
        self.target = Path(out)
        self.force = force
        self.meta: dict[str, Any] = {"command": command, "scenarios": [], "seed": None}
        self.inputs: dict[str, str] = {}
        self.path = self.target
        self._lock: FolderLock | None = None
        self._previous: list[str] = []
        self._created = False

    def __enter__(self) -> "OutputFolder":
        if self.target.exists() and not self.target.is_dir():
            raise OutputExistsError(f"{self.target} exists and is not a folder")
        self._created = not self.target.exists()
        self.target.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.target).acquire()
        try:
            self._check_empty()
            self._previous = _manifest_files(self.target / MANIFEST)
            (self.target / MANIFEST).unlink(missing_ok=True)
            for stale in self.target.glob(STAGING_PREFIX + "*"):  # left by a killed run
                shutil.rmtree(stale, ignore_errors=True)
            self.path = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=self.target))
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        try:
            if exc_type is None:
                self._publish()
        finally:
            if self.path != self.target:
                shutil.rmtree(self.path, ignore_errors=True)
            if self._lock:
                self._lock.release()
            if exc_type is not None and self._created and not any(self.target.iterdir()):
                self.target.rmdir()  # a failed run into a new folder leaves nothing
        return False

    def final(self, staged: Path) -> Path:
        """Where a file written into the staging folder ends up."""
        return self.target / Path(staged).relative_to(self.path)

    def add_scenario(self, scenario: str) -> None:
        """Record a scenario in the manifest (once)."""
        if scenario not in self.meta["scenarios"]:
            self.meta["scenarios"].append(scenario)

    def add_input(self, path: str | Path, root: str | Path) -> None:
        """Record an input file with its sha256 (path relative to ``root``)."""
        path = Path(path)
        if path.is_file():
            self.inputs[relative_path(path, root)] = sha256_file(path)

    def add_data(self, data) -> None:
        """Record a scenario's ``config.toml``, classification master and every workbook."""
        root = data.config.data_dir
        self.add_scenario(data.scenario)
        self.add_input(root / "config.toml", root)
        self.add_input(data.config.classification_path, root)
        for p in data.parameters.values():
            if p.path:
                self.add_input(p.path, root)

    def record(self) -> dict[str, Any]:
        """What the manifest will say besides the output files: package, version, command,
        scenarios, seed and the sha256 of every input."""
        from ..version import __version__

        return {"format": FORMAT, "package": "elt-odym", "version": __version__, **self.meta,
                "inputs": [{"path": k, "sha256": v} for k, v in sorted(self.inputs.items())]}

    def _check_empty(self) -> None:
        ours = {LOCK_NAME}
        entries = [e for e in self.target.iterdir()
                   if e.name not in ours and not e.name.startswith(STAGING_PREFIX)]
        if entries and not self.force:
            raise OutputExistsError(f"{self.target} is not empty; choose a new folder or pass "
                                    f"--force to overwrite the files this command writes")

    def _publish(self) -> None:
        """Move the staged files into place, drop stale outputs, write the manifest last."""
        mode = umask_mode()
        staged = sorted(p for p in self.path.rglob("*") if p.is_file())
        names = [p.relative_to(self.path).as_posix() for p in staged]
        for name in names:  # every destination checked before anything moves
            self._check_inside(self.target / name)
        for src, name in zip(staged, names):
            os.chmod(src, mode)
            os.replace(src, self.target / name)
        for name in set(self._previous) - set(names):
            _remove_output(self.target, name)
        self._write_manifest(names, mode)

    def _check_inside(self, dest: Path) -> None:
        """Create the folder of ``dest``; refuse one that leads outside the target (a link)."""
        root, folder = self.target.resolve(), dest.parent.resolve()
        if folder != root and root not in folder.parents:
            raise OutputExistsError(f"{dest.parent} leads outside {self.target} (a link?); "
                                    f"choose a new folder")
        dest.parent.mkdir(parents=True, exist_ok=True)

    def _write_manifest(self, names: list[str], mode: int) -> None:
        files = [{"path": n, "bytes": (self.target / n).stat().st_size,
                  "sha256": sha256_file(self.target / n)} for n in names]
        manifest = {**self.record(),
                    "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
                        timespec="seconds"),
                    "files": files}
        fd, tmp = tempfile.mkstemp(dir=self.target, prefix=f".{MANIFEST}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, default=str)
            f.write("\n")
        os.chmod(tmp, mode)
        os.replace(tmp, self.target / MANIFEST)


def _manifest_files(path: Path) -> list[str]:
    """The files listed by an existing manifest (empty if none or unreadable)."""
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return [str(f["path"]) for f in manifest.get("files", [])]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return []


def _remove_output(target: Path, name: str) -> None:
    """Remove a file a previous run listed, only if it lies inside ``target``."""
    path = (target / name).resolve()
    if target.resolve() not in path.parents or not path.is_file():
        return
    path.unlink()
    folder = path.parent
    while folder != target.resolve() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then move it into place.

    The file gets the mode of an ordinary new file (the user's umask), not ``0600``.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(2, "no such folder", str(path.parent))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, umask_mode())
        Path(tmp).replace(path)
    finally:
        if Path(tmp).exists():
            Path(tmp).unlink()

