"""SQLite errors as one-line exit-3 diagnostics: the path, what went wrong, what to do."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from wfhaudit.errors import InvalidInputError, StorageError

# Primary SQLite result codes (the low byte of an extended code).
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_BY_TEXT = (("locked", _BUSY), ("is full", _FULL), ("readonly", _READONLY),
            ("unable to open", _CANTOPEN), ("not a database", _NOTADB),
            ("malformed", _CORRUPT), ("disk i/o", _IOERR))


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11+
    if isinstance(code, int):
        return code & 0xFF
    text = str(exc).lower()
    return next((c for needle, c in _BY_TEXT if needle in text), None)


def _nearly_full(folder: Path) -> bool:
    """SQLite reports some failed writes (the WAL index, say) as I/O errors, not as full."""
    try:
        return shutil.disk_usage(folder).free < 256 * 1024
    except OSError:
        return False


def translate(exc: sqlite3.Error, path: Path, timeout_s: float) -> InvalidInputError:
    """The diagnostic for a SQLite error on the database at path."""
    code = _code(exc)
    if code == _IOERR and _nearly_full(path.parent):
        code = _FULL
    if code in (_BUSY, _LOCKED):
        return StorageError(
            f"{path}: another process kept the database locked for more than {timeout_s:g} s; "
            "nothing of this run was stored. Run again when the other wfhaudit run (or program) "
            "has finished, or wait longer with WFHAUDIT_DB_TIMEOUT=<seconds>")
    if code == _FULL:
        return StorageError(f"{path}: the disk is full; nothing of this run was stored. Free "
                            "some space and run again")
    if code == _READONLY:
        return StorageError(f"{path}: the database cannot be written (read-only file or file "
                            "system, or a folder you cannot write to); choose a writable --db")
    if code == _CANTOPEN:
        return StorageError(f"{path}: cannot open the database (its folder is missing or "
                            "not writable, or the path is a folder); choose another --db")
    if code == _IOERR:
        return StorageError(f"{path}: disk error while using the database ({exc}); check "
                            "free space and the device, then run again")
    if code == _NOTADB:
        return InvalidInputError(f"{path}: not a usable wfhaudit database (not a SQLite file); "
                                 "pass a new --db path, or move this file away")
    if code == _CORRUPT:
        return InvalidInputError(f"{path}: not a usable wfhaudit database: damaged ({exc}); "
                                 "restore it from a backup, or move it away to start a new "
                                 "history (every report then counts as new)")
    return InvalidInputError(f"{path}: database error: {exc}")
