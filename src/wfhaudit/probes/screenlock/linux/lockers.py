"""KDE Plasma (kscreenlocker through kreadconfig) and xscreensaver screen-lock settings.

KDE: `kscreenlockerrc` [Daemon] Autolock (default true), Timeout (minutes, default 5) and
LockGrace (seconds during which the lock still opens without the password, default 5).
kreadconfig applies KConfig's cascade (the user's file over /etc/xdg, kiosk locks included).

xscreensaver: the user's ~/.xscreensaver overrides the app-defaults file; `timeout` starts the
saver, `lock` makes it ask for the password `lockTimeout` later, `mode: off` disables it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.screenlock.decide import LockPath, fmt_duration

KREADCONFIG = ("kreadconfig6", "kreadconfig5")
KDE_KEYS = (("Autolock", "true"), ("Timeout", "5"), ("LockGrace", "5"))
APP_DEFAULTS = ("/etc/X11/app-defaults/XScreenSaver", "/usr/share/X11/app-defaults/XScreenSaver")
XSS_KEYS = ("timeout", "lock", "lockTimeout", "mode")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})
_HMS = re.compile(r"(?:(\d+):)?(\d+):(\d+)")


def kde_argv(tool: str, key: str, default: str) -> tuple[str, ...]:
    """The kreadconfig call for one [Daemon] key of kscreenlockerrc, with KDE's default."""
    return (tool, "--file", "kscreenlockerrc", "--group", "Daemon", "--key", key,
            "--default", default)


def parse_bool(text: str) -> bool | None:
    """A KConfig / X resource boolean."""
    word = text.strip().lower()
    return True if word in _TRUE else False if word in _FALSE else None


def parse_int(text: str) -> int | None:
    """A non-negative integer, None for anything else."""
    word = text.strip()
    return int(word) if word.isdecimal() else None


@dataclass
class Reading:
    """Lock paths and the password answer from one locker, or why it could not be read."""

    failure: str = ""
    evidence: list[str] = field(default_factory=list)
    paths: list[LockPath] = field(default_factory=list)
    password: bool | None = None
    password_why: str = ""


def read_kde(ctx: ProbeContext) -> Reading:
    """KDE's automatic lock from kscreenlockerrc through kreadconfig6 (or kreadconfig5)."""
    out = Reading()
    values: dict[str, str] = {}
    for tool in KREADCONFIG:
        values = {}
        for key, default in KDE_KEYS:
            res = ctx.host.run(kde_argv(tool, key, default), timeout=5)
            if res.error == "not_found":
                break
            out.evidence.append(res.source)
            if not res.ok:
                out.failure = f"kscreenlockerrc could not be read: {res.failure()}"
                return out
            values[key] = res.stdout.strip()
        if values:
            break
    if not values:
        out.failure = "neither kreadconfig6 nor kreadconfig5 is installed, so KDE's lock settings cannot be read"
        return out
    auto, minutes, grace = (parse_bool(values["Autolock"]), parse_int(values["Timeout"]),
                            parse_int(values["LockGrace"]))
    if auto is None or minutes is None or grace is None:
        out.failure = f"kscreenlockerrc holds values kreadconfig cannot say as numbers: {values}"
        return out
    what = f"the KDE automatic lock (Timeout {minutes} min, LockGrace {grace} s)"
    if not auto:
        out.paths = [LockPath(what, None, False, "Autolock is false: KDE never locks by itself")]
    elif minutes == 0:
        out.paths = [LockPath(what, None, True, "Timeout is 0: KDE never locks by itself")]
    else:
        out.paths = [LockPath(what, float(minutes * 60 + grace), True)]
    out.password = auto
    out.password_why = f"Autolock is {str(auto).lower()} (the KDE locker always asks for the password)"
    return out


def parse_duration(text: str) -> int | None:
    """An X resource time: 'H:MM:SS', 'M:SS', or a plain number of minutes; seconds."""
    word = text.strip()
    m = _HMS.fullmatch(word)
    if m:
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
    return int(word) * 60 if word.isdecimal() else None


def parse_resources(text: str, prefix: str) -> dict[str, str]:
    """'key: value' lines (with `prefix`, '*' in app-defaults) for the keys that matter here."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith(prefix):
            continue
        key, sep, value = stripped[len(prefix):].partition(":")
        if sep and key.strip() in XSS_KEYS:
            out[key.strip()] = value.strip()
    return out


def read_xscreensaver(ctx: ProbeContext, home: str | None) -> Reading:
    """The xscreensaver timeout/lock from the app-defaults, overridden by ~/.xscreensaver."""
    out = Reading()
    values: dict[str, str] = {}
    for path in APP_DEFAULTS:
        text = ctx.host.read_file(path)
        out.evidence.append(path)
        if text is not None:
            values.update(parse_resources(text, "*"))
            break
    if home:
        user_file = f"{home}/.xscreensaver"
        text = ctx.host.read_file(user_file)
        out.evidence.append(user_file)
        if text is not None:
            values.update(parse_resources(text, ""))
    timeout = parse_duration(values.get("timeout", ""))
    lock = parse_bool(values.get("lock", ""))
    grace = parse_duration(values.get("lockTimeout", "0")) or 0
    if timeout is None or lock is None:
        out.failure = ("xscreensaver runs but neither ~/.xscreensaver nor its app-defaults file "
                       "says its timeout and lock settings")
        return out
    what = f"xscreensaver (timeout {fmt_duration(timeout)}, lockTimeout {grace} s)"
    if values.get("mode", "").lower() == "off":
        out.paths = [LockPath(what, None, lock, "xscreensaver's mode is off")]
    elif not lock:
        out.paths = [LockPath(what, float(timeout), False,
                              f"xscreensaver starts after {fmt_duration(timeout)} but lock is off")]
    else:
        out.paths = [LockPath(what, float(timeout + grace), True)]
    out.password, out.password_why = lock, f"xscreensaver's lock is {str(lock).lower()}"
    return out
