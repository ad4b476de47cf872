"""Golden files: a signed report and trust file from fixed keys and a fixed clock.

Ed25519 signatures are deterministic, so any change to the envelope, Statement, RFC 8785
serialisation, key ids or trust-file layout changes these bytes. If a change is intended,
regenerate with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/unit/signing/test_signing_golden.py`
and say why in the commit.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.conftest import FIXTURES
from tests.security.pki import GOOD_FACTS, facts_from

from wfhaudit.crypto.statement import sign_report
from wfhaudit.evaluate import evaluate
from wfhaudit.policy.loader import load_policy
from wfhaudit.report.model import build_report
from wfhaudit.trust.campaign import trust_entry
from wfhaudit.trust.draft import accept_policy, add_device, new_draft, sign_draft
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.verifier import Verifier

GOLDEN = FIXTURES / "golden"
DEVICE_SEED = bytes(range(32))
ADMIN_SEED = bytes(range(32, 64))
CLOCK = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=dt.timezone.utc)
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def _keys() -> tuple[Ed25519PrivateKey, Ed25519PrivateKey]:
    return (Ed25519PrivateKey.from_private_bytes(DEVICE_SEED),
            Ed25519PrivateKey.from_private_bytes(ADMIN_SEED))


def _fresh_predicate() -> dict[str, Any]:
    policy = load_policy("baseline")
    facts = facts_from({**GOOD_FACTS, "vpn.active": False})
    ev = evaluate(policy, facts, "linux", "dev-golden01", CLOCK.date())
    report = build_report(
        policy=policy, facts=facts, evaluation=ev, device={"id": "dev-golden01", "name": "host"},
        os_block={"family": "linux", "version": "Debian GNU/Linux 12", "release": "6.1.0",
                  "machine": "x86_64"},
        started=CLOCK - dt.timedelta(seconds=41), finished=CLOCK,
        evidence=None, evidence_level="none", sequence=118,
        campaign={"id": "2026-W47", "nonce": "bm9uY2Utbm9uY2Utbm9uY2Utbm9uY2Utbm9uY2U"},
        probes_run=["firewall", "os"])
    report["report_id"] = "00000000-0000-4000-8000-000000000118"
    report["tool"]["version"] = "0.1.0"
    return report


def _golden(name: str, data: bytes) -> bytes:
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(data)
    return path.read_bytes()


def _trust_bytes() -> bytes:
    device, admin = _keys()
    predicate = json.loads((GOLDEN / "report-predicate.json").read_text())
    draft = new_draft("0.1.0")
    add_device(draft, device.public_key(), "dev-golden01", CLOCK - dt.timedelta(days=30),
               CLOCK + dt.timedelta(days=335))
    accept_policy(draft, predicate["policy"]["digest"], "baseline")
    draft["campaigns"].append(trust_entry(predicate["campaign"]["id"],
                                          predicate["campaign"]["nonce"],
                                          CLOCK - dt.timedelta(days=1), CLOCK + dt.timedelta(days=6)))
    return sign_draft(draft, admin, CLOCK - dt.timedelta(hours=1), 14)


def test_golden_predicate_has_the_shape_build_report_makes() -> None:
    fresh = _fresh_predicate()
    stored = json.loads(_golden("report-predicate.json", json.dumps(
        fresh, indent=1, sort_keys=True, ensure_ascii=False).encode() + b"\n"))
    assert sorted(stored) == sorted(fresh)
    assert sorted(stored["policy"]) == sorted(fresh["policy"])
    assert [sorted(f) for f in stored["findings"]] == [sorted(f) for f in fresh["findings"]]


def test_signed_report_bytes_are_stable() -> None:
    device, _ = _keys()
    predicate = json.loads((GOLDEN / "report-predicate.json").read_text())
    assert sign_report(predicate, device) == _golden("report.wfh.json", sign_report(predicate, device))


def test_trust_file_bytes_are_stable() -> None:
    assert _trust_bytes() == _golden("trust.json", _trust_bytes())


def test_golden_report_verifies_under_the_golden_trust_file() -> None:
    _, admin = _keys()
    trust = load_trust((GOLDEN / "trust.json").read_bytes(), [admin.public_key()], CLOCK)
    verifier = Verifier(trust, now=CLOCK + dt.timedelta(minutes=5))
    result = verifier.verify((GOLDEN / "report.wfh.json").read_bytes(), "golden")
    assert (result.reason, result.device_id, result.sequence) == ("VERIFIED", "dev-golden01", 118)
    assert (result.verdict, result.warnings) == ("NOT_READY", ())


def test_golden_envelope_layout() -> None:
    env = json.loads((GOLDEN / "report.wfh.json").read_bytes())
    assert list(env) == ["payload", "payloadType", "signatures"]
    assert env["payloadType"] == "application/vnd.in-toto+json"
    assert len(env["signatures"]) == 1 and sorted(env["signatures"][0]) == ["keyid", "sig"]
    assert env["signatures"][0]["keyid"].startswith("sha256:")
