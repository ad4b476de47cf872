"""Linux vpn backend: iproute2 JSON (route lookups, link types, all route tables, rules)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn.clients import clients_from_processes, name_hint
from wfhaudit.probes.vpn.decide import all_unknown, decide, look_up_routes
from wfhaudit.probes.vpn.linux.ipsec import XFRM, check_ipsec
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

ROUTE_GET = tuple([("ip", "-j", "route", "get", a) for a in PUBLIC_V4]
                  + [("ip", "-j", "-6", "route", "get", a) for a in PUBLIC_V6])
LINKS = ("ip", "-j", "-d", "link", "show")
ROUTES_V4 = ("ip", "-j", "route", "show", "table", "all")
ROUTES_V6 = ("ip", "-j", "-6", "route", "show", "table", "all")
RULES = ("ip", "-j", "rule", "show")
COMMANDS = (*ROUTE_GET, LINKS, ROUTES_V4, ROUTES_V6, RULES, XFRM)

# ppp is also PPPoE/dial-up; it counts as a VPN only when one of these clients drives it.
_PPP_CLIENTS = ("openfortivpn", "forticlient", "l2tp", "pptp", "sstp", "strongswan", "libreswan")
_NO_JSON = "this iproute2 has no JSON output (`ip -j`, iproute2 4.14 or later is needed)"
# `ip route get` errors (kernel errno text, not localized) that are routing answers.
_ROUTE_ERRORS = {"network is unreachable": (NO_ROUTE, "no route"),
                 "no route to host": (BLOCKED, "unreachable route"),
                 "permission denied": (BLOCKED, "prohibit route"),
                 "invalid argument": (BLOCKED, "blackhole route")}


def _json_list(text: str) -> list[Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, list) else None


def _no_json(result: CommandResult) -> bool:
    return 'option "-j" is unknown' in (result.stderr + result.stdout).lower()


def parse_route_get(dst: str, result: CommandResult) -> Lookup:
    """Classify one `ip -j route get DST` result."""
    if result.error:
        return Lookup(dst, FAILED, note=result.failure())
    if result.returncode != 0:
        text = result.stderr.lower()
        for needle, (status, note) in _ROUTE_ERRORS.items():
            if needle in text:
                return Lookup(dst, status, note=note)
        if ":" in dst and "address family not supported" in text:
            return Lookup(dst, NO_ROUTE, note="no IPv6 in this kernel")
        return Lookup(dst, FAILED, note=_NO_JSON if _no_json(result) else result.failure())
    data = _json_list(result.stdout)
    entry = data[0] if data else None
    if not isinstance(entry, Mapping):
        return Lookup(dst, FAILED, note=f"`{result.source}` printed no route in JSON")
    rtype = entry.get("type")
    if rtype in ("blackhole", "unreachable", "prohibit"):
        return Lookup(dst, BLOCKED, note=f"{rtype} route")
    dev = entry.get("dev")
    if not isinstance(dev, str) or not dev:
        return Lookup(dst, FAILED, note=f"`{result.source}` named no interface")
    table = entry.get("table")
    note = f"table {table}" if isinstance(table, (str, int)) and str(table) != "main" else ""
    return Lookup(dst, OK, dev=dev, note=note)


def _flags(link: Mapping[str, Any]) -> list[str]:
    flags = link.get("flags")
    return [f for f in flags if isinstance(f, str)] if isinstance(flags, list) else []


def _link_kind(link: Mapping[str, Any]) -> str:
    info = link.get("linkinfo")
    kind = info.get("info_kind") if isinstance(info, Mapping) else None
    data = info.get("info_data") if isinstance(info, Mapping) else None
    if kind == "tun":
        if isinstance(data, Mapping) and data.get("type") == "tap":
            # A tap enslaved to a bridge is a VM's NIC, not a VPN.
            return "" if link.get("master") else "tap"
        return "tun"
    if kind == "wireguard":
        return "wireguard"
    if kind in ("xfrm", "vti", "vti6"):
        return "ipsec"
    if link.get("link_type") == "ppp":
        return "ppp"
    flags = _flags(link)
    if kind is None and link.get("link_type") == "none" and "POINTOPOINT" in flags:
        return "tun"
    return ""


def parse_links(text: str) -> dict[str, Iface] | None:
    """Interfaces from `ip -j -d link show`; None when the output is not that JSON."""
    data = _json_list(text)
    if data is None:
        return None
    out: dict[str, Iface] = {}
    for link in data:
        if not isinstance(link, Mapping) or not isinstance(link.get("ifname"), str):
            continue
        name = link["ifname"]
        flags = _flags(link)
        up = "UP" in flags and "NO-CARRIER" not in flags and link.get("operstate") != "DOWN"
        kind = _link_kind(link)
        out[name] = Iface(name, kind=kind, up=up, hint=name_hint(name) if kind else "",
                          tech="wireguard" if kind == "wireguard" else "",
                          description=f"{kind} interface" if kind else "")
    return out


def parse_routes(text: str) -> dict[str, list[str]] | None:
    """Unicast, non-link-local destinations per device from `ip -j route show table all`."""
    data = _json_list(text)
    if data is None:
        return None
    out: dict[str, list[str]] = {}
    for route in data:
        if not isinstance(route, Mapping):
            continue
        dev, dst = route.get("dev"), route.get("dst")
        if route.get("type", "unicast") != "unicast" or not isinstance(dev, str) or \
                not isinstance(dst, str) or is_link_local_or_multicast(dst):
            continue
        table = route.get("table")
        label = dst if table in (None, "main") else f"{dst} (table {table})"
        out.setdefault(dev, []).append(label)
    return out


def describe_rules(text: str) -> str:
    """A note on fwmark policy routing (wg-quick style) from `ip -j rule show`, or ''."""
    data = _json_list(text) or []
    marks = [f"fwmark {r.get('fwmark')} -> table {r.get('table')}" for r in data
             if isinstance(r, Mapping) and r.get("fwmark") is not None
             and r.get("table") not in (None, "main", "local", "default")]
    return f"policy routing: {', '.join(marks)}" if marks else ""


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts vpn.* for Linux from route lookups and interface types."""
    obs = look_up_routes(ctx.host, ROUTE_GET, parse_route_get)
    links = ctx.host.run(LINKS, timeout=3)
    obs.source(links.source)
    ifaces = parse_links(links.stdout) if links.ok else None
    if ifaces is None:
        why = links.failure() if not links.ok else f"`{links.source}` printed no JSON list"
        if _no_json(links):
            why = _NO_JSON
        return all_unknown(f"could not list network interfaces: {why}", obs.sources)
    obs.ifaces = ifaces
    v4 = ctx.host.run(ROUTES_V4, timeout=3)
    obs.source(v4.source)
    obs.routes = parse_routes(v4.stdout) if v4.ok else None
    if obs.routes is None:
        obs.routes_problem = v4.failure() if not v4.ok else "not JSON"
    else:
        v6 = ctx.host.run(ROUTES_V6, timeout=3)
        obs.source(v6.source)
        v6_routes = parse_routes(v6.stdout) if v6.ok else None
        for dev, prefixes in (v6_routes or {}).items():
            obs.routes.setdefault(dev, []).extend(prefixes)
    rules = ctx.host.run(RULES, timeout=3)
    if rules.ok and (note := describe_rules(rules.stdout)):
        obs.source(rules.source)
        obs.notes.append(note)

    cache: dict[str, list[str] | None] = {}

    def processes() -> list[str] | None:
        if "p" not in cache:
            snap = ctx.host.snapshot("processes")
            cache["p"] = clients_from_processes(snap) if isinstance(snap, list) else None
        return cache["p"]

    for name, iface in list(obs.ifaces.items()):
        if iface.kind == "ppp" and not set(processes() or []) & set(_PPP_CLIENTS):
            obs.ifaces[name] = Iface(name, up=iface.up)
            obs.notes.append(f"{name} is a ppp link without a VPN client (PPPoE or dial-up)")
    return check_ipsec(ctx, decide(obs, processes), obs.lookups, processes, obs.sources)
