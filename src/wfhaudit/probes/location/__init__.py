"""The location probe: is the device on one of the policy's office networks (by interface address)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import Probe, ProbeContext, check_fact_keys


def on_office_network(addrs: Mapping[str, Any], networks: list[str]) -> tuple[bool, str]:
    """Return (on office network, which interface/network matched or why not)."""
    nets = [ipaddress.ip_network(n, strict=False) for n in networks]
    for ifname, entries in sorted(addrs.items()):
        for entry in entries:
            if entry.get("family") not in ("inet", "inet6"):
                continue
            try:
                addr = ipaddress.ip_address(str(entry.get("address", "")).split("%")[0])
            except ValueError:
                continue
            for net in nets:
                if addr.version == net.version and addr in net:
                    return True, f"{ifname} is inside {net}"
    return False, "no interface address is inside an office network"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact location.office_network from interface addresses and settings.office.networks."""
    networks = ctx.setting("office", "networks", default=[])
    if not networks:
        return [Fact.observed("location.office_network", False, ["policy"],
                              detail="the policy names no office networks")]
    try:
        for n in networks:
            ipaddress.ip_network(n, strict=False)
    except ValueError as exc:
        return [Fact.unknown("location.office_network", f"bad office network in policy: {exc}")]
    addrs = ctx.host.snapshot("net_if_addrs")
    if not isinstance(addrs, Mapping):
        return [Fact.unknown("location.office_network", "interface addresses not available",
                             ["snapshot:net_if_addrs"])]
    inside, why = on_office_network(addrs, list(networks))
    return [Fact.observed("location.office_network", inside, ["snapshot:net_if_addrs"],
                          detail=why)]


PROBE = Probe(
    name="location",
    description="Whether the device is on an office network named by the policy",
    fact_keys=check_fact_keys(["location.office_network"]),
    backends={"linux": collect, "macos": collect, "windows": collect},
    budget_s=3.0,
)
