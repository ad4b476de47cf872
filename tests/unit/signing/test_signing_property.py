"""Property tests: no single-byte change of a signed report gets through."""

from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.security.pki import Pki

from wfhaudit.crypto import strictjson

PKI = Pki()
ENVELOPE = PKI.envelope()
PAYLOAD = base64.b64decode(json.loads(ENVELOPE)["payload"])
TRUST = PKI.trust()
SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _verify(data: bytes) -> tuple[bool, str, str | None]:
    from tests.security.pki import NOW

    from wfhaudit.verify.verifier import Verifier

    result = Verifier(TRUST, now=NOW).verify(data)
    return result.accepted, result.reason, result.payload_sha256


def _same_json(a: bytes, b: bytes) -> bool:
    try:
        return bool(strictjson.loads(a) == strictjson.loads(b))
    except strictjson.StrictJSONError:
        return False


@SETTINGS
@given(st.data())
def test_any_single_byte_change_of_the_envelope_is_rejected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(ENVELOPE) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != ENVELOPE[index]))
    mutated = ENVELOPE[:index] + bytes([value]) + ENVELOPE[index + 1:]
    accepted, reason, digest = _verify(mutated)
    if accepted:
        # Only insignificant JSON whitespace may change (e.g. the final newline to a space):
        # the envelope is then the same JSON document and exactly the same payload verified.
        assert _same_json(mutated, ENVELOPE), (index, value, reason)
        assert digest == _verify(ENVELOPE)[2]


@SETTINGS
@given(st.data())
def test_any_single_byte_change_of_the_signed_payload_is_rejected(data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(PAYLOAD) - 1))
    value = data.draw(st.integers(0, 255).filter(lambda b: b != PAYLOAD[index]))
    env = json.loads(ENVELOPE)
    env["payload"] = base64.b64encode(PAYLOAD[:index] + bytes([value]) + PAYLOAD[index + 1:]).decode()
    accepted, reason, _ = _verify(json.dumps(env).encode())
    assert not accepted and reason == "BAD_SIGNATURE"


def test_the_unchanged_envelope_verifies() -> None:
    assert _verify(ENVELOPE)[:2] == (True, "VERIFIED")
