"""BitLocker volume states and the parsers for the three Windows sources.

Numeric sources first (they do not depend on the display language): WMI
Win32_EncryptableVolume methods when elevated, the Explorer shell property
System.Volume.BitLockerProtection when not; `manage-bde -status` text only as a last resort,
read through the translation table in `bde_labels` (a language or a value not in it is
UNKNOWN, never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wfhaudit.probes.disk.decide import Verdict
from wfhaudit.probes.disk.windows.bde_labels import LANGUAGES, BdeLanguage
from wfhaudit.probes.localized import language_of, localized_reason, lookup, same
from wfhaudit.probes.powershell import load_json
from wfhaudit.util.jsonshape import as_int

# Win32_EncryptableVolume.GetConversionStatus().ConversionStatus (Microsoft Learn).
CONVERSION = {0: "decrypted", 1: "encrypted", 2: "encrypting", 3: "decrypting",
              4: "encryption paused", 5: "decryption paused"}
# System.Volume.BitLockerProtection. Windows' own shell verbs anchor 2 (Turn on BitLocker) and
# 6 (Unlock drive); the rest is the mapping several independent projects agree on.
# value -> (protected, conversion, note)
SHELL_VALUES: dict[int, tuple[bool | None, str | None, str]] = {
    1: (True, "encrypted", "BitLocker on"),
    2: (False, "decrypted", "BitLocker off"),
    3: (None, "encrypting", "BitLocker encryption in progress"),
    4: (None, "decrypting", "BitLocker decryption in progress"),
    5: (False, "encrypted", "BitLocker suspended: encrypted, but the key is stored in the clear"),
    6: (True, "encrypted", "BitLocker on, drive locked"),
    8: (False, "encrypted", "BitLocker waiting for activation: encrypted, but the key is stored "
                            "in the clear until a protector is added"),
}


@dataclass(frozen=True)
class BdeVolume:
    """One volume as BitLocker reports it."""

    drive: str
    fixed: bool = True
    is_os: bool | None = None
    protected: bool | None = None
    conversion: str | None = None
    percent: float | None = None
    locked: bool | None = None
    note: str = ""


@dataclass(frozen=True)
class BdeReport:
    """All volumes from one source, plus where Windows and the user's profile live."""

    source: str
    volumes: tuple[BdeVolume, ...]
    system_drive: str | None = None
    home_drive: str | None = None
    language: str = ""

    def volume(self, drive: str) -> BdeVolume | None:
        """The volume with this drive letter (`C:`), case-insensitive."""
        return next((v for v in self.volumes if v.drive.upper() == drive.upper()), None)


def _drive(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text.upper() if re.fullmatch(r"[A-Za-z]:", text) else ""


def _load(text: str) -> dict[str, Any] | None:
    data = load_json(text)
    return data if isinstance(data, dict) else None


def _vol_list(data: dict[str, Any]) -> list[dict[str, Any]]:
    vols = data.get("Volumes")
    if isinstance(vols, dict):  # ConvertTo-Json collapses a one-element array
        vols = [vols]
    return [v for v in vols if isinstance(v, dict)] if isinstance(vols, list) else []


def parse_cim(text: str) -> BdeReport | None:
    """Parse our Win32_EncryptableVolume JSON (elevated); None when it is not that JSON."""
    data = _load(text)
    if data is None or "Volumes" not in data:
        return None
    vols = []
    for v in _vol_list(data):
        drive = _drive(v.get("DriveLetter"))
        if not drive:
            continue  # recovery/EFI partitions have no letter and hold no user data
        vtype = as_int(v.get("VolumeType"))
        prot, conv, lock = (as_int(v.get(k)) for k in ("ProtectionStatus", "ConversionStatus",
                                                        "LockStatus"))
        pct = v.get("EncryptionPercentage")
        locked = None if lock is None else lock == 1
        protected = {0: False, 1: True}.get(prot) if prot is not None else None
        if prot == 2 and locked:
            protected = True
        vols.append(BdeVolume(drive, vtype in (None, 0, 1), None if vtype is None else vtype == 0,
                              protected, CONVERSION.get(conv) if conv is not None else None,
                              float(pct) if isinstance(pct, (int, float)) else None, locked,
                              f"ProtectionStatus={prot} ConversionStatus={conv}"))
    return BdeReport("cim", tuple(vols), _drive(data.get("SystemDrive")) or None,
                     _drive(data.get("HomeDrive")) or None)


def parse_shell(text: str) -> BdeReport | None:
    """Parse our Shell.Application BitLockerProtection JSON (no admin needed)."""
    data = _load(text)
    if data is None or "Volumes" not in data:
        return None
    vols = []
    for v in _vol_list(data):
        drive = _drive(v.get("Drive"))
        if not drive:
            continue
        value = as_int(v.get("Protection"))
        known = SHELL_VALUES.get(value) if value is not None else None
        if known is None:
            vols.append(BdeVolume(drive, note=f"System.Volume.BitLockerProtection="
                                              f"{v.get('Protection')!r}"))
            continue
        protected, conversion, note = known
        vols.append(BdeVolume(drive, True, None, protected, conversion, None,
                              value == 6, f"{note}; System.Volume.BitLockerProtection={value}"))
    return BdeReport("shell", tuple(vols), _drive(data.get("SystemDrive")) or None,
                     _drive(data.get("HomeDrive")) or None)


# A volume line is not indented: a word ("Volume", "Wolumin", "卷", "ボリューム"), then the
# drive ('"C:"' in German) or a \\?\Volume{...} path, then the label in brackets.
_VOLUME_LINE = re.compile(r'^[^\s:]+[ \t]+(?:"?([A-Za-z]:)"?|\\\\\?\\\S+)[ \t]*(?:\[|$)',
                          re.MULTILINE)
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*%")


def _blocks(text: str) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    """(drive, bracket lines, (label, value) fields) for each volume block."""
    text = text.replace("\uff1a", ":")
    starts = list(_VOLUME_LINE.finditer(text))
    out = []
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        lines = text[match.end():end].splitlines()
        marks = [ln.strip() for ln in lines if ln.strip().startswith("[")]
        fields = []
        for line in lines:
            label, sep, value = line.partition(":")
            if sep and label.strip() and line[:1].isspace():
                fields.append((label.strip(), value.strip()))
        out.append(((match.group(1) or "").upper(), marks, fields))
    return out


def volume_blocks_present(text: str) -> bool:
    """Whether the text has manage-bde's volume blocks (in whatever language)."""
    return any(fields for _d, _m, fields in _blocks(text))


def manage_bde_language(text: str) -> BdeLanguage | None:
    """The display language whose manage-bde labels the text uses, None when none is known."""
    labels = [label for _d, _m, fields in _blocks(text) for label, _v in fields]
    name = language_of(labels, [(lang.name, lang.labels) for lang in LANGUAGES])
    return next((lang for lang in LANGUAGES if lang.name == name), None)


def _bde_volume(lang: BdeLanguage, drive: str, marks: list[str],
                fields: list[tuple[str, str]]) -> BdeVolume | None:
    values: dict[str, str] = {}
    for label, value in fields:
        field = lookup(label, lang.labels)
        if field:
            values.setdefault(field, value)
    if "conversion" not in values and "protection" not in values:
        return None
    prot_text, conv_text = values.get("protection", ""), values.get("conversion", "")
    protected = lookup(prot_text, lang.protection, prefix=True)
    conversion = lookup(conv_text, lang.conversion)
    locked = lookup(values.get("lock", ""), lang.lock)
    if protected is None and locked:
        protected = True  # only a BitLocker-protected volume can be locked
    pct = _PERCENT.search(values.get("percent", ""))
    note = f"manage-bde ({lang.name}): {prot_text[:60]!r}, {conv_text[:60]!r}"
    unread = [v for v, known in ((prot_text, protected), (conv_text, conversion))
              if v and known is None]
    if unread and protected is None:
        what = f"manage-bde printed {unread[0][:60]!r}, which is not in wfhaudit's table"
        note = what if lang.name == "English" else localized_reason(lang.name, what)
    is_os = any(same(mark, m) for mark in marks for m in lang.os_volume)
    return BdeVolume(drive, True, is_os, protected, conversion,
                     float(pct.group(1).replace(",", ".")) if pct else None, locked, note)


def parse_manage_bde(text: str) -> BdeReport | None:
    """Parse `manage-bde -status` in any language of the table; None when its labels are unknown."""
    lang = manage_bde_language(text)
    if lang is None:
        return None
    vols = []
    for drive, marks, fields in _blocks(text):
        vol = _bde_volume(lang, drive, marks, fields) if drive else None
        if vol is not None:
            vols.append(vol)
    if not vols:
        return None
    os_drive = next((v.drive for v in vols if v.is_os), None)
    return BdeReport("manage-bde", tuple(vols), os_drive, None, lang.name)


def volume_verdict(vol: BdeVolume) -> Verdict:
    """Judge whether this volume's data is protected by BitLocker right now."""
    conv = vol.conversion
    if conv in ("encrypting", "decrypting", "encryption paused", "decryption paused"):
        pct = f" ({vol.percent:g}% encrypted)" if vol.percent is not None else ""
        return Verdict("plain", ("bitlocker",), f"BitLocker {conv}{pct}: not fully protected "
                       "until it finishes", True)
    if vol.protected is True and conv in ("encrypted", None):
        lock = ", drive locked" if vol.locked else ""
        return Verdict.encrypted("bitlocker", f"BitLocker protection on{lock} [{vol.note}]")
    if vol.protected is False and conv == "encrypted":
        return Verdict("plain", ("bitlocker",), "encrypted, but BitLocker protection is off "
                       "(suspended, or waiting for activation): the key is stored in the clear "
                       f"[{vol.note}]")
    if vol.protected is False:
        return Verdict.plain(f"BitLocker is off [{vol.note}]")
    return Verdict.unknown(f"the BitLocker state of {vol.drive} could not be read [{vol.note}]")
