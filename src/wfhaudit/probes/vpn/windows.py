"""Windows vpn backend: one PowerShell call printing JSON, so PowerShell starts only once.

The call runs Find-NetRoute per public address, Get-NetAdapter, Get-NetRoute and
Get-VpnConnection.

Interface names on Windows are connection names ("Ethernet 3", "Contoso VPN"), which users
rename and Windows localizes; adapter descriptions are driver names and are not localized,
so the tunnel kind and vendor come from the description, the name is only reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import as_int, as_list, load_json
from wfhaudit.probes.vpn.clients import clients_from_processes, describe_adapter
from wfhaudit.probes.vpn.decide import KEYS, decide
from wfhaudit.probes.vpn.model import (
    FAILED,
    NO_ROUTE,
    OK,
    PUBLIC_V4,
    PUBLIC_V6,
    Iface,
    Lookup,
    Observation,
    is_link_local_or_multicast,
)

_DSTS = ",".join(f"'{a}'" for a in (*PUBLIC_V4, *PUBLIC_V6))
SCRIPT = (
    "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';"
    "[Console]::OutputEncoding=[Text.Encoding]::UTF8;"
    "$o=[ordered]@{routes=@();adapters=$null;routetable=$null;vpn=$null;errors=[ordered]@{}};"
    f"foreach($d in @({_DSTS})){{try{{"
    "$r=@(Find-NetRoute -RemoteIPAddress $d|Where-Object{$_.DestinationPrefix})[0];"
    "if(-not $r){throw 'no route'};"
    "$o.routes+=[ordered]@{Destination=$d;InterfaceIndex=$r.InterfaceIndex;"
    "InterfaceAlias=$r.InterfaceAlias;DestinationPrefix=$r.DestinationPrefix;NextHop=$r.NextHop}"
    "}catch{$o.routes+=[ordered]@{Destination=$d;Error=$_.Exception.Message}}};"
    "try{$o.adapters=@(Get-NetAdapter -IncludeHidden|"
    "Select-Object Name,InterfaceDescription,ifIndex,Status,ComponentID)}"
    "catch{$o.errors.adapters=$_.Exception.Message};"
    "try{$o.routetable=@(Get-NetRoute -PolicyStore ActiveStore|"
    "Select-Object DestinationPrefix,ifIndex,InterfaceAlias)}catch{$o.errors.routetable=$_.Exception.Message};"
    "try{$o.vpn=@(@(Get-VpnConnection)+@(Get-VpnConnection -AllUserConnection)|"
    "Select-Object Name,ConnectionStatus,TunnelType,SplitTunneling)}"
    "catch{$o.errors.vpn=$_.Exception.Message};"
    "$o|ConvertTo-Json -Depth 4 -Compress"
)
QUERY = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", SCRIPT)
COMMANDS = (QUERY,)
# Get-VpnConnection's ConnectionStatus is a string from the VPN provider, and whether Windows
# translates it is not documented. Another word is not trusted: the connection then counts as
# connected only when routes use its name (a RAS connection has routes only while connected).
_VPN_STATUS = {"connected": True, "disconnected": False, "connecting": False,
               "disconnecting": False}






def _up(status: Any) -> bool | None:
    # Get-NetAdapter Status is "Up"/"Disconnected"/...; ifOperStatus 1 means up.
    if isinstance(status, str):
        return status.strip().lower() == "up"
    if isinstance(status, int) and not isinstance(status, bool):
        return status == 1
    return None


def parse_query(text: str) -> Observation | str:
    """An Observation from the script's JSON, or a reason string when it is unusable."""
    data = load_json(text)
    if data is None:
        return "the PowerShell route query printed no JSON"
    if not isinstance(data, Mapping) or not isinstance(data.get("routes"), (list, Mapping)):
        return "the PowerShell route query printed no route list"
    raw_errors = data.get("errors")
    errors: Mapping[str, Any] = raw_errors if isinstance(raw_errors, Mapping) else {}
    if data.get("adapters") is None:
        return f"Get-NetAdapter failed: {str(errors.get('adapters') or 'no output')[:160]}"
    obs = Observation()
    by_index = _adapters(data, obs)
    connected = _connected_vpns(data, obs)
    _route_lookups(data, obs, by_index)
    if data.get("routetable") is None:
        obs.routes_problem = f"Get-NetRoute failed: {str(errors.get('routetable'))[:160]}"
    else:
        obs.routes = _route_table(data, by_index, connected)
    return obs


def _adapters(data: Mapping[str, Any], obs: Observation) -> dict[int, Iface]:
    """Every adapter as an Iface in obs; returns them by ifIndex."""
    by_index: dict[int, Iface] = {}
    for ad in as_list(data.get("adapters")):
        if not isinstance(ad, Mapping) or not isinstance(ad.get("Name"), str):
            continue
        desc = str(ad.get("InterfaceDescription") or "")
        kind, vendor, tech = describe_adapter(desc)
        iface = Iface(ad["Name"], kind=kind, up=_up(ad.get("Status")), hint=vendor, tech=tech,
                      description=desc)
        obs.ifaces[iface.name] = iface
        if (idx := as_int(ad.get("ifIndex"))) is not None:
            by_index[idx] = iface
    return by_index


def _connected_vpns(data: Mapping[str, Any], obs: Observation) -> dict[str, Any]:
    """Connected VPN connections by name; built-in (RAS) ones become interfaces in obs."""
    connected = {}
    routed = {str(r.get("InterfaceAlias")) for key in ("routes", "routetable")
              for r in as_list(data.get(key)) if isinstance(r, Mapping) and not r.get("Error")}
    for vpn in as_list(data.get("vpn")):
        if not isinstance(vpn, Mapping) or not isinstance(vpn.get("Name"), str):
            continue
        up = _VPN_STATUS.get(str(vpn.get("ConnectionStatus", "")).strip().lower())
        if up or (up is None and vpn["Name"] in routed):
            connected[vpn["Name"]] = vpn
    for name in connected:
        # A built-in (RAS) VPN is not an adapter; its connection name is the interface alias.
        if name not in obs.ifaces:
            obs.ifaces[name] = Iface(name, kind="ras", up=True, hint="windows-builtin",
                                     description="Windows built-in VPN connection")
            obs.connected_services.append((name, "windows-builtin"))
    return connected


def _route_lookups(data: Mapping[str, Any], obs: Observation, by_index: dict[int, Iface]) -> None:
    """Find-NetRoute's answer for each public address, as Lookups in obs."""
    for rt in as_list(data.get("routes")):
        if not isinstance(rt, Mapping) or not isinstance(rt.get("Destination"), str):
            continue
        dst = rt["Destination"]
        if rt.get("Error") is not None:
            obs.lookups.append(Lookup(dst, NO_ROUTE, note=str(rt["Error"])[:160]))
            continue
        found = by_index.get(as_int(rt.get("InterfaceIndex")) or -1)
        alias = rt.get("InterfaceAlias")
        dev = found.name if found is not None else (alias if isinstance(alias, str) else "")
        if not dev:
            obs.lookups.append(Lookup(dst, FAILED, note="Find-NetRoute named no interface"))
            continue
        if dev not in obs.ifaces:
            obs.ifaces[dev] = Iface(dev)
        obs.lookups.append(Lookup(dst, OK, dev=dev, note=str(rt.get("DestinationPrefix") or "")))
    if not any(lk.status == OK for lk in obs.lookups if lk.family == 4):
        # Without one working IPv4 lookup an error may be the cmdlet failing, not "no route".
        obs.lookups = [Lookup(lk.dst, FAILED, note=lk.note) if lk.status == NO_ROUTE else lk
                       for lk in obs.lookups]


def _route_table(data: Mapping[str, Any], by_index: dict[int, Iface],
                 connected: Mapping[str, Any]) -> dict[str, list[str]]:
    """Get-NetRoute's prefixes per interface (link-local and multicast left out)."""
    routes: dict[str, list[str]] = {}
    for route in as_list(data.get("routetable")):
        if not isinstance(route, Mapping):
            continue
        owner = by_index.get(as_int(route.get("ifIndex")) or -1)
        alias = route.get("InterfaceAlias")
        name = owner.name if owner is not None else (
            alias if isinstance(alias, str) and alias in connected else None)
        prefix = route.get("DestinationPrefix")
        if name and isinstance(prefix, str) and not is_link_local_or_multicast(prefix):
            routes.setdefault(name, []).append(prefix)
    return routes


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts vpn.* for Windows from one PowerShell route/adapter query."""
    result = ctx.host.run(QUERY, timeout=25)
    if result.ok:
        parsed: Observation | str = parse_query(result.stdout)
    elif result.error:
        parsed = result.failure()
    else:
        # failure() would quote the whole script; the first error line is what helps.
        first = (result.stderr or result.stdout).strip().splitlines()
        parsed = f"PowerShell exited with status {result.returncode}" + (
            f": {first[0][:160]}" if first else "")
    if isinstance(parsed, str):
        return [Fact.unknown(k, f"could not read routes and adapters: {parsed}", [result.source])
                for k in KEYS]
    parsed.source(result.source)

    def processes() -> list[str] | None:
        snap = ctx.host.snapshot("processes")
        return clients_from_processes(snap) if isinstance(snap, list) else None

    return decide(parsed, processes)
