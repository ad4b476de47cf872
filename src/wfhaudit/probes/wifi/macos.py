"""macOS Wi-Fi security from `system_profiler SPAirPortDataType -json` (no root, any language).

The JSON names the security of the network in use with fixed tokens
(`spairport_security_mode_wpa2_personal`, ...) that do not depend on the display language;
`wdutil info` would need root. Network names are blanked before the output is kept, as the
network probe does for the same command.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network.private import scrub_airport_json
from wfhaudit.probes.wifi.decide import KEY, NOT_WIFI, from_macos, weakest

AIRPORT = ("system_profiler", "SPAirPortDataType", "-json")
COMMANDS = [AIRPORT]


def _interfaces(data: Any) -> list[Mapping[str, Any]]:
    items = data.get("SPAirPortDataType") if isinstance(data, Mapping) else None
    out = []
    for item in items if isinstance(items, list) else []:
        found = item.get("spairport_airport_interfaces") if isinstance(item, Mapping) else None
        out += [i for i in found if isinstance(i, Mapping)] if isinstance(found, list) else []
    return out


def parse_airport_security(text: str) -> dict[str, str] | None:
    """Interface -> raw security mode of the network in use; None when the output is not JSON."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    modes = {}
    for iface in _interfaces(data):
        current = iface.get("spairport_current_network_information")
        if isinstance(current, Mapping) and current:
            mode = current.get("spairport_security_mode")
            modes[str(iface.get("_name") or "?")] = str(mode) if mode is not None else ""
    return modes


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact wifi.security for macOS."""
    result = ctx.host.run(AIRPORT, timeout=30, scrub=scrub_airport_json)
    modes = parse_airport_security(result.stdout) if result.ok else None
    if modes is None:
        why = result.failure() if not result.ok else "system_profiler printed no JSON"
        return [Fact.unknown(KEY, why, [result.source])]
    if not modes:
        return [Fact.observed(KEY, NOT_WIFI, [result.source],
                              detail="no Wi-Fi interface is connected to a network")]
    values = {name: from_macos(mode) for name, mode in modes.items()}
    unknown = [f"{name}: {modes[name] or 'no security mode'}" for name, v in values.items()
               if v is None]
    if unknown:
        return [Fact.unknown(KEY, "unrecognised security mode " + ", ".join(unknown),
                             [result.source])]
    known = {n: v for n, v in values.items() if v is not None}
    detail = ", ".join(f"{n}: {modes[n]}" for n in sorted(known))
    return [Fact.observed(KEY, weakest(known.values()), [result.source], detail=detail)]
