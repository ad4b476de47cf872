"""macOS and Windows firewall parsers."""

from __future__ import annotations

import json

import pytest

from wfhaudit.host import CommandResult
from wfhaudit.probes.firewall.macos import (
    parse_defaults_int,
    parse_globalstate,
    parse_pf_status,
    parse_sp_firewall,
    pf_blocks_inbound,
)
from wfhaudit.probes.firewall.windows.netsh_words import STATE_WORDS
from wfhaudit.probes.firewall.windows.parse import (
    decode_product_state,
    parse_netsh,
    parse_ps_report,
    parse_reg_enable,
)


@pytest.mark.parametrize(("text", "state"), [
    ("Firewall is disabled. (State = 0)\n", 0),
    ("Firewall is enabled. (State = 1)\n", 1),
    ("Firewall is enabled. (State = 2)\n", 2),
    ("Firewall is blocking all non-essential incoming connections. (State = 2)\n", 2),
    ("Firewall is enabled.\n", 1),
    ("Firewall is disabled.\n", 0),
    ("Firewall is blocking all non-essential connections.\n", 2),
    ("Firewall is enabled. (State = x)\n", None),
    ("Firewall is enabled. (State = 3)\n", None),
    ("Firewall settings cannot be modified from command line on managed Mac computers.\n", None),
    ("", None),
])
def test_globalstate(text: str, state: int | None) -> None:
    assert parse_globalstate(text) == state


def test_defaults_int() -> None:
    argv = ("defaults", "read", "x", "y")
    assert parse_defaults_int(CommandResult(argv, 0, "1\n"), (0, 1)) == 1
    assert parse_defaults_int(CommandResult(argv, 0, "true\n"), (0, 1)) == 1
    assert parse_defaults_int(CommandResult(argv, 0, "2\n"), (0, 1)) is None
    assert parse_defaults_int(CommandResult(argv, 1, "", "does not exist"), (0, 1)) is None


def test_system_profiler_json_both_shapes() -> None:
    flat = {"SPFirewallDataType": [{"_name": "spfirewall_settings",
                                    "spfirewall_globalstate": "spfirewall_globalstate_block_all"}]}
    nested = {"SPFirewallDataType": [{"_items": [
        {"spfirewall_globalstate": "spfirewall_globalstate_allow_all"}]}]}
    assert parse_sp_firewall(json.dumps(flat)) == 2
    assert parse_sp_firewall(json.dumps(nested)) == 0
    assert parse_sp_firewall('{"SPFirewallDataType": [{"spfirewall_globalstate": "new"}]}') is None
    assert parse_sp_firewall("not json") is None
    assert parse_sp_firewall("[]") is None


def test_pf() -> None:
    assert parse_pf_status("Status: Enabled for 0 days 01:02:03  Debug: Urgent\n") is True
    assert parse_pf_status("Status: Disabled   Debug: Urgent\n") is False
    assert parse_pf_status("nothing") is None
    assert pf_blocks_inbound("block drop in all\npass out all flags S/SA keep state\n")
    assert pf_blocks_inbound("block return in log all\n")
    assert not pf_blocks_inbound("block drop in all\npass in all flags S/SA keep state\n")
    assert pf_blocks_inbound("block drop in quick all\npass in all\n")  # quick wins
    assert not pf_blocks_inbound("block drop in on en0 all\n")  # one interface only
    assert not pf_blocks_inbound("block drop in inet6 all\n")  # IPv6 only
    assert not pf_blocks_inbound("block drop out all\n")
    assert not pf_blocks_inbound('anchor "com.apple/*" all\n')


@pytest.mark.parametrize(("state", "status"), [
    (397568, "on"), (393472, "off"), (397584, "on"), (266256, "on"), (262144, "off"),
    (0x062100, "snoozed"), (0x063100, "expired"), (None, "unknown"), (-1, "unknown"),
])
def test_product_state(state: int | None, status: str) -> None:
    assert decode_product_state(state) == status


def test_ps_report_shapes() -> None:
    full = parse_ps_report(json.dumps({
        "profiles": [{"Name": "Domain", "Enabled": "True", "DefaultInboundAction": "Block"},
                     {"Name": "Private", "Enabled": "NotConfigured"},
                     {"Name": "public", "Enabled": 0, "DefaultInboundAction": 2}],
        "current_profiles": "4", "service": 1,
        "products": {"displayName": "X", "productState": 266256}}))
    assert full is not None and full.profiles is not None
    assert full.profiles["Domain"].enabled is True
    assert full.profiles["Private"].enabled is None  # NotConfigured is never coerced
    assert (full.profiles["Public"].enabled, full.profiles["Public"].inbound) == (False, "Allow")
    assert (full.current, full.service) == (4, "Stopped")
    assert full.products is not None and full.products[0].status == "on"
    bare = parse_ps_report('[{"Name":"Domain","Enabled":1},{"Name":"Private","Enabled":1}]')
    assert bare is not None and bare.profiles is not None and len(bare.profiles) == 2
    single = parse_ps_report('{"Name":"Public","Enabled":"False"}')
    assert single is not None and single.profiles is not None
    assert single.profiles["Public"].enabled is False
    errors = parse_ps_report('{"profiles_error":"Access is denied.","products_error":"Invalid namespace"}')
    assert errors is not None and errors.profiles is None
    assert errors.profiles_error == "Access is denied." and errors.products is None
    assert parse_ps_report("Get-NetFirewallProfile : Zugriff verweigert") is None
    assert parse_ps_report("42") is None


DASH = "-" * 70


def _netsh(words: list[str], extra_blocks: int = 0) -> str:
    titles = ["Domain Profile Settings:", "Private Profile Settings:", "Public Profile Settings:"]
    titles += ["Other:"] * extra_blocks
    return "".join(f"\r\n{t}\r\n{DASH}\r\nState        {w}\r\n"
                   for t, w in zip(titles, words + ["ON"] * extra_blocks, strict=True)) + "Ok.\r\n"


def test_netsh_positional_and_known_words() -> None:
    assert parse_netsh(_netsh(["ON", "OFF", "ON"]))[0] == {
        "Domain": True, "Private": False, "Public": True}
    assert parse_netsh(_netsh(["EIN", "AUS", "EIN"]))[0] == {
        "Domain": True, "Private": False, "Public": True}
    assert parse_netsh(_netsh(["Actif", "Actif", "Inactif"]))[0] == {
        "Domain": True, "Private": True, "Public": False}


@pytest.mark.parametrize("language", sorted(STATE_WORDS))
def test_netsh_words_of_every_language(language: str) -> None:
    on_words, off_words = STATE_WORDS[language]
    for on in on_words:
        for off in off_words:
            assert parse_netsh(_netsh([on, off, on.lower()]))[0] == {
                "Domain": True, "Private": False, "Public": True}, (on, off)


def test_netsh_words_mean_one_thing_in_every_language() -> None:
    seen: dict[str, bool] = {}
    for on_words, off_words in STATE_WORDS.values():
        for state, words in ((True, on_words), (False, off_words)):
            for word in words:
                assert seen.setdefault(word.casefold(), state) is state, word


def test_netsh_words_with_lost_accents() -> None:
    assert parse_netsh(_netsh(["W\ufffd\ufffdCZ", "WY\ufffd\ufffdCZ", "ON"]))[0] == {
        "Domain": True, "Private": False, "Public": True}


def test_netsh_unknown_words_and_layouts_are_not_guessed() -> None:
    states, why = parse_netsh(_netsh(["켜기", "켜기", "켜기"]))
    assert states is None and "localized output (language Korean)" in why
    states, why = parse_netsh(_netsh(["PÅ", "PÅ", "AV"]))
    assert states is None and "language a Scandinavian language" in why
    states, why = parse_netsh(_netsh(["ZAP", "ZAP", "ZAP"]))
    assert states is None and "does not recognise" in why
    assert "4 profile blocks" in parse_netsh(_netsh(["ON", "ON", "ON"], extra_blocks=1))[1]
    assert "2 profile blocks" in parse_netsh(_netsh(["ON", "ON", "ON"]).split("Public")[0])[1]
    assert parse_netsh(f"T:\n{DASH}\n\n")[0] is None
    assert parse_netsh("")[0] is None


def test_reg_enable() -> None:
    text = ("\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\X\\FirewallPolicy\\DomainProfile\r\n"
            "    EnableFirewall    REG_DWORD    0x1\r\n\r\n"
            "HKEY_LOCAL_MACHINE\\SYSTEM\\X\\FirewallPolicy\\StandardProfile\r\n"
            "    EnableFirewall    REG_DWORD    0x0\r\n\r\n"
            "HKEY_LOCAL_MACHINE\\SYSTEM\\X\\FirewallPolicy\\Mdm\\PublicProfile\r\n"
            "    EnableFirewall    REG_DWORD    0x0\r\n\r\n"
            "End of search: 3 match(es) found.\r\n")
    assert parse_reg_enable(text) == {"Domain": True, "Private": False}
    policy = ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\WindowsFirewall\\PrivateProfile\n"
              "    EnableFirewall    REG_DWORD    0x1\n")
    assert parse_reg_enable(policy) == {"Private": True}
    assert parse_reg_enable("ERROR: Access is denied.") == {}


def test_reg_enable_reads_german_output_the_same() -> None:
    # reg.exe localizes only its messages; key paths and REG_DWORD lines are the same.
    text = ("\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\X\\FirewallPolicy\\PublicProfile\r\n"
            "    EnableFirewall    REG_DWORD    0x1\r\n\r\n"
            "Suche beendet: 1 Übereinstimmung(en) gefunden.\r\n")
    assert parse_reg_enable(text) == {"Public": True}
    assert parse_reg_enable("FEHLER: Der angegebene Registrierungsschlüssel oder Wert wurde "
                            "nicht gefunden.\r\n") == {}
