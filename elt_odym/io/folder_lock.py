"""An exclusive, non-blocking lock on an output folder (``.elt-odym.lock`` inside it).

POSIX uses ``fcntl.flock`` and Windows ``msvcrt.locking``; the operating system drops the lock
when the process dies, so a killed run never leaves a folder locked. After locking, the lock
file is checked to still be the one on disk (another run may have removed it on release).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import OutputLockedError

LOCK_NAME = ".elt-odym.lock"


class FolderLock:
    """Exclusive lock on ``folder``; :meth:`acquire` fails at once if another run holds it."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self, attempts: int = 5) -> "FolderLock":
        """Take the lock or raise :class:`OutputLockedError`."""
        for _ in range(attempts):
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            if not _try_lock(fd):
                os.close(fd)
                raise OutputLockedError(
                    f"{self.path.parent} is being written by another elt-odym run (lock file "
                    f"{LOCK_NAME}); wait for it to finish or choose another --out")
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except FileNotFoundError:
                same = False
            if same:
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self._fd = fd
                return self
            os.close(fd)  # the file was replaced while we waited: lock the new one
        raise OutputLockedError(f"could not lock {self.path.parent}; try again")

    def release(self) -> None:
        """Remove the lock file and drop the lock."""
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(self._fd)  # closing drops the lock
            self._fd = None


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
