"""What a scheduled check is: how often, at which level, which policy, where reports go."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath

SYSTEMD_UNIT = "wfhaudit-check"
LAUNCHD_LABEL = "org.wfhaudit.check"
TASK_NAME = "wfhaudit-check"

# Intervals every scheduler can express exactly (a calendar slot, not "N after the last run"):
# minutes that divide an hour, hours that divide a day, a day or a week.
_MINUTES = (15, 20, 30)
_HOURS = (1, 2, 3, 4, 6, 8, 12)
_EVERY = re.compile(r"^([0-9]{1,3})([mhd])$")
_AT = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")

# Where a frozen build is installed by the packages and deploy guide, per OS.
INSTALLED_EXE = {
    "linux": "/usr/bin/wfhaudit",
    "macos": "/usr/local/bin/wfhaudit",
    "windows": r"C:\Program Files\wfhaudit\wfhaudit.exe",
}


@dataclass(frozen=True)
class Every:
    """A schedule interval: N minutes, N hours, one day or one week."""

    count: int
    unit: str  # m | h | d

    @property
    def seconds(self) -> int:
        """The interval in seconds."""
        return self.count * {"m": 60, "h": 3600, "d": 86400}[self.unit]

    @property
    def text(self) -> str:
        """The interval as written on the command line (e.g. 6h)."""
        return f"{self.count}{self.unit}"


def parse_every(text: str) -> Every:
    """Parse --every; raise ValueError listing the accepted values otherwise."""
    accepted = ("use 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 1d or 7d "
                "(calendar slots every scheduler can express)")
    match = _EVERY.match(text.strip())
    if not match:
        raise ValueError(f"invalid interval {text!r}: {accepted}")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "m" and count == 60:
        count, unit = 1, "h"
    if unit == "h" and count == 24:
        count, unit = 1, "d"
    ok = ((unit == "m" and count in _MINUTES) or (unit == "h" and count in _HOURS)
          or (unit == "d" and count in (1, 7)))
    if not ok:
        raise ValueError(f"unsupported interval {text!r}: {accepted}")
    return Every(count, unit)


def parse_at(text: str) -> tuple[int, int]:
    """Parse --at HH:MM (24-hour local time); raise ValueError otherwise."""
    match = _AT.match(text.strip())
    if not match:
        raise ValueError(f"invalid time {text!r}: use HH:MM in 24-hour local time, e.g. 10:00")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class ScheduleSpec:
    """Everything the scheduler files say: level, timing and the exact check to run."""

    family: str
    system: bool
    every: Every
    at: tuple[int, int]
    policy: str
    out_dir: str
    program: tuple[str, ...]
    data_home: str | None = None
    user_id: str | None = None

    def check_argv(self) -> tuple[str, ...]:
        """The command the scheduler runs (exit 1, NOT READY, is a result, not a failure)."""
        return (*self.program, "check", "--policy", self.policy, "--out", self.out_dir,
                "--quiet")

    def describe(self) -> str:
        """One line for descriptions inside the generated files."""
        level = "system" if self.system else "user"
        when = f"every {self.every.text}"
        if self.every.unit == "d":
            when += f" at {self.at[0]:02d}:{self.at[1]:02d}"
        return f"wfhaudit readiness check ({level}, policy {self.policy}, {when})"


@dataclass(frozen=True)
class Account:
    """The facts about the installing account that decide file locations."""

    home: str
    uid: int | None = None
    env: dict[str, str] = field(default_factory=dict)


def default_out_dir(family: str, system: bool, account: Account) -> str:
    """Where reports go when IT does not choose (a folder the running account may write)."""
    if family == "windows":
        base = (account.env.get("ProgramData", r"C:\ProgramData") if system else
                account.env.get("LOCALAPPDATA", join("windows", account.home, "AppData", "Local")))
        return join("windows", base, "wfhaudit", "reports")
    if family == "macos":
        base = "/Library" if system else join("macos", account.home, "Library")
        return join("macos", base, "Application Support", "wfhaudit", "reports")
    if system:
        return "/var/lib/wfhaudit/reports"
    data = account.env.get("XDG_DATA_HOME") or join("linux", account.home, ".local", "share")
    return join("linux", data, "wfhaudit", "reports")


def system_data_home(family: str) -> str | None:
    """WFHAUDIT_HOME (device key, id, sequence) for a system-level check, None for the default.

    On Windows the task runs as SYSTEM and keeps the default, SYSTEM's own profile folder:
    a task definition cannot set environment variables.
    """
    return {"linux": "/var/lib/wfhaudit", "macos": "/Library/Application Support/wfhaudit"
            }.get(family)


def join(family: str, *parts: str) -> str:
    """Join path parts with the target OS's rules (the target may not be this machine)."""
    if family == "windows":
        return str(PureWindowsPath(*parts))
    return str(PurePosixPath(*parts))


def is_absolute(family: str, path: str) -> bool:
    """True when path is absolute on the target OS."""
    if family == "windows":
        return PureWindowsPath(path).is_absolute()
    return PurePosixPath(path).is_absolute()
