"""Atomic file writes (temp file in the same folder, fsync, rename) and bounded JSON reads."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

from wfhaudit.errors import InvalidInputError
from wfhaudit.util import jsonstrict

MAX_INPUT_BYTES = 64 * 1024 * 1024


def write_atomic(path: str | os.PathLike[str], data: bytes | str, mode: int = 0o644) -> Path:
    """Write data to path so readers see the old file or the whole new one, never a part."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target


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
