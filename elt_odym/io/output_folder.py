"""An output folder that is complete or unfinished, never half-written and looking done.

:class:`OutputFolder` is a context manager around one command's outputs:

1. it refuses an output folder that is, contains or lies inside a folder it must not write
   into (``protect``: the data folder, the classification master's folder; links resolved);
2. it takes an exclusive lock on the folder (``.elt-odym.lock``, never followed if it is a
   link); a second run into the same folder fails at once with
   :class:`~elt_odym.errors.OutputLockedError`;
3. it refuses a non-empty folder unless ``force``. With ``force`` it checks, before any work,
   that every file the previous ``manifest.json`` lists is still what elt-odym wrote (a plain
   file, not a link, with the recorded sha256): a file changed since (edited, replaced by a
   link) is refused with one line naming it, so ``--force`` never deletes or overwrites what
   elt-odym does not own. The old manifest is then moved aside (to
   ``.elt-odym-previous-manifest.json``), so a folder being rewritten never looks finished
   and a killed rewrite still knows which files it owned;
4. every file is written into a hidden staging folder inside the target (same file system);
5. on success the files are moved into place (``os.replace``: a link at a destination is
   replaced, its target untouched; a destination folder that is a link is refused before
   anything moves), the files of the previous manifest that this run did not write are
   removed if their sha256 still matches (others are left and logged), and ``manifest.json``
   is written last: each file with its size and sha256, the package version, the scenarios,
   the seed and the sha256 of every input. On an error or a kill nothing is moved, and no
   manifest is written.

A folder without ``manifest.json`` is, by definition, unfinished. Files get the user's umask
(``0o666 & ~umask``), not the ``0600`` of temporary files. Paths in the manifest are relative.
:func:`rewrite_listed` rewrites one file of a finished folder (``report``) and keeps its
manifest true. Concurrent tampering with the folder *while* a run publishes is not guarded
against (the checks use ``lstat`` and ``O_NOFOLLOW``, not directory descriptors).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Mapping

from ..errors import OutputExistsError
from ..safety import relative_path
from .folder_lock import LOCK_NAME, O_NOFOLLOW, FolderLock

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
PREVIOUS = ".elt-odym-previous-manifest.json"
STAGING_PREFIX = ".elt-odym-staging-"
FORMAT = "elt-odym-manifest/1"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
"""A manifest larger than this is not read (treated as none: nothing is owned)."""


def umask_mode() -> int:
    """``0o666`` less the process umask: the mode a plain ``open(..., "w")`` would give."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def sha256_file(path: Path, follow: bool = True) -> str:
    """Hex sha256 of a file, read in 1 MB blocks; ``follow=False`` refuses a link (ELOOP)."""
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | (0 if follow else O_NOFOLLOW) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_apart(out: str | Path, protect: Mapping[Path, str], option: str = "--out") -> None:
    """Refuse ``out`` if it is, contains or lies inside one of ``protect`` (links resolved).

    Parameters
    ----------
    out : str or Path
        The folder a command would write into (need not exist).
    protect : mapping of Path to str
        Folders never to write into, with what they are (``"the data folder"``).
    option : str
        The option that named ``out``, for the message.

    Raises
    ------
    OutputExistsError
        Naming both folders and the fix.
    """
    try:
        real = Path(out).resolve()
        resolved = {Path(folder).resolve(): (folder, what) for folder, what in protect.items()}
    except (OSError, RuntimeError) as exc:  # a link loop
        raise OutputExistsError(f"{option} {out}: the path cannot be resolved ({exc}); choose "
                                f"another folder") from None
    for inputs, (folder, what) in resolved.items():
        if real == inputs:
            how = "is"
        elif inputs in real.parents:
            how = "lies inside"
        elif real in inputs.parents:
            how = "contains"
        else:
            continue
        raise OutputExistsError(
            f"{option} {out} {how} {what} {folder}; outputs never go among the inputs: choose "
            f"a folder outside {folder}")


class OutputFolder:
    """Stage, then publish one command's outputs (see the module docstring).

    Parameters
    ----------
    out : str or Path
        The output folder (created if missing).
    force : bool
        Accept a non-empty folder; files of the same name are replaced, files of the previous
        manifest must still be what elt-odym wrote.
    command : str
        Recorded in the manifest (e.g. ``"run"``).
    protect : mapping of Path to str, optional
        Folders the output folder must not be, contain or lie inside (:func:`check_apart`),
        checked before anything is created; :meth:`add_data` adds the data folder and the
        classification master's folder, checked again before anything is published.

    Attributes
    ----------
    path : Path
        The staging folder to write into (valid inside the ``with`` block).
    target : Path
        The output folder.
    kept : list of str
        Files of the previous manifest left in place (changed since elt-odym wrote them).
    """

    def __init__(self, out: str | Path, force: bool = False, command: str = "",
                 protect: Mapping[Path, str] | None = None):
        self.target = Path(out)
        self.force = force
        self.meta: dict[str, Any] = {"command": command, "scenarios": [], "seed": None}
        self.inputs: dict[str, str] = {}
        self.protect: dict[Path, str] = dict(protect or {})
        self.path = self.target
        self.kept: list[str] = []
        self._lock: FolderLock | None = None
        self._previous: dict[str, dict] = {}
        self._created = False

    def __enter__(self) -> "OutputFolder":
        check_apart(self.target, self.protect)
        if self.target.exists() and not self.target.is_dir():
            raise OutputExistsError(f"{self.target} exists and is not a folder")
        self._created = not self.target.exists()
        self.target.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.target).acquire()
        try:
            self._check_empty()
            self._previous = previous_files(self.target)
            self._check_owned()
            _set_aside(self.target)
            remove_stale_staging(self.target)
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
        """Record a scenario's ``config.toml``, classification master and every workbook; the
        data folder and the master's folder become protected (checked at once)."""
        root = data.config.data_dir
        self.protect.setdefault(Path(root), "the data folder")
        self.protect.setdefault(Path(data.config.classification_path).parent,
                                "the classification master's folder")
        check_apart(self.target, self.protect)
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

    def _check_owned(self) -> None:
        """Refuse ``--force`` when a file of the previous manifest is no longer ours."""
        for name, entry in self._previous.items():
            why = not_owned(self.target, name, entry)
            if why and why != "is missing":
                raise OutputExistsError(
                    f"{self.target / name} {why} since elt-odym wrote it (manifest.json); "
                    f"--force replaces only files elt-odym wrote: move it away or choose a new "
                    f"folder")

    def _publish(self) -> None:
        """Move the staged files into place, drop stale outputs, write the manifest last."""
        check_apart(self.target, self.protect)
        mode = umask_mode()
        staged = sorted(p for p in self.path.rglob("*") if p.is_file() and not p.is_symlink())
        names = [p.relative_to(self.path).as_posix() for p in staged]
        for name in names:  # every destination checked before anything moves
            _check_destination(self.target, name)
        for src, name in zip(staged, names):
            os.chmod(src, mode)
            folder = _folder_of(self.target, name, create=True)
            os.replace(src, folder / PurePosixPath(name).name)
        for name in sorted(set(self._previous) - set(names)):
            if not _remove_owned(self.target, name, self._previous[name]):
                self.kept.append(name)
        if self.kept:
            log.warning("left in %s: %s (changed since elt-odym wrote them, or not plain "
                        "files)", self.target, ", ".join(self.kept))
        self._write_manifest(names, mode)

    def _write_manifest(self, names: list[str], mode: int) -> None:
        files = [{"path": n, "bytes": os.lstat(self.target / n).st_size,
                  "sha256": sha256_file(self.target / n, follow=False)} for n in names]
        manifest = {**self.record(),
                    "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
                        timespec="seconds"),
                    "files": files}
        write_manifest(self.target, manifest, mode)
        _unlink_quietly(self.target / PREVIOUS)


def write_manifest(folder: Path, manifest: dict, mode: int | None = None) -> None:
    """Write ``manifest.json`` atomically (a temporary file, then ``os.replace``)."""
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{MANIFEST}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, default=str)
            f.write("\n")
        os.chmod(tmp, umask_mode() if mode is None else mode)
        os.replace(tmp, folder / MANIFEST)
    finally:
        _unlink_quietly(Path(tmp))


def read_manifest(folder: Path, name: str = MANIFEST) -> dict | None:
    """The manifest of ``folder`` (None if absent, a link, too large or not a manifest)."""
    path = Path(folder) / name
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_MANIFEST_BYTES:
            return None
        fd = os.open(path, os.O_RDONLY | O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            manifest = json.loads(f.read(MAX_MANIFEST_BYTES + 1).decode("utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def previous_files(folder: Path) -> dict[str, dict]:
    """The files a previous run listed, by name (``manifest.json``, or the copy a killed
    rewrite set aside); names that are not plain relative paths are dropped."""
    manifest = read_manifest(folder) or read_manifest(folder, PREVIOUS) or {}
    files = manifest.get("files", [])
    out = {}
    for entry in files if isinstance(files, list) else []:
        if isinstance(entry, dict) and _plain_name(entry.get("path")):
            out[entry["path"]] = entry
    return out


def _plain_name(name: object) -> bool:
    """A relative POSIX path without ``..``, empty parts or elt-odym's own names."""
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    parts = PurePosixPath(name).parts
    return (not PurePosixPath(name).is_absolute() and ".." not in parts
            and "." not in name.split("/") and "" not in name.split("/")
            and parts[0] not in (MANIFEST, PREVIOUS, LOCK_NAME)
            and not parts[0].startswith(STAGING_PREFIX))


def not_owned(target: Path, name: str, entry: dict) -> str:
    """Why the file ``name`` of ``target`` is not what the manifest ``entry`` recorded
    (empty: it is): missing, behind a link, not a plain file, or another sha256."""
    try:
        folder = _folder_of(target, name, create=False)
        info = os.lstat(folder / PurePosixPath(name).name)
    except FileNotFoundError:
        return "is missing"
    except OutputExistsError:
        return "lies behind a link"
    if stat.S_ISLNK(info.st_mode):
        return "was replaced by a link"
    if not stat.S_ISREG(info.st_mode):
        return "is not a plain file"
    if info.st_size != entry.get("bytes", info.st_size):
        return "has changed (its size differs)"
    try:
        digest = sha256_file(folder / PurePosixPath(name).name, follow=False)
    except OSError:
        return "cannot be read"
    return "" if digest == entry.get("sha256") else "has changed (its sha256 differs)"


def _remove_owned(target: Path, name: str, entry: dict) -> bool:
    """Remove a file of the previous manifest if it is still ours; remove the folders it
    leaves empty. True if removed or already gone."""
    why = not_owned(target, name, entry)
    if why == "is missing":
        return True
    if why:
        return False
    folder = _folder_of(target, name, create=False)
    (folder / PurePosixPath(name).name).unlink()
    while folder != target and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
    return True


def _folder_of(target: Path, name: str, create: bool) -> Path:
    """The folder of ``name`` under ``target``, each part checked to be a real folder (never
    a link); missing parts are created when ``create``, else FileNotFoundError."""
    folder = target
    for part in PurePosixPath(name).parts[:-1]:
        folder = folder / part
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            if not create:
                raise
            os.mkdir(folder)
            continue
        if not stat.S_ISDIR(info.st_mode):  # lstat: a link to a folder is not a folder
            raise OutputExistsError(
                f"{folder} is a symbolic link or a file, not a folder; elt-odym never writes "
                f"through a link (it may lead outside {target}): remove it or choose a new "
                f"folder")
    return folder


def _check_destination(target: Path, name: str) -> None:
    """Refuse a destination behind a link or that is a folder (before anything moves)."""
    try:
        folder = _folder_of(target, name, create=False)
    except FileNotFoundError:
        return  # created when the file moves
    dest = folder / PurePosixPath(name).name
    try:
        info = os.lstat(dest)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        raise OutputExistsError(f"{dest} is a folder where elt-odym writes a file; move it "
                                f"away or choose a new folder")


def _set_aside(target: Path) -> None:
    """Move ``manifest.json`` aside (a link named so is removed, never followed)."""
    path = target / MANIFEST
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode):
        os.replace(path, target / PREVIOUS)
    elif not stat.S_ISDIR(info.st_mode):
        path.unlink()


def remove_stale_staging(target: Path) -> None:
    """Remove the staging folders a killed run left in ``target`` (real folders; a link is
    only unlinked); call it only while holding ``target``'s lock."""
    for stale in target.glob(STAGING_PREFIX + "*"):
        try:
            info = os.lstat(stale)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(info.st_mode):
            shutil.rmtree(stale, ignore_errors=True)  # rmtree never follows links inside
        else:
            _unlink_quietly(stale)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def rewrite_listed(folder: str | Path, name: str, write: Callable[[Path], None],
                   command: str) -> Path:
    """Rewrite the file ``name`` of a finished output folder and keep ``manifest.json`` true.

    Under the folder's lock, the file is written atomically (:func:`atomic_write`, a link at
    its place is replaced, never followed); if the folder has a manifest, the file's entry
    gets its new size and sha256 (added if missing), ``updated`` records the command and time,
    and the manifest is rewritten atomically. Returns the file's path.
    """
    folder = Path(folder)
    lock = FolderLock(folder).acquire()
    try:
        dest = _folder_of(folder, name, create=False) / PurePosixPath(name).name
        atomic_write(dest, write)
        manifest = read_manifest(folder)
        if manifest is not None:
            files = [f for f in manifest.get("files", []) if not
                     (isinstance(f, dict) and f.get("path") == name)]
            files.append({"path": name, "bytes": os.lstat(dest).st_size,
                          "sha256": sha256_file(dest, follow=False)})
            manifest["files"] = sorted(files, key=lambda f: str(f.get("path", "")))
            manifest["updated"] = {"command": command, "at": datetime.datetime.now(
                datetime.timezone.utc).isoformat(timespec="seconds")}
            write_manifest(folder, manifest)
    finally:
        lock.release()
    return dest


def atomic_write(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then move it into place.

    The file gets the mode of an ordinary new file (the user's umask), not ``0600``. A link at
    ``path`` is replaced by the file (its target is untouched).
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


def input_folders(data_dir: str | Path | None = None) -> dict[Path, str]:
    """The folders of a data folder's inputs (:meth:`~elt_odym.config.RunConfig.input_folders`)
    that no output folder may be, contain or lie inside; default: the bundled data."""
    from ..config import load_config
    from ..paths import bundled_data_dir

    return load_config(data_dir or bundled_data_dir()).input_folders()
