"""Unit tests for the vpn probe's parsers, client naming and decision rules."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from wfhaudit.facts import CATALOGUE, Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.vpn import PROBE, clients, linux, macos, windows
from wfhaudit.probes.vpn.decide import decide
from wfhaudit.probes.vpn.linux import ipsec as linux_ipsec
from wfhaudit.probes.vpn.model import (
    BLOCKED,
    FAILED,
    NO_ROUTE,
    OK,
    Iface,
    Lookup,
    Observation,
    is_link_local_or_multicast,
)


def res(argv: tuple[str, ...], stdout: str = "", rc: int | None = 0, stderr: str = "",
        error: str | None = None) -> CommandResult:
    return CommandResult(argv, rc, stdout, stderr, 1, error)


def facts_of(obs: Observation, procs: list[str] | None = None) -> dict[str, Fact]:
    return {f.key: f for f in decide(obs, lambda: procs)}


# --- Linux -------------------------------------------------------------------------------------

GET = ("ip", "-j", "route", "get", "1.1.1.1")


@pytest.mark.parametrize(("stderr", "status"), [
    ("RTNETLINK answers: Network is unreachable\n", NO_ROUTE),
    ("RTNETLINK answers: No route to host\n", BLOCKED),
    ("RTNETLINK answers: Permission denied\n", BLOCKED),
    ("RTNETLINK answers: Invalid argument\n", BLOCKED),
    ("Cannot open netlink socket: Protocol not supported\n", FAILED),
])
def test_linux_route_get_errors_are_told_apart(stderr: str, status: str) -> None:
    assert linux.parse_route_get("1.1.1.1", res(GET, "", 2, stderr)).status == status


def test_linux_route_get_reads_dev_and_policy_table() -> None:
    out = '[{"dst":"1.1.1.1","dev":"wg0","table":"51820","prefsrc":"10.0.0.2","flags":[]}]'
    lk = linux.parse_route_get("1.1.1.1", res(GET, out))
    assert (lk.status, lk.dev, lk.note) == (OK, "wg0", "table 51820")
    main = linux.parse_route_get("1.1.1.1", res(GET, '[{"dst":"1.1.1.1","dev":"eth0"}]'))
    assert (main.dev, main.note) == ("eth0", "")


def test_linux_route_get_blackhole_type_is_blocked() -> None:
    out = '[{"type":"blackhole","dst":"1.1.1.1","dev":"lo"}]'
    assert linux.parse_route_get("1.1.1.1", res(GET, out)).status == BLOCKED


def test_linux_route_get_without_json_support_says_so() -> None:
    lk = linux.parse_route_get("1.1.1.1", res(GET, "", 255, 'Option "-j" is unknown, try "ip -help".'))
    assert lk.status == FAILED and "4.14" in lk.note


def test_linux_links_classify_tunnels_and_not_bridges() -> None:
    links = [
        {"ifname": "tun0", "flags": ["POINTOPOINT", "UP", "LOWER_UP"], "link_type": "none",
         "linkinfo": {"info_kind": "tun", "info_data": {"type": "tun"}}},
        {"ifname": "tap0", "flags": ["BROADCAST", "UP", "LOWER_UP"], "link_type": "ether",
         "linkinfo": {"info_kind": "tun", "info_data": {"type": "tap"}}},
        {"ifname": "vnet0", "flags": ["UP", "LOWER_UP"], "master": "virbr0",
         "linkinfo": {"info_kind": "tun", "info_data": {"type": "tap"}}},
        {"ifname": "wg0", "flags": ["POINTOPOINT", "NOARP", "UP", "LOWER_UP"],
         "linkinfo": {"info_kind": "wireguard"}},
        {"ifname": "nordlynx", "flags": ["UP", "LOWER_UP"], "linkinfo": {"info_kind": "wireguard"}},
        {"ifname": "ipsec0", "flags": ["UP", "LOWER_UP"], "linkinfo": {"info_kind": "xfrm"}},
        {"ifname": "ppp0", "flags": ["POINTOPOINT", "UP", "LOWER_UP"], "link_type": "ppp"},
        {"ifname": "docker0", "flags": ["UP", "LOWER_UP"], "linkinfo": {"info_kind": "bridge"}},
        {"ifname": "oldtun", "flags": ["POINTOPOINT", "UP"], "link_type": "none"},
        {"ifname": "dead0", "flags": ["NO-CARRIER", "POINTOPOINT", "UP"], "operstate": "DOWN",
         "linkinfo": {"info_kind": "tun", "info_data": {"type": "tun"}}},
    ]
    got = linux.parse_links(json.dumps(links))
    assert got is not None
    assert {n: i.kind for n, i in got.items()} == {
        "tun0": "tun", "tap0": "tap", "vnet0": "", "wg0": "wireguard", "nordlynx": "wireguard",
        "ipsec0": "ipsec", "ppp0": "ppp", "docker0": "", "oldtun": "tun", "dead0": "tun"}
    assert got["wg0"].tech == "wireguard" and got["nordlynx"].hint == "nordvpn"
    assert got["dead0"].up is False and got["tun0"].up is True
    assert linux.parse_links("{}") is None and linux.parse_links("nope") is None


def test_linux_routes_skip_local_multicast_and_link_local() -> None:
    routes = [{"dst": "10.0.0.0/8", "dev": "tun0"},
              {"dst": "default", "dev": "wg0", "table": "51820"},
              {"type": "local", "dst": "10.8.0.2", "dev": "tun0", "table": "local"},
              {"type": "multicast", "dst": "ff00::/8", "dev": "tun0", "table": "local"},
              {"dst": "fe80::/64", "dev": "tun0"},
              {"type": "unreachable", "dst": "::/1", "dev": "lo"}]
    assert linux.parse_routes(json.dumps(routes)) == {
        "tun0": ["10.0.0.0/8"], "wg0": ["default (table 51820)"]}


def test_linux_rules_note_mentions_fwmark_table() -> None:
    rules = [{"priority": 0, "src": "all", "table": "local"},
             {"priority": 32765, "not": None, "fwmark": "0xca6c", "table": "51820"}]
    assert "0xca6c -> table 51820" in linux.describe_rules(json.dumps(rules))
    assert linux.describe_rules("[]") == "" and linux.describe_rules("garbage") == ""


def test_xfrm_policy_parser_keeps_outbound_tunnel_mode_only() -> None:
    text = ("src 0.0.0.0/0 dst 10.1.0.0/16 \n\tdir in priority 0 ptype main \n"
            "\ttmpl src 203.0.113.5 dst 192.168.50.10\n\t\tproto esp reqid 1 mode tunnel\n"
            "src 10.1.0.0/16 dst 0.0.0.0/0 \n\tdir out priority 0 ptype main \n"
            "\ttmpl src 192.168.50.10 dst 203.0.113.5\n\t\tproto esp reqid 1 mode tunnel\n"
            "src 10.1.0.0/16 dst 10.9.0.0/16 \n\tdir out priority 0 ptype main \n"
            "\ttmpl src 0.0.0.0 dst 0.0.0.0\n\t\tproto esp reqid 2 mode transport\n"
            "src 0.0.0.0/0 dst 0.0.0.0/0 \n\tsocket out priority 0 ptype main \n")
    assert linux_ipsec.outbound_tunnel_policies(text) == ["0.0.0.0/0"]
    assert linux_ipsec.outbound_tunnel_policies("src\nmode\ndir out") == []


# --- macOS -------------------------------------------------------------------------------------

MGET = ("route", "-n", "get", "1.1.1.1")


def test_macos_route_get_block() -> None:
    out = ("   route to: 1.1.1.1\ndestination: default\n       mask: default\n"
           "  interface: utun4\n      flags: <UP,DONE,STATIC,PRCLONING,GLOBAL>\n")
    assert macos.parse_route_get("1.1.1.1", res(MGET, out)) == Lookup("1.1.1.1", OK, "utun4")
    nt = macos.parse_route_get("1.1.1.1", res(MGET, "", 1,
                                              "route: writing to routing socket: not in table\n"))
    assert nt.status == NO_ROUTE
    rej = out.replace("<UP,", "<UP,REJECT,")
    assert macos.parse_route_get("1.1.1.1", res(MGET, rej)).status == BLOCKED
    assert macos.parse_route_get("1.1.1.1", res(MGET, "interface: a b\n")).status == FAILED


def test_macos_ifconfig_system_utun_is_not_routable() -> None:
    text = ("utun0: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1380\n"
            "\tinet6 fe80::9d4d:9dda:8bb0:7aec%utun0 prefixlen 64 scopeid 0x10 \n"
            "utun4: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST> mtu 1420\n"
            "\tinet 10.66.0.2 --> 10.66.0.2 netmask 0xffffffff\n"
            "utun5: flags=8010<POINTOPOINT,MULTICAST> mtu 1420\n"
            "\tinet6 fd00::5 prefixlen 128\n"
            "en0: flags=8863<UP,BROADCAST,SMART,RUNNING,SIMPLEX,MULTICAST> mtu 1500\n"
            "\tinet 192.168.1.23 netmask 0xffffff00 broadcast 192.168.1.255\n")
    got = macos.parse_ifconfig(text)
    assert got is not None
    assert not got["utun0"].is_live_tunnel and got["utun0"].routable_address is False
    assert got["utun4"].is_live_tunnel
    assert got["utun5"].routable_address is True and got["utun5"].up is False
    assert got["en0"].kind == "" and not got["en0"].is_tunnel
    assert macos.parse_ifconfig("no interfaces here") is None


@pytest.mark.parametrize(("dest", "v6", "want"), [
    ("default", False, "default"), ("10/8", False, "10.0.0.0/8"),
    ("192.168.1", False, "192.168.1.0/24"), ("128.0/1", False, "128.0.0.0/1"),
    ("10.8.0.5", False, "10.8.0.5/32"), ("fe80::%utun0/64", True, "fe80::/64"),
    ("link#4", False, "link#4"),
])
def test_bsd_prefix(dest: str, v6: bool, want: str) -> None:
    assert macos._bsd_prefix(dest, v6) == want


def test_macos_netstat_ignores_scoped_defaults() -> None:
    text = ("Routing tables\n\nInternet:\n"
            "Destination        Gateway            Flags               Netif Expire\n"
            "default            link#20            UCSg                utun4       \n"
            "default            192.168.1.1        UGScIg                en0       \n"
            "169.254            link#11            UCS                   en0      !\n"
            "224.0.0/4          link#11            UmCS                  en0      !\n")
    assert macos.parse_netstat(text) == {"utun4": ["default"]}
    assert macos.parse_netstat("no header") is None


def test_macos_nc_list() -> None:
    text = ("Available network connection services in the current set (*=enabled):\n"
            '* (Connected)      07CD VPN (io.tailscale.ipn.macsys) "Tailscale"      '
            "[VPN:io.tailscale.ipn.macsys]\n"
            '* (Disconnected)   2C5C VPN (ch.protonvpn.mac) "ProtonVPN"  [VPN:ch.protonvpn.mac]\n'
            '* (Connected)      8F6A PPP --> L2TP       "Work VPN"       [PPP:L2TP]\n'
            '  (Disconnected)   8F6B IPSec "Corp"  [IPSec]\n')
    assert macos.parse_nc_list(text) == [("Connected", "Tailscale", "tailscale"),
                                         ("Disconnected", "ProtonVPN", "protonvpn"),
                                         ("Connected", "Work VPN", "macos-builtin"),
                                         ("Disconnected", "Corp", "macos-builtin")]


# --- Windows -----------------------------------------------------------------------------------

def test_windows_query_single_objects_and_numeric_status() -> None:
    data = {"routes": {"Destination": "1.1.1.1", "InterfaceIndex": 5, "InterfaceAlias": "x",
                       "DestinationPrefix": "0.0.0.0/0"},
            "adapters": {"Name": "Ethernet 3", "InterfaceDescription": "TAP-Windows Adapter V9",
                         "ifIndex": "5", "Status": 1},
            "routetable": None, "vpn": None, "errors": {"routetable": "denied"}}
    obs = windows.parse_query(json.dumps(data))
    assert isinstance(obs, Observation)
    assert obs.lookups == [Lookup("1.1.1.1", OK, "Ethernet 3", "0.0.0.0/0")]
    assert obs.ifaces["Ethernet 3"].kind == "tap" and obs.ifaces["Ethernet 3"].up is True
    assert obs.routes is None and "denied" in obs.routes_problem


@pytest.mark.parametrize(("status", "routed", "connected"), [
    ("Connected", False, True),
    ("Disconnected", True, False),
    ("Verbunden", True, True),     # a word not in the list: the route through it decides
    ("Verbunden", False, False),
    ("已连接", False, False),
])
def test_windows_builtin_vpn_status_word(status: str, routed: bool, connected: bool) -> None:
    route = {"Destination": "1.1.1.1", "InterfaceIndex": 41,
             "InterfaceAlias": "Firmen-VPN" if routed else "WLAN", "DestinationPrefix": "0.0.0.0/0"}
    data = {"routes": [route], "adapters": [{"Name": "WLAN", "InterfaceDescription": "Intel(R) "
                                             "Wi-Fi 6E AX211 160MHz", "ifIndex": 12, "Status": "Up"}],
            "routetable": [], "vpn": [{"Name": "Firmen-VPN", "ConnectionStatus": status,
                                       "TunnelType": "Ikev2", "SplitTunneling": False}]}
    obs = windows.parse_query(json.dumps(data))
    assert isinstance(obs, Observation)
    assert (("Firmen-VPN", "windows-builtin") in obs.connected_services) is connected


@pytest.mark.parametrize("text", ["", "null", "[]", '{"routes": 5}', "\ufeff{", '{"routes": []}'])
def test_windows_query_garbage_gives_a_reason(text: str) -> None:
    assert isinstance(windows.parse_query(text), str)


def test_windows_script_is_one_powershell_command_listing_every_address() -> None:
    assert windows.QUERY[:4] == ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
    for addr in ("1.1.1.1", "208.67.222.222", "2606:4700:4700::1111"):
        assert f"'{addr}'" in windows.SCRIPT
    assert '"' not in windows.SCRIPT  # survives Windows command-line quoting unchanged


@pytest.mark.parametrize(("desc", "want"), [
    ("TAP-Windows Adapter V9", ("tap", "", "openvpn")),
    ("TAP-NordVPN Windows Adapter V9", ("tap", "nordvpn", "openvpn")),
    ("WireGuard Tunnel", ("wireguard", "", "wireguard")),
    ("PANGP Virtual Ethernet Adapter Secure", ("adapter", "globalprotect", "")),
    ("Cisco Secure Client Virtual Miniport Adapter for Windows x64",
     ("adapter", "cisco-anyconnect", "")),
    ("Fortinet Virtual Ethernet Adapter (NDIS 6.30)", ("adapter", "forticlient", "")),
    ("Hyper-V Virtual Ethernet Adapter", ("", "", "")),
    ("Intel(R) Ethernet Connection (7) I219-V", ("", "", "")),
])
def test_adapter_descriptions(desc: str, want: tuple[str, str, str]) -> None:
    assert clients.describe_adapter(desc) == want


# --- clients -----------------------------------------------------------------------------------

def test_client_slugs_match_the_catalogue_choices() -> None:
    assert CATALOGUE["vpn.client"].choices == ("", *clients.CLIENTS)
    for slugs in (clients.PROCESSES, ):
        assert all(s == s.lower() and " " not in s for s in slugs)


def test_processes_match_by_name_exe_and_truncated_comm() -> None:
    procs = [{"name": "openvpn3-servic", "exe": ""},
             {"name": "PanGPS.exe", "exe": None},
             {"name": "x", "exe": "C:\\Program Files\\Cisco\\vpnagent.exe"},
             {"name": "pulseaudio", "exe": "/usr/bin/pulseaudio"},
             "garbage", {"name": 5}]
    assert clients.clients_from_processes(procs) == ["cisco-anyconnect", "globalprotect", "openvpn"]
    assert clients.clients_from_processes(None) == []


def test_resolve_client_prefers_interface_then_service_then_single_process() -> None:
    tun = Iface("tun0", kind="tun", up=True)
    ts = Iface("tailscale0", kind="tun", up=True)

    def procs(*names: str) -> Callable[[], list[str] | None]:
        return lambda: list(names)

    assert clients.resolve_client(ts, [ts], procs(), [])[0] == "tailscale"
    assert clients.resolve_client(tun, [tun], procs("openvpn"), [("Work", "wireguard")])[0] == \
        "wireguard"
    assert clients.resolve_client(tun, [tun, ts], procs("openvpn", "tailscale"), [])[0] == "openvpn"
    slug, why = clients.resolve_client(tun, [tun], procs("openvpn", "openconnect"), [])
    assert slug is None and "several" in why
    wg = Iface("wg0", kind="wireguard", up=True, tech="wireguard")
    assert clients.resolve_client(wg, [wg], procs(), [])[0] == "wireguard"
    assert clients.resolve_client(wg, [wg], procs("mullvad"), [])[0] == "mullvad"
    assert clients.resolve_client(tun, [tun], lambda: None, [])[0] is None


def test_a_connected_service_does_not_name_one_of_several_tunnels() -> None:
    utun4 = Iface("utun4", kind="utun", up=True)
    utun6 = Iface("utun6", kind="utun", up=True)
    services = [("Tailscale", "tailscale")]
    slug, why = clients.resolve_client(utun6, [utun4, utun6], lambda: ["openvpn", "tailscale"],
                                       services, sole_tunnel=False)
    assert slug is None and "openvpn, tailscale" in why
    assert clients.resolve_client(utun6, [utun4, utun6], lambda: ["openvpn"], services,
                                  sole_tunnel=True)[0] == "tailscale"


def test_process_list_is_not_taken_when_the_interface_names_the_client() -> None:
    called: list[int] = []
    gp = Iface("gpd0", kind="tun", up=True)
    assert clients.resolve_client(gp, [gp], lambda: called.append(1) or [], [])[0] == \
        "globalprotect"
    assert not called


# --- decide ------------------------------------------------------------------------------------

def _obs(*lookups: Lookup, routes: dict[str, list[str]] | None = None, **ifaces: Iface) -> Observation:
    return Observation(lookups=list(lookups), ifaces=dict(ifaces),
                       routes={} if routes is None else routes)


TUN = Iface("tun0", kind="tun", up=True)
ETH = Iface("eth0")


def test_decide_ipv6_unreadable_makes_full_tunnel_unknown() -> None:
    obs = _obs(Lookup("1.1.1.1", OK, "tun0"), Lookup("2606:4700:4700::1111", FAILED, note="x"),
               tun0=TUN, eth0=ETH)
    got = facts_of(obs, ["openvpn"])
    assert got["vpn.active"].value is True
    assert not got["vpn.full_tunnel"].is_known and "IPv6" in (got["vpn.full_tunnel"].reason or "")


def test_decide_all_v4_failed_is_unknown() -> None:
    obs = _obs(Lookup("1.1.1.1", FAILED, note="boom"), tun0=TUN)
    assert all(not f.is_known and "boom" in (f.reason or "") for f in facts_of(obs).values())


def test_decide_processes_not_listed_without_a_vpn() -> None:
    called = []
    obs = _obs(Lookup("1.1.1.1", OK, "eth0"), eth0=ETH)
    out = decide(obs, lambda: called.append(1) or [])
    assert not called and {f.key: f.value for f in out}["vpn.client"] == ""


def test_decide_dead_tunnel_plus_bypass() -> None:
    dead = Iface("tun0", kind="tun", up=False)
    obs = _obs(Lookup("1.1.1.1", OK, "tun0"), Lookup("149.112.112.112", OK, "eth0"),
               routes={"tun0": ["0.0.0.0/1"]}, tun0=dead, eth0=ETH)
    got = facts_of(obs)
    assert got["vpn.active"].value is False and "is down" in (got["vpn.active"].detail or "")


def test_link_local_filter() -> None:
    assert is_link_local_or_multicast("fe80::/64") and is_link_local_or_multicast("224.0.0.0/4")
    assert is_link_local_or_multicast("ff02::%utun0/32")
    assert not is_link_local_or_multicast("default") and not is_link_local_or_multicast("10/8x")
    assert not is_link_local_or_multicast("10.0.0.0/8")


def test_probe_lists_every_command_the_backends_run() -> None:
    assert tuple(PROBE.commands("linux")) == linux.COMMANDS
    assert linux_ipsec.XFRM in PROBE.commands("linux")
    assert tuple(PROBE.commands("macos")) == macos.COMMANDS
    assert tuple(PROBE.commands("windows")) == windows.COMMANDS


def test_linux_kernel_without_ipv6_is_no_route_not_failure() -> None:
    argv = ("ip", "-j", "-6", "route", "get", "2606:4700:4700::1111")
    err = "RTNETLINK answers: Address family not supported by protocol\n"
    assert linux.parse_route_get("2606:4700:4700::1111", res(argv, "", 2, err)).status == NO_ROUTE
    assert linux.parse_route_get("1.1.1.1", res(GET, "", 2, err)).status == FAILED
