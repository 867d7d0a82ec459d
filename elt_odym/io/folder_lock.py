"""An exclusive, non-blocking lock on an output folder (``.elt-odym.lock`` inside it).

POSIX uses ``fcntl.flock`` and Windows ``msvcrt.locking``; the operating system drops the lock
when the process dies, so a killed run never leaves a folder locked. After locking, the lock
file is checked to still be the one on disk (another run may have removed it on release).

The lock file is never followed: it is opened with ``O_NOFOLLOW`` (a symbolic link named
``.elt-odym.lock`` is refused, its target untouched), and a file that is not a regular file or
has another hard link (``st_nlink > 1``: truncating it would truncate the other name) is
refused before it is written. Release removes the name only if it is still this run's file.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from ..errors import OutputExistsError, OutputLockedError

LOCK_NAME = ".elt-odym.lock"
O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
"""0 where the platform has no such flag (Windows: links are checked with ``lstat``)."""


class FolderLock:
    """Exclusive lock on ``folder``; :meth:`acquire` fails at once if another run holds it."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, attempts: int = 5) -> "FolderLock":
        """Take the lock or raise :class:`OutputLockedError` (:class:`OutputExistsError` for
        a lock file that is a link, not a regular file, or hard-linked elsewhere)."""
        for _ in range(attempts):
            fd = self._open()
            if not _try_lock(fd):
                os.close(fd)
                raise OutputLockedError(
                    f"{self.path.parent} is being written by another elt-odym run (lock file "
                    f"{LOCK_NAME}); wait for it to finish or choose another --out")
            try:
                same = os.path.samestat(os.fstat(fd), os.lstat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return self
            os.close(fd)  # the file was replaced while we waited: lock the new one
        raise OutputLockedError(f"could not lock {self.path.parent}; try again")

    def _open(self) -> int:
        """Open (create) the lock file without following a link; refuse anything odd."""
        if os.path.islink(self.path):
            raise _odd(self.path, "is a symbolic link")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | O_NOFOLLOW, 0o666)
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # a link appeared between the check and the open
                raise _odd(self.path, "is a symbolic link") from None
            raise
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink > 1:
            os.close(fd)
            raise _odd(self.path, "is not a plain file" if not stat.S_ISREG(info.st_mode)
                       else "has another hard link")
        return fd

    def release(self) -> None:
        """Remove the lock file (if it is still ours) and drop the lock."""
        if self._fd is None:
            return
        try:
            if os.path.samestat(os.fstat(self._fd), os.lstat(self.path)):
                self.path.unlink()
        except FileNotFoundError:
            pass
        finally:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


def _odd(path: Path, what: str) -> OutputExistsError:
    return OutputExistsError(f"{path} {what}, not an elt-odym lock file; remove it (elt-odym "
                             f"never writes through it) or choose another folder")


def _try_lock(fd: int) -> bool:
    """Non-blocking exclusive lock of an open file; False if another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
