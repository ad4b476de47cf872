"""Windows Wi-Fi security from `netsh wlan show interfaces`, in any of Windows' languages.

Windows offers no locale-independent source without compiling code at run time (the Native
Wi-Fi API), so the text is read, leaning on what every language shares: an interface block
carries its GUID, a connected one an `SSID` line (never translated), and WPA, WPA2, WPA3 and
OWE stay untranslated inside the authentication value. The translated labels and words
(`netsh_words`) cover the rest; output in another language is UNKNOWN, naming the language.
SSIDs and BSSIDs are scrubbed before the output is kept (as in the network probe).
"""

from __future__ import annotations

import re

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network.private import scrub_netsh
from wfhaudit.probes.wifi.decide import KEY, NOT_WIFI, weakest
from wfhaudit.probes.wifi.windows import netsh_words as words

NETSH = ("netsh", "wlan", "show", "interfaces")
COMMANDS = [NETSH]
_GUID = re.compile(r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}\}?$")
_WPA = re.compile(r"(?<![a-z0-9])(wpa3|wpa2|wpa|owe)(?![a-z0-9])", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015()\uff08\uff09/]+")
LOCATION_URI = "ms-settings:privacy-location"


def blocks(text: str) -> list[list[tuple[str, str]]]:
    """Interface blocks (label, value) of netsh's output: the blocks that carry a GUID."""
    out: list[list[tuple[str, str]]] = [[]]
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            out.append([])
            continue
        label, sep, value = line.replace("\uff1a", ":", 1).partition(":")
        if sep and label.strip():
            out[-1].append((label.strip(), value.strip()))
    return [b for b in out if any(_GUID.match(v) for _, v in b)]


def _find(block: list[tuple[str, str]], labels: dict[str, str]) -> tuple[str, str] | None:
    for label, value in block:
        lang = labels.get(words.fold(label))
        if lang:
            return value, lang
    return None


def classify(auth: str, cipher: str | None) -> str | None:
    """Security value of an authentication value (and cipher), None for an unknown word."""
    folded = words.fold(auth)
    match = _WPA.search(folded)
    rest_text = folded[:match.start()] + " " + folded[match.end():] if match else folded
    rest = {w for w in _SEPARATORS.split(rest_text) if w and not w.isdecimal()}
    if match:
        family = match.group(1).upper()
        if family == "OWE":
            return "owe"
        rest -= {"bits", "bit"}
        if rest & words.ENTERPRISE or "192" in folded:
            return "enterprise"
        if not rest or rest & words.PERSONAL:
            return {"WPA": "wpa", "WPA2": "wpa2", "WPA3": "wpa3"}[family]
        return None
    if rest & words.SHARED:
        return "wep"
    if rest & words.OPEN:
        return "wep" if cipher and "WEP" in cipher.upper() else "open"
    return None


def _connected_value(block: list[tuple[str, str]], text: str) -> tuple[str | None, str]:
    """(security value or None, detail or reason) for one connected interface block."""
    found = _find(block, words.AUTH_LABELS)
    if found is None:
        # Unknown labels: a WPA/OWE value still names itself in every language.
        candidates = [v for _, v in block if _WPA.search(words.fold(v))]
        if not candidates:
            return None, f"localized output ({words.guess_language(text)})"
        auth, lang = candidates[0], "unknown-language"
    else:
        auth, lang = found
    cipher = _find(block, words.CIPHER_LABELS)
    value = classify(auth, cipher[0] if cipher else None)
    if value is None:
        return None, f"localized output ({lang}): unknown authentication value {auth!r}"
    return value, f"{auth}" + (f", cipher {cipher[0]}" if cipher else "") + f" ({lang} labels)"


def parse_netsh(text: str) -> tuple[str | None, str]:
    """(security value or None, detail or reason) from `netsh wlan show interfaces` output."""
    interfaces = blocks(text)
    if not interfaces:
        return NOT_WIFI, "netsh lists no wireless interface"
    connected = [b for b in interfaces if any(label.upper() == "SSID" for label, _ in b)]
    if not connected:
        return NOT_WIFI, f"{len(interfaces)} wireless interface(s), none connected"
    values, details = [], []
    for block in connected:
        value, why = _connected_value(block, text)
        if value is None:
            return None, why
        values.append(value)
        details.append(why)
    return weakest(values), "; ".join(details)


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact wifi.security for Windows."""
    result = ctx.host.run(NETSH, timeout=15, scrub=scrub_netsh)
    text = result.stdout + result.stderr
    if LOCATION_URI in text:
        return [Fact.unknown(KEY, "Windows lets netsh show Wi-Fi details only with location "
                                  "access (Settings > Privacy & security > Location)",
                             [result.source])]
    if result.error is None and result.returncode != 0 and "wlansvc" in text.lower():
        return [Fact.observed(KEY, NOT_WIFI, [result.source], detail="the WLAN AutoConfig "
                              "service (wlansvc) is not running, so Windows has no Wi-Fi link")]
    if not result.ok or not result.stdout.strip():
        why = result.failure() if not result.ok else "netsh printed nothing"
        return [Fact.unknown(KEY, why, [result.source])]
    value, detail = parse_netsh(result.stdout)
    if value is None:
        return [Fact.unknown(KEY, detail, [result.source])]
    return [Fact.observed(KEY, value, [result.source], detail=detail)]
