"""Location facts from interface addresses: the same on every OS (psutil snapshot, no command)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.location.decide import on_office_network

COMMANDS: list[tuple[str, ...]] = []


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
