"""Named psutil snapshots, reduced to JSON-safe data so they can be recorded and replayed."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

SNAPSHOT_NAMES = ("net_if_addrs", "net_if_stats", "processes")


def _family_name(family: int) -> str:
    if family == socket.AF_INET:
        return "inet"
    if family == socket.AF_INET6:
        return "inet6"
    if family in (getattr(socket, "AF_LINK", None), getattr(socket, "AF_PACKET", None), -1):
        return "link"
    return str(int(family))


def _net_if_addrs() -> dict[str, Any]:
    import psutil

    return {name: [{"family": _family_name(a.family), "address": a.address,
                    "netmask": a.netmask} for a in addrs]
            for name, addrs in sorted(psutil.net_if_addrs().items())}


def _net_if_stats() -> dict[str, Any]:
    import psutil

    return {name: {"isup": s.isup, "speed": s.speed, "mtu": s.mtu,
                   "flags": getattr(s, "flags", "")}
            for name, s in sorted(psutil.net_if_stats().items())}


def _processes() -> list[dict[str, Any]]:
    import psutil

    out = []
    for proc in psutil.process_iter(["pid", "name", "exe"]):
        info = proc.info
        # exe needs privileges for other users' processes; the name is enough to spot a client.
        out.append({"pid": info.get("pid"), "name": info.get("name") or "",
                    "exe": info.get("exe") or ""})
    return sorted(out, key=lambda p: (p["name"], p["pid"] or 0))


_TAKERS: dict[str, Callable[[], Any]] = {
    "net_if_addrs": _net_if_addrs,
    "net_if_stats": _net_if_stats,
    "processes": _processes,
}


def take_snapshot(name: str) -> Any:
    """Take one named snapshot; unknown names raise KeyError (a programming error)."""
    return _TAKERS[name]()
