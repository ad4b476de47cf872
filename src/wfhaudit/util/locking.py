"""An exclusive lock between processes on a lock file (flock on POSIX, msvcrt on Windows).

Re-entrant within a process: code that holds the lock may call code that takes it again. The
wait is bounded so a stuck holder gives a clear error instead of a hang.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from wfhaudit.errors import StorageError
from wfhaudit.util.files import storage_error

if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

DEFAULT_WAIT_S = 60.0
_held: dict[str, int] = {}
_guard = threading.RLock()


@contextlib.contextmanager
def file_lock(path: Path, wait_s: float = DEFAULT_WAIT_S) -> Iterator[None]:
    """Hold an exclusive lock on path (created 0600 if missing) for the block."""
    key = os.path.abspath(path)
    with _guard:
        if key in _held:
            _held[key] += 1
            try:
                yield
            finally:
                _held[key] -= 1
            return
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except OSError as exc:
            raise storage_error(exc, path, "create the lock file") from None
        try:
            _acquire(fd, path, wait_s)
            _held[key] = 1
            try:
                yield
            finally:
                del _held[key]
                _unlock(fd)
        finally:
            os.close(fd)


def _acquire(fd: int, path: Path, wait_s: float) -> None:
    deadline = time.monotonic() + wait_s
    delay = 0.001
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            raise StorageError(f"{path}: another wfhaudit process kept this lock for more than "
                               f"{wait_s:g} s; wait for it to finish (or end it) and run again")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
