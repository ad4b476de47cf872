"""Link parsers per OS and the scrubbing of network names before anything is kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfhaudit.host import Evidence, LiveHost, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.network import linux as link_linux
from wfhaudit.probes.network import macos as link_macos
from wfhaudit.probes.network import windows as link_windows
from wfhaudit.probes.network.private import (
    run_private,
    scrub_airport_json,
    scrub_iw_station,
    scrub_netsh,
)

ROUTE = ("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
         "wlp3s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
         "eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
         "eth0\t0001A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n")
ROUTE6 = ("00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
          "fe800000000000000000000000000001 00000400 00000003 00000000 00000003   enp0s31f6\n")


def test_default_interface_lowest_metric_then_ipv6() -> None:
    assert link_linux.default_interface(ROUTE, None) == "eth0"
    assert link_linux.default_interface(ROUTE.splitlines()[0], ROUTE6) == "enp0s31f6"
    assert link_linux.default_interface("", "") is None
    # a default route without RTF_UP does not count
    down = ROUTE.splitlines()[0] + "\neth9\t00000000\t0101A8C0\t0002\t0\t0\t1\t00000000\t0\t0\t0\n"
    assert link_linux.default_interface(down, None) is None


@pytest.mark.parametrize(("uevent", "entries", "kind"), [
    ("DEVTYPE=wlan\nINTERFACE=wlan0\n", ["device", "phy80211"], "wifi"),
    ("INTERFACE=wlan0\n", ["device", "wireless"], "wifi"),
    ("DEVTYPE=wwan\nINTERFACE=wwan0\n", ["device"], "cellular"),
    ("INTERFACE=eth0\n", ["device", "speed"], "wired"),
    ("DEVTYPE=wireguard\nINTERFACE=wg0\n", ["mtu"], None),
    ("DEVTYPE=bridge\nINTERFACE=br0\n", ["bridge", "device"], None),
    ("INTERFACE=tun0\n", ["tun_flags"], None),
    (None, None, None),
])
def test_linux_classify(uevent: str | None, entries: list[str] | None, kind: str | None) -> None:
    assert link_linux.classify(uevent, entries) == kind


WIRELESS = ("Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
            " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
            " wlan0: 0000   78.  -56   -127.       0      0      0      0      0        0\n"
            " wlan1: 0000   60.  200.  -256        0      0      0      0      0        0\n"
            " wlan2: 0000   0.   0.    0.          0      0      0      0      0        0\n")


def test_proc_wireless_signed_unsigned_and_placeholders() -> None:
    assert link_linux.parse_proc_wireless(WIRELESS, "wlan0") == -56.0
    assert link_linux.parse_proc_wireless(WIRELESS, "wlan1") == -56.0   # 200 - 256
    assert link_linux.parse_proc_wireless(WIRELESS, "wlan2") is None    # 0 dBm: no reading
    assert link_linux.parse_proc_wireless(WIRELESS, "wlan9") is None
    assert link_linux.parse_proc_wireless(None, "wlan0") is None


def test_iw_and_nmcli() -> None:
    text = "Station <bssid> (on wlan0)\n\tsignal:  \t-61 [-61, -64] dBm\n\tsignal avg:\t-60 dBm\n"
    assert link_linux.parse_iw_station(text) == -61.0
    assert link_linux.parse_iw_station("no station") is None
    assert link_linux.parse_nmcli(" :40:wlan0\n*:81:wlan0\n*:20:wlan1\n", "wlan0") == 81
    assert link_linux.parse_nmcli("garbage", "wlan0") is None


def test_macos_parsers() -> None:
    assert link_macos.parse_route("   route to: default\n  interface: en0\n") == "en0"
    assert link_macos.parse_route("route: writing to routing socket: not in table") is None
    airport = {"SPAirPortDataType": [{"spairport_airport_interfaces": [
        {"_name": "en0", "spairport_current_network_information": {
            "_name": "<ssid>", "spairport_signal_noise": "-67 dBm / -92 dBm"}},
        {"_name": "en1"}]}]}
    assert link_macos.parse_airport(json.dumps(airport)) == {"en0": -67.0, "en1": None}
    assert link_macos.parse_airport("not json") is None
    ports = "Hardware Port: Wi-Fi\nDevice: en0\n\nHardware Port: iPhone USB\nDevice: en8\n"
    assert link_macos.parse_ports(ports) == {"en0": "Wi-Fi", "en8": "iPhone USB"}


NETSH_TWO = """
There are 2 interfaces on the system:

    Name                   : Wi-Fi
    Description            : Intel(R) Wi-Fi 6 AX201
    State                  : disconnected
    Radio status           : Hardware On
                             Software On

    Name                   : Wi-Fi 2
    Description            : USB adapter
    State                  : connected
    SSID                   : <ssid>
    Signal                 : 64%
    Profile                : <ssid>
"""


def test_windows_netsh_picks_the_default_route_adapter() -> None:
    assert link_windows.parse_netsh_signal(NETSH_TWO, "Wi-Fi 2") == (-68.0, "signal quality 64 %")
    assert link_windows.parse_netsh_signal(NETSH_TWO, "Wi-Fi") is None
    assert link_windows.parse_netsh_signal("    Name : X\n    Rssi : -48\n", "X") == (-48.0, "Rssi")
    assert link_windows.parse_netsh_signal("    名称 \uff1a X\n    信号 \uff1a 50%\n", "X") == (
        -75.0, "signal quality 50 %")


@pytest.mark.parametrize(("adapter", "kind"), [
    ({"NdisPhysicalMedium": 9}, "wifi"), ({"NdisPhysicalMedium": 14}, "wired"),
    ({"NdisPhysicalMedium": 8}, "cellular"),
    ({"NdisPhysicalMedium": 0, "PhysicalMediaType": "Native 802.11"}, "wifi"),
    ({"NdisPhysicalMedium": 0, "PhysicalMediaType": "Unspecified"}, None),
    ({"NdisPhysicalMedium": 14, "InterfaceDescription": "Remote NDIS Compatible Device"},
     "cellular"),
])
def test_windows_classify(adapter: dict[str, object], kind: str | None) -> None:
    assert link_windows.classify(adapter) == kind


def test_windows_adapter_json() -> None:
    assert link_windows.parse_adapter('\ufeff[{"Name":"A"},{"Name":"B"}]') == {"Name": "A"}
    assert link_windows.parse_adapter("") is None
    assert link_windows.parse_adapter('"text"') is None


# ---- privacy: SSIDs and BSSIDs never reach the evidence

def test_scrub_netsh_removes_ssid_profile_and_bssid() -> None:
    text = ("    SSID                   : Home Sweet 5G\r\n"
            "    AP BSSID               : 08:40:f3:eb:ba:a4\r\n"
            "    Physical address       : 70:9c:d1:e0:30:4e\r\n"
            "    Signal                 : 81%\r\n"
            "    Profil                 : Home Sweet 5G\r\n")
    out = scrub_netsh(text)
    assert "Home Sweet" not in out and "08:40:f3" not in out
    assert "<ssid>" in out and "<bssid>" in out and "81%" in out
    assert "70:9c:d1:e0:30:4e" in out   # our own MAC is left to the report redactor


def test_scrub_airport_json_blanks_every_network_name() -> None:
    doc = {"SPAirPortDataType": [{"spairport_airport_interfaces": [{
        "_name": "en0",
        "spairport_current_network_information": {"_name": "CorpWiFi",
                                                  "spairport_signal_noise": "-50 dBm / -90 dBm",
                                                  "spairport_network_bssid": "aa:bb:cc:dd:ee:ff"},
        "spairport_airport_other_local_wireless_networks": [
            {"_name": "Neighbour", "spairport_network_channel": "6"},
            {"_name": "Other", "spairport_security_mode": "x"}]}]}]}
    out = scrub_airport_json(json.dumps(doc))
    assert "CorpWiFi" not in out and "Neighbour" not in out and "Other" not in out
    assert "aa:bb:cc" not in out
    assert link_macos.parse_airport(out) == {"en0": -50.0}
    assert "Neighbour" not in scrub_airport_json('{"broken": "Neighbour"')


def test_scrub_iw_station() -> None:
    assert scrub_iw_station("Station 12:34:56:78:9a:bc (on wlan0)\n") == \
        "Station <bssid> (on wlan0)\n"


def test_run_private_replaces_the_recorded_entry(tmp_path: Path) -> None:
    (tmp_path / "netsh.txt").write_text("SSID : Secret Net\nSignal : 50%\n")
    argv = ["cat", str(tmp_path / "netsh.txt")]
    host = LiveHost(OsInfo("linux"))
    result = run_private(host, argv, 5.0, scrub_netsh)
    assert "Secret" not in result.stdout
    recorded = json.dumps(host.evidence.to_dict())
    assert "Secret" not in recorded and "<ssid>" in recorded
    # replaying the scrubbed evidence gives the same (scrubbed) output
    replay = RecordedHost(Evidence.from_dict(json.loads(recorded)))
    again = run_private(replay, argv, 5.0, scrub_netsh)
    assert again.stdout == result.stdout
