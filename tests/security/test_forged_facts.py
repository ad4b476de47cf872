"""Forged facts, probe by probe: an edited fact no longer matches what the carried evidence gives.

Each report is what `check` builds over recorded cases; the worker edits one fact, fixes the
findings and verdict to match, and signs with their own enrolled key. With full and with
redacted evidence, verify rejects it as EVIDENCE_MISMATCH naming the fact; the unedited report
verifies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.security.office import EXPOSED, Office

WINDOWS = {"os": "win11-cim", "firewall": "ps-all-profiles-on", "disk": "cim-encrypting",
           "vpn": "forticlient-full", "audio": "bluetooth-a2dp-output-laptop-mic",
           "network": "loopback-clean-wired"}
MACOS = {"os": "catalina", "firewall": "macos15-alf-on-state1", "disk": "filevault-on-macos15",
         "vpn": "wireguard-full-tunnel-ucsg-ugscig", "audio": "usb-headset-selected",
         "network": "loopback-clean-wired"}

# (probe, fact, forged value): every probe whose facts re-derive from evidence.
FORGERIES = [
    ("os", "os.version", "Ubuntu 24.04 LTS"),
    ("firewall", "firewall.enabled", True),
    ("firewall", "firewall.source", "ufw"),
    ("disk", "disk.system_encrypted", True),
    ("disk", "disk.unencrypted_volumes", []),
    ("vpn", "vpn.active", True),
    ("vpn", "vpn.full_tunnel", True),
    ("audio", "audio.headset_present", True),
    ("audio", "audio.default_input_is_headset", True),
    ("network", "network.jitter_ms", 0.5),
    ("network", "network.rtt_ms", 5.0),
    ("network", "network.link", "wifi"),
    ("location", "location.office_network", True),
]


def _cases(os_family: str) -> dict[str, str]:
    cases = {"linux": EXPOSED, "windows": WINDOWS, "macos": MACOS}[os_family]
    return {k: v for k, v in cases.items()
            if (Path(__file__).parent.parent / "fixtures" / "cases" / k / os_family
                / f"{v}.json").exists()}


def _forge(predicate: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    forged = json.loads(json.dumps(predicate))
    if forged["facts"][key].get("value") == value:
        value = [*value, "/srv"] if isinstance(value, list) else value
    forged["facts"][key] = {"status": "observed", "value": value, "sources": ["edited"]}
    forged["sequence"] += 1
    return forged


@pytest.fixture(scope="module", params=["full", "redacted"])
def office(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           ) -> Office:
    home = tmp_path_factory.mktemp("home")
    home.chmod(0o700)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WFHAUDIT_HOME", str(home))
        office = Office(tmp_path_factory.mktemp(f"office-{request.param}"),
                        evidence=request.param)
        office.draft["campaigns"] = []
        office.sign_trust()
        yield office


def test_the_unedited_report_verifies(office: Office) -> None:
    code, results = office.verify(office.report(office.predicate, "honest.wfh.json"))
    assert (code, results[0]["reason"]) == (0, "VERIFIED"), results
    assert office.predicate["evidence_level"] in ("full", "redacted")


@pytest.mark.parametrize(("probe", "key", "value"), FORGERIES,
                         ids=[f"{p}:{k}" for p, k, _ in FORGERIES])
def test_one_forged_fact_is_evidence_mismatch(office: Office, probe: str, key: str,
                                              value: Any) -> None:
    assert key in office.predicate["facts"], f"the policy reads no {probe} fact"
    forged = _forge(office.predicate, key, value)
    code, results = office.verify(office.report(forged, f"{key}.wfh.json"))
    assert (code, results[0]["reason"]) == (4, "EVIDENCE_MISMATCH"), results
    assert key in results[0]["detail"] and "1 fact(s) differ" in results[0]["detail"]


def test_unknown_turned_into_observed_is_caught(office: Office) -> None:
    unknown = [k for k, f in office.predicate["facts"].items() if f["status"] == "unknown"]
    assert unknown
    forged = json.loads(json.dumps(office.predicate))
    key = unknown[0]
    spec_value: Any = {"firewall.profiles_off": [], "network.wifi_signal_dbm": -40.0,
                       "audio.headset_name": "Jabra"}.get(key, True)
    forged["facts"][key] = {"status": "observed", "value": spec_value, "sources": []}
    _, results = office.verify(office.report(forged, "unknown.wfh.json"))
    assert results[0]["reason"] == "EVIDENCE_MISMATCH" and key in results[0]["detail"]


def test_evidence_swapped_for_another_machines_is_caught(office: Office, tmp_path: Path) -> None:
    """The worker keeps the forged facts and edits the evidence's os family instead."""
    forged = json.loads(json.dumps(office.predicate))
    forged["evidence"]["os"]["family"] = "macos"
    _, results = office.verify(office.report(forged, "os.wfh.json"))
    assert results[0]["reason"] == "EVIDENCE_MISMATCH" and "os.family" in results[0]["detail"]


def test_evidence_removed_is_refused_when_the_policy_requires_it(tmp_path: Path) -> None:
    office = Office(tmp_path, settings={"evidence_required": True})
    office.draft["campaigns"] = []
    office.sign_trust()
    stripped = dict(office.predicate, evidence=None, evidence_level="none")
    code, results = office.verify(office.report(stripped, "stripped.wfh.json"))
    assert (code, results[0]["reason"]) == (4, "EVIDENCE_MISSING")
    _, results = office.verify(office.report(office.predicate, "kept.wfh.json"))
    assert results[0]["reason"] == "VERIFIED", results


@pytest.mark.parametrize("os_family", ["windows", "macos"])
def test_other_systems_reports_rederive(tmp_path: Path, os_family: str) -> None:
    office = Office(tmp_path, cases=_cases(os_family), os_family=os_family)
    office.draft["campaigns"] = []
    office.sign_trust()
    _, results = office.verify(office.report(office.predicate))
    assert results[0]["reason"] == "VERIFIED", results
    key = next(k for k in ("disk.system_encrypted", "vpn.active")
               if office.predicate["facts"][k]["status"] == "observed")
    forged = _forge(office.predicate, key, not office.predicate["facts"][key]["value"])
    _, results = office.verify(office.report(forged, "forged.wfh.json"))
    assert results[0]["reason"] == "EVIDENCE_MISMATCH" and key in results[0]["detail"]
