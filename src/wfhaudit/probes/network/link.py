"""Shared helpers for the link backends: snapshots, signal conversions, fact building."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.host import Host

LINK = "network.link"
SIGNAL = "network.wifi_signal_dbm"


def up_interfaces(host: Host) -> dict[str, Mapping[str, Any]]:
    """net_if_stats entries that are up (empty when the snapshot is missing)."""
    stats = host.snapshot("net_if_stats")
    if not isinstance(stats, Mapping):
        return {}
    return {str(k): v for k, v in stats.items() if isinstance(v, Mapping) and v.get("isup")}


def has_address(host: Host, name: str) -> bool:
    """True when the interface has an IPv4 or a non-link-local IPv6 address."""
    addrs = host.snapshot("net_if_addrs")
    if not isinstance(addrs, Mapping):
        return False
    for entry in addrs.get(name) or []:
        if not isinstance(entry, Mapping):
            continue
        family, address = entry.get("family"), str(entry.get("address") or "")
        if family == "inet" or (family == "inet6" and not address.lower().startswith("fe80")):
            return True
    return False


def speed_text(host: Host, name: str) -> str:
    """', 1000 Mb/s' from net_if_stats when known."""
    stats = up_interfaces(host).get(name) or {}
    speed = stats.get("speed")
    return f", {speed} Mb/s" if isinstance(speed, int) and speed > 0 else ""


def nm_percent_to_dbm(percent: int) -> float:
    """Invert NetworkManager's dBm -> % mapping (-100 dBm = 0 %, -40 dBm = 100 %, linear)."""
    return -40.0 - (100 - percent) * 0.6


def windows_quality_to_dbm(percent: int) -> float:
    """Invert Windows' WLAN signal quality mapping (-100 dBm = 0 %, -50 dBm = 100 %, linear)."""
    return percent / 2.0 - 100.0


def plausible_dbm(value: float) -> bool:
    """Wi-Fi RSSI values outside -120..-1 dBm are driver placeholders, not readings."""
    return -120.0 <= value < 0.0


def not_wifi(link: Fact) -> Fact:
    """The signal fact when the link is not Wi-Fi (or unknown)."""
    if link.is_known:
        return Fact.unknown(SIGNAL, f"not on Wi-Fi (the link is {link.value})", link.sources)
    return Fact.unknown(SIGNAL, f"link type unknown: {link.reason}", link.sources)
