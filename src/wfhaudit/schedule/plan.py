"""The shape every scheduler backend returns: files to write and the commands around them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

Argv = tuple[str, ...]


@dataclass(frozen=True)
class FileOut:
    """One file a schedule needs: its absolute path on the target OS, bytes and mode."""

    path: str
    data: bytes
    mode: int


@dataclass(frozen=True)
class Control:
    """The scheduler's own commands for one level (user or system) on one OS.

    `offline_enable`/`offline_disable` work on files under a root folder without a running
    scheduler (systemctl --root); None where the scheduler has no such mode.
    `activate_may_fail` counts the leading activate commands whose failure is expected (such
    as unloading a job that was not loaded yet).
    """

    paths: tuple[str, ...]
    activate: tuple[Argv, ...]
    deactivate: tuple[Argv, ...]
    query: tuple[Argv, ...]
    after_remove: tuple[Argv, ...] = ()
    offline_enable: Argv | None = None
    offline_disable: Argv | None = None
    activate_may_fail: int = 0


def reroot(root: Path, family: str, path: str) -> Path:
    """Map a target-OS absolute path under a local root folder (C:\\x becomes ROOT/C/x)."""
    if family == "windows":
        win = PureWindowsPath(path)
        drive = win.drive.rstrip(":").replace("\\", "_") or "_"
        return root.joinpath(drive, *win.parts[1:])
    return root.joinpath(*PurePosixPath(path).parts[1:])
