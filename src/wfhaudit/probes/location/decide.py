"""Whether an interface address lies inside one of the policy's office networks; pure."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any


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
