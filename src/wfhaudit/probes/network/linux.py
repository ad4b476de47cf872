"""Linux link type from the default route and sysfs; Wi-Fi signal from /proc, iw or nmcli."""

from __future__ import annotations

import re

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.network import measure_with_link
from wfhaudit.probes.network.link import (
    LINK,
    SIGNAL,
    has_address,
    nm_percent_to_dbm,
    not_wifi,
    plausible_dbm,
    speed_text,
    up_interfaces,
)
from wfhaudit.probes.network.private import run_private, scrub_iw_station

PROC_ROUTE = "/proc/net/route"
PROC_ROUTE6 = "/proc/net/ipv6_route"
PROC_WIRELESS = "/proc/net/wireless"
SYS_NET = "/sys/class/net"
# iw's `link` prints the SSID; `station dump` gives the same signal without it.
IW_STATION = ("iw", "dev", "{iface}", "station", "dump")
# Asking for these three fields only keeps SSIDs out of nmcli's output.
NMCLI_WIFI = ("nmcli", "-t", "-f", "IN-USE,SIGNAL,DEVICE", "device", "wifi", "list",
              "--rescan", "no")
_RTF_UP = 0x1


def default_interface(route: str | None, route6: str | None) -> str | None:
    """Interface of the lowest-metric IPv4 default route, else the IPv6 one."""
    best: tuple[int, str] | None = None
    for line in (route or "").splitlines()[1:]:
        cols = line.split()
        if len(cols) < 8 or cols[1] != "00000000" or cols[7] != "00000000":
            continue
        try:
            flags, metric = int(cols[3], 16), int(cols[6])
        except ValueError:
            continue
        if flags & _RTF_UP and (best is None or metric < best[0]):
            best = (metric, cols[0])
    if best:
        return best[1]
    for line in (route6 or "").splitlines():
        cols = line.split()
        if len(cols) == 10 and cols[0] == "0" * 32 and cols[1] == "00" and cols[9] != "lo":
            try:
                metric = int(cols[5], 16)
            except ValueError:
                continue
            if best is None or metric < best[0]:
                best = (metric, cols[9])
    return best[1] if best else None


def classify(uevent: str | None, entries: list[str] | None) -> str | None:
    """Link kind (wifi, cellular, wired) from sysfs, None for virtual devices (tunnels, bridges)."""
    devtype = ""
    for line in (uevent or "").splitlines():
        if line.startswith("DEVTYPE="):
            devtype = line.partition("=")[2].strip()
    names = set(entries or [])
    if devtype == "wlan" or "wireless" in names or "phy80211" in names:
        return "wifi"
    if devtype == "wwan":
        return "cellular"
    if "device" in names and devtype in ("", "gadget"):
        return "wired"
    return None


def parse_proc_wireless(text: str | None, iface: str) -> float | None:
    """Signal level in dBm for iface from /proc/net/wireless (None when absent)."""
    for line in (text or "").splitlines()[2:]:
        name, sep, rest = line.partition(":")
        if not sep or name.strip() != iface:
            continue
        cols = rest.split()
        if len(cols) < 3:
            return None
        try:
            level = float(cols[2].rstrip("."))
        except ValueError:
            return None
        # Wireless extensions carry dBm as an unsigned byte in older drivers (e.g. 200 = -56).
        if level > 0:
            level -= 256
        return level if plausible_dbm(level) else None
    return None


_IW_SIGNAL = re.compile(r"^\s*signal:\s*(-?\d+)", re.MULTILINE)


def parse_iw_station(text: str) -> float | None:
    """First station's `signal:` in dBm from `iw dev X station dump`."""
    match = _IW_SIGNAL.search(text)
    if not match:
        return None
    value = float(match.group(1))
    return value if plausible_dbm(value) else None


def parse_nmcli(text: str, iface: str) -> int | None:
    """SIGNAL (percent) of the in-use network on iface from terse nmcli output."""
    for line in text.splitlines():
        parts = line.split(":")
        if len(parts) == 3 and parts[0].strip() == "*" and parts[2] == iface \
                and parts[1].isdecimal():
            return int(parts[1])
    return None


def _physical_fallback(ctx: ProbeContext, via: str) -> tuple[str, str | None] | None:
    """When the default route is a tunnel, the one physical interface that is up, if unique."""
    found = []
    for name in sorted(up_interfaces(ctx.host)):
        if name == via or name == "lo" or not has_address(ctx.host, name):
            continue
        kind = classify(ctx.host.read_file(f"{SYS_NET}/{name}/uevent"),
                        ctx.host.list_dir(f"{SYS_NET}/{name}"))
        if kind:
            found.append((name, kind))
    return found[0] if len(found) == 1 else None


def _signal(ctx: ProbeContext, iface: str) -> Fact:
    level = parse_proc_wireless(ctx.host.read_file(PROC_WIRELESS), iface)
    if level is not None:
        return Fact.observed(SIGNAL, level, [PROC_WIRELESS], detail=f"{iface} signal level")
    argv = [a.replace("{iface}", iface) for a in IW_STATION]
    iw = run_private(ctx.host, argv, 5.0, scrub_iw_station)
    level = parse_iw_station(iw.stdout) if iw.ok else None
    if level is not None:
        return Fact.observed(SIGNAL, level, [iw.source], detail=f"{iface} station signal")
    nm = ctx.host.run(NMCLI_WIFI, timeout=5.0)
    percent = parse_nmcli(nm.stdout, iface) if nm.ok else None
    if percent is not None:
        return Fact.observed(SIGNAL, round(nm_percent_to_dbm(percent), 1), [nm.source],
                             detail=f"NetworkManager reports {percent} %; converted with its "
                                    "-100..-40 dBm scale (approximate)")
    why = [f"{PROC_WIRELESS} has no line for {iface}",
           iw.failure() if not iw.ok else "iw printed no signal",
           nm.failure() if not nm.ok else "nmcli shows no network in use on it"]
    return Fact.unknown(SIGNAL, "; ".join(why), [PROC_WIRELESS, iw.source, nm.source])


def collect_link(ctx: ProbeContext) -> list[Fact]:
    """network.link and network.wifi_signal_dbm on Linux."""
    sources = [PROC_ROUTE, PROC_ROUTE6]
    iface = default_interface(ctx.host.read_file(PROC_ROUTE), ctx.host.read_file(PROC_ROUTE6))
    if iface is None:
        link = Fact.unknown(LINK, "no default route: the machine is offline", sources)
        return [link, not_wifi(link)]
    uevent_path = f"{SYS_NET}/{iface}/uevent"
    kind = classify(ctx.host.read_file(uevent_path), ctx.host.list_dir(f"{SYS_NET}/{iface}"))
    detail = f"default route via {iface}{speed_text(ctx.host, iface)}"
    if kind is None:
        fallback = _physical_fallback(ctx, iface)
        if fallback is None:
            link = Fact.unknown(LINK, f"the default route goes through {iface}, a virtual "
                                      "device (VPN or bridge), and no single physical link "
                                      "is up behind it", [*sources, uevent_path])
            return [link, not_wifi(link)]
        iface, kind = fallback
        detail = f"default route via {detail.split(' via ')[1]}; physical link {iface}"
    link = Fact.observed(LINK, kind, [*sources, uevent_path, "snapshot:net_if_stats"],
                         detail=detail)
    return [link, _signal(ctx, iface) if kind == "wifi" else not_wifi(link)]


COMMANDS = [IW_STATION, NMCLI_WIFI]


def collect(ctx: ProbeContext) -> list[Fact]:
    """Every network fact, with this OS's link detection."""
    return measure_with_link(ctx, collect_link)
