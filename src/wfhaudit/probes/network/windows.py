"""Windows link type from the default-route adapter's NDIS medium; signal from netsh."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network import measure_with_link
from wfhaudit.probes.network.link import (
    LINK,
    SIGNAL,
    not_wifi,
    plausible_dbm,
    windows_quality_to_dbm,
)
from wfhaudit.probes.network.private import run_private, scrub_netsh

ADAPTER = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
           "$r = Get-NetRoute -DestinationPrefix '0.0.0.0/0','::/0' -ErrorAction "
           "SilentlyContinue | Sort-Object -Property RouteMetric | Select-Object -First 1; "
           "if ($r) { Get-NetAdapter -InterfaceIndex $r.ifIndex | Select-Object Name,"
           "InterfaceDescription,NdisPhysicalMedium,PhysicalMediaType | ConvertTo-Json -Compress }")
NETSH = ("netsh", "wlan", "show", "interfaces")
# NDIS_PHYSICAL_MEDIUM values (ntddndis.h): numbers do not depend on the display language.
_MEDIUM = {1: "wifi", 9: "wifi", 8: "cellular", 12: "cellular", 14: "wired", 17: "wired"}
_PERCENT = re.compile(r"^\s*(\d{1,3})\s*%\s*$")


def parse_adapter(text: str) -> Mapping[str, object] | None:
    """The adapter object printed by ADAPTER (first one if PowerShell printed a list)."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        return None
    if isinstance(data, list):
        data = data[0] if data else None
    return data if isinstance(data, Mapping) else None


def classify(adapter: Mapping[str, object]) -> str | None:
    """Link kind (wifi, cellular, wired) from the adapter, None for virtual adapters (VPN, Hyper-V)."""
    desc = str(adapter.get("InterfaceDescription") or "").lower()
    if "remote ndis" in desc:
        return "cellular"  # USB tethering to a phone presents as RNDIS Ethernet
    medium = adapter.get("NdisPhysicalMedium")
    if isinstance(medium, int) and medium in _MEDIUM:
        return _MEDIUM[medium]
    media = str(adapter.get("PhysicalMediaType") or "").lower()
    if "802.11" in media:
        return "wifi"
    if "wireless wan" in media or "broadband" in media:
        return "cellular"
    if media == "802.3":
        return "wired"
    return None


def parse_netsh_signal(text: str, name: str) -> tuple[float, str] | None:
    """(dBm, how) for the interface block whose first value is `name`.

    Windows 11 prints an `Rssi` line in dBm; older builds only a quality percentage, which is
    the one value ending in % in the block whatever the display language (labels are never
    matched, so a full-width colon is read like an ASCII one).
    """
    blocks: list[list[tuple[str, str]]] = [[]]
    for line in text.replace("\uff1a", ":").splitlines():
        if not line.strip():
            blocks.append([])
            continue
        label, sep, value = line.partition(":")
        if sep and label.strip():
            blocks[-1].append((label.strip(), value.strip()))
    for block in blocks:
        if not block or block[0][1] != name:
            continue
        for label, value in block:
            if label.lower() == "rssi" and value.lstrip("-").isdecimal():
                dbm = float(value)
                if plausible_dbm(dbm):
                    return dbm, "Rssi"
        for _label, value in block:
            match = _PERCENT.match(value)
            if match and int(match.group(1)) <= 100:
                pct = int(match.group(1))
                return windows_quality_to_dbm(pct), f"signal quality {pct} %"
    return None


def collect_link(ctx: ProbeContext) -> list[Fact]:
    """network.link and network.wifi_signal_dbm on Windows."""
    result = ctx.host.run(ADAPTER, timeout=20.0)
    adapter = parse_adapter(result.stdout) if result.ok else None
    if adapter is None:
        why = result.failure() if not result.ok else (
            "no default route: the PC is offline" if not result.stdout.strip()
            else "Get-NetAdapter printed no adapter object")
        link = Fact.unknown(LINK, why, [result.source])
        return [link, not_wifi(link)]
    name = str(adapter.get("Name") or "")
    kind = classify(adapter)
    desc = str(adapter.get("InterfaceDescription") or "?")
    if kind is None:
        link = Fact.unknown(LINK, f"the default route uses {desc}, a virtual adapter (VPN or "
                                  "Hyper-V switch): the physical link is not visible",
                            [result.source])
        return [link, not_wifi(link)]
    link = Fact.observed(LINK, kind, [result.source], detail=f"default route via {name} ({desc})")
    if kind != "wifi":
        return [link, not_wifi(link)]
    netsh = run_private(ctx.host, NETSH, 10.0, scrub_netsh)
    found = parse_netsh_signal(netsh.stdout, name) if netsh.ok else None
    if found is None:
        why = netsh.failure() if not netsh.ok else f"netsh shows no signal for {name}"
        return [link, Fact.unknown(SIGNAL, why, [netsh.source])]
    dbm, how = found
    detail = f"{name}: {how}" + ("" if how == "Rssi" else " converted linearly (0 % = -100 dBm, "
                                                          "100 % = -50 dBm)")
    return [link, Fact.observed(SIGNAL, dbm, [netsh.source], detail=detail)]


COMMANDS = [ADAPTER, NETSH]


def collect(ctx: ProbeContext) -> list[Fact]:
    """Every network fact, with this OS's link detection."""
    return measure_with_link(ctx, collect_link)
