"""What every OS backend of the vpn probe extracts: route lookups, interfaces, routes, services."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# Public addresses whose route is looked up. Two in each half of the IPv4 space, so OpenVPN's
# 0.0.0.0/1 + 128.0.0.0/1 split defaults and a half-covering split tunnel are both told apart.
PUBLIC_V4 = ("1.1.1.1", "9.9.9.9", "149.112.112.112", "208.67.222.222")
PUBLIC_V6 = ("2606:4700:4700::1111", "2001:4860:4860::8888")

# Lookup outcomes.
OK = "ok"                # a route was found; `dev` says where the traffic leaves
BLOCKED = "blocked"      # a blackhole/unreachable/prohibit route: nothing leaves (kill switch)
NO_ROUTE = "no_route"    # the OS says there is no route at all (e.g. no IPv6 connectivity)
FAILED = "failed"        # the lookup itself could not be done or read


@dataclass(frozen=True)
class Lookup:
    """Where the OS routes one public destination."""

    dst: str
    status: str
    dev: str = ""
    note: str = ""          # e.g. "table 51820", or why the lookup failed

    @property
    def family(self) -> int:
        """4 or 6."""
        return 6 if ":" in self.dst else 4


@dataclass(frozen=True)
class Iface:
    """A network interface as far as the vpn probe cares.

    `kind` is a tunnel kind (tun, tap, wireguard, ppp, ipsec, utun, adapter, ras) or "" for
    anything that is not a tunnel (ethernet, Wi-Fi, bridges, veth, VM adapters). `up` is None
    when the OS gave no carrier information. `hint` is a vendor client named by the interface
    itself (name or adapter description), `tech` a protocol-level client (wireguard, openvpn).
    """

    name: str
    kind: str = ""
    up: bool | None = None
    hint: str = ""
    tech: str = ""
    description: str = ""
    routable_address: bool | None = None   # has a non-link-local address (None: not checked)

    @property
    def is_tunnel(self) -> bool:
        """True when this interface is a tunnel of a kind a VPN uses."""
        return bool(self.kind)

    @property
    def is_live_tunnel(self) -> bool:
        """A tunnel that is up with carrier and (when checked) has a routable address."""
        return self.is_tunnel and self.up is not False and self.routable_address is not False


@dataclass
class Observation:
    """Everything one OS backend read, in OS-neutral form, ready for `decide`."""

    lookups: list[Lookup] = field(default_factory=list)
    ifaces: dict[str, Iface] = field(default_factory=dict)
    # interface name -> destination prefixes routed through it (unicast, not link-local)
    routes: dict[str, list[str]] | None = None
    routes_problem: str = ""
    # client slugs named by the OS's own VPN service list (scutil --nc, Get-VpnConnection)
    connected_services: list[tuple[str, str]] = field(default_factory=list)  # (name, slug)
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def source(self, src: str) -> None:
        """Remember a command or snapshot used as evidence (once)."""
        if src and src not in self.sources:
            self.sources.append(src)


def is_link_local_or_multicast(prefix: str) -> bool:
    """True for link-local, multicast and limited-broadcast prefixes any interface carries."""
    text = prefix.split("%", 1)[0].strip()
    if text in ("default", ""):
        return False
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    addr = net.network_address
    return bool(addr.is_link_local or addr.is_multicast or str(addr) == "255.255.255.255")
