"""systemd: a oneshot service and a calendar timer, for one user or for the whole machine."""

from __future__ import annotations

from wfhaudit.schedule.model import SYSTEMD_UNIT, Account, Every, ScheduleSpec, join
from wfhaudit.schedule.plan import Control, FileOut

HEADER = ("# Written by `wfhaudit schedule install`; remove it with `wfhaudit schedule remove`.\n")
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@")


def quote(arg: str, user: bool = False) -> str:
    """One ExecStart word: % and $ escaped, quoted when it holds anything but plain characters.

    In a user unit a leading `~/` becomes systemd's `%h/` (the user's home), which packaged
    units shared by every user need.
    """
    if "\n" in arg or "\r" in arg or "\0" in arg:
        raise ValueError(f"a scheduled command cannot contain a line break: {arg!r}")
    prefix = ""
    if user and arg.startswith("~/"):
        prefix, arg = "%h/", arg[2:]
    body = arg.replace("%", "%%").replace("$", "$$")
    if arg and all(c in _SAFE for c in arg):
        return prefix + body
    body = body.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{prefix}{body}"'


def on_calendar(every: Every, at: tuple[int, int]) -> str:
    """The OnCalendar= expression for an interval (local time)."""
    if every.unit == "m":
        return f"*-*-* *:00/{every.count}:00"
    if every.unit == "h":
        return f"*-*-* 00/{every.count}:00:00"
    day = "Mon " if every.count == 7 else ""
    return f"{day}*-*-* {at[0]:02d}:{at[1]:02d}:00"


def randomized_delay(every: Every) -> str:
    """Spread a fleet's runs over a tenth of the interval, at most 15 minutes."""
    return f"{min(every.seconds // 10, 900)}s"


def service_text(spec: ScheduleSpec) -> str:
    """The .service unit that runs the check once."""
    user = not spec.system
    exec_start = " ".join(quote(a, user=user) for a in spec.check_argv())
    unit = ["[Unit]", f"Description={spec.describe()}", "Documentation=man:wfhaudit(1)"]
    if spec.system:
        unit += ["Wants=network-online.target", "After=network-online.target"]
    service = ["[Service]", "Type=oneshot", f"ExecStart={exec_start}",
               "# Exit 1 means the machine is NOT READY: a result, not a failed run.",
               "SuccessExitStatus=1", "Nice=10", "TimeoutStartSec=15min"]
    if spec.system:
        service += ["StateDirectory=wfhaudit", "StateDirectoryMode=0700", "UMask=0077",
                    "PrivateTmp=yes", "ProtectSystem=full", "NoNewPrivileges=yes"]
        if spec.data_home:
            service.append("Environment=" + quote(f"WFHAUDIT_HOME={spec.data_home}"))
    return HEADER + "\n".join([*unit, "", *service]) + "\n"


def timer_text(spec: ScheduleSpec) -> str:
    """The .timer unit; Persistent= runs a check missed while the machine was off."""
    lines = ["[Unit]", f"Description=Timer: {spec.describe()}", "Documentation=man:wfhaudit(1)",
             "", "[Timer]", f"OnCalendar={on_calendar(spec.every, spec.at)}", "Persistent=true",
             f"RandomizedDelaySec={randomized_delay(spec.every)}", "AccuracySec=1min",
             "", "[Install]", "WantedBy=timers.target"]
    return HEADER + "\n".join(lines) + "\n"


def unit_dir(system: bool, account: Account) -> str:
    """Where this level's units live: /etc/systemd/system or the user's config folder."""
    if system:
        return "/etc/systemd/system"
    config = account.env.get("XDG_CONFIG_HOME") or join("linux", account.home, ".config")
    return join("linux", config, "systemd", "user")


def files(spec: ScheduleSpec, account: Account) -> list[FileOut]:
    """The two unit files with their target paths."""
    folder = unit_dir(spec.system, account)
    return [FileOut(join("linux", folder, f"{SYSTEMD_UNIT}.service"),
                    service_text(spec).encode(), 0o644),
            FileOut(join("linux", folder, f"{SYSTEMD_UNIT}.timer"),
                    timer_text(spec).encode(), 0o644)]


def control(system: bool, account: Account) -> Control:
    """The systemctl calls that load, enable, disable and describe the timer."""
    folder = unit_dir(system, account)
    ctl = ("systemctl",) if system else ("systemctl", "--user")
    timer = f"{SYSTEMD_UNIT}.timer"
    return Control(
        paths=(join("linux", folder, f"{SYSTEMD_UNIT}.service"),
               join("linux", folder, f"{SYSTEMD_UNIT}.timer")),
        activate=((*ctl, "daemon-reload"), (*ctl, "enable", "--now", timer)),
        deactivate=((*ctl, "disable", "--now", timer),),
        after_remove=((*ctl, "daemon-reload"),),
        query=((*ctl, "show", timer, "--property=LoadState,ActiveState,UnitFileState,"
                "NextElapseUSecRealtime,LastTriggerUSec"),
               (*ctl, "show", f"{SYSTEMD_UNIT}.service",
                "--property=Result,ExecMainStatus,ExecMainExitTimestamp")),
        offline_enable=("systemctl", "enable", timer) if system else None,
        offline_disable=("systemctl", "disable", timer) if system else None)

