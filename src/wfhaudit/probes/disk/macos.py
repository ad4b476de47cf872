"""macOS disk encryption: FileVault from `fdesetup`, volumes from `diskutil apfs list -plist`.

On T2 and Apple-silicon Macs the internal SSD is always encrypted in hardware, even with
FileVault off; only FileVault ties the key to the user's password, so "Encryption: true"
without FileVault does not count (osquery #5223 is the classic false positive).
"""

from __future__ import annotations

import plistlib
import re
from dataclasses import dataclass
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk.decide import Verdict, system_facts, unknown_all

FDESETUP_STATUS = ("fdesetup", "status")
FDESETUP_ISACTIVE = ("fdesetup", "isactive")
APFS_LIST = ("diskutil", "apfs", "list", "-plist")

_PROGRESS = re.compile(r"(Encryption|Decryption) in progress:?\s*(?:Percent completed\s*=\s*"
                       r"([0-9]+(?:[.,][0-9]+)?))?", re.IGNORECASE)
_STATE = re.compile(r"FileVault is (On|Off)\b", re.IGNORECASE)
USER_ROLES = frozenset({"Data", "User"})


@dataclass(frozen=True)
class FileVault:
    """What `fdesetup status` said: on/off and any conversion running."""

    on: bool | None
    converting: str | None = None  # "encrypting" | "decrypting"
    percent: float | None = None
    deferred: bool = False


COMMANDS = [FDESETUP_STATUS, FDESETUP_ISACTIVE, APFS_LIST]

def parse_fdesetup_status(text: str) -> FileVault | None:
    """Parse `fdesetup status`; None when it holds neither an On/Off line nor progress."""
    state = _STATE.search(text)
    progress = _PROGRESS.search(text)
    if state is None and progress is None:
        return None
    on = None if state is None else state.group(1).lower() == "on"
    converting = percent = None
    if progress is not None:
        converting = "encrypting" if progress.group(1).lower() == "encryption" else "decrypting"
        if progress.group(2):
            percent = float(progress.group(2).replace(",", "."))
        if on is None:
            # Older releases print only the progress line: encryption means FileVault was
            # switched on, decryption that it was switched off.
            on = converting == "encrypting"
    deferred = "deferred enablement" in text.lower()
    return FileVault(on, converting, percent, deferred)


def parse_isactive(stdout: str, returncode: int | None) -> bool | None:
    """`fdesetup isactive`: prints true/false, exit 0 on and 1 off."""
    word = stdout.strip().lower()
    if word == "true" and returncode == 0:
        return True
    if word == "false" and returncode == 1:
        return False
    return None


@dataclass(frozen=True)
class ApfsVolume:
    """One APFS volume from `diskutil apfs list -plist`."""

    name: str
    device: str
    roles: tuple[str, ...]
    filevault: bool | None
    encryption: bool | None
    locked: bool | None
    migrating: bool | None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def parse_apfs_list(text: str) -> list[ApfsVolume] | None:
    """Every APFS volume in the plist; None when the text is not that plist."""
    try:
        data = plistlib.loads(text.encode("utf-8"))
    except (plistlib.InvalidFileException, ValueError, TypeError, OverflowError):
        return None
    containers = data.get("Containers") if isinstance(data, dict) else None
    if not isinstance(containers, list):
        return None
    out: list[ApfsVolume] = []
    for container in containers:
        vols = container.get("Volumes") if isinstance(container, dict) else None
        for vol in vols if isinstance(vols, list) else []:
            if not isinstance(vol, dict):
                continue
            roles = vol.get("Roles")
            out.append(ApfsVolume(
                name=str(vol.get("Name") or vol.get("DeviceIdentifier") or "?"),
                device=str(vol.get("DeviceIdentifier") or ""),
                roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
                filevault=_bool(vol.get("FileVault")), encryption=_bool(vol.get("Encryption")),
                locked=_bool(vol.get("Locked")), migrating=_bool(vol.get("CryptoMigrationOn"))))
    return out


def _user_volumes(vols: list[ApfsVolume]) -> list[ApfsVolume]:
    """Volumes that hold user data: role Data/User, or no role at all (pre-Catalina layout)."""
    return [v for v in vols if not v.roles or USER_ROLES & set(v.roles)]


def filevault_verdict(fv: FileVault, vols: list[ApfsVolume] | None) -> Verdict:
    """Judge whether the startup disk's data is protected by FileVault."""
    if fv.converting is not None:
        pct = f" ({fv.percent:g}% done)" if fv.percent is not None else ""
        what = "FileVault encryption is still running" if fv.converting == "encrypting" else \
            "FileVault is being turned off (decryption running)"
        reason = f"{what}{pct}: the disk is not fully protected until it finishes"
        return Verdict("plain", ("filevault",), reason, True)
    if fv.on:
        return Verdict.encrypted("filevault", "FileVault is On")
    hw = [v for v in _user_volumes(vols or []) if v.encryption and not v.filevault]
    reason = "FileVault is Off"
    if fv.deferred:
        reason += " (enablement is deferred until the user next logs out or in)"
    if hw:
        reason += (f"; {hw[0].name} is encrypted by the Mac's hardware, but without FileVault "
                   "the key is not tied to your password, so this does not count")
    return Verdict.plain(reason)


def collect(ctx: ProbeContext) -> list[Fact]:
    """The four disk facts for macOS."""
    host = ctx.host
    status = host.run(FDESETUP_STATUS, timeout=10.0)
    sources = [status.source]
    fv = parse_fdesetup_status(status.stdout) if status.error is None else None
    if status.error or status.returncode != 0:
        problem = status.failure()
    elif not status.stdout.strip():
        problem = "`fdesetup status` printed nothing"
    else:
        problem = f"`fdesetup status` printed something we do not recognise: " \
                  f"{status.stdout.strip()[:80]!r}"
    if fv is None:
        active = host.run(FDESETUP_ISACTIVE, timeout=10.0)
        sources.append(active.source)
        on = parse_isactive(active.stdout, active.returncode) if active.error is None else None
        if on is not None:
            fv = FileVault(on)
        else:
            problem += f"; `fdesetup isactive` gave no answer either ({active.failure()})"
    listing = host.run(APFS_LIST, timeout=15.0)
    sources.append(listing.source)
    vols = parse_apfs_list(listing.stdout) if listing.ok else None
    why = listing.failure() if not listing.ok else "diskutil printed no APFS volume list"
    if fv is None:
        return [*unknown_all(problem, sources)[:3], _unencrypted(vols, why, sources)]
    if fv.converting is None and any(v.migrating for v in _user_volumes(vols or [])):
        fv = FileVault(fv.on, "encrypting" if fv.on else "decrypting", None, fv.deferred)
    verdict = filevault_verdict(fv, vols)
    return [*system_facts([("the startup disk", verdict)], sources),
            _unencrypted(vols, why, sources)]


def _unencrypted(vols: list[ApfsVolume] | None, why: str, sources: list[str]) -> Fact:
    """Volumes with user data that FileVault does not protect, by volume name."""
    key = "disk.unencrypted_volumes"
    if vols is None:
        return Fact.unknown(key, why, sources)
    users = _user_volumes(vols)
    unknown = [v for v in users if v.filevault is None]
    if unknown:
        return Fact.unknown(key, f"diskutil did not say whether {unknown[0].name} uses FileVault",
                            sources)
    names = sorted(v.name for v in users if not v.filevault)
    return Fact.observed(key, names, sources, f"{len(users)} APFS volume(s) holding user data")
