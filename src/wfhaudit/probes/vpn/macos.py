"""macOS vpn backend: `route -n get`, `netstat -rn`, `ifconfig` and `scutil --nc list`.

macOS creates utun interfaces for its own services (iCloud, Continuity, identityservicesd)
with only an IPv6 link-local address; iCloud Private Relay is a proxy inside the network stack,
not a route. Neither is a VPN: a utun counts only when it is up with a routable address, and
"active" needs public traffic (or some routes) to actually use it.
"""

from __future__ import annotations

import re

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn.clients import clients_from_processes, name_hint, service_slug
from wfhaudit.probes.vpn.decide import all_unknown, decide, look_up_routes
from wfhaudit.probes.vpn.model import (
    BLOCKED,
    FAILED,
    NO_ROUTE,
    OK,
    PUBLIC_V4,
    PUBLIC_V6,
    Iface,
    Lookup,
    is_link_local_or_multicast,
)

ROUTE_GET = tuple([("route", "-n", "get", a) for a in PUBLIC_V4]
                  + [("route", "-n", "get", "-inet6", a) for a in PUBLIC_V6])
NETSTAT_V4 = ("netstat", "-rn", "-f", "inet")
NETSTAT_V6 = ("netstat", "-rn", "-f", "inet6")
IFCONFIG = ("ifconfig",)
SCUTIL_NC = ("scutil", "--nc", "list")
COMMANDS = (*ROUTE_GET, IFCONFIG, NETSTAT_V4, NETSTAT_V6, SCUTIL_NC)

_NO_ROUTE_TEXT = ("not in table", "route has not been found", "network is unreachable")
_TUNNEL_NAMES = (("utun", "utun"), ("ipsec", "ipsec"), ("ppp", "ppp"), ("gpd", "tun"),
                 ("tun", "tun"), ("tap", "tap"))
_IF_HEADER = re.compile(r"^([A-Za-z0-9_.-]+): flags=[0-9a-fA-F]+<([^>]*)>")
_NC_LINE = re.compile(r'^\s*\*?\s*\(([^)]*)\)\s+(\S+)\s+(.*?)\s+"(.*)"\s*(?:\[([^\]]*)\])?\s*$')


def parse_route_get(dst: str, result: CommandResult) -> Lookup:
    """Classify one `route -n get DST` result."""
    if result.error:
        return Lookup(dst, FAILED, note=result.failure())
    fields: dict[str, str] = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip().lower(), value.strip())
    dev = fields.get("interface", "")
    if result.returncode == 0 and dev and re.fullmatch(r"[A-Za-z0-9_.-]+", dev):
        flags = fields.get("flags", "")
        if "BLACKHOLE" in flags or "REJECT" in flags:
            return Lookup(dst, BLOCKED, note="reject/blackhole route")
        return Lookup(dst, OK, dev=dev)
    text = (result.stderr + result.stdout).lower()
    if any(t in text for t in _NO_ROUTE_TEXT):
        return Lookup(dst, NO_ROUTE, note="no route")
    if result.returncode == 0:
        return Lookup(dst, FAILED, note=f"`{result.source}` named no interface")
    return Lookup(dst, FAILED, note=result.failure())


def _tunnel_kind(name: str) -> str:
    for prefix, kind in _TUNNEL_NAMES:
        if re.fullmatch(re.escape(prefix) + r"\d+", name):
            return kind
    return ""


def parse_ifconfig(text: str) -> dict[str, Iface] | None:
    """Interfaces from `ifconfig`: tunnel kind by BSD name, up/running, routable address."""
    blocks: dict[str, tuple[list[str], list[str]]] = {}
    current = None
    for line in text.splitlines():
        head = _IF_HEADER.match(line)
        if head:
            current = head.group(1)
            blocks[current] = (head.group(2).split(","), [])
        elif current and line[:1].isspace():
            blocks[current][1].append(line.strip())
    if not blocks:
        return None
    out: dict[str, Iface] = {}
    for name, (flags, lines) in blocks.items():
        kind = _tunnel_kind(name)
        routable = False
        for line in lines:
            parts = line.split()
            if len(parts) >= 2 and parts[0] in ("inet", "inet6"):
                addr = parts[1].split("%", 1)[0]
                bits = "/128" if parts[0] == "inet6" else "/32"
                if not is_link_local_or_multicast(addr + bits):
                    routable = True
        out[name] = Iface(name, kind=kind, up="UP" in flags and "RUNNING" in flags,
                          hint=name_hint(name) if kind else "", routable_address=routable,
                          description=f"{kind} interface" if kind else "")
    return out


def _bsd_prefix(dest: str, v6: bool) -> str:
    """'10/8' -> '10.0.0.0/8', '192.168.1' -> '192.168.1.0/24', 'fe80::%utun0/64' -> 'fe80::/64'."""
    if dest == "default":
        return dest
    addr, _, mask = dest.partition("/")
    addr = addr.split("%", 1)[0]
    if v6:
        return f"{addr}/{mask}" if mask else addr
    octets = addr.split(".")
    if not all(o.isdecimal() for o in octets) or len(octets) > 4:
        return dest
    bits = mask or str(8 * len(octets))
    return ".".join(octets + ["0"] * (4 - len(octets))) + "/" + bits


def parse_netstat(text: str, v6: bool = False) -> dict[str, list[str]] | None:
    """Unscoped unicast destinations per interface from `netstat -rn -f inet|inet6`."""
    out: dict[str, list[str]] = {}
    cols: list[str] | None = None
    for line in text.splitlines():
        parts = line.split()
        if parts[:1] == ["Destination"]:
            cols = parts
            continue
        if cols is None or not parts or "Netif" not in cols or "Flags" not in cols:
            continue
        i_if, i_flags = cols.index("Netif"), cols.index("Flags")
        if len(parts) <= i_if:
            continue
        flags, dev = parts[i_flags], parts[i_if]
        # I = bound to one interface (scoped); only sockets bound there use it.
        if "U" not in flags or "I" in flags or "B" in flags or "R" in flags:
            continue
        prefix = _bsd_prefix(parts[0], v6)
        if not is_link_local_or_multicast(prefix):
            out.setdefault(dev, []).append(prefix)
    return out if cols is not None else None


def parse_nc_list(text: str) -> list[tuple[str, str, str]]:
    """(state, name, slug) for each VPN service `scutil --nc list` shows."""
    rows = []
    for line in text.splitlines():
        m = _NC_LINE.match(line)
        if not m:
            continue
        state, kind, name, bracket = m.group(1), m.group(3), m.group(4), m.group(5) or ""
        bundle = re.search(r"\(([^)]+)\)", kind)
        slug = service_slug(bundle.group(1) if bundle else "") or service_slug(
            bracket.partition(":")[2] or bracket) or service_slug(kind)
        rows.append((state.strip(), name, slug))
    return rows


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts vpn.* for macOS from route lookups, interfaces and the VPN service list."""
    obs = look_up_routes(ctx.host, ROUTE_GET, parse_route_get)
    ifc = ctx.host.run(IFCONFIG, timeout=3)
    obs.source(ifc.source)
    ifaces = parse_ifconfig(ifc.stdout) if ifc.ok else None
    if ifaces is None:
        why = ifc.failure() if not ifc.ok else "`ifconfig` listed no interfaces"
        return all_unknown(f"could not list network interfaces: {why}", obs.sources)
    obs.ifaces = ifaces
    system = sorted(n for n, i in ifaces.items() if i.kind == "utun" and not i.routable_address)
    if system:
        obs.notes.append(f"ignored system tunnels without a routable address: {', '.join(system)}")
    v4 = ctx.host.run(NETSTAT_V4, timeout=3)
    obs.source(v4.source)
    obs.routes = parse_netstat(v4.stdout) if v4.ok else None
    if obs.routes is None:
        obs.routes_problem = v4.failure() if not v4.ok else "no routing table header"
    else:
        v6 = ctx.host.run(NETSTAT_V6, timeout=3)
        obs.source(v6.source)
        for dev, prefixes in ((parse_netstat(v6.stdout, v6=True) if v6.ok else None) or {}).items():
            obs.routes.setdefault(dev, []).extend(prefixes)
    nc = ctx.host.run(SCUTIL_NC, timeout=3)
    if nc.ok:
        obs.source(nc.source)
        obs.connected_services = [(name, slug) for state, name, slug in parse_nc_list(nc.stdout)
                                  if state.lower() == "connected"]

    def processes() -> list[str] | None:
        snap = ctx.host.snapshot("processes")
        return clients_from_processes(snap) if isinstance(snap, list) else None

    return decide(obs, processes)
