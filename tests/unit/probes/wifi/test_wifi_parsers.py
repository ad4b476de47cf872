"""The wifi probe's mappings: nmcli, iw security elements, macOS tokens, netsh in many languages."""

from __future__ import annotations

import pytest

from wfhaudit.probes.wifi.decide import from_macos, from_nmcli, from_suites, weakest
from wfhaudit.probes.wifi.linux import parse_nmcli_aps, parse_scan_dump, scrub_scan
from wfhaudit.probes.wifi.windows import blocks, classify, parse_netsh
from wfhaudit.probes.wifi.windows.netsh_words import guess_language


@pytest.mark.parametrize(("security", "key_mgmt", "proto", "want"), [
    ("", None, None, "open"), ("--", None, None, "open"),
    ("WEP", None, None, "wep"), ("WPA1", None, None, "wpa"), ("WPA", None, None, "wpa"),
    ("WPA2", None, None, "wpa2"), ("WPA3", None, None, "wpa3"), ("OWE", None, None, "owe"),
    ("WPA1 WPA2", None, None, "wpa"), ("WPA2 WPA3", None, None, "wpa2"),
    ("WPA2 WPA3", "sae", None, "wpa3"), ("WPA2 WPA3", "wpa-psk", None, "wpa2"),
    ("WPA1 WPA2", "wpa-psk", "rsn", "wpa2"), ("WPA1 WPA2", "wpa-psk", "wpa", "wpa"),
    ("WPA2 802.1X", None, None, "enterprise"), ("WPA1 WPA2 802.1X", None, None, "enterprise"),
    ("WEP", "ieee8021x", None, "wep"), ("", "owe", None, "owe"),
])
def test_from_nmcli(security: str, key_mgmt: str | None, proto: str | None, want: str) -> None:
    assert from_nmcli(security, key_mgmt, proto) == want


@pytest.mark.parametrize(("rsn", "wpa", "privacy", "want"), [
    (None, None, False, "open"), (None, None, True, "wep"),
    (["PSK"], None, True, "wpa2"), (["PSK", "SAE"], None, True, "wpa2"), (["SAE"], None, True, "wpa3"),
    (["PSK"], ["PSK"], True, "wpa"), (["IEEE 802.1X"], None, True, "enterprise"),
    (["FT/IEEE 802.1X/SHA-384"], None, True, "enterprise"), (["OWE"], None, True, "owe"),
    (["FT/PSK", "PSK/SHA-256"], None, True, "wpa2"),
])
def test_from_suites(rsn: list[str] | None, wpa: list[str] | None, privacy: bool, want: str) -> None:
    assert from_suites(rsn, wpa, privacy) == want


@pytest.mark.parametrize(("token", "want"), [
    ("spairport_security_mode_none", "open"), ("spairport_security_mode_wep", "wep"),
    ("spairport_security_mode_wpa_personal_mixed", "wpa"),
    ("spairport_security_mode_wpa2_personal", "wpa2"),
    ("pairport_security_mode_wpa3_transition", "wpa2"),
    ("spairport_security_mode_wpa3_personal", "wpa3"),
    ("spairport_security_mode_wpa3_enterprise", "enterprise"),
    ("spairport_security_mode_owe", "owe"), ("spairport_security_mode_wpa9", None), ("WPA2", None),
])
def test_from_macos(token: str, want: str | None) -> None:
    assert from_macos(token) == want


def test_weakest() -> None:
    assert weakest(["wpa3", "open", "wpa2"]) == "open"
    assert weakest(["enterprise", "wpa2"]) == "wpa2"


def test_nmcli_active_access_points_per_device() -> None:
    text = "no:WPA2:wlan0\nyes:WPA2 WPA3:wlan0\nyes::wlan1\nbroken line\n"
    assert parse_nmcli_aps(text) == {"wlan0": "WPA2 WPA3", "wlan1": ""}


SCAN = ("BSS 00:11:22:33:44:55(on wlan0)\n\tcapability: ESS (0x0401)\n\tSSID: Cafe Free\n"
        "BSS 66:77:88:99:aa:bb(on wlan0) -- associated\n\tcapability: ESS Privacy (0x0411)\n"
        "\tSSID: My Home: 5G\n\tRSN:\t * Version: 1\n\t\t * Group cipher: CCMP\n"
        "\t\t * Authentication suites: IEEE 802.1X FT/IEEE 802.1X\n"
        "BSS aa:bb:cc:dd:ee:ff(on wlan0)\n\tWPA:\t * Version: 1\n\t\t * Authentication suites: PSK\n")


def test_scan_dump_reads_only_the_associated_bss() -> None:
    assert parse_scan_dump(SCAN) == (["IEEE 802.1X", "FT/IEEE 802.1X"], None, True)
    assert parse_scan_dump(SCAN.replace(" -- associated", "")) is None


def test_scan_scrubber_hides_names_and_addresses() -> None:
    scrubbed = scrub_scan(SCAN)
    for secret in ("Cafe Free", "My Home", "66:77:88:99:aa:bb", "00:11:22:33:44:55"):
        assert secret not in scrubbed
    assert parse_scan_dump(scrubbed) == parse_scan_dump(SCAN)


@pytest.mark.parametrize(("auth", "cipher", "want"), [
    ("WPA2-Personal", "CCMP", "wpa2"), ("WPA2 - Personnel", "CCMP", "wpa2"),
    ("WPA3-個人", "GCMP", "wpa3"), ("WPA2个人", "CCMP", "wpa2"),
    ("WPA3-Enterprise 192 Bits", "GCMP-256", "enterprise"), ("WPA2-Unternehmen", "CCMP", "enterprise"),
    ("WPA-Personal", "TKIP", "wpa"), ("WPA2", "CCMP", "wpa2"), ("OWE", "CCMP", "owe"),
    ("Open", "None", "open"), ("Offen", "WEP", "wep"), ("Shared", "WEP", "wep"),
    ("オープン", "なし", "open"), ("WPA2-Quelquechose", "CCMP", None), ("Открытая", "Нет", None),
])
def test_classify_netsh_values(auth: str, cipher: str, want: str | None) -> None:
    assert classify(auth, cipher) == want


def test_blocks_need_a_guid_and_accept_full_width_colons() -> None:
    text = ("接口名称 ： WLAN\r\n\r\n    名称  ： WLAN\r\n    GUID  ： 1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90"
            "\r\n    SSID  ： <ssid>\r\n    身份验证 ： WPA2-个人\r\n")
    found = blocks(text)
    assert len(found) == 1 and ("身份验证", "WPA2-个人") in found[0]
    assert parse_netsh(text)[0] == "wpa2"


def test_several_connected_interfaces_count_as_the_weakest() -> None:
    one = ("    Name : A\n    GUID : 11111111-2222-3333-4444-555555555555\n    SSID : <ssid>\n"
           "    Authentication : WPA3-Personal\n")
    two = one.replace("1111", "9999").replace("WPA3-Personal", "Open")
    assert parse_netsh(one + "\n" + two)[0] == "open"


@pytest.mark.parametrize(("text", "language"), [
    ("Проверка подлинности", "Cyrillic"), ("인증", "Korean"), ("Kimlik doğrulaması", "Turkish"),
    ("Hitelesítés ő", "Hungarian"), ("Authentication", "no labels for")])
def test_guess_language(text: str, language: str) -> None:
    assert language in guess_language(text)
