"""The trust file compiled once into an index: same keys, same answers, bounded memory."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from tests.security.pki import GOOD_FACTS, NOW, Pki

from wfhaudit.crypto.keyutil import BadKeyError, algorithm_of, keyid, spki_der
from wfhaudit.reasons import TrustError
from wfhaudit.trust import keys as keys_module
from wfhaudit.trust.draft import add_device, revoke
from wfhaudit.trust.file import load_trust
from wfhaudit.trust.index import compile_trust, open_index
from wfhaudit.trust.keys import checked_spki
from wfhaudit.verify.verifier import Verifier


def _raw(key: object) -> bytes:
    return key.public_bytes(serialization.Encoding.DER,  # type: ignore[attr-defined, no-any-return]
                            serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture
def pki() -> Pki:
    """Three Ed25519 devices and a P-256 one; dev-b's key revoked, a campaign open."""
    pki = Pki(devices=("dev-a", "dev-b", "dev-c"))
    p256 = ec.generate_private_key(ec.SECP256R1())
    add_device(pki.draft, p256.public_key(), "dev-hw", NOW - dt.timedelta(days=3),
               NOW + dt.timedelta(days=30))
    pki.keys["dev-hw"] = p256  # type: ignore[assignment]
    revoke(pki.draft, [pki.keyid("dev-b")], "retired", NOW - dt.timedelta(days=1))
    pki.open_campaign()
    return pki


def test_index_holds_the_same_trust_as_the_file(pki: Pki, tmp_path: Path) -> None:
    data, pins = pki.trust_bytes(), [pki.admin.public_key()]
    memory = load_trust(data, pins, NOW)
    index = compile_trust(data, pins, NOW, None, "trust", tmp_path / "t.sqlite")
    again = open_index(tmp_path / "t.sqlite")
    for trust in (index, again):
        assert (trust.version, trust.issued_at, trust.expires, dict(trust.accepted_policies),
                trust.min_tool_version, trust.campaigns, dict(trust.campaigns_by_id)) == \
            (memory.version, memory.issued_at, memory.expires, dict(memory.accepted_policies),
             memory.min_tool_version, memory.campaigns, dict(memory.campaigns_by_id))
        assert sorted(trust.keys) == sorted(memory.keys) and len(trust.keys) == 4
        now = NOW.timestamp()
        assert trust.keys.active_devices(now) == memory.keys.active_devices(now) == \
            ["dev-a", "dev-c", "dev-hw"]
        for kid in memory.keys:
            a, b = memory.keys[kid], trust.keys[kid]
            assert (a.keyid, a.alg, a.device_id, a.spki_sha256, a.not_before, a.not_after,
                    a.revoked_at, a.revoke_reason) == \
                (b.keyid, b.alg, b.device_id, b.spki_sha256, b.not_before, b.not_after,
                 b.revoked_at, b.revoke_reason)
            assert _raw(a.public_key) == _raw(b.public_key)
            assert keyid(b.public_key) == kid


@pytest.mark.parametrize("kid", ["sha256:" + "0" * 64, "sha256:xyz", "", "sha256:",
                                 None, 123, ["sha256:"]])
def test_unknown_or_malformed_key_ids_are_not_found(pki: Pki, tmp_path: Path,
                                                    kid: object) -> None:
    trust = compile_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW, None, "trust",
                          tmp_path / "t.sqlite")
    memory = load_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW)
    assert trust.keys.get(kid) is None and memory.keys.get(kid) is None  # type: ignore[arg-type]


def test_uppercase_key_id_is_not_the_key(pki: Pki, tmp_path: Path) -> None:
    trust = compile_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW, None, "trust",
                          tmp_path / "t.sqlite")
    kid = pki.keyid("dev-a")
    assert trust.keys.get(kid) is not None
    assert trust.keys.get("sha256:" + kid[7:].upper()) is None


def test_verifying_through_the_index_gives_the_same_results(pki: Pki, tmp_path: Path) -> None:
    data, pins = pki.trust_bytes(), [pki.admin.public_key()]
    indexed = Verifier(compile_trust(data, pins, NOW, None, "t", tmp_path / "t.sqlite"), now=NOW)
    memory = pki.verifier()
    stranger = Ed25519PrivateKey.generate()
    campaign = {"id": pki.draft["campaigns"][0]["id"], "nonce": "wrong"}
    envelopes = [
        pki.envelope("dev-a"), pki.envelope("dev-b"), pki.envelope("dev-c"),
        pki.envelope("dev-a", predicate=pki.predicate(facts={**GOOD_FACTS, "vpn.active": False})),
        pki.envelope("dev-a", key=stranger), pki.envelope("dev-a", kid="sha256:" + "1" * 64),
        pki.envelope("dev-c", predicate=pki.predicate("dev-c", campaign=campaign)),
    ]
    seen = set()
    for envelope in envelopes:
        a, b = indexed.check(envelope), memory.check(envelope)
        assert (a.reason, a.detail, a.device_id, a.verdict) == \
            (b.reason, b.detail, b.device_id, b.verdict)
        seen.add(a.reason)
    assert {"BAD_SIGNATURE", "UNKNOWN_KEY", "NONCE_UNKNOWN"} <= seen


def test_p256_keys_work_from_the_index(pki: Pki, tmp_path: Path) -> None:
    trust = compile_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW, None, "trust",
                          tmp_path / "t.sqlite")
    key = trust.keys[keyid(pki.keys["dev-hw"].public_key())]
    assert key.alg == "ecdsa-p256-sha256" and algorithm_of(key.public_key) == key.alg


def test_a_bad_trust_file_leaves_no_usable_index(pki: Pki, tmp_path: Path) -> None:
    other = Ed25519PrivateKey.generate()
    with pytest.raises(TrustError) as info:
        compile_trust(pki.trust_bytes(signer=other), [pki.admin.public_key()], NOW, None,
                      "trust", tmp_path / "t.sqlite")
    assert info.value.reason.value == "TRUST_UNTRUSTED"
    twice = copy.deepcopy(pki.draft)
    twice["devices"].append({"deviceId": "dev-x", "keys": twice["devices"][0]["keys"]})
    pki.draft = twice
    with pytest.raises(TrustError, match="key listed twice"):
        compile_trust(pki.unchecked_trust_bytes(), [pki.admin.public_key()], NOW, None,
                      "trust", tmp_path / "u.sqlite")


def test_built_keys_are_bounded(pki: Pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                ) -> None:
    monkeypatch.setattr(keys_module, "CACHED_KEYS", 2)
    trust = compile_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW, None, "trust",
                          tmp_path / "t.sqlite")
    for _ in range(3):
        for kid in list(trust.keys):
            assert trust.keys[kid].keyid == kid
            assert len(trust.keys._built) <= 2


def test_ed25519_keys_are_checked_without_a_key_object_and_agree_with_the_loader() -> None:
    for _ in range(50):
        key = Ed25519PrivateKey.generate().public_key()
        der = spki_der(key)
        assert checked_spki(der) == (der, keyid(key), "ed25519")
    for raw in (bytes([1]) + bytes(31), bytes(32), (2**255 - 19).to_bytes(32, "little")):
        weak = spki_der(Ed25519PublicKey.from_public_bytes(raw))
        with pytest.raises(BadKeyError, match="weak"):
            checked_spki(weak)
    with pytest.raises(BadKeyError):
        checked_spki(spki_der(Ed25519PrivateKey.generate().public_key())[:-1])
    p256 = ec.generate_private_key(ec.SECP256R1()).public_key()
    assert checked_spki(spki_der(p256)) == (spki_der(p256), keyid(p256), "ecdsa-p256-sha256")


def test_prefetch_builds_known_keys_and_skips_the_rest(pki: Pki, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    trust = compile_trust(pki.trust_bytes(), [pki.admin.public_key()], NOW, None, "trust",
                          tmp_path / "t.sqlite")
    known = list(trust.keys)
    hints = [*known, "sha256:" + "0" * 64, "sha256:" + known[0][7:].upper(), "", "nonsense"]
    trust.keys.prefetch(hints)
    assert sorted(trust.keys._built) == sorted(known)
    assert trust.keys.get("sha256:" + known[0][7:].upper()) is None
    fresh = open_index(tmp_path / "t.sqlite")
    for kid in known:
        assert trust.keys[kid] == fresh.keys[kid]._replace(public_key=trust.keys[kid].public_key)
    monkeypatch.setattr(keys_module, "CACHED_KEYS", 2)
    fresh.keys.prefetch(known[:1])
    fresh.keys.prefetch(known[1:3])
    assert len(fresh.keys._built) <= 3 and fresh.keys.get(known[3]) is not None
