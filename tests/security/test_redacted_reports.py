"""Redacted reports: names hidden in evidence and facts alike, and the facts still re-derive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.security.office import Office


def test_user_name_inside_a_headset_name_is_pseudonymised_and_verifies(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "EVOLVE")
    office = Office(tmp_path, cases={"os": "debian12", "firewall": "nft-inet-drop-policy",
                                     "disk": "c-luks2-root", "vpn": "split-10-8",
                                     "audio": "pa16-json-headset-connected-not-default",
                                     "network": "loopback-clean-wired"})
    office.draft["campaigns"] = []
    office.sign_trust()
    name = office.predicate["facts"]["audio.headset_name"]["value"]
    assert name.startswith("Jabra <name:") and "EVOLVE" not in json.dumps(office.predicate)
    code, results = office.verify(office.report(office.predicate))
    assert (code, results[0]["reason"]) == (0, "VERIFIED"), results


def test_addresses_in_evidence_and_details_are_pseudonyms(tmp_path: Path) -> None:
    office = Office(tmp_path, cases={"os": "debian12", "firewall": "nft-inet-drop-policy",
                                     "disk": "c-luks2-root", "vpn": "split-10-8",
                                     "audio": "pa16-json-usb-headset-selected",
                                     "network": "loopback-clean-wired"})
    raw = json.loads(office.bundle.read_text())
    text = json.dumps(office.predicate)
    assert "10.8.0." in json.dumps(raw) and "10.8.0." not in text
    assert office.predicate["facts"]["vpn.active"]["value"] is True


def test_a_user_name_that_is_a_command_word_is_left_in(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A user called `nft`: redacting it would hide the firewall command, so names stay."""
    monkeypatch.setattr("getpass.getuser", lambda: "nft")
    office = Office(tmp_path, cases={"os": "debian12", "firewall": "nft-inet-drop-policy",
                                     "disk": "c-luks2-root", "vpn": "no-tunnel",
                                     "audio": "pa16-json-usb-headset-selected",
                                     "network": "loopback-clean-wired"})
    office.draft["campaigns"] = []
    office.sign_trust()
    assert office.predicate["facts"]["firewall.enabled"]["value"] is True
    code, results = office.verify(office.report(office.predicate))
    assert (code, results[0]["reason"]) == (0, "VERIFIED"), results
