"""macOS link type: default route interface, Wi-Fi interfaces from system_profiler, ports list."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network import measure_with_link
from wfhaudit.probes.network.link import (
    LINK,
    SIGNAL,
    has_address,
    not_wifi,
    plausible_dbm,
    speed_text,
    up_interfaces,
)
from wfhaudit.probes.network.private import run_private, scrub_airport_json

ROUTE = ("route", "-n", "get", "default")
# Prints network names (scrubbed before anything is kept); the only unprivileged source of
# RSSI since macOS 14.4 removed `airport -I`.
AIRPORT = ("system_profiler", "SPAirPortDataType", "-json")
PORTS = ("networksetup", "-listallhardwareports")
_VIRTUAL = ("utun", "ipsec", "ppp", "gif", "stf", "bridge", "awdl", "llw", "lo")
# Port names can follow the Mac's language; only the brands and acronyms that mark tethering
# are matched (they stay as they are), with hyphens read as spaces.
_CELLULAR_PORTS = ("iphone", "ipad", "android", "bluetooth pan", "wwan", "cellular")
_SIGNAL = re.compile(r"(-\d+)\s*dBm")


def parse_route(text: str) -> str | None:
    """The `interface:` line of `route -n get default`."""
    for line in text.splitlines():
        key, sep, value = line.strip().partition(":")
        if sep and key.strip() == "interface" and value.strip():
            return value.strip()
    return None


def parse_airport(text: str) -> dict[str, float | None] | None:
    """Wi-Fi interface name -> current signal in dBm (None when not associated)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    out: dict[str, float | None] = {}
    items = data.get("SPAirPortDataType") if isinstance(data, Mapping) else None
    for item in items if isinstance(items, list) else []:
        interfaces = item.get("spairport_airport_interfaces") if isinstance(item, Mapping) else None
        for entry in interfaces if isinstance(interfaces, list) else []:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("_name"), str):
                continue
            out[entry["_name"]] = _current_signal(entry.get("spairport_current_network_information"))
    return out


def _current_signal(info: Any) -> float | None:
    if not isinstance(info, Mapping):
        return None
    match = _SIGNAL.search(str(info.get("spairport_signal_noise", "")))
    if not match:
        return None
    value = float(match.group(1))
    return value if plausible_dbm(value) else None


def parse_ports(text: str) -> dict[str, str]:
    """Device -> Hardware Port name from `networksetup -listallhardwareports`."""
    out: dict[str, str] = {}
    port = None
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep:
            continue
        if key.strip() == "Hardware Port":
            port = value.strip()
        elif key.strip() == "Device" and port is not None:
            out[value.strip()] = port
            port = None
    return out


def _physical(ctx: ProbeContext, via: str) -> str | None:
    found = [n for n in sorted(up_interfaces(ctx.host))
             if n != via and n.startswith("en") and has_address(ctx.host, n)]
    return found[0] if len(found) == 1 else None


def collect_link(ctx: ProbeContext) -> list[Fact]:
    """network.link and network.wifi_signal_dbm on macOS."""
    route = ctx.host.run(ROUTE, timeout=5.0)
    iface = parse_route(route.stdout) if route.ok else None
    if iface is None:
        why = route.failure() if not route.ok else "no default route: the Mac is offline"
        link = Fact.unknown(LINK, why, [route.source])
        return [link, not_wifi(link)]
    detail = f"default route via {iface}"
    if iface.startswith(_VIRTUAL):
        physical = _physical(ctx, iface)
        if physical is None:
            link = Fact.unknown(LINK, f"the default route goes through {iface} (a VPN or other "
                                      "virtual interface) and no single en* interface is up "
                                      "behind it", [route.source, "snapshot:net_if_stats"])
            return [link, not_wifi(link)]
        detail += f"; physical link {physical}"
        iface = physical
    detail += speed_text(ctx.host, iface)
    airport = run_private(ctx.host, AIRPORT, 20.0, scrub_airport_json)
    wifi = parse_airport(airport.stdout) if airport.ok else None
    if wifi is not None and iface in wifi:
        link = Fact.observed(LINK, "wifi", [route.source, airport.source], detail=detail)
        level = wifi[iface]
        signal = (Fact.observed(SIGNAL, level, [airport.source],
                                detail=f"{iface} spairport_signal_noise")
                  if level is not None else
                  Fact.unknown(SIGNAL, f"system_profiler shows no current network on {iface}",
                               [airport.source]))
        return [link, signal]
    ports = ctx.host.run(PORTS, timeout=10.0)
    port = parse_ports(ports.stdout).get(iface) if ports.ok else None
    if port is None and wifi is None:
        why = airport.failure() if not airport.ok else "system_profiler output was not JSON"
        link = Fact.unknown(LINK, f"cannot tell what {iface} is: {why}; "
                                  f"{ports.failure() if not ports.ok else 'not in the ports list'}",
                            [route.source, airport.source, ports.source])
        return [link, not_wifi(link)]
    words = " ".join((port or "").lower().replace("-", " ").split())
    kind = "cellular" if any(k in words for k in _CELLULAR_PORTS) else "wired"
    detail += f" ({port})" if port else " (not a Wi-Fi interface)"
    link = Fact.observed(LINK, kind, [route.source, airport.source, ports.source], detail=detail)
    return [link, not_wifi(link)]


COMMANDS = [ROUTE, AIRPORT, PORTS]


def collect(ctx: ProbeContext) -> list[Fact]:
    """Every network fact, with this OS's link detection."""
    return measure_with_link(ctx, collect_link)
