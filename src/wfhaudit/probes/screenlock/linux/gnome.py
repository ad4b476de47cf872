"""GNOME and Cinnamon screen lock from gsettings, as the session user sees it.

`gsettings get` reads the user's dconf database directly (no D-Bus needed for reading), merged
with system databases and schema defaults, so locked-down values set by an administrator are
what it prints. Without the dconf backend GLib falls back to an in-memory store that only holds
defaults; that warning makes the answer UNKNOWN rather than a pass on defaults.

GNOME Shell locks when the session has been idle for `idle-delay` seconds plus `lock-delay`,
if `lock-enabled` is true and `disable-lock-screen` (lockdown) is false; a value of 0 for
idle-delay means the session never goes idle. gnome-settings-daemon may also suspend (which
locks on the same condition) or log out after `sleep-inactive-{ac,battery}-timeout`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.screenlock.decide import LockPath, fmt_duration

GValue = bool | int | str | None
TIMEOUT = 5.0
_INT = re.compile(r"(?:u?int(?:16|32|64)|byte)?\s*(-?\d+)")
_MISSING = ("no such schema", "no such key")


@dataclass(frozen=True)
class Schemas:
    """The settings schemas of one GNOME-like desktop."""

    desktop: str
    session: str
    screensaver: str
    lockdown: str
    power: str


GNOME = Schemas("GNOME", "org.gnome.desktop.session", "org.gnome.desktop.screensaver",
                "org.gnome.desktop.lockdown", "org.gnome.settings-daemon.plugins.power")
CINNAMON = Schemas("Cinnamon", "org.cinnamon.desktop.session", "org.cinnamon.desktop.screensaver",
                   "org.cinnamon.desktop.lockdown", "org.cinnamon.settings-daemon.plugins.power")


def argvs(s: Schemas) -> list[tuple[str, ...]]:
    """The gsettings commands read for one desktop, in order."""
    return [("gsettings", "get", s.session, "idle-delay"),
            ("gsettings", "list-recursively", s.screensaver),
            ("gsettings", "get", s.lockdown, "disable-lock-screen"),
            ("gsettings", "list-recursively", s.power)]


def parse_value(text: str) -> GValue:
    """One GVariant as gsettings prints it: true/false, 'uint32 300', 1200, 'suspend'."""
    t = text.strip()
    if t in ("true", "false"):
        return t == "true"
    m = _INT.fullmatch(t)
    if m:
        return int(m.group(1))
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1]
    return None


def parse_listing(text: str, schema: str) -> dict[str, GValue]:
    """`gsettings list-recursively SCHEMA` lines ('schema key value') as key -> value."""
    out: dict[str, GValue] = {}
    for line in text.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == schema:
            out[parts[1]] = parse_value(parts[2])
    return out


def memory_backend(result: CommandResult) -> bool:
    """True when GLib fell back to its in-memory settings store (only defaults, no dconf)."""
    return "'memory' gsettings backend" in result.stderr.lower()


def missing(result: CommandResult) -> bool:
    """True when the schema or key does not exist (that desktop part is not installed)."""
    text = f"{result.stderr}\n{result.stdout}".lower()
    return result.error is None and result.returncode != 0 and any(m in text for m in _MISSING)


@dataclass
class GnomeReading:
    """What gsettings said, or why it could not be read."""

    failure: str = ""
    evidence: list[str] = field(default_factory=list)
    idle_delay: int = 0
    lock_enabled: bool = False
    lock_delay: int = 0
    disabled: bool | None = False
    lock_on_suspend: bool | None = None
    power: dict[str, GValue] = field(default_factory=dict)

    @property
    def locks(self) -> bool | None:
        """Whether reaching the idle lock needs the password."""
        if self.disabled is None:
            return None if self.lock_enabled else False
        return self.lock_enabled and not self.disabled


def read(ctx: ProbeContext, s: Schemas) -> GnomeReading:
    """Run the gsettings commands of one desktop and keep what they said."""
    get_idle, list_saver, get_lockdown, list_power = argvs(s)
    out = GnomeReading()
    results = [ctx.host.run(argv, timeout=TIMEOUT) for argv in (get_idle, list_saver)]
    out.evidence += [r.source for r in results]
    idle, saver = results
    if any(memory_backend(r) for r in results):
        out.failure = ("gsettings has no dconf backend (it printed that it uses the 'memory' "
                       "backend), so it shows defaults, not this user's settings; install "
                       "dconf-gsettings-backend")
        return out
    for r in results:
        if not r.ok:
            out.failure = f"gsettings could not read the {s.desktop} settings: {r.failure()}"
            return out
    delay = parse_value(idle.stdout)
    values = parse_listing(saver.stdout, s.screensaver)
    lock_enabled, lock_delay = values.get("lock-enabled"), values.get("lock-delay", 0)
    if not isinstance(delay, int) or isinstance(delay, bool) or not isinstance(lock_enabled, bool):
        out.failure = f"gsettings printed no idle-delay or lock-enabled for {s.desktop}"
        return out
    out.idle_delay, out.lock_enabled = delay, lock_enabled
    out.lock_delay = lock_delay if isinstance(lock_delay, int) and lock_delay > 0 else 0
    suspend_key = values.get("ubuntu-lock-on-suspend")
    out.lock_on_suspend = suspend_key if isinstance(suspend_key, bool) else None
    lockdown = ctx.host.run(get_lockdown, timeout=TIMEOUT)
    out.evidence.append(lockdown.source)
    value = parse_value(lockdown.stdout) if lockdown.ok else None
    out.disabled = value if isinstance(value, bool) else (False if missing(lockdown) else None)
    power = ctx.host.run(list_power, timeout=TIMEOUT)
    out.evidence.append(power.source)
    if power.ok:
        out.power = parse_listing(power.stdout, s.power)
    return out


def idle_path(r: GnomeReading, desktop: str) -> LockPath:
    """The idle lock: idle-delay plus lock-delay, when locking is on."""
    what = f"the {desktop} idle lock (idle-delay {r.idle_delay} s, lock-delay {r.lock_delay} s)"
    if r.idle_delay <= 0:
        return LockPath(what, None, r.locks, "idle-delay is 0, so the session never goes idle")
    if r.disabled:
        note = "disable-lock-screen is true, so the screen cannot lock"
    elif not r.lock_enabled:
        note = f"the screen blanks after {fmt_duration(r.idle_delay)} but lock-enabled is false"
    else:
        note = "whether disable-lock-screen is set could not be read"
    return LockPath(what, float(r.idle_delay + r.lock_delay), r.locks, note)


def power_path(r: GnomeReading, desktop: str, source: str) -> LockPath | None:
    """An idle suspend or log-out set in the power settings for 'ac' or 'battery'."""
    kind, after = r.power.get(f"sleep-inactive-{source}-type"), r.power.get(
        f"sleep-inactive-{source}-timeout")
    if not isinstance(after, int) or isinstance(after, bool) or after <= 0:
        return None
    what = f"the {desktop} idle {kind} ({fmt_duration(after)})"
    if kind in ("suspend", "hibernate"):
        locks = r.locks if r.lock_on_suspend is not False else False
        return LockPath(what, float(after), locks, f"an idle {kind} does not lock the screen")
    if kind == "logout":
        return LockPath(what, float(after), True)
    return None


def lock_sources(r: GnomeReading, desktop: str, battery: bool) -> dict[str, list[LockPath]]:
    """Lock paths per power source (one source when there is no battery)."""
    idle = idle_path(r, desktop)

    def paths(source: str) -> list[LockPath]:
        extra = power_path(r, desktop, source)
        return [idle] + ([extra] if extra else [])

    if battery:
        return {"plugged in": paths("ac"), "on battery": paths("battery")}
    return {"": paths("ac")}


def password(r: GnomeReading) -> tuple[bool | None, str]:
    """screenlock.password_required and its reason."""
    state = "unreadable" if r.disabled is None else str(r.disabled).lower()
    why = f"lock-enabled is {str(r.lock_enabled).lower()}, disable-lock-screen is {state}"
    return r.locks, why
