"""VPN client names: the fixed slugs vpn.client takes, and how processes and adapters map to them.

A slug is lower-case ASCII and never changes between releases, so a policy can say
`{"fact": "vpn.client", "expect": {"in": ["cisco-anyconnect", "globalprotect"]}}`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from wfhaudit.probes.vpn.model import Iface

# slug -> process names (lower case, without .exe). Linux truncates comm to 15 characters,
# so a 15-character name also matches a longer one that starts with it.
PROCESSES: Mapping[str, tuple[str, ...]] = {
    "openvpn": ("openvpn", "openvpn3-service-client", "openvpnserv", "openvpnserv2",
                "openvpn-gui", "openvpnconnect", "openvpn connect", "ovpnagent", "tunnelblick"),
    "wireguard": ("wireguard", "wireguard-go", "wireguardnetworkextension"),
    "openconnect": ("openconnect",),
    "cisco-anyconnect": ("vpnagentd", "vpnagent", "vpnui", "cisco secure client",
                         "cisco anyconnect secure mobility client"),
    "globalprotect": ("pangps", "pangpa", "pangpui", "globalprotect"),
    "forticlient": ("forticlient", "fortitray", "fortisslvpndaemon", "fctservctl", "fctservctl2",
                    "fortivpn"),
    "openfortivpn": ("openfortivpn",),
    "nordvpn": ("nordvpnd", "nordvpn-service", "nordvpn"),
    "expressvpn": ("expressvpnd", "expressvpn"),
    "mullvad": ("mullvad-daemon", "mullvad vpn"),
    "protonvpn": ("protonvpn", "protonvpnservice", "protonvpn.wireguardservice", "protonvpn-app"),
    "tailscale": ("tailscaled", "tailscale-ipn", "tailscale", "ipnextension"),
    "zerotier": ("zerotier-one", "zerotier-one_x64"),
    "cloudflare-warp": ("warp-svc", "cloudflare warp"),
    "strongswan": ("charon", "charon-systemd", "charon-nm", "starter"),
    "libreswan": ("pluto",),
    "pulse-secure": ("pulsesecure", "dsaccessservice", "pulse"),
    "checkpoint": ("tracsrvwrapper", "trgui"),
    "l2tp": ("xl2tpd",),
    "pptp": ("pptp",),
    "sstp": ("sstpc",),
    "clash": ("clash", "clash-meta", "mihomo", "clash-verge", "clash for windows"),
    "sing-box": ("sing-box",),
}

# Clients with no process of their own (OS built-in VPN) only come from service lists.
BUILTIN = ("windows-builtin", "macos-builtin")

CLIENTS: tuple[str, ...] = tuple(sorted((*PROCESSES, *BUILTIN)))

# Interface names that belong to one vendor (Linux kernel names; Windows aliases by default).
_NAME_HINTS: Sequence[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^tailscale\d*$", re.I), "tailscale"),
    (re.compile(r"^nordlynx$|^nordtun$", re.I), "nordvpn"),
    (re.compile(r"^cscotun\d*$", re.I), "cisco-anyconnect"),
    (re.compile(r"^gpd\d+$", re.I), "globalprotect"),
    (re.compile(r"^zt[a-z0-9]{8}$", re.I), "zerotier"),
    (re.compile(r"-mullvad$|^wg-mullvad$", re.I), "mullvad"),
    (re.compile(r"^cloudflarewarp$", re.I), "cloudflare-warp"),
]

# Windows adapter descriptions (driver names, not localized): regex -> (kind, vendor, tech).
ADAPTER_DESCRIPTIONS: Sequence[tuple[re.Pattern[str], str, str, str]] = [
    (re.compile(r"^TAP-NordVPN", re.I), "tap", "nordvpn", "openvpn"),
    (re.compile(r"^TAP-ProtonVPN", re.I), "tap", "protonvpn", "openvpn"),
    (re.compile(r"^TAP-Windows Adapter", re.I), "tap", "", "openvpn"),
    (re.compile(r"^OpenVPN (Data Channel Offload|Wintun)", re.I), "tun", "", "openvpn"),
    (re.compile(r"^NordLynx Tunnel", re.I), "wireguard", "nordvpn", "wireguard"),
    (re.compile(r"^WireGuard Tunnel", re.I), "wireguard", "", "wireguard"),
    (re.compile(r"^Wintun Userspace Tunnel", re.I), "tun", "", ""),
    (re.compile(r"^PANGP Virtual Ethernet Adapter", re.I), "adapter", "globalprotect", ""),
    (re.compile(r"^Cisco (AnyConnect|Secure Client)", re.I), "adapter", "cisco-anyconnect", ""),
    (re.compile(r"^Fortinet (SSL VPN )?Virtual Ethernet Adapter", re.I), "adapter",
     "forticlient", ""),
    (re.compile(r"^Tailscale Tunnel", re.I), "tun", "tailscale", ""),
    (re.compile(r"^ZeroTier Virtual Port", re.I), "tap", "zerotier", ""),
    (re.compile(r"^Cloudflare WARP Interface Tunnel", re.I), "tun", "cloudflare-warp", ""),
    (re.compile(r"^Juniper Networks Virtual Adapter|^Pulse Secure|^Ivanti", re.I), "adapter",
     "pulse-secure", ""),
    (re.compile(r"^Check Point Virtual Network Adapter", re.I), "adapter", "checkpoint", ""),
    (re.compile(r"^ExpressVPN", re.I), "tun", "expressvpn", ""),
    (re.compile(r"^Mullvad", re.I), "tun", "mullvad", ""),
    (re.compile(r"^WAN Miniport \((IKEv2|SSTP|L2TP|PPTP)\)", re.I), "ras", "windows-builtin", ""),
]

# macOS Network Extension bundle ids (prefix) and built-in service types -> slug.
_BUNDLES: Sequence[tuple[str, str]] = [
    ("com.wireguard.", "wireguard"), ("com.cisco.", "cisco-anyconnect"),
    ("com.paloaltonetworks.", "globalprotect"), ("com.fortinet.", "forticlient"),
    ("com.nordvpn.", "nordvpn"), ("io.tailscale.", "tailscale"), ("com.cloudflare.", "cloudflare-warp"),
    ("ch.protonvpn.", "protonvpn"), ("net.mullvad.", "mullvad"), ("com.expressvpn.", "expressvpn"),
    ("net.openvpn.", "openvpn"), ("net.tunnelblick.", "openvpn"), ("com.zerotier.", "zerotier"),
    ("net.pulsesecure.", "pulse-secure"), ("com.checkpoint.", "checkpoint"),
    ("com.apple.", "macos-builtin"),
]
_BUILTIN_TYPES = ("ipsec", "ikev2", "l2tp", "pptp", "ppp")

# Vendors whose apps drive a generic protocol adapter (so "openvpn" alone would hide the vendor).
_TECH_VENDORS: Mapping[str, tuple[str, ...]] = {
    "wireguard": ("nordvpn", "mullvad", "protonvpn", "tailscale", "cloudflare-warp"),
    "openvpn": ("nordvpn", "protonvpn", "expressvpn"),
}


def name_hint(ifname: str) -> str:
    """The vendor an interface name belongs to, or ''."""
    for pattern, slug in _NAME_HINTS:
        if pattern.search(ifname):
            return slug
    return ""


def describe_adapter(description: str) -> tuple[str, str, str]:
    """(kind, vendor, tech) for a Windows adapter description; kind '' when not a VPN adapter."""
    for pattern, kind, vendor, tech in ADAPTER_DESCRIPTIONS:
        if pattern.search(description.strip()):
            return kind, vendor, tech
    return "", "", ""


def service_slug(kind: str) -> str:
    """Slug for a macOS `scutil --nc list` service type/bundle id ('' when unknown)."""
    low = kind.strip().lower()
    for prefix, slug in _BUNDLES:
        if low.startswith(prefix):
            return slug
    if any(t in low for t in _BUILTIN_TYPES):
        return "macos-builtin"
    return ""


def _basename(text: str) -> str:
    name = re.split(r"[\\/]", text.strip())[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def _slug_for_process(name: str) -> str:
    if not name:
        return ""
    for slug, names in PROCESSES.items():
        for known in names:
            if name == known or (len(name) == 15 and known.startswith(name)):
                return slug
    return ""


def clients_from_processes(processes: Any) -> list[str]:
    """Sorted client slugs of known VPN processes in a `processes` snapshot (bad data -> [])."""
    if not isinstance(processes, list):
        return []
    found = set()
    for proc in processes:
        if not isinstance(proc, Mapping):
            continue
        for key in ("name", "exe"):
            value = proc.get(key)
            if isinstance(value, str):
                slug = _slug_for_process(_basename(value))
                if slug:
                    found.add(slug)
    return sorted(found)


def _claimed_elsewhere(slug: str, iface: Iface, all_ifaces: Iterable[Iface]) -> bool:
    """True when this client's own interface exists and is not the one we are naming."""
    return any(other.name != iface.name and other.is_tunnel and
               (other.hint == slug or name_hint(other.name) == slug) for other in all_ifaces)


def resolve_client(iface: Iface, all_ifaces: Iterable[Iface],
                   processes: Callable[[], list[str] | None],
                   services: list[tuple[str, str]], sole_tunnel: bool = True
                   ) -> tuple[str | None, str]:
    """Name the client behind a VPN interface: (slug, how) or (None, why it cannot be named).

    Order of evidence: the interface itself (vendor name or adapter), a connected VPN service
    (only when this is the one live tunnel: services cannot be tied to an interface), then the
    VPN client processes that do not own another interface.
    """
    ifaces = list(all_ifaces)
    vendor = iface.hint or name_hint(iface.name)
    if vendor:
        return vendor, f"the interface {iface.name} belongs to {vendor}"
    service_slugs = sorted({s for _, s in services if s})
    if len(service_slugs) == 1 and sole_tunnel:
        names = ", ".join(n for n, s in services if s == service_slugs[0])
        return service_slugs[0], f"connected VPN service {names}"
    listed = processes()
    procs = [p for p in sorted({*(listed or []), *service_slugs})
             if not _claimed_elsewhere(p, iface, ifaces)]
    if iface.tech:
        vendors = [p for p in procs if p in _TECH_VENDORS.get(iface.tech, ())]
        if len(vendors) == 1:
            return vendors[0], f"{iface.tech} interface driven by the {vendors[0]} app"
        return iface.tech, f"{iface.name} is a tunnel of type {iface.tech}"
    if len(procs) == 1:
        return procs[0], f"the only VPN client running is {procs[0]}"
    if procs:
        return None, (f"several VPN clients are running ({', '.join(procs)}) and nothing ties "
                      f"{iface.name} to one of them")
    if listed is None:
        return None, f"no process list to tell which client runs {iface.name}"
    return None, f"no known VPN client process runs {iface.name}"
