"""DSSE primitives: PAE byte lengths, strict base64, envelope parsing reasons."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto.dsse import (
    EnvelopeError,
    b64decode_strict,
    envelope_bytes,
    pae,
    parse_envelope,
    sign_envelope,
    single_signature,
)
from wfhaudit.crypto.keyutil import ED25519, verify_signature


def test_pae_counts_utf8_bytes() -> None:
    assert pae(b"http://example.com/HelloWorld", b"hello world") == \
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    assert pae("é".encode(), "ø".encode()) == b"DSSEv1 2 \xc3\xa9 2 \xc3\xb8"
    assert pae(b"t", b"") == b"DSSEv1 1 t 0 "


@pytest.mark.parametrize("text, ok", [
    ("aGk=", True), ("aGl=", False), ("YQ==", True), ("YR==", False), ("YWJj", True),
    ("YWJj\n", False), ("YW Jj", False), ("YWJ", False), ("YQ=", False), ("Y===", False),
    ("YQ==YQ==", False), ("Y-8_", True), ("Y+8_", False), ("", True),
])
def test_base64_is_strict_and_canonical(text: str, ok: bool) -> None:
    if ok:
        assert base64.b64encode(b64decode_strict(text)).decode() == text.replace(
            "-", "+").replace("_", "/")
    else:
        with pytest.raises(ValueError):
            b64decode_strict(text)


def test_signed_envelope_round_trip() -> None:
    key = Ed25519PrivateKey.generate()
    data = envelope_bytes(sign_envelope(b'{"a":1}', "application/x-test", key))
    env = parse_envelope(data)
    kid, sig = single_signature(env.signatures)
    assert env.payload_type == "application/x-test" and kid and kid.startswith("sha256:")
    assert verify_signature(ED25519, key.public_key(), b64decode_strict(sig),
                            pae(b"application/x-test", b64decode_strict(env.payload_b64)))


@pytest.mark.parametrize("data, reason", [
    (b"not json", "ENVELOPE_MALFORMED"),
    (b"[1, 2]", "ENVELOPE_MALFORMED"),
    (b'{"format": "wfhaudit-report/1"}', "UNSIGNED"),
    (b'{"payload": 1, "payloadType": "t", "signatures": []}', "ENVELOPE_MALFORMED"),
    (b'{"payload": "", "payloadType": "t"}', "ENVELOPE_MALFORMED"),
    (b'{"payload": "", "payload": "", "payloadType": "t", "signatures": []}',
     "ENVELOPE_MALFORMED"),
])
def test_parse_envelope_reasons(data: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(data)
    assert info.value.reason.value == reason


@pytest.mark.parametrize("sigs", [[], [{"keyid": "k"}], [{"sig": ""}], ["x"],
                                  [{"sig": "AA=="}, {"sig": "AA=="}]])
def test_exactly_one_non_empty_signature(sigs: list[object]) -> None:
    with pytest.raises(EnvelopeError) as info:
        single_signature(sigs)
    assert info.value.reason.value == "SIGNATURE_COUNT"
