"""launchd: a LaunchAgent (the logged-in user) or a LaunchDaemon (root) property list."""

from __future__ import annotations

import plistlib
from typing import Any

from wfhaudit.schedule.model import LAUNCHD_LABEL, Account, Every, ScheduleSpec, join
from wfhaudit.schedule.plan import Control, FileOut


def calendar_intervals(every: Every, at: tuple[int, int]) -> list[dict[str, int]]:
    """StartCalendarInterval entries; launchd runs a slot missed during sleep on wake."""
    if every.unit == "m":
        return [{"Minute": m} for m in range(0, 60, every.count)]
    if every.unit == "h":
        return [{"Hour": h, "Minute": 0} for h in range(0, 24, every.count)]
    slot = {"Hour": at[0], "Minute": at[1]}
    return [{"Weekday": 1, **slot}] if every.count == 7 else [slot]


def log_path(spec: ScheduleSpec, account: Account) -> str:
    """The job's output log, in the Logs folder that already exists at its level."""
    folder = "/Library/Logs" if spec.system else join("macos", account.home, "Library", "Logs")
    return join("macos", folder, "wfhaudit-schedule.log")


def plist_dict(spec: ScheduleSpec, account: Account) -> dict[str, Any]:
    """The job definition as a dictionary (what plistlib writes)."""
    log = log_path(spec, account)
    job: dict[str, Any] = {
        "Label": LAUNCHD_LABEL,
        "ProgramArguments": list(spec.check_argv()),
        "StartCalendarInterval": calendar_intervals(spec.every, spec.at),
        "RunAtLoad": False,
        "Nice": 10,
        "StandardOutPath": log,
        "StandardErrorPath": log,
    }
    if spec.data_home:
        job["EnvironmentVariables"] = {"WFHAUDIT_HOME": spec.data_home}
    return job


def plist_bytes(spec: ScheduleSpec, account: Account) -> bytes:
    """The XML property list."""
    return plistlib.dumps(plist_dict(spec, account), fmt=plistlib.FMT_XML, sort_keys=True)


def plist_path(system: bool, account: Account) -> str:
    """/Library/LaunchDaemons for the machine, ~/Library/LaunchAgents for one user."""
    folder = ("/Library/LaunchDaemons" if system
              else join("macos", account.home, "Library", "LaunchAgents"))
    return join("macos", folder, f"{LAUNCHD_LABEL}.plist")


def files(spec: ScheduleSpec, account: Account) -> list[FileOut]:
    """The property list with its target path (launchd refuses group/world-writable files)."""
    return [FileOut(plist_path(spec.system, account), plist_bytes(spec, account), 0o644)]


def domain(system: bool, account: Account) -> str:
    """The launchctl domain target: `system`, or the user's GUI session `gui/<uid>`."""
    if system:
        return "system"
    if account.uid is None:
        raise ValueError("a LaunchAgent needs the user's numeric id (uid)")
    return f"gui/{account.uid}"


def control(system: bool, account: Account) -> Control:
    """Commands: bootout (if loaded) then bootstrap; `print` describes the loaded job."""
    path = plist_path(system, account)
    dom = domain(system, account)
    target = f"{dom}/{LAUNCHD_LABEL}"
    return Control(paths=(path,),
                   activate=(("launchctl", "bootout", target), ("launchctl", "bootstrap", dom, path)),
                   activate_may_fail=1,
                   deactivate=(("launchctl", "bootout", target),),
                   query=(("launchctl", "print", target),))
