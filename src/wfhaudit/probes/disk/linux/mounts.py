"""Parse /proc/self/mountinfo and /proc/swaps, and find the mount that holds a path."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

MOUNTINFO = "/proc/self/mountinfo"
SWAPS = "/proc/swaps"

_ESCAPE = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    """Undo mountinfo's octal escapes: it writes space, tab, newline and backslash as octal escapes (\\040...)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


@dataclass(frozen=True)
class Mount:
    """One line of mountinfo: what is mounted where, from which device."""

    mount_id: int
    major: int
    minor: int
    root: str
    mount_point: str
    options: str
    fstype: str
    source: str
    super_options: str

    @property
    def majmin(self) -> str:
        """The device number as sysfs names it (e.g. 253:1)."""
        return f"{self.major}:{self.minor}"


def parse_mountinfo(text: str) -> list[Mount]:
    """Every well-formed mountinfo line, in order; malformed lines are skipped."""
    mounts: list[Mount] = []
    # Only \n ends a line: the kernel escapes just space, tab, newline and backslash, so other
    # characters str.splitlines() breaks on (\x1e, \x85, U+2028) can sit inside a path.
    for line in text.split("\n"):
        fields = line.split(" ")
        try:
            sep = fields.index("-", 6)
        except ValueError:
            continue
        if len(fields) < sep + 3:
            continue
        majmin = fields[2].split(":")
        if len(majmin) != 2 or not all(p.isdecimal() for p in majmin):
            continue
        try:
            mount_id = int(fields[0])
        except ValueError:
            continue
        mounts.append(Mount(
            mount_id=mount_id, major=int(majmin[0]), minor=int(majmin[1]),
            root=_unescape(fields[3]), mount_point=_unescape(fields[4]), options=fields[5],
            fstype=_unescape(fields[sep + 1]), source=_unescape(fields[sep + 2]),
            super_options=fields[sep + 3] if len(fields) > sep + 3 else ""))
    return mounts


def _contains(mount_point: str, path: str) -> bool:
    if mount_point == "/":
        return True
    return path == mount_point or path.startswith(mount_point.rstrip("/") + "/")


def find_mount(mounts: list[Mount], path: str) -> Mount | None:
    """The mount that holds `path`: the longest mount point above it, the last one mounted wins."""
    norm = posixpath.normpath(path) if path.startswith("/") else None
    if norm is None:
        return None
    best: Mount | None = None
    for m in mounts:
        if not _contains(m.mount_point, norm):
            continue
        if best is None or len(m.mount_point) >= len(best.mount_point):
            best = m
    return best


@dataclass(frozen=True)
class Swap:
    """One active swap area from /proc/swaps."""

    path: str
    kind: str  # partition | file


def parse_swaps(text: str) -> list[Swap]:
    """Active swap areas; the header line and malformed lines are skipped."""
    out: list[Swap] = []
    for line in text.split("\n")[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[0].startswith("/"):
            out.append(Swap(_unescape(parts[0]), parts[1]))
    return out
