"""Linux screen lock: find the user's desktop session, then read that desktop's lock settings.

The lock belongs to the desktop session of the user running wfhaudit: its processes
(`ps -u UID`) say which desktop or locker runs, and only that one's settings count (GNOME's
schemas are often installed under KDE too, and their defaults would look compliant). No
desktop process means no session to judge: UNKNOWN. When wfhaudit runs as another user than
the one who logged in (sudo: the kernel's login uid differs from the effective uid), the
settings read would be root's, so the answer is UNKNOWN with that reason.
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.screenlock.decide import all_unknown, lock_facts, password_fact
from wfhaudit.probes.screenlock.linux import gnome, lockers

STATUS = "/proc/self/status"
LOGINUID = "/proc/self/loginuid"
NO_LOGINUID = "4294967295"
POWER_SUPPLY = "/sys/class/power_supply"
PS_TEMPLATE = ("ps", "-u", "{uid}", "-o", "comm=")
GETENT_TEMPLATE = ("getent", "passwd", "{uid}")
# ps prints at most 15 characters of a command name.
DESKTOPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("KDE", frozenset({"plasmashell", "ksmserver", "kwin_x11", "kwin_wayland"})),
    ("GNOME", frozenset({"gnome-shell", "gnome-session-b", "gnome-flashback", "budgie-panel"})),
    ("Cinnamon", frozenset({"cinnamon", "cinnamon-sessio", "cinnamon-screen"})),
    ("xscreensaver", frozenset({"xscreensaver"})),
    ("light-locker", frozenset({"light-locker"})),
    ("Xfce", frozenset({"xfce4-session", "xfce4-screensav"})),
    ("MATE", frozenset({"mate-session", "mate-screensave"})),
    ("LXQt", frozenset({"lxqt-session"})),
)
COMMANDS = [PS_TEMPLATE, GETENT_TEMPLATE, *gnome.argvs(gnome.GNOME), *gnome.argvs(gnome.CINNAMON),
            *(lockers.kde_argv(tool, key, default) for tool in lockers.KREADCONFIG
              for key, default in lockers.KDE_KEYS)]


def ps_argv(uid: str) -> tuple[str, ...]:
    """List the command names of one user's processes."""
    return ("ps", "-u", uid, "-o", "comm=")


def parse_ids(status: str | None, loginuid: str | None) -> tuple[str | None, str | None]:
    """(effective uid from /proc/self/status, login uid or None when unset)."""
    euid = None
    for line in (status or "").splitlines():
        if line.startswith("Uid:"):
            fields = line.split()
            if len(fields) >= 3 and fields[2].isdecimal():
                euid = fields[2]
    login = (loginuid or "").strip()
    return euid, (login if login.isdecimal() and login != NO_LOGINUID else None)


def parse_desktops(ps_output: str) -> list[str]:
    """Desktops and lockers whose processes appear in `ps -o comm=` output, in priority order."""
    names = {line.strip() for line in ps_output.splitlines() if line.strip()}
    return [desktop for desktop, procs in DESKTOPS if names & procs]


def has_battery(ctx: ProbeContext) -> bool:
    """True when the machine has a system battery (a laptop), not just a wireless mouse's."""
    for name in ctx.host.list_dir(POWER_SUPPLY) or []:
        kind = (ctx.host.read_file(f"{POWER_SUPPLY}/{name}/type") or "").strip()
        scope = (ctx.host.read_file(f"{POWER_SUPPLY}/{name}/scope") or "").strip()
        if kind == "Battery" and scope != "Device":
            return True
    return False


def _home(ctx: ProbeContext, uid: str) -> str | None:
    result = ctx.host.run(("getent", "passwd", uid), timeout=5)
    fields = result.stdout.strip().split(":") if result.ok else []
    return fields[5] if len(fields) >= 7 and fields[5].startswith("/") else None


def _session(ctx: ProbeContext) -> tuple[str | None, list[str], str]:
    """(uid, desktops found, failure reason) for the user wfhaudit runs as."""
    euid, login = parse_ids(ctx.host.read_file(STATUS), ctx.host.read_file(LOGINUID))
    if euid is None:
        return None, [], f"the user id could not be read from {STATUS}"
    if login is not None and login != euid:
        return None, [], (f"wfhaudit runs as uid {euid} but the desktop user logged in as uid "
                          f"{login} (sudo or su?): screen-lock settings belong to that user's "
                          "session and wfhaudit reads them only as the user it runs as; run it "
                          "as that user, without sudo")
    ps = ctx.host.run(ps_argv(euid), timeout=5)
    # ps exits 1 with no output when the user has no processes at all.
    if ps.error is not None or (ps.returncode not in (0, 1)):
        return euid, [], f"the user's processes could not be listed: {ps.failure()}"
    return euid, parse_desktops(ps.stdout), ""


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts screenlock.* for the desktop session of the user running wfhaudit."""
    uid, desktops, failure = _session(ctx)
    if uid is None or failure:
        return all_unknown(failure)
    if not desktops:
        known = ", ".join(d for d, _ in DESKTOPS)
        return all_unknown(f"no desktop session of uid {uid} is running (no process of {known}): "
                           "the screen lock belongs to a desktop session, so run wfhaudit in it",
                           [" ".join(ps_argv(uid))])
    desktop = desktops[0]
    if desktop in ("GNOME", "Cinnamon"):
        schemas = gnome.GNOME if desktop == "GNOME" else gnome.CINNAMON
        g = gnome.read(ctx, schemas)
        if g.failure:
            return all_unknown(g.failure, g.evidence)
        sources = gnome.lock_sources(g, desktop, has_battery(ctx))
        value, why = gnome.password(g)
        return [*lock_facts(sources, g.evidence), password_fact(value, why, g.evidence)]
    if desktop in ("KDE", "xscreensaver"):
        r = lockers.read_kde(ctx) if desktop == "KDE" else lockers.read_xscreensaver(
            ctx, _home(ctx, uid))
        if r.failure:
            return all_unknown(r.failure, r.evidence)
        return [*lock_facts({"": r.paths}, r.evidence),
                password_fact(r.password, r.password_why, r.evidence)]
    if desktop == "light-locker":
        return all_unknown("light-locker locks when the X server's screensaver starts; that "
                           "timer (xset q) is not read by wfhaudit")
    return all_unknown(f"the {desktop} desktop runs; wfhaudit does not read its screen-lock "
                       "settings yet")
