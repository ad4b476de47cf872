"""Adversarial cases, rows A15 and A27-A48: keys, trust file, freshness, policy, batches.

Rows A38-A40 (HTML) belong to the renderer's tests; A43's CSV half to the aggregator's.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from tests.security.pki import GOOD_FACTS, NOW, Pki

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import REPORT_PAYLOAD_TYPE, envelope_bytes, pae
from wfhaudit.crypto.statement import sign_report
from wfhaudit.errors import ReportError
from wfhaudit.reasons import TrustError
from wfhaudit.trust.draft import revoke
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.state import MemoryStore

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
IDENTITY = bytes([1]) + bytes(31)


def trust_error(pki: Pki, data: bytes, pins: list[Any] | None = None, now: dt.datetime = NOW,
                store: Any = None) -> str:
    with pytest.raises(TrustError) as info:
        load_trust(data, pins or [pki.admin.public_key()], now, store)
    return info.value.reason.value


@pytest.mark.parametrize("raw", [IDENTITY, bytes(32)])
def test_a15_small_order_key_in_trust_file_is_trust_invalid(raw: bytes) -> None:
    pki = Pki()
    weak = Ed25519PublicKey.from_public_bytes(raw)
    spki = weak.public_bytes(serialization.Encoding.DER,
                             serialization.PublicFormat.SubjectPublicKeyInfo)
    entry = dict(pki.draft["devices"][0]["keys"][0])
    entry.update(spki=base64.b64encode(spki).decode(),
                 keyid="sha256:" + __import__("hashlib").sha256(spki).hexdigest())
    pki.draft["devices"].append({"deviceId": "dev-weak", "keys": [entry]})
    with pytest.raises(TrustError, match="weak Ed25519"):
        pki.trust_bytes()  # `trust sign` refuses to publish it
    assert trust_error(pki, pki.unchecked_trust_bytes()) == "TRUST_INVALID"  # nor is it loaded


def test_a27_finished_before_not_before_or_after_not_after() -> None:
    pki = Pki()
    key = pki.draft["devices"][0]["keys"][0]
    key["notBefore"], key["notAfter"] = "2026-11-20T00:00:00Z", "2026-11-20T08:00:00Z"
    verifier = pki.verifier()
    early = pki.envelope(predicate=pki.predicate(finished=NOW - DAY))
    assert verifier.verify(early).reason == "KEY_NOT_YET_VALID"
    late = pki.envelope(predicate=pki.predicate(finished=NOW - dt.timedelta(minutes=30)))
    assert verifier.verify(late).reason == "KEY_EXPIRED"


def test_a28_compromised_key_rejects_even_backdated_reports() -> None:
    pki = Pki()
    revoke(pki.draft, [pki.keyid("dev-a")], "key-compromise", NOW - HOUR)
    backdated = pki.envelope(predicate=pki.predicate(finished=NOW - 3 * DAY))
    assert pki.verifier().verify(backdated).reason == "KEY_REVOKED"


def test_a29_retired_key_depends_on_trusted_receipt_time() -> None:
    pki = Pki()
    report = pki.envelope(predicate=pki.predicate(finished=NOW - 3 * HOUR))
    store = MemoryStore()
    first = pki.verifier(now=NOW - 2 * HOUR, store=store).verify(report)  # received before
    assert first.reason == "VERIFIED"
    revoke(pki.draft, [pki.keyid("dev-a")], "retired", NOW - HOUR)
    later = pki.verifier(now=NOW, store=store)
    assert later.check(report).reason == "VERIFIED"  # receipt time from the store: before
    assert later.verify(report).reason == "DUPLICATE"
    fresh = pki.envelope(predicate=pki.predicate(finished=NOW - 2 * HOUR))
    assert later.verify(fresh).reason == "KEY_REVOKED"  # first received now: after retirement
    assert later.verify(fresh, received_at=NOW - 90 * dt.timedelta(minutes=1)).reason == \
        "VERIFIED"  # a trusted receipt time from the pipeline (e.g. upload log) before it


def test_a30_trust_file_attacks() -> None:
    pki = Pki()
    good = json.loads(pki.trust_bytes())
    bad_sig = dict(good, signatures=[{"keyid": "x", "sig": base64.b64encode(bytes(64)).decode()}])
    assert trust_error(pki, json.dumps(bad_sig).encode()) == "TRUST_UNTRUSTED"
    other_admin = Ed25519PrivateKey.generate()
    assert trust_error(pki, pki.trust_bytes(signer=other_admin)) == "TRUST_UNTRUSTED"
    assert trust_error(pki, pki.trust_bytes(now=NOW - 20 * DAY)) == "TRUST_EXPIRED"
    store = MemoryStore()
    load_trust(pki.trust_bytes(floor=6), [pki.admin.public_key()], NOW, store)  # version 7
    assert trust_error(pki, pki.trust_bytes(floor=4), store=store) == "TRUST_ROLLBACK"
    dup = pki.draft["devices"][0]["keys"][0]
    pki.draft["devices"][1]["keys"].append(dict(dup))
    assert trust_error(pki, pki.unchecked_trust_bytes()) == "TRUST_INVALID"


def test_a31_stale_and_from_the_future() -> None:
    pki = Pki()
    verifier = pki.verifier(max_age=dt.timedelta(days=7))
    stale = pki.envelope(predicate=pki.predicate(finished=NOW - 8 * DAY))
    assert verifier.verify(stale).reason == "STALE"
    future = pki.envelope(predicate=pki.predicate(finished=NOW + HOUR))
    assert verifier.verify(future).reason == "FROM_FUTURE"


def test_a32_campaign_nonces() -> None:
    pki = Pki()
    closed = pki.open_campaign("2026-W40", start=NOW - 30 * DAY, end=NOW - 23 * DAY)
    for_b = pki.open_campaign("2026-W47-b", device="dev-b")
    verifier = pki.verifier()
    old = pki.envelope(predicate=pki.predicate(campaign=closed))
    assert verifier.verify(old).reason == "NONCE_UNKNOWN"
    assert verifier.verify(pki.envelope("dev-b")).reason == "NONCE_MISSING"
    stolen = pki.envelope("dev-a", predicate=pki.predicate("dev-a", campaign=for_b))
    assert verifier.verify(stolen).reason == "NONCE_UNKNOWN"
    guessed = pki.envelope(predicate=pki.predicate(campaign={"id": "2026-W47-b", "nonce": "x"}))
    assert verifier.verify(guessed).reason == "NONCE_UNKNOWN"
    ok = pki.envelope("dev-b", predicate=pki.predicate("dev-b", campaign=for_b))
    assert verifier.verify(ok).reason == "VERIFIED"


def test_a33_older_passing_report_after_newer_failing_one() -> None:
    pki = Pki()
    verifier = pki.verifier()
    passing = pki.envelope(predicate=pki.predicate(sequence=5, finished=NOW - 2 * HOUR))
    failing = pki.envelope(predicate=pki.predicate(
        sequence=6, finished=NOW - HOUR, facts={**GOOD_FACTS, "disk.system_encrypted": False}))
    first = verifier.verify(failing)
    assert (first.reason, first.verdict) == ("VERIFIED", "NOT_READY")
    assert verifier.verify(passing).reason == "SEQUENCE_ROLLBACK"
    assert verifier.store.last_sequence("dev-a") == 6  # the device stays failing
    same_seq = pki.envelope(predicate=pki.predicate(sequence=6))
    assert verifier.verify(same_seq).reason == "SEQUENCE_ROLLBACK"


def test_a34_policy_not_accepted_and_tool_too_old() -> None:
    pki = Pki()
    pki.draft["acceptedPolicies"] = [{"digest": {"sha256": "1" * 64}}]
    assert pki.verifier().verify(pki.envelope()).reason == "POLICY_MISMATCH"
    pki = Pki(min_tool_version="99.0")
    assert pki.verifier().verify(pki.envelope()).reason == "TOOL_VERSION_REJECTED"


def test_a34_embedded_policy_must_be_the_accepted_one() -> None:
    pki = Pki()
    stmt = pki.statement()
    stmt["predicate"]["policy"]["document"]["rules"][0]["severity"] = "info"
    assert pki.verifier().verify(pki.envelope(statement=stmt)).reason == "POLICY_MISMATCH"
    verifier = pki.verifier()  # and after the policy is cached from a good report
    assert verifier.verify(pki.envelope()).reason == "VERIFIED"
    assert verifier.verify(pki.envelope(statement=stmt)).reason == "POLICY_MISMATCH"


def test_a35_unsigned_report_is_rejected() -> None:
    pki = Pki()
    plain = json.dumps(pki.predicate()).encode()
    statement = canonical_bytes(pki.statement())
    verifier = pki.verifier()
    for data in (plain, statement):
        result = verifier.verify(data)
        assert (result.accepted, result.reason, result.predicate) == (False, "UNSIGNED", None)


def test_a36_device_status_contradicting_its_evidence() -> None:
    pki = Pki()
    stmt = pki.statement(predicate=pki.predicate(facts={**GOOD_FACTS, "vpn.active": False}))
    for finding in stmt["predicate"]["findings"]:
        finding["status"] = "PASS" if finding["status"] == "FAIL" else finding["status"]
    stmt["predicate"]["summary"]["verdict"] = "READY"
    result = pki.verifier().verify(pki.envelope(statement=stmt))
    assert result.accepted and result.warnings == ("VERDICT_MISMATCH",)
    assert result.verdict == "NOT_READY"  # the verifier's verdict wins
    assert "vpn-when-remote" in result.detail


def test_a37_payload_claims_of_verification_do_not_count() -> None:
    pki = Pki()
    stmt = pki.statement()
    stmt["predicate"].update(signatureVerified=True, verdict="verified")
    env = json.loads(pki.envelope(statement=stmt))
    env["signatures"][0]["sig"] = base64.b64encode(bytes(64)).decode()
    result = pki.verifier().verify(json.dumps(env).encode())
    assert (result.accepted, result.reason, result.predicate) == (False, "BAD_SIGNATURE", None)
    assert result.to_json()["verdict"] == "rejected"


@pytest.mark.parametrize("device_id", ["../../x", "/etc/x", "CON", "dev\x00x", "a" * 65])
def test_a42_hostile_device_ids_cannot_be_enrolled(device_id: str) -> None:
    pki = Pki()
    pki.draft["devices"][0]["deviceId"] = device_id
    assert trust_error(pki, pki.unchecked_trust_bytes()) == "TRUST_INVALID"


def test_a44_a45_signer_refuses_data_rfc8785_cannot_represent() -> None:
    pki = Pki()
    key = pki.keys["dev-a"]
    for bad in ({"x": float("nan")}, {"x": 2**53}, {1: "non-string key"}):
        predicate = {**pki.predicate(), "extra": bad}
        with pytest.raises(ReportError, match="cannot be signed"):
            sign_report(predicate, key)


def test_a46_rfc8785_golden_vectors() -> None:
    assert canonical_bytes([0.0, -0.0, 1e-7, 1e21, 1.5, 56]) == b"[0,0,1e-7,1e+21,1.5,56]"
    assert canonical_bytes([56, {"d": True, "10": None, "1": []}]) == \
        b'[56,{"1":[],"10":null,"d":true}]'
    keys = {"\u20ac": "Euro Sign", "\r": "Carriage Return", "\ufb33": "Dalet", "1": "One",
            "\U0001f600": "Grinning Face", "\u0080": "Control", "\u00f6": "o umlaut"}
    assert canonical_bytes(keys) == (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"o umlaut",'
        '"\u20ac":"Euro Sign","\U0001f600":"Grinning Face","\ufb33":"Dalet"}').encode()
    assert canonical_bytes("\u2028\x1f\"\\") == b'"\xe2\x80\xa8\\u001f\\"\\\\"'


def test_a47_policy_digest_ignores_layout_but_not_values(tmp_path: Path) -> None:
    from wfhaudit.policy.loader import load_policy

    doc = load_policy("contact-center").document()
    compact, spaced, edited = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "c.json"
    compact.write_text(json.dumps(doc, separators=(",", ":")))
    spaced.write_text(json.dumps(dict(reversed(list(doc.items()))), indent=4))
    doc["rules"][0]["title"] += "!"
    edited.write_text(json.dumps(doc))
    assert load_policy(str(compact)).digest == load_policy(str(spaced)).digest
    assert load_policy(str(compact)).digest != load_policy(str(edited)).digest


def test_a48_ten_thousand_reports_with_one_percent_corrupted() -> None:
    pki = Pki(devices=tuple(f"dev-{i:03d}" for i in range(50)))
    verifier = pki.verifier()
    template = {d: canonical_bytes(pki.statement(d, pki.predicate(d, sequence=1)))
                for d in pki.keys}
    rng = random.Random(48)
    inputs, corrupt = [], set()
    for n in range(10_000):
        device = f"dev-{n % 50:03d}"
        payload = template[device].replace(b'"sequence":1,', b'"sequence":%d,' % (n // 50 + 1))
        sig = pki.keys[device].sign(pae(REPORT_PAYLOAD_TYPE.encode(), payload))
        from tests.security.pki import envelope_dict

        data = bytearray(envelope_bytes(envelope_dict(payload, REPORT_PAYLOAD_TYPE,
                                                      pki.keyid(device), sig)))
        if rng.random() < 0.01:
            data[rng.randrange(len(data) - 1)] ^= 0x20
            corrupt.add(n)
        inputs.append(bytes(data))
    results = [verifier.verify(data, f"r{n}") for n, data in enumerate(inputs)]
    assert [r.source for r in results] == [f"r{n}" for n in range(10_000)]
    accepted = {n for n, r in enumerate(results) if r.accepted}
    assert accepted == set(range(10_000)) - corrupt
    assert 50 < len(corrupt) < 160
