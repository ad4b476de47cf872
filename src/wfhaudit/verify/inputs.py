"""Report inputs for verify and aggregate alike: expand PATH arguments, read each file safely.

Folders are searched recursively, globs expanded, symbolic links listed but never followed, and
every file is opened with O_NOFOLLOW, checked to be a regular file and read up to a size cap.
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from wfhaudit.errors import InvalidInputError

PATTERN_SUFFIX = ".wfh.json"


class _Refused(ValueError):
    """An input refused without reading it (its message is the whole reason)."""
_MAGIC = frozenset("*?[")


def _is_glob(spec: str) -> bool:
    return any(ch in _MAGIC for ch in spec)


def check_specs(specs: Sequence[str]) -> None:
    """Fail early (exit 3) on a named file or folder that does not exist; globs may match none."""
    for spec in specs:
        if not _is_glob(spec) and not os.path.lexists(spec):
            raise InvalidInputError(f"{spec}: no such file or folder")


def _walk(folder: str) -> Iterator[str]:
    """Report files under folder, sorted per folder; symbolic links are listed, never followed."""
    try:
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError:
        yield folder  # the worker reports it as unreadable
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(entry.path)
        elif entry.name.endswith(PATTERN_SUFFIX):
            yield entry.path


def _glob_matches(spec: str) -> Iterator[str]:
    """Sorted glob matches that do not pass through a symbolic link below the literal prefix."""
    parts = spec.replace(os.sep, "/").split("/")
    literal = next(i for i, part in enumerate(parts) if _is_glob(part))
    for match in sorted(glob.iglob(spec, recursive=True)):
        found = match.replace(os.sep, "/").split("/")
        if not any(os.path.islink("/".join(found[:i + 1]) or "/")
                   for i in range(literal, len(found) - 1)):
            yield match


def iter_inputs(specs: Sequence[str]) -> Iterator[str]:
    """Each input once, in a stable order: named files, folders (recursive), glob matches."""
    seen: set[str] = set()
    for spec in specs:
        if _is_glob(spec):
            matches: Iterable[str] = _glob_matches(spec)
        else:
            matches = [spec]
        for match in matches:
            # Dedupe on the absolute path; a walk's paths all extend its normalised root.
            root = os.path.normpath(os.path.abspath(match))
            if not os.path.isdir(match) or os.path.islink(match):
                if root not in seen:
                    seen.add(root)
                    yield match
                continue
            cut = len(match)
            for path in _walk(match):
                key = root + path[cut:]
                if key not in seen:
                    seen.add(key)
                    yield path


def chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """Lists of at most size items, lazily."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def read_input(path: str, limit: int) -> bytes:
    """Read at most limit+1 bytes of a regular file without following a symbolic link.

    Raises OSError when the file cannot be read, or ValueError with the whole reason for a
    symbolic link or a file that is not regular.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if os.path.islink(path):
        raise _Refused("symbolic link not followed")
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Refused("cannot read: not a regular file")
        parts = []
        remaining = limit + 1
        while remaining > 0:
            block = os.read(fd, min(remaining, 1 << 20))
            if not block:
                break
            parts.append(block)
            remaining -= len(block)
        return b"".join(parts)
    finally:
        os.close(fd)


def try_read(path: str, limit: int) -> tuple[bytes | None, str]:
    """(the bytes, "") or (None, why the input cannot be read), never raising for I/O."""
    try:
        return read_input(path, limit), ""
    except ValueError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"cannot read: {exc.strerror or exc}"

