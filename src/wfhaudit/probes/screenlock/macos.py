"""macOS screen lock: the password delay from sysadminctl, the idle timers from defaults and pmset.

`sysadminctl -screenLock status` (on stderr, after a timestamp) says whether the password is
asked once the screen saver starts or the display sleeps, and how long after: "screenLock
delay is immediate", "screenLock delay is 300 seconds" or "screenLock is off". The screen
saver starts after `idleTime` seconds (per host preference, 0 = never); the display sleeps
after `displaysleep` minutes per power source (`pmset -g custom`, 0 = never). Each of these,
followed by the password delay, is a way the screen locks. Screen saver settings pushed by a
configuration profile (managed preferences) are not read.
"""

from __future__ import annotations

import re

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.screenlock.decide import LockPath, all_unknown, lock_facts, password_fact

SYSADMINCTL = ("sysadminctl", "-screenLock", "status")
IDLE_TIME = ("defaults", "-currentHost", "read", "com.apple.screensaver", "idleTime")
PMSET = ("pmset", "-g", "custom")
COMMANDS = [SYSADMINCTL, IDLE_TIME, PMSET]
SOURCES = {"AC Power": "plugged in", "Battery Power": "on battery"}
_OFF = re.compile(r"screenLock is off", re.IGNORECASE)
_IMMEDIATE = re.compile(r"screenLock delay is immediate", re.IGNORECASE)
_DELAY = re.compile(r"screenLock delay is (-?\d+)(?:\.\d+)? seconds?", re.IGNORECASE)


def parse_sysadminctl(text: str) -> int | None:
    """Password delay in seconds after the saver or display sleep; -1 when off; None unreadable."""
    if _OFF.search(text):
        return -1
    if _IMMEDIATE.search(text):
        return 0
    m = _DELAY.search(text)
    if m:
        value = int(m.group(1))
        return -1 if value < 0 else value
    return None


def parse_idle_time(result: CommandResult) -> tuple[int | None, bool]:
    """(screen saver idle seconds, known): known is False when the preference was unreadable.

    A preference that was never set reads as (None, True): the saver's start is then whatever
    macOS defaults to, which this probe does not assume.
    """
    word = result.stdout.strip()
    if result.ok and word.lstrip("-").isdecimal():
        return int(word), True
    if result.returncode == 1 and "does not exist" in result.stderr:
        return None, True
    return None, False


def parse_pmset_custom(text: str) -> dict[str, dict[str, int]]:
    """`pmset -g custom` as {'AC Power': {'displaysleep': 10, 'sleep': 1}, ...}."""
    out: dict[str, dict[str, int]] = {}
    section: dict[str, int] | None = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.rstrip().endswith(":"):
            section = out.setdefault(line.rstrip()[:-1].strip(), {})
            continue
        fields = line.split()
        if section is not None and len(fields) >= 2 and fields[1].isdecimal():
            section[fields[0]] = int(fields[1])
    return out


def _paths(idle: int | None, idle_known: bool, timers: dict[str, int], delay: int | None
           ) -> list[LockPath]:
    locks = None if delay is None else delay >= 0
    extra = max(delay or 0, 0)
    note = ("the password is not asked after the screen saver or display sleep (screenLock "
            "is off)" if delay == -1 else "the password delay could not be read")
    paths = []
    if not idle_known:
        paths.append(LockPath("the screen saver", None, locks,
                              "the screen saver's start time could not be read", False))
    elif idle and idle > 0:
        paths.append(LockPath(f"the screen saver (idleTime {idle} s, password {extra} s later)",
                              float(idle + extra), locks, note))
    # The Mac does not sleep on idle before its display has slept, so display sleep is the
    # earliest of the two and `sleep` adds no earlier lock.
    minutes = timers.get("displaysleep", 0)
    if minutes > 0:
        paths.append(LockPath(f"display sleep ({minutes} min, password {extra} s later)",
                              float(minutes * 60 + extra), locks, note))
    if not paths:
        saver = ("no screen saver time is set (the macOS default applies)" if idle is None
                 else "the screen saver never starts")
        paths.append(LockPath("the screen saver", None, locks,
                              f"{saver} and the display never sleeps", idle is not None))
    return paths


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts screenlock.* for the Mac's console user (wfhaudit runs as that user)."""
    lock = ctx.host.run(SYSADMINCTL, timeout=10)
    saver = ctx.host.run(IDLE_TIME, timeout=5)
    power = ctx.host.run(PMSET, timeout=5)
    evidence = [lock.source, saver.source, power.source]
    delay = parse_sysadminctl(f"{lock.stderr}\n{lock.stdout}") if lock.error is None else None
    idle, idle_known = parse_idle_time(saver)
    sections = parse_pmset_custom(power.stdout) if power.ok else {}
    by_source = {label: sections[name] for name, label in SOURCES.items() if name in sections}
    if not by_source:
        if not power.ok:
            return all_unknown(f"the power settings could not be read: {power.failure()}",
                               evidence)
        return all_unknown("pmset -g custom listed neither AC nor battery settings", evidence)
    sources = {label: _paths(idle, idle_known, timers, delay) for label, timers in by_source.items()}
    if len(sources) == 1:
        sources = {"": next(iter(sources.values()))}
    if delay is None:
        why = (lock.failure() if not lock.ok else
               "sysadminctl -screenLock status printed no screenLock state")
        pw = password_fact(None, why, evidence)
    elif delay < 0:
        pw = password_fact(False, "screenLock is off: no password after the screen saver or "
                           "display sleep", evidence)
    else:
        pw = password_fact(True, f"the password is asked {delay} s after the screen saver "
                           "starts or the display sleeps", evidence)
    return [*lock_facts(sources, evidence), pw]
