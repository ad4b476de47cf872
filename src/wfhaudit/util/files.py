"""Atomic file writes (temp file in the same folder, fsync, rename) and bounded JSON reads.

Temp files are named `.<target>.<pid>.wfh<random>.tmp`: a process killed with SIGKILL cannot
remove its own, so `sweep_temp_files` removes those whose writer is no longer running.
OS errors while writing become `StorageError` (exit 3) naming the path and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from wfhaudit.errors import InvalidInputError, StorageError
from wfhaudit.util import jsonstrict, signals

MAX_INPUT_BYTES = 64 * 1024 * 1024
_TEMP = re.compile(r"^\..+\.(\d+)\.wfh[a-z0-9_]{8}\.tmp$")
_FIXES = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the file system is read-only: choose a writable location",
    errno.EACCES: "permission denied: choose a folder you can write to, or fix its permissions",
    errno.EPERM: "operation not permitted: choose a folder you can write to",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, expected a file name",
    errno.ENOENT: "a folder on the way does not exist",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ELOOP: "too many symbolic links on the way",
    errno.EEXIST: "a file is there where a folder is needed",
}


def storage_error(exc: OSError, path: str | os.PathLike[str], action: str = "write"
                  ) -> StorageError:
    """A one-line StorageError for an OSError on path: what failed and what to do."""
    where = exc.filename if isinstance(exc.filename, str) else os.fspath(path)
    fix = _FIXES.get(exc.errno or 0, exc.strerror or str(exc))
    return StorageError(f"{where}: cannot {action}: {fix}")


def temp_beside(target: Path) -> tuple[int, str]:
    """Create a 0600 temp file in the target's folder; (fd, path). Named after this process."""
    return tempfile.mkstemp(prefix=f".{target.name}.{os.getpid()}.wfh", suffix=".tmp",
                            dir=target.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename or creation in folder durable (POSIX; Windows cannot open folders)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        with contextlib.suppress(OSError):  # some file systems refuse fsync on folders
            os.fsync(fd)
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    import psutil

    return bool(psutil.pid_exists(pid))


def sweep_temp_files(folder: Path, name: str = "") -> int:
    """Remove temp files left in folder by writers no longer running; how many.

    With `name`, only the temp files of that one file (a cheap look before writing it).
    """
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if name and not entry.name.startswith(f".{name}."):
            continue
        match = _TEMP.match(entry.name)
        if match is None or int(match.group(1)) == os.getpid() or _pid_alive(int(match.group(1))):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            removed += 1
    return removed


def _write_temp(target: Path, raw: bytes, mode: int) -> str:
    fd, tmp = temp_beside(target)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: str | os.PathLike[str], data: bytes | str, mode: int = 0o644) -> Path:
    """Write data to path so readers see the old file or the whole new one, never a part.

    Stop signals wait until the write is done or undone (milliseconds), so an interrupted
    command never leaves the temp file behind.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with signals.deferred():
            target.parent.mkdir(parents=True, exist_ok=True)
            sweep_temp_files(target.parent, target.name)  # what a killed writer left
            tmp = _write_temp(target, raw, mode)
            try:
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
            fsync_dir(target.parent)
    except OSError as exc:
        raise storage_error(exc, target) from None
    return target


def create_new(path: str | os.PathLike[str], data: bytes | str, mode: int = 0o644) -> bool:
    """Create path with data, complete or not at all, never replacing a file; False if it exists.

    The data goes to a temp file first, which is then hard-linked to its name: a link fails
    when the name exists, so two processes racing can never both win or see half a file.
    """
    target = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with signals.deferred():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = _write_temp(target, raw, mode)
            try:
                os.link(tmp, target)
            except FileExistsError:
                return False
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                    raise
                return _create_exclusive(target, raw, mode)  # file systems without hard links
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            fsync_dir(target.parent)
    except OSError as exc:
        raise storage_error(exc, target) from None
    return True


def _create_exclusive(target: Path, raw: bytes, mode: int) -> bool:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, mode)
    except FileExistsError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(target)
        raise
    return True


def check_writable_folder(folder: Path, what: str) -> None:
    """Fail early (StorageError naming `what`) when files cannot be created in folder."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f"{what}: {storage_error(exc, folder, 'create the folder')}") from None
    if not folder.is_dir():
        raise StorageError(f"{what}: {folder} is not a folder")
    st = os.statvfs(folder) if hasattr(os, "statvfs") else None
    if st is not None and st.f_flag & getattr(os, "ST_RDONLY", 1):
        raise StorageError(f"{what}: {folder}: the file system is read-only; choose a "
                           "writable location")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"{what}: {folder}: cannot write: permission denied; choose a "
                           "folder you can write to")
    if st is not None and st.f_blocks:
        free = st.f_bfree if os.geteuid() == 0 else st.f_bavail
        if free == 0:
            raise StorageError(f"{what}: {folder}: the disk is full: free some space and run "
                               "again")


def read_bytes(path: str | os.PathLike[str], what: str = "file") -> bytes:
    """Read a user-supplied file with a size bound; errors become one-line InvalidInputError."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise InvalidInputError(f"{p}: {what} is too large ({size} bytes)")
        return p.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"{p}: {what} not found") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{p}: is a directory, expected a {what}") from None
    except OSError as exc:
        raise InvalidInputError(f"{p}: cannot read {what}: {exc.strerror or exc}") from None


def read_json(path: str | os.PathLike[str], what: str = "file") -> Any:
    """Read and parse a JSON file strictly (no duplicate names, nesting capped); exit 3 with where."""
    raw = read_bytes(path, what)
    try:
        return jsonstrict.loads(raw)
    except jsonstrict.JSONProblem as exc:
        raise InvalidInputError(f"{path}: {what}: {exc}") from None
