"""Turn an OS-neutral Observation into the four vpn facts; pure, shared by every OS backend."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wfhaudit.facts import Fact, keys_of
from wfhaudit.host import CommandResult, Host
from wfhaudit.probes.vpn.clients import resolve_client
from wfhaudit.probes.vpn.model import BLOCKED, FAILED, NO_ROUTE, OK, Iface, Lookup, Observation

KEYS = keys_of("vpn")
NO_VPN = "no VPN is active"

ProcessList = Callable[[], "list[str] | None"]


def all_unknown(reason: str, sources: list[str]) -> list[Fact]:
    """Every vpn fact unknown for one reason."""
    return [Fact.unknown(k, reason, sources) for k in KEYS]


def look_up_routes(host: Host, argvs: Sequence[Sequence[str]],
                   parse: Callable[[str, CommandResult], Lookup]) -> Observation:
    """A new Observation holding the route lookup of each public address (its argv's last word)."""
    obs = Observation()
    for argv in argvs:
        result = host.run(argv, timeout=3)
        obs.source(result.source)
        obs.lookups.append(parse(argv[-1], result))
    return obs


def _where(lookups: list[Lookup]) -> str:
    parts = []
    for lk in lookups:
        if lk.status == OK:
            parts.append(f"{lk.dst} -> {lk.dev}" + (f" ({lk.note})" if lk.note else ""))
        elif lk.status == BLOCKED:
            parts.append(f"{lk.dst} blocked")
        elif lk.status == NO_ROUTE:
            parts.append(f"{lk.dst} no route")
    return "; ".join(parts)


def _tunnel_of(lk: Lookup, obs: Observation) -> Iface | None:
    iface = obs.ifaces.get(lk.dev)
    return iface if iface is not None and iface.is_tunnel else None


def _split_tunnels(obs: Observation) -> list[Iface]:
    """Live tunnels that carry some routes (other than link-local/multicast)."""
    if not obs.routes:
        return []
    return [obs.ifaces[name] for name in sorted(obs.routes)
            if obs.routes[name] and name in obs.ifaces and obs.ifaces[name].is_live_tunnel]


@dataclass
class _Routes:
    """The route lookups sorted by what they say about tunnels."""

    known: list[Lookup]
    routed: list[Lookup]
    via_live: list[Lookup]
    via_dead: list[Lookup]
    bypass: list[Lookup]
    failed_v6: list[Lookup]


def _classify(obs: Observation) -> _Routes:
    known = [lk for lk in obs.lookups if lk.status != FAILED]
    routed = [lk for lk in known if lk.status == OK]
    return _Routes(
        known, routed,
        via_live=[lk for lk in routed if (t := _tunnel_of(lk, obs)) and t.is_live_tunnel],
        via_dead=[lk for lk in routed if (t := _tunnel_of(lk, obs)) and not t.is_live_tunnel],
        bypass=[lk for lk in routed if _tunnel_of(lk, obs) is None],
        failed_v6=[lk for lk in obs.lookups if lk.family == 6 and lk.status == FAILED])


def decide(obs: Observation, processes: ProcessList) -> list[Fact]:
    """Facts vpn.active, vpn.full_tunnel, vpn.interface, vpn.client from what the OS said.

    `processes` is called only when a VPN interface must be tied to its client, so a machine
    without a VPN never pays for a process listing.
    """
    src = obs.sources
    v4 = [lk for lk in obs.lookups if lk.family == 4]
    failed_v4 = [lk for lk in v4 if lk.status == FAILED]
    if not v4 or len(failed_v4) == len(v4):
        why = failed_v4[0].note if failed_v4 else "no route lookup was made"
        return all_unknown(f"could not look up the route to a public address: {why}", src)
    routes = _classify(obs)
    where = _where(routes.known)
    notes = list(obs.notes)
    if routes.via_live:
        iface = obs.ifaces[routes.via_live[0].dev]
        full = _full_tunnel(routes, notes)
    else:
        splits = _split_tunnels(obs)
        if obs.routes is None and not routes.via_dead:
            return _no_route_table(obs, where)
        if not splits:
            return _no_vpn(routes, notes, where, src)
        iface = splits[0]
        full = False
        shown = ", ".join((obs.routes or {}).get(iface.name, [])[:5])
        notes.append(f"split tunnel: only some destinations use {iface.name} ({shown})")
    detail = "; ".join([*notes, where])
    facts = [Fact.observed("vpn.active", True, src, detail=detail)]
    if full is None:
        facts.append(Fact.unknown(
            "vpn.full_tunnel", "IPv4 goes through the VPN but the IPv6 route could not be "
            f"read: {routes.failed_v6[0].note}", src))
    else:
        facts.append(Fact.observed("vpn.full_tunnel", full, src, detail=detail))
    facts.append(Fact.observed("vpn.interface", iface.name, src,
                               detail=iface.description or f"{iface.kind} interface"))
    facts.append(_client(obs, iface, routes, processes))
    return facts


def _full_tunnel(routes: _Routes, notes: list[str]) -> bool | None:
    """Whether a live tunnel carries all public traffic (None: IPv6 could not be read)."""
    if routes.bypass:
        leaks = sorted({f"IPv{lk.family} via {lk.dev}" for lk in routes.bypass})
        notes.append("split tunnel: public traffic also leaves outside the VPN (" +
                     ", ".join(leaks) + ")")
        return False
    if routes.via_dead:
        notes.append(f"some public traffic is routed into {routes.via_dead[0].dev}, which is down")
        return False
    if routes.failed_v6 and not any(lk.family == 6 for lk in routes.known):
        return None
    notes.append("full tunnel: every public address tried goes through the VPN")
    return True


def _no_route_table(obs: Observation, where: str) -> list[Fact]:
    # Public traffic bypasses every tunnel, but without the route table we cannot tell a split
    # tunnel from no VPN at all.
    src = obs.sources
    reason = ("public traffic does not use a tunnel, and the route table could not be "
              f"read to look for a split tunnel: {obs.routes_problem}")
    return [Fact.unknown("vpn.active", reason, src),
            Fact.observed("vpn.full_tunnel", False, src, detail=where),
            Fact.unknown("vpn.interface", reason, src), Fact.unknown("vpn.client", reason, src)]


def _no_vpn(routes: _Routes, notes: list[str], where: str, src: list[str]) -> list[Fact]:
    if routes.via_dead:
        notes.append(f"public traffic is routed into {routes.via_dead[0].dev}, which is down "
                     "or has no address (is the VPN client running?)")
    elif not routes.routed:
        notes.append("no route to any public address")
    detail = "; ".join([NO_VPN, *notes, where] if where else [NO_VPN, *notes])
    return [Fact.observed("vpn.active", False, src, detail=detail),
            Fact.observed("vpn.full_tunnel", False, src, detail=detail),
            Fact.observed("vpn.interface", "", src, detail=NO_VPN),
            Fact.observed("vpn.client", "", src, detail=NO_VPN)]


def _client(obs: Observation, iface: Iface, routes: _Routes,
            processes: ProcessList) -> Fact:
    """vpn.client: the tunnel's client, listing processes only if the interface cannot say."""
    listed: list[list[str] | None] = []

    def listing() -> list[str] | None:
        if not listed:
            listed.append(processes())
        return listed[0]

    live = {lk.dev for lk in routes.via_live} | {t.name for t in _split_tunnels(obs)}
    slug, how = resolve_client(iface, obs.ifaces.values(), listing, obs.connected_services,
                               sole_tunnel=len(live) <= 1)
    src = obs.sources
    csrc = [*src, "snapshot:processes"] if listed and listed[0] is not None else src
    if slug is None:
        return Fact.unknown("vpn.client", f"VPN on {iface.name} is up but its client "
                            f"could not be named: {how}", csrc)
    return Fact.observed("vpn.client", slug, csrc, detail=how)
