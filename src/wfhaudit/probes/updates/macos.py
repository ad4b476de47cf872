"""macOS updates: offered updates from Software Update's own record, last OS update, version.

Software Update checks in the background and keeps what it found in
/Library/Preferences/com.apple.SoftwareUpdate.plist (readable by every user): `RecommendedUpdates`
and the date of the last successful check. Reading it needs no network and no locale; `plutil`
turns the binary plist into XML. Offers of a newer major macOS are not counted as pending
updates (they are upgrades, and the installed major still gets security fixes). The last OS
update is the newest Apple macOS or security item of the install history
(`system_profiler -json`, ISO dates); XProtect and other data files are left out.
"""

from __future__ import annotations

import datetime as dt
import json
import plistlib  # only macOS needs it: keep it out of other OSes' start-up
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.updates.decide import days_fact, macos_build, pending_fact
from wfhaudit.probes.wallclock import host_now, iso_minute, parse_iso

SW_VERS = ("sw_vers", "-productVersion")
SU_PLIST_PATH = "/Library/Preferences/com.apple.SoftwareUpdate.plist"
SU_PLIST = ("plutil", "-convert", "xml1", "-o", "-", SU_PLIST_PATH)
HISTORY = ("system_profiler", "SPInstallHistoryDataType", "-json")
COMMANDS = [SW_VERS, SU_PLIST, HISTORY]
_DATA_UPDATES = ("xprotect", "mrt", "gatekeeper", "configdata", "compatibility", "assetpack")
NO_REBOOT_FLAG = ("macOS keeps no pending-restart flag: its updates install during the restart "
                  "itself")


def parse_plist(text: str) -> Mapping[str, Any] | None:
    """The top-level dictionary of an XML plist, None when it is not one."""
    try:
        data = plistlib.loads(text.encode("utf-8"))
    except (plistlib.InvalidFileException, ValueError, TypeError):
        return None
    return data if isinstance(data, Mapping) else None


def _major(version: str) -> str:
    return version.strip().split(".", 1)[0]


def offered_updates(prefs: Mapping[str, Any], installed: str | None) -> tuple[list[str], list[str]]:
    """(updates for the installed major version, newer major versions offered) by display name."""
    minor: list[str] = []
    major: list[str] = []
    items = prefs.get("RecommendedUpdates")
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        name = str(item.get("Display Name") or item.get("Identifier") or "unnamed update")
        version = str(item.get("Display Version") or "")
        label = name if version in name else f"{name} {version}"
        is_os = name.lower().startswith("macos")
        if is_os and installed and version and _major(version) != _major(installed):
            major.append(label)
        else:
            minor.append(label)
    return minor, major


def last_check(prefs: Mapping[str, Any]) -> dt.datetime | None:
    """When Software Update last checked successfully (plist dates are UTC)."""
    for key in ("LastSuccessfulDate", "LastFullSuccessfulDate", "LastBackgroundSuccessfulDate"):
        value = prefs.get(key)
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return None


def last_os_update(text: str) -> tuple[float, str] | None:
    """(unix time, name) of the newest Apple OS or security install in the install history."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    items = data.get("SPInstallHistoryDataType") if isinstance(data, Mapping) else None
    best: tuple[float, str] | None = None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping) or item.get("package_source") != "package_source_apple":
            continue
        name = str(item.get("_name") or "")
        low = name.lower().replace(" ", "")
        if any(word in low for word in _DATA_UPDATES):
            continue
        if not (low.startswith("macos") or "security" in low):
            continue
        when = parse_iso(str(item.get("install_date") or ""))
        if when is not None and (best is None or when > best[0]):
            best = (when, name)
    return best


def _pending(ctx: ProbeContext, installed: str | None) -> Fact:
    key = "updates.security_pending"
    result = ctx.host.run(SU_PLIST, timeout=15)
    prefs = parse_plist(result.stdout) if result.ok else None
    if prefs is None:
        why = result.failure() if not result.ok else "plutil printed no plist"
        return Fact.unknown(key, f"Software Update's record is unreadable: {why}", [result.source])
    checked = last_check(prefs)
    minor, major = offered_updates(prefs, installed)
    if checked is None and not minor:
        return Fact.unknown(key, "Software Update has recorded no successful check",
                            [result.source])
    when = f"Software Update's last successful check on {checked:%Y-%m-%d}" if checked else \
        "Software Update's last check"
    detail = f"{len(minor)} offered as of {when}" + (f": {', '.join(minor)}" if minor else "")
    if major:
        detail += f"; newer major version offered (not counted): {', '.join(major)}"
    return pending_fact(len(minor), [result.source], detail)


def _last(ctx: ProbeContext, now: float | None) -> Fact:
    result = ctx.host.run(HISTORY, timeout=45)
    found = last_os_update(result.stdout) if result.ok else None
    if found is None:
        why = result.failure() if not result.ok else "the install history lists no macOS update"
        return Fact.unknown("updates.days_since_last", why, [result.source])
    when, name = found
    return days_fact(now, when, [result.source],
                     f"last OS update installed: {name} on {iso_minute(when)}")


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts updates.* for macOS."""
    now = host_now(ctx.host)
    vers = ctx.host.run(SW_VERS, timeout=10)
    installed = vers.stdout.strip() if vers.ok and vers.stdout.strip() else None
    build = macos_build(installed) if installed else None
    if build is None:
        why = vers.failure() if not vers.ok else f"sw_vers printed {vers.stdout.strip()!r}"
        build_fact = Fact.unknown("updates.os_build", why, [vers.source])
    else:
        build_fact = Fact.observed("updates.os_build", build, [vers.source],
                                   detail=f"macOS {installed}")
    return [_pending(ctx, installed), _last(ctx, now),
            Fact.unknown("updates.reboot_pending", NO_REBOOT_FLAG), build_fact]
