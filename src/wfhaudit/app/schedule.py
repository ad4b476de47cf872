"""Install, remove and describe a scheduled check: files written atomically, commands via Host."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from wfhaudit.errors import WfhauditError
from wfhaudit.host import CommandResult, Host
from wfhaudit.schedule import launchd, systemd, taskxml
from wfhaudit.schedule.model import Account, ScheduleSpec
from wfhaudit.schedule.plan import Argv, Control, reroot
from wfhaudit.util.files import write_atomic

BACKENDS: dict[str, ModuleType] = {"linux": systemd, "macos": launchd, "windows": taskxml}
SCHEDULER = {"linux": "systemd", "macos": "launchd", "windows": "Task Scheduler"}


class ScheduleError(WfhauditError):
    """The scheduler refused a command; the files written so far are named in the message."""


@dataclass
class Outcome:
    """What one install/remove/status did: files, commands run and commands left to IT."""

    family: str
    system: bool
    files: list[dict[str, Any]] = field(default_factory=list)
    ran: list[dict[str, Any]] = field(default_factory=list)
    not_run: list[list[str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form for --json."""
        return {"os": self.family, "level": "system" if self.system else "user",
                "scheduler": SCHEDULER[self.family], "files": self.files, "ran": self.ran,
                "not_run": self.not_run}


def control_for(family: str, system: bool, account: Account) -> Control:
    """The backend's commands and paths for this OS and level."""
    ctl: Control = BACKENDS[family].control(system, account)
    return ctl


def _local(path: str, family: str, root: Path | None) -> Path:
    return Path(path) if root is None else reroot(root, family, path)


def _run(host: Host, argv: Argv, outcome: Outcome) -> CommandResult:
    result = host.run(argv, timeout=60)
    outcome.ran.append({"argv": list(argv), "ok": result.ok, "returncode": result.returncode,
                        "output": (result.stdout + result.stderr).strip()[:4000],
                        "problem": None if result.ok else result.failure()})
    return result


def install(spec: ScheduleSpec, account: Account, host: Host, root: Path | None,
            live: bool | None = None) -> Outcome:
    """Write the scheduler's files and, on a live system, load and enable them.

    With `root`, files go under that folder and the live scheduler is left alone (`live`
    defaults to "no root"); systemd's system level is still enabled offline
    (`systemctl --root`), as for an OS image.
    """
    outcome = Outcome(spec.family, spec.system)
    ctl = control_for(spec.family, spec.system, account)
    for out in BACKENDS[spec.family].files(spec, account):
        local = _local(out.path, spec.family, root)
        write_atomic(local, out.data, mode=out.mode)
        outcome.files.append({"path": out.path, "written": str(local), "bytes": len(out.data)})
    if not (root is None if live is None else live):
        if root is not None and ctl.offline_enable is not None:
            _check(_run(host, (*ctl.offline_enable[:1], f"--root={root}",
                               *ctl.offline_enable[1:]), outcome), outcome)
        outcome.not_run = [list(a) for a in ctl.activate]
        return outcome
    for index, argv in enumerate(ctl.activate):
        result = _run(host, argv, outcome)
        if index >= ctl.activate_may_fail:
            _check(result, outcome)
    return outcome


def _check(result: CommandResult, outcome: Outcome) -> None:
    if not result.ok:
        written = ", ".join(f["written"] for f in outcome.files) or "none"
        raise ScheduleError(f"{SCHEDULER[outcome.family]}: {result.failure()} "
                            f"(files written: {written})")


def remove(family: str, system: bool, account: Account, host: Host,
           root: Path | None, live: bool | None = None) -> Outcome:
    """Disable and unload the schedule, then delete its files (absent files are fine)."""
    outcome = Outcome(family, system)
    ctl = control_for(family, system, account)
    live = root is None if live is None else live
    if live:
        for argv in ctl.deactivate:
            _run(host, argv, outcome)  # not loaded or not registered: nothing to undo
    elif root is not None and ctl.offline_disable is not None:
        _run(host, (*ctl.offline_disable[:1], f"--root={root}", *ctl.offline_disable[1:]),
             outcome)
    for path in ctl.paths:
        local = _local(path, family, root)
        existed = local.exists() or local.is_symlink()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(local)
        outcome.files.append({"path": path, "written": str(local), "removed": existed})
    if live:
        for argv in ctl.after_remove:
            _run(host, argv, outcome)
    else:
        outcome.not_run = [list(a) for a in (*ctl.deactivate, *ctl.after_remove)]
    return outcome


def status(family: str, system: bool, account: Account, host: Host,
           root: Path | None) -> Outcome:
    """Which files exist and, on a live system, what the scheduler says about the job."""
    outcome = Outcome(family, system)
    ctl = control_for(family, system, account)
    for path in ctl.paths:
        local = _local(path, family, root)
        outcome.files.append({"path": path, "written": str(local), "exists": local.is_file()})
    if root is None:
        for argv in ctl.query:
            _run(host, argv, outcome)
    else:
        outcome.not_run = [list(a) for a in ctl.query]
    return outcome


def installed(outcome: Outcome) -> bool:
    """True when every file of the schedule exists (status only)."""
    return bool(outcome.files) and all(f.get("exists") for f in outcome.files)
