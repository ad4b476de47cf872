"""Linux automatic sign-in: the display manager's configuration (GDM, LightDM, SDDM) and getty.

The enabled display manager is named by /etc/systemd/system/display-manager.service (its
ExecStart) or Debian's /etc/X11/default-display-manager; only that one's files count. When
none is named, every known display manager's files are read and any of them enabling
automatic sign-in counts (fail closed). A getty drop-in with `--autologin` signs in on a text
console. Files are read in each manager's own order, later ones overriding earlier ones:
GDM [daemon] AutomaticLoginEnable/AutomaticLogin and TimedLoginEnable/TimedLogin (Debian's
gdm3 reads daemon.conf, others custom.conf); LightDM [Seat:*]/[SeatDefaults]/[Seat:name]
autologin-user or autologin-guest; SDDM [Autologin] User.
"""

from __future__ import annotations

import os

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.signin.decide import Findings, autologin_fact

DM_SERVICE = "/etc/systemd/system/display-manager.service"
DEFAULT_DM = "/etc/X11/default-display-manager"
GDM_FILES = ("/etc/gdm3/custom.conf", "/etc/gdm3/daemon.conf", "/etc/gdm/custom.conf")
LIGHTDM_DIRS = ("/usr/share/lightdm/lightdm.conf.d", "/usr/local/share/lightdm/lightdm.conf.d",
                "/etc/xdg/lightdm/lightdm.conf.d", "/etc/lightdm/lightdm.conf.d")
LIGHTDM_MAIN = "/etc/lightdm/lightdm.conf"
SDDM_DIRS = ("/usr/lib/sddm/sddm.conf.d", "/etc/sddm.conf.d")
SDDM_MAIN = "/etc/sddm.conf"
GETTY_DIRS = ("/etc/systemd/system/getty@tty1.service.d", "/etc/systemd/system/getty@.service.d")
DM_NAMES = {"gdm": "GDM", "gdm3": "GDM", "lightdm": "LightDM", "sddm": "SDDM"}
COMMANDS: list[tuple[str, ...]] = []  # files only, no commands
_TRUE = frozenset({"true", "1", "yes", "on"})

Keyfile = dict[str, dict[str, str]]


def parse_keyfile(text: str) -> Keyfile:
    """An INI/GKeyFile text as {section: {key: value}}; '#' and ';' lines are comments."""
    out: Keyfile = {}
    section: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = out.setdefault(line[1:-1].strip(), {})
            continue
        key, sep, value = line.partition("=")
        if sep and section is not None:
            section[key.strip()] = value.strip()
    return out


def parse_exec_start(unit: str) -> str | None:
    """The program name of a unit's ExecStart (e.g. 'gdm3'), None when there is none."""
    for line in unit.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == "ExecStart" and value.strip():
            return os.path.basename(value.strip().lstrip("-@:+!").split()[0])
    return None


def gdm_enables(conf: Keyfile) -> str | None:
    """Why GDM signs in automatically under this file, or None."""
    daemon = conf.get("daemon", {})
    for kind, enable, user in (("automatic", "AutomaticLoginEnable", "AutomaticLogin"),
                               ("timed", "TimedLoginEnable", "TimedLogin")):
        if daemon.get(enable, "").lower() in _TRUE and daemon.get(user, "").strip():
            return f"{enable}=true with {user} set ({kind} login)"
    return None


def lightdm_enables(merged: Keyfile) -> str | None:
    """Why LightDM signs in automatically under the merged files, or None."""
    base = {**merged.get("SeatDefaults", {}), **merged.get("Seat:*", {})}
    seats = {name: {**base, **keys} for name, keys in merged.items() if name.startswith("Seat:")}
    for name, keys in sorted(seats.items() or {"Seat:*": base}.items()):
        if keys.get("autologin-user", "").strip():
            return f"autologin-user is set for [{name}]"
        if keys.get("autologin-guest", "").lower() in _TRUE:
            return f"autologin-guest is true for [{name}]"
    return None


def sddm_enables(merged: Keyfile) -> str | None:
    """Why SDDM signs in automatically under the merged files, or None."""
    if merged.get("Autologin", {}).get("User", "").strip():
        return "[Autologin] User is set"
    return None


def getty_enables(text: str) -> bool:
    """True when a getty unit drop-in passes --autologin (or -a) to agetty."""
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == "ExecStart" and ("--autologin" in value.split()
                                                   or " -a " in f" {value} "):
            return True
    return False


def _merge(into: Keyfile, conf: Keyfile) -> None:
    for section, keys in conf.items():
        into.setdefault(section, {}).update(keys)


def _read_layers(ctx: ProbeContext, dirs: tuple[str, ...], main: str, found: Findings
                 ) -> Keyfile | None:
    """Merge a manager's drop-in directories then its main file; None when none exists."""
    merged: Keyfile = {}
    seen = False
    paths = []
    for folder in dirs:
        found.evidence.append(folder)
        paths += [f"{folder}/{n}" for n in ctx.host.list_dir(folder) or [] if n.endswith(".conf")]
    for path in [*paths, main]:
        text = ctx.host.read_file(path)
        found.evidence.append(path)
        if text is not None:
            seen = True
            _merge(merged, parse_keyfile(text))
    return merged if seen else None


def check_manager(ctx: ProbeContext, name: str, found: Findings) -> None:
    """Read one display manager's files and record whether they enable automatic sign-in."""
    if name == "GDM":
        for path in GDM_FILES:
            text = ctx.host.read_file(path)
            found.evidence.append(path)
            why = gdm_enables(parse_keyfile(text)) if text is not None else None
            if why:
                found.enabled_by.append(f"GDM: {why} in {path}")
            if text is not None:
                found.checked.append(path)
        return
    dirs, main, judge = ((LIGHTDM_DIRS, LIGHTDM_MAIN, lightdm_enables) if name == "LightDM"
                         else (SDDM_DIRS, SDDM_MAIN, sddm_enables))
    merged = _read_layers(ctx, dirs, main, found)
    if merged is None:
        return
    found.checked.append(f"the {name} configuration")
    why = judge(merged)
    if why:
        found.enabled_by.append(f"{name}: {why}")


def active_manager(ctx: ProbeContext, found: Findings) -> str | None:
    """The program name of the enabled display manager, None when none is named."""
    for path, parse in ((DM_SERVICE, parse_exec_start),
                        (DEFAULT_DM, lambda t: os.path.basename(t.strip()) or None)):
        text = ctx.host.read_file(path)
        found.evidence.append(path)
        if text is not None and (name := parse(text)):
            return name
    return None


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact signin.autologin_enabled for this Linux machine."""
    found = Findings()
    for folder in GETTY_DIRS:
        found.evidence.append(folder)
        for name in ctx.host.list_dir(folder) or []:
            text = ctx.host.read_file(f"{folder}/{name}") if name.endswith(".conf") else None
            if text is not None and getty_enables(text):
                found.enabled_by.append(f"getty signs in on the text console ({folder}/{name})")
    program = active_manager(ctx, found)
    manager = DM_NAMES.get(program or "")
    if program and manager is None:
        if not found.enabled_by:
            found.problems.append(f"the display manager is {program}, whose automatic sign-in "
                                  "settings wfhaudit does not read (it reads GDM, LightDM, SDDM)")
        return [autologin_fact(found)]
    for name in [manager] if manager else ["GDM", "LightDM", "SDDM"]:
        check_manager(ctx, name, found)
    if manager:
        return [autologin_fact(found, f"{manager} (the enabled display manager) does not sign "
                                      "in automatically")]
    return [autologin_fact(found, "no display manager is enabled and no GDM, LightDM or SDDM "
                                  "file turns automatic sign-in on")]
