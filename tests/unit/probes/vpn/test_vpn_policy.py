"""A policy names the expected VPN client or interface: the facts judge as PASS/FAIL, never UNKNOWN."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from wfhaudit.errors import PolicyError
from wfhaudit.evaluate import Status, evaluate
from wfhaudit.facts import FactSet
from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn import PROBE

CASES = Path(__file__).parents[3] / "fixtures" / "cases" / "vpn"


def _policy(expect: dict[str, Any], fact: str = "vpn.client") -> Any:
    return load_policy_document({
        "id": "corp-vpn", "version": "1.0.0", "title": "Company VPN",
        "rules": [{"id": "corp-vpn", "title": "The company VPN is on", "fact": fact,
                   "expect": expect, "severity": "high",
                   "remediation": {"default": "Connect the company VPN."}}]}, "corp-vpn.json")


def _status(case: str, expect: dict[str, Any], fact: str = "vpn.client") -> Status:
    data = json.loads((CASES / f"{case}.json").read_text(encoding="utf-8"))
    evidence = Evidence.from_dict(data["evidence"])
    facts = FactSet()
    for f in PROBE.collect(ProbeContext(host=RecordedHost(evidence))):
        facts.add(f)
    result = evaluate(_policy(expect, fact), facts, evidence.os.family, "dev-test",
                      dt.date(2026, 1, 1))
    return result.findings[0].status


@pytest.mark.parametrize(("case", "want"), [
    ("windows/anyconnect-split", Status.PASS),
    ("linux/anyconnect-cscotun0", Status.PASS),
    ("windows/globalprotect-full", Status.FAIL),
    ("macos/no-vpn-system-utuns", Status.FAIL),      # no VPN: "" fails, it is not unknown
    ("linux/two-clients-ambiguous", Status.UNKNOWN),
])
def test_policy_names_the_client(case: str, want: Status) -> None:
    assert _status(case, {"in": ["cisco-anyconnect"]}) is want


def test_policy_names_the_interface() -> None:
    expect = {"matches": "^(tun|wg)[0-9]+$"}
    assert _status("linux/kernel-wireguard-no-process", expect, "vpn.interface") is Status.PASS
    assert _status("linux/tailscale-exit-node", expect, "vpn.interface") is Status.FAIL
    assert _status("linux/no-tunnel", expect, "vpn.interface") is Status.FAIL


def test_a_misspelt_client_is_rejected_when_the_policy_loads() -> None:
    with pytest.raises(PolicyError, match="can never match"):
        _policy({"in": ["anyconnect"]})
