"""OS-neutral part of the wifi probe: every OS's way of naming security mapped to one scale.

A network that accepts two modes (WPA/WPA2 mixed, WPA2/WPA3 transition) counts as the weaker
one unless the OS says which mode this device negotiated: the weaker one is what the network
lets in.
"""

from __future__ import annotations

from collections.abc import Iterable

from wfhaudit.facts import keys_of

KEYS = keys_of("wifi")
KEY = "wifi.security"
NOT_WIFI = "not-wifi"
# Weakest first, to pick the weakest when several Wi-Fi links are up.
RANK = {"open": 0, "owe": 1, "wep": 2, "wpa": 3, "wpa2": 4, "wpa3": 5, "enterprise": 5}


def weakest(values: Iterable[str]) -> str:
    """The weakest of several security values."""
    return min(values, key=lambda v: RANK.get(v, 0))


def from_nmcli(security: str, key_mgmt: str | None = None, proto: str | None = None) -> str:
    """Value for NetworkManager's SECURITY column of the access point in use.

    nmcli joins WEP, WPA1 (WPA in old versions), WPA2, WPA3, OWE and 802.1X; an empty column (or
    `--`) is an open network. `key_mgmt`/`proto` (the connection's 802-11-wireless-security
    settings) say which mode was chosen when the access point offers several.
    """
    tokens = set(security.replace("--", "").split())
    if "802.1X" in tokens or key_mgmt in ("wpa-eap", "wpa-eap-suite-b-192", "ieee8021x"):
        return "enterprise" if key_mgmt != "ieee8021x" else "wep"
    if "WEP" in tokens or key_mgmt == "none":
        return "wep"
    if key_mgmt == "sae":
        return "wpa3"
    if key_mgmt == "owe" or tokens == {"OWE"}:
        return "owe"
    modes = [m for m, names in (("wpa", {"WPA1", "WPA"}), ("wpa2", {"WPA2"}), ("wpa3", {"WPA3"}))
             if tokens & names]
    if key_mgmt == "wpa-psk":
        if proto == "rsn":
            return "wpa2"
        if proto == "wpa":
            return "wpa"
        modes = [m for m in modes if m != "wpa3"] or ["wpa2"]
    return weakest(modes) if modes else "open"


def from_suites(rsn: list[str] | None, wpa: list[str] | None, privacy: bool) -> str:
    """Value from the security elements an access point advertises (as `iw ... scan` prints).

    `rsn`/`wpa` are the authentication suites of the RSN (WPA2/WPA3) and WPA elements, None when
    the element is absent; `privacy` is the Privacy capability bit (WEP when no element).
    """
    suites = [s.upper() for s in (rsn or []) + (wpa or [])]
    if any("802.1X" in s or s.startswith(("FILS", "FT/FILS")) for s in suites):
        return "enterprise"
    modes = []
    if wpa is not None:
        modes.append("wpa")
    rsn_up = [s.upper() for s in rsn or []]
    if any("PSK" in s for s in rsn_up):
        modes.append("wpa2")
    if any("SAE" in s for s in rsn_up):
        modes.append("wpa3")
    if not modes and any(s == "OWE" for s in rsn_up):
        return "owe"
    if modes:
        return weakest(modes)
    return "wep" if privacy else "open"


_MACOS = {
    "none": "open", "open": "open", "wep": "wep", "dynamic_wep": "wep",
    "wpa_personal": "wpa", "wpa_personal_mixed": "wpa", "wpa2_personal_mixed": "wpa",
    "wpa2_personal": "wpa2", "wpa3_transition": "wpa2", "wpa3_personal": "wpa3",
    "owe": "owe", "owe_transition": "owe",
}


def from_macos(mode: str) -> str | None:
    """Value for system_profiler's spairport_security_mode_* token (None when unknown).

    Some macOS versions spell the prefix without its leading "s" (`pairport_security_...`).
    """
    token = mode.strip().lower()
    for prefix in ("spairport_security_mode_", "pairport_security_mode_"):
        if token.startswith(prefix):
            token = token[len(prefix):]
            break
    else:
        return None
    if "enterprise" in token:
        return "enterprise"
    return _MACOS.get(token)
