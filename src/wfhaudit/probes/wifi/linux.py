"""Linux Wi-Fi security: which wireless interfaces are up (sysfs), then NetworkManager or iw.

A wireless interface is one with `wireless` or `phy80211` in /sys/class/net/NAME; it is
associated when its operstate is `up`. None associated: `not-wifi`. For an associated one,
NetworkManager's SECURITY column of the access point in use (`nmcli`, asking only for fields
that do not name the network) decides, refined by the connection's key-mgmt when the access
point offers several modes. Without NetworkManager, the security elements of the associated
BSS in iw's cached scan results (`iw dev IFACE scan dump`, no new scan) decide; network
names and BSSIDs are scrubbed before the output is kept.
"""

from __future__ import annotations

import re

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network.private import SSID_TOKEN, scrub_iw_station
from wfhaudit.probes.wifi.decide import KEY, NOT_WIFI, from_nmcli, from_suites, weakest

SYS_NET = "/sys/class/net"
NMCLI_APS = ("nmcli", "-t", "-f", "ACTIVE,SECURITY,DEVICE", "device", "wifi", "list",
             "--rescan", "no")
NMCLI_DEVICE = ("nmcli", "-t", "-f", "GENERAL.CON-PATH", "device", "show", "{iface}")
NMCLI_KEY_MGMT = ("nmcli", "-t", "-f", "802-11-wireless-security.key-mgmt,"
                  "802-11-wireless-security.proto", "connection", "show", "apath", "{path}")
IW_SCAN_DUMP = ("iw", "dev", "{iface}", "scan", "dump")
COMMANDS = [NMCLI_APS, NMCLI_DEVICE, NMCLI_KEY_MGMT, IW_SCAN_DUMP]
_SSID_LINE = re.compile(r"^(\s*SSID:[ \t]?).*$", re.MULTILINE)


def scrub_scan(text: str) -> str:
    """`iw ... scan dump`: hide network names (SSID lines) and every MAC address."""
    # Imported here so a wired machine never loads the network probe's package.

    return scrub_iw_station(_SSID_LINE.sub(lambda m: m.group(1) + SSID_TOKEN, text))


def wireless_interfaces(ctx: ProbeContext) -> dict[str, str] | None:
    """Wireless interface name -> operstate, from sysfs (None when /sys/class/net is unreadable)."""
    names = ctx.host.list_dir(SYS_NET)
    if names is None:
        return None
    found = {}
    for name in names:
        entries = ctx.host.list_dir(f"{SYS_NET}/{name}") or []
        if "wireless" in entries or "phy80211" in entries:
            state = ctx.host.read_file(f"{SYS_NET}/{name}/operstate")
            found[name] = (state or "unknown").strip()
    return found


def parse_nmcli_aps(text: str) -> dict[str, str]:
    """Device -> SECURITY of its access point in use (ACTIVE = yes), from terse nmcli output."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) == 3 and parts[0] == "yes" and parts[2]:
            out[parts[2]] = parts[1]
    return out


def parse_nmcli_fields(text: str) -> dict[str, str]:
    """`field:value` lines of terse nmcli output."""
    out = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            out[name.strip()] = value.strip()
    return out


def parse_scan_dump(text: str) -> tuple[list[str] | None, list[str] | None, bool] | None:
    """(RSN suites, WPA suites, Privacy bit) of the associated BSS in `iw ... scan dump` output."""
    block: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("BSS "):
            if block is not None:
                break
            block = [] if "-- associated" in line else None
        elif block is not None:
            block.append(line)
    if block is None:
        return None
    rsn: list[str] | None = None
    wpa: list[str] | None = None
    privacy = False
    element = ""
    for line in block:
        stripped = line.strip()
        if stripped.startswith("capability:"):
            privacy = "Privacy" in stripped.split()
        elif stripped in ("RSN:", "WPA:") or stripped.startswith(("RSN:\t", "WPA:\t")):
            element = stripped[:3]
            if element == "RSN":
                rsn = []
            else:
                wpa = []
        elif "Authentication suites:" in stripped:
            suites = _split_suites(stripped.split("Authentication suites:", 1)[1])
            if element == "RSN" and rsn is not None:
                rsn.extend(suites)
            elif element == "WPA" and wpa is not None:
                wpa.extend(suites)
    return rsn, wpa, privacy


def _split_suites(text: str) -> list[str]:
    # Suite names may contain one space ("IEEE 802.1X"); the others are single words.
    return re.findall(r"IEEE 802\.1X(?:/[\w-]+)?|FT/IEEE 802\.1X(?:/[\w-]+)?|\S+", text)


def _from_nm(ctx: ProbeContext, iface: str, security: str, sources: list[str]) -> str:
    modes = {"WPA1", "WPA", "WPA2", "WPA3"} & set(security.split())
    if len(modes) < 2 or "802.1X" in security:
        return from_nmcli(security)
    dev = ctx.host.run([a.replace("{iface}", iface) for a in NMCLI_DEVICE], timeout=5)
    sources.append(dev.source)
    path = parse_nmcli_fields(dev.stdout).get("GENERAL.CON-PATH", "") if dev.ok else ""
    if not path.startswith("/"):
        return from_nmcli(security)
    conn = ctx.host.run([a.replace("{path}", path) for a in NMCLI_KEY_MGMT], timeout=5)
    sources.append(conn.source)
    fields = parse_nmcli_fields(conn.stdout) if conn.ok else {}
    return from_nmcli(security, fields.get("802-11-wireless-security.key-mgmt") or None,
                      fields.get("802-11-wireless-security.proto") or None)


def _from_iw(ctx: ProbeContext, iface: str, sources: list[str]) -> tuple[str | None, str]:
    argv = [a.replace("{iface}", iface) for a in IW_SCAN_DUMP]
    result = ctx.host.run(argv, timeout=10, scrub=scrub_scan)
    sources.append(result.source)
    found = parse_scan_dump(result.stdout) if result.ok else None
    if found is None:
        return None, (result.failure() if not result.ok
                      else "iw's scan results hold no associated network")
    return from_suites(*found), "iw scan results"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact wifi.security for Linux."""
    sources = [SYS_NET]
    ifaces = wireless_interfaces(ctx)
    if ifaces is None:
        return [Fact.unknown(KEY, f"{SYS_NET} could not be read", sources)]
    up = sorted(n for n, state in ifaces.items() if state == "up")
    if not up:
        detail = ("no Wi-Fi interface" if not ifaces else "Wi-Fi not connected (" +
                  ", ".join(f"{n}: {s}" for n, s in sorted(ifaces.items())) + ")")
        return [Fact.observed(KEY, NOT_WIFI, sources, detail=detail)]
    nm = ctx.host.run(NMCLI_APS, timeout=10)
    sources.append(nm.source)
    aps = parse_nmcli_aps(nm.stdout) if nm.ok else {}
    values: dict[str, str] = {}
    how: dict[str, str] = {}
    problems: list[str] = []
    for iface in up:
        if iface in aps:
            values[iface], how[iface] = _from_nm(ctx, iface, aps[iface], sources), "NetworkManager"
            continue
        value, why = _from_iw(ctx, iface, sources)
        if value is None:
            nm_why = nm.failure() if not nm.ok else "NetworkManager shows no network in use on it"
            problems.append(f"{iface}: {nm_why}; {why}")
        else:
            values[iface], how[iface] = value, why
    if problems:
        return [Fact.unknown(KEY, "; ".join(problems), sources)]
    detail = ", ".join(f"{n}: {values[n]} ({how[n]})" for n in up)
    return [Fact.observed(KEY, weakest(values.values()), sources, detail=detail)]

