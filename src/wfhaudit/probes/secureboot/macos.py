"""macOS secure boot: the T2's boot policy from NVRAM, Apple silicon's from system_profiler.

On Intel Macs with a T2 chip the policy is the NVRAM variable AppleSecureBootPolicy, one
byte readable without root: 2 Full, 1 Medium, 0 No Security. On Apple silicon (and T2 Macs
too) `system_profiler -json SPiBridgeDataType` gives `ibridge_secure_boot` ("Full
Security", "Reduced Security", "Permissive Security", on T2 also "Medium Security" and "No
Security"); `bputil -d` would need an administrator. That value is translated to the Mac's
language, so the translations known to wfhaudit are matched and any other text is UNKNOWN
naming the language. Full, Reduced and Medium still verify what boots; Permissive and No
Security do not. A Mac with neither (Intel without T2) has no secure boot.
"""

from __future__ import annotations

import json
import re
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.secureboot.decide import secureboot_fact

NVRAM = ("nvram", "94b73556-2197-4702-82a8-3e1337dafbfb:AppleSecureBootPolicy")
PROFILER = ("system_profiler", "-json", "SPiBridgeDataType")
LANGUAGES = ("defaults", "read", "-g", "AppleLanguages")
COMMANDS = [NVRAM, PROFILER, LANGUAGES]
NVRAM_LEVELS = {2: "Full Security", 1: "Medium Security", 0: "No Security"}
# Apple's words for each level: English, and translations seen on localized Macs.
LEVEL_WORDS = {
    "Full Security": ("full security", "sécurité maximale", "volle sicherheit", "完全なセキュリティ"),
    "Reduced Security": ("reduced security",),
    "Medium Security": ("medium security", "sécurité normale"),
    "Permissive Security": ("permissive security",),
    "No Security": ("no security",),
}
SECURE_LEVELS = frozenset({"Full Security", "Reduced Security", "Medium Security"})
_NVRAM_VALUE = re.compile(r"AppleSecureBootPolicy\s+%0([0-2])\b")


def parse_nvram(text: str) -> int | None:
    """The AppleSecureBootPolicy byte from `nvram NAME` output ('...\\t%02'), None when absent."""
    m = _NVRAM_VALUE.search(text)
    return int(m.group(1)) if m else None


def parse_profiler(text: str) -> tuple[bool, str | None]:
    """(a controller is listed, its ibridge_secure_boot text) from the system_profiler JSON."""
    try:
        data: Any = json.loads(text)
    except (ValueError, RecursionError):
        return False, None
    items = data.get("SPiBridgeDataType") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False, None
    value = items[0].get("ibridge_secure_boot")
    return True, value.strip() if isinstance(value, str) and value.strip() else None


def level_of(word: str) -> str | None:
    """Apple's English level for a (possibly translated) ibridge_secure_boot value."""
    low = word.strip().lower()
    for level, words in LEVEL_WORDS.items():
        if low in words:
            return level
    return None


def parse_languages(text: str) -> str | None:
    """The first language of `defaults read -g AppleLanguages` ('(\\n    "fr-FR"\\n)')."""
    m = re.search(r'"?([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*)"?\s*,?\s*\n', text.split("(", 1)[-1])
    return m.group(1) if m else None


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact secureboot.enabled for this Mac."""
    nvram = ctx.host.run(NVRAM, timeout=5)
    evidence = [nvram.source]
    byte = parse_nvram(nvram.stdout) if nvram.ok else None
    if byte is not None:
        t2_level = NVRAM_LEVELS[byte]
        return [secureboot_fact(t2_level in SECURE_LEVELS,
                                f"T2 boot policy (AppleSecureBootPolicy {byte}): {t2_level}",
                                evidence)]
    profiler = ctx.host.run(PROFILER, timeout=30)
    evidence.append(profiler.source)
    if not profiler.ok:
        return [secureboot_fact(None, f"the boot policy could not be read: {profiler.failure()}",
                                evidence)]
    listed, word = parse_profiler(profiler.stdout)
    if not listed:
        return [secureboot_fact(False, "no T2 or Apple silicon boot policy is reported: this Mac "
                                "has no secure boot", evidence)]
    if word is None:
        return [secureboot_fact(None, "system_profiler listed the security controller without "
                                "its secure boot level", evidence)]
    level = level_of(word)
    if level is None:
        langs = ctx.host.run(LANGUAGES, timeout=5)
        evidence.append(langs.source)
        language = parse_languages(langs.stdout) if langs.ok else None
        return [secureboot_fact(None, f"localized output (language {language or 'unknown'}): "
                                f"{word!r} is not a secure boot level wfhaudit knows", evidence)]
    return [secureboot_fact(level in SECURE_LEVELS, f"boot policy: {level}"
                            + ("" if word == level else f" ({word})"), evidence)]
