"""Adversarial cases, rows A1-A26: envelope, signature, parsing and Statement attacks.

Each test is named after its row and asserts the exact reason code.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from tests.security.pki import Pki, envelope_dict

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import REPORT_PAYLOAD_TYPE, envelope_bytes, pae
from wfhaudit.crypto.keyutil import ECDSA_P256, ED25519, keyid, verify_signature
from wfhaudit.trust.draft import add_device

L = 2**252 + 27742317777372353535851937790883648493  # order of the Ed25519 base point


def fields(envelope: bytes) -> dict[str, Any]:
    return json.loads(envelope)


def rebuild(env: dict[str, Any]) -> bytes:
    return json.dumps(env).encode()


def payload_of(envelope: bytes) -> bytes:
    return base64.b64decode(fields(envelope)["payload"])


def test_a01_untouched_fresh_report_with_live_nonce_is_verified() -> None:
    pki = Pki()
    campaign = pki.open_campaign()
    result = pki.verifier().verify(pki.envelope(predicate=pki.predicate(campaign=campaign)))
    assert (result.accepted, result.reason) == (True, "VERIFIED")
    assert result.device_id == "dev-a" and result.verdict == "READY"
    assert result.predicate is not None and result.predicate["campaign"] == campaign


def test_a02_one_byte_of_payload_changed_is_bad_signature() -> None:
    pki = Pki()
    env = fields(pki.envelope())
    payload = bytearray(base64.b64decode(env["payload"]))
    payload[len(payload) // 2] ^= 0x01
    env["payload"] = base64.b64encode(bytes(payload)).decode()
    assert pki.verifier().verify(rebuild(env)).reason == "BAD_SIGNATURE"


def test_a03_semantic_change_fail_to_pass_is_bad_signature() -> None:
    pki = Pki()
    failing = {**pki_facts(), "firewall.enabled": False}
    env = fields(pki.envelope(predicate=pki.predicate(facts=failing)))
    stmt = json.loads(base64.b64decode(env["payload"]))
    stmt["predicate"]["summary"]["verdict"] = "READY"
    for finding in stmt["predicate"]["findings"]:
        finding["status"] = "PASS"
    env["payload"] = base64.b64encode(canonical_bytes(stmt)).decode()
    assert pki.verifier().verify(rebuild(env)).reason == "BAD_SIGNATURE"


def pki_facts() -> dict[str, Any]:
    from tests.security.pki import GOOD_FACTS

    return dict(GOOD_FACTS)


def test_a04_urlsafe_base64_verifies_and_a_second_copy_is_duplicate() -> None:
    pki = Pki()
    original = pki.envelope()
    env = fields(original)
    payload = base64.b64decode(env["payload"])
    env["payload"] = base64.urlsafe_b64encode(payload).decode()
    env["signatures"][0]["sig"] = base64.urlsafe_b64encode(
        base64.b64decode(env["signatures"][0]["sig"])).decode()
    assert env["payload"] != fields(original)["payload"]  # the text really differs
    verifier = pki.verifier()
    first = verifier.verify(rebuild(env))
    assert first.reason == "VERIFIED"
    second = verifier.verify(original)
    assert second.reason == "DUPLICATE" and second.payload_sha256 == first.payload_sha256


@pytest.mark.parametrize("mangle", [
    lambda s: s[:40] + "\n" + s[40:],          # whitespace
    lambda s: s.rstrip("=") if s.endswith("=") else s + "=",  # wrong padding
    lambda s: s[:10] + "*" + s[11:],            # foreign character
    lambda s: s[:10] + "+" + s[11:20] + "-" + s[21:],  # mixed alphabets
])
def test_a05_base64_whitespace_padding_foreign_characters_are_envelope_malformed(
        mangle: Any) -> None:
    pki = Pki()
    env = fields(pki.envelope())
    env["payload"] = mangle(env["payload"])
    assert pki.verifier().verify(rebuild(env)).reason == "ENVELOPE_MALFORMED"


def test_a06_payload_type_swapped_to_application_json() -> None:
    pki = Pki()
    env = fields(pki.envelope())
    env["payloadType"] = "application/json"
    assert pki.verifier().verify(rebuild(env)).reason == "PAYLOAD_TYPE_UNSUPPORTED"
    # The type is inside PAE: the same signature does not verify over the other type.
    payload, sig = base64.b64decode(env["payload"]), base64.b64decode(env["signatures"][0]["sig"])
    key = pki.keys["dev-a"].public_key()
    assert verify_signature(ED25519, key, sig, pae(REPORT_PAYLOAD_TYPE.encode(), payload))
    assert not verify_signature(ED25519, key, sig, pae(b"application/json", payload))


def test_a07_unsupported_payload_type_validly_signed() -> None:
    pki = Pki()
    envelope = pki.envelope(payload_type="application/vnd.wfhaudit.enrollment+json")
    assert pki.verifier().verify(envelope).reason == "PAYLOAD_TYPE_UNSUPPORTED"


def test_a08_non_ascii_payload_type() -> None:
    pki = Pki()
    envelope = pki.envelope(payload_type="application/vnd.in-toto+jsön")
    assert pki.verifier().verify(envelope).reason == "PAYLOAD_TYPE_UNSUPPORTED"


def test_a09_signature_of_device_b_on_device_a_payload() -> None:
    pki = Pki()
    env_a, env_b = fields(pki.envelope("dev-a")), fields(pki.envelope("dev-b"))
    env_a["signatures"][0]["sig"] = env_b["signatures"][0]["sig"]
    assert pki.verifier().verify(rebuild(env_a)).reason == "BAD_SIGNATURE"


def test_a10_device_b_signs_a_statement_about_device_a() -> None:
    pki = Pki()
    about_a = pki.statement("dev-a", signer="dev-a")  # subject digest is A's key
    forged = pki.envelope("dev-b", statement=about_a)  # ...but B signs it
    assert pki.verifier().verify(forged).reason == "SUBJECT_KEY_MISMATCH"
    # B's own key digest in the subject, but the report names device A.
    claims_a = pki.statement("dev-a", signer="dev-b")
    assert pki.verifier().verify(pki.envelope("dev-b", statement=claims_a)).reason \
        == "SUBJECT_KEY_MISMATCH"


@pytest.mark.parametrize("kid", ["sha256:" + "0" * 64, None, ""])
def test_a11_unknown_or_missing_keyid_has_no_fallback(kid: str | None) -> None:
    pki = Pki()
    env = fields(pki.envelope())
    if kid is None:
        del env["signatures"][0]["keyid"]
    else:
        env["signatures"][0]["keyid"] = kid
    assert pki.verifier().verify(rebuild(env)).reason == "UNKNOWN_KEY"


def test_a12_attacker_key_and_alg_none_in_envelope_are_ignored() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pki = Pki()
    attacker = Ed25519PrivateKey.generate()
    extra = {"publicKey": base64.b64encode(b"x" * 32).decode(), "alg": "none"}
    env = {**fields(pki.envelope()), **extra}
    env["signatures"][0].update(extra)
    assert pki.verifier().verify(rebuild(env)).reason == "VERIFIED"
    forged = {**fields(pki.envelope(key=attacker, kid=pki.keyid("dev-a"))), **extra}
    assert pki.verifier().verify(rebuild(forged)).reason == "BAD_SIGNATURE"


@pytest.mark.parametrize("sigs", ["none", "empty", "two"])
def test_a13_zero_empty_or_two_signatures(sigs: str) -> None:
    pki = Pki()
    env = fields(pki.envelope())
    good = env["signatures"][0]
    env["signatures"] = {"none": [], "empty": [{**good, "sig": ""}],
                         "two": [good, {**good, "sig": base64.b64encode(b"\0" * 64).decode()}]}[sigs]
    assert pki.verifier().verify(rebuild(env)).reason == "SIGNATURE_COUNT"


@pytest.mark.parametrize("change", ["malleate", "truncate", "extend"])
def test_a14_malleated_truncated_or_extended_signature(change: str) -> None:
    pki = Pki()
    env = fields(pki.envelope())
    sig = base64.b64decode(env["signatures"][0]["sig"])
    if change == "malleate":  # S + L: same point equation, non-canonical scalar
        s = int.from_bytes(sig[32:], "little") + L
        sig = sig[:32] + s.to_bytes(32, "little")
    else:
        sig = sig[:63] if change == "truncate" else sig + b"\0"
    env["signatures"][0]["sig"] = base64.b64encode(sig).decode()
    assert pki.verifier().verify(rebuild(env)).reason == "BAD_SIGNATURE"


def test_a16_ecdsa_signature_for_ed25519_entry_and_vice_versa() -> None:
    pki = Pki(devices=("dev-a",))
    p256 = ec.generate_private_key(ec.SECP256R1())
    add_device(pki.draft, p256.public_key(), "dev-hw", pki_now(-30), pki_now(300))
    pki.keys["dev-hw"] = p256  # type: ignore[assignment]
    verifier = pki.verifier()
    payload_a = canonical_bytes(pki.statement("dev-a"))
    ecdsa_sig = p256.sign(pae(REPORT_PAYLOAD_TYPE.encode(), payload_a), ec.ECDSA(hashes.SHA256()))
    as_a = envelope_bytes(envelope_dict(payload_a, REPORT_PAYLOAD_TYPE, pki.keyid("dev-a"),
                                        ecdsa_sig))
    assert verifier.verify(as_a).reason == "BAD_SIGNATURE"
    payload_hw = canonical_bytes(pki.statement("dev-hw", pki.predicate("dev-hw"), signer="dev-hw"))
    ed_sig = pki.keys["dev-a"].sign(pae(REPORT_PAYLOAD_TYPE.encode(), payload_hw))
    as_hw = envelope_bytes(envelope_dict(payload_hw, REPORT_PAYLOAD_TYPE,
                                         keyid(p256.public_key()), ed_sig))
    assert verifier.verify(as_hw).reason == "BAD_SIGNATURE"
    # A real P-256 signature under the P-256 entry verifies (algorithm from the trust file).
    good_sig = p256.sign(pae(REPORT_PAYLOAD_TYPE.encode(), payload_hw), ec.ECDSA(hashes.SHA256()))
    good = envelope_bytes(envelope_dict(payload_hw, REPORT_PAYLOAD_TYPE,
                                        keyid(p256.public_key()), good_sig))
    assert verifier.verify(good).reason == "VERIFIED"


def pki_now(days: int) -> Any:
    import datetime as dt

    from tests.security.pki import NOW

    return NOW + dt.timedelta(days=days)


def test_a17_dsse_spec_vector_pae_and_p256_signature() -> None:
    assert pae(b"http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    # secure-systems-lab/dsse protocol.md test vector: ECDSA P-256, raw r||s signature.
    x = 46950820868899156662930047687818585632848591499744589407958293238635476079160
    y = 5640078356564379163099075877009565129882514886557779369047442380624545832820
    d = 97358161215184420915383655311931858321456579547487070936769975997791359926199
    raw = base64.b64decode("A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHq"
                           "JPcIAriEGAHTVeCUjW2JIZA==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
    assert ec.derive_private_key(d, ec.SECP256R1()).public_key().public_numbers() == \
        public.public_numbers()
    message = pae(b"http://example.com/HelloWorld", b"hello world")
    assert verify_signature(ECDSA_P256, public, der, message)
    assert not verify_signature(ECDSA_P256, public, der, message + b"!")


def test_a18_duplicate_member_names_in_envelope() -> None:
    pki = Pki()
    good = pki.envelope().decode().strip()
    evil_payload = base64.b64encode(b'{"_type":"x"}').decode()
    duplicated = '{"payload":"' + evil_payload + '",' + good[1:]
    assert pki.verifier().verify(duplicated.encode()).reason == "ENVELOPE_MALFORMED"


def test_a19_duplicate_member_names_inside_signed_payload() -> None:
    pki = Pki()
    payload = canonical_bytes(pki.statement())
    duplicated = payload.replace(b'"format":"wfhaudit-report/1"',
                                 b'"format":"wfhaudit-report/1","format":"wfhaudit-report/1"', 1)
    assert duplicated != payload
    assert pki.verifier().verify(pki.envelope(payload=duplicated)).reason == "PAYLOAD_MALFORMED"


@pytest.mark.parametrize("name, edit", [
    ("nan", lambda p: p.replace(b'"sequence":1', b'"sequence":NaN', 1)),
    ("infinity", lambda p: p.replace(b'"sequence":1', b'"sequence":-Infinity', 1)),
    ("lone surrogate", lambda p: p.replace(b'"name":"host"', b'"name":"\\ud800x"', 1)),
    ("invalid utf-8", lambda p: p.replace(b'"name":"host"', b'"name":"\xff\xfe"', 1)),
    ("bom", lambda p: b"\xef\xbb\xbf" + p),
    ("int > 2^53", lambda p: p.replace(b'"sequence":1', b'"sequence":9007199254740993', 1)),
    ("overflowing float", lambda p: p.replace(b'"sequence":1', b'"sequence":1e400', 1)),
])
def test_a20_non_i_json_payloads_are_payload_malformed(name: str, edit: Any) -> None:
    pki = Pki()
    payload = canonical_bytes(pki.statement())
    bad = edit(payload)
    assert bad != payload, name
    assert pki.verifier().verify(pki.envelope(payload=bad)).reason == "PAYLOAD_MALFORMED"


@pytest.mark.parametrize("bad", [b"[" * 100_000 + b"]" * 100_000,
                                 b'{"_type":' + b"7" * 5000 + b"}"])
def test_a21_deep_nesting_and_huge_integers_fail_fast(bad: bytes) -> None:
    pki = Pki()
    envelope = pki.envelope(payload=bad)
    start = time.perf_counter()
    result = pki.verifier(max_bytes=4 << 20).verify(envelope)
    assert result.reason == "PAYLOAD_MALFORMED"
    assert time.perf_counter() - start < 2.0


def test_a22_fifty_megabytes_is_too_large_before_parsing(tmp_path: Path) -> None:
    pki = Pki()
    big = tmp_path / "big.wfh.json"
    with big.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    verifier = pki.verifier()
    assert verifier.verify_file(big).reason == "TOO_LARGE"
    assert verifier.verify(b" " * (50 * 1024 * 1024)).reason == "TOO_LARGE"


def test_a22_two_hundred_thousand_results_is_schema_invalid() -> None:
    pki = Pki()
    stmt = pki.statement()
    stmt["predicate"]["findings"] = [0] * 200_000
    result = pki.verifier().verify(pki.envelope(statement=stmt))
    assert result.reason == "SCHEMA_INVALID" and "findings" in result.detail


def test_a23_file_changed_after_reading_does_not_change_the_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wfhaudit.verify.verifier as verify_module

    pki = Pki()
    report = tmp_path / "r.wfh.json"
    report.write_bytes(pki.envelope())
    failing = pki.envelope(predicate=pki.predicate(facts={**pki_facts(), "vpn.active": False}))
    real_read = verify_module.try_read

    def read_then_swap(path: str, limit: int) -> tuple[bytes | None, str]:
        data = real_read(path, limit)
        report.write_bytes(failing)  # the file changes right after it was read
        return data

    monkeypatch.setattr(verify_module, "try_read", read_then_swap)
    result = pki.verifier().verify_file(report)
    assert result.reason == "VERIFIED" and result.verdict == "READY"
    assert report.read_bytes() == failing  # the swap happened; the verdict is from read bytes


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a22_a_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "stuck.wfh.json"
    os.mkfifo(fifo)
    start = time.perf_counter()
    result = Pki().verifier().verify_file(fifo)
    assert (result.reason, result.detail) == ("ENVELOPE_MALFORMED", "cannot read: not a regular file")
    assert time.perf_counter() - start < 2.0


def test_a21_deeply_nested_policy_document_is_refused_without_recursion_error() -> None:
    pki = Pki()
    stmt = pki.statement()
    deep: dict[str, object] = {}
    node = deep
    for _ in range(600):
        node["x"] = {}
        node = node["x"]  # type: ignore[assignment]
    stmt["predicate"]["policy"]["document"] = deep
    payload = json.dumps(stmt).encode()
    result = pki.verifier(max_bytes=4 << 20).verify(pki.envelope(payload=payload))
    assert result.reason == "POLICY_MISMATCH"


def test_a24_wrong_type_subject_without_digest_unknown_predicate_type() -> None:
    pki = Pki()
    verifier = pki.verifier()
    wrong_type = {**pki.statement(), "_type": "https://in-toto.io/Statement/v0.1"}
    assert verifier.verify(pki.envelope(statement=wrong_type)).reason == "STATEMENT_INVALID"
    no_digest = pki.statement()
    no_digest["subject"][0]["digest"] = {"sha512": "ab" * 64}
    assert verifier.verify(pki.envelope(statement=no_digest)).reason == "STATEMENT_INVALID"
    two_subjects = pki.statement()
    two_subjects["subject"] = two_subjects["subject"] * 2
    assert verifier.verify(pki.envelope(statement=two_subjects)).reason == "STATEMENT_INVALID"
    unknown = {**pki.statement(), "predicateType": "https://slsa.dev/provenance/v1"}
    assert verifier.verify(pki.envelope(statement=unknown)).reason == \
        "PREDICATE_TYPE_UNSUPPORTED"


def test_a25_predicate_schema_violations() -> None:
    pki = Pki()
    verifier = pki.verifier()
    passed = pki.statement()
    passed["predicate"]["findings"][0]["status"] = "passed"
    assert verifier.verify(pki.envelope(statement=passed)).reason == "SCHEMA_INVALID"
    no_digest = pki.statement()
    del no_digest["predicate"]["policy"]["digest"]
    result = verifier.verify(pki.envelope(statement=no_digest))
    assert result.reason == "SCHEMA_INVALID" and "policy.digest" in result.detail


def test_a26_unknown_predicate_fields_are_accepted_but_not_returned() -> None:
    pki = Pki()
    stmt = pki.statement()
    stmt["predicate"]["x_vendor"] = {"note": "<b>trusted?</b>"}
    stmt["extraTopLevel"] = True
    result = pki.verifier().verify(pki.envelope(statement=stmt))
    assert result.reason == "VERIFIED"
    assert result.predicate is not None and "x_vendor" not in result.predicate
