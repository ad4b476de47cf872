"""The in-toto Statement v1 around a report predicate, and signing it on the device.

predicateType `https://wfhaudit.dev/report/v1` (a wfhaudit URI; nothing is fetched from it);
subject `urn:wfhaudit:device:<id>` with the SHA-256 of the device key's DER SPKI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import REPORT_PAYLOAD_TYPE, envelope_bytes, sign_envelope
from wfhaudit.crypto.keyutil import spki_sha256
from wfhaudit.crypto.signer import SigningKey
from wfhaudit.errors import ReportError

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://wfhaudit.dev/report/v1"
SUBJECT_PREFIX = "urn:wfhaudit:device:"


def build_statement(predicate: Mapping[str, Any], key: SigningKey) -> dict[str, Any]:
    """Statement whose subject is the device (its id and the digest of its public key)."""
    device_id = str(predicate["device"]["id"])
    return {"_type": STATEMENT_TYPE,
            "subject": [{"name": SUBJECT_PREFIX + device_id,
                         "digest": {"sha256": spki_sha256(key.public_key())}}],
            "predicateType": PREDICATE_TYPE,
            "predicate": dict(predicate)}


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """RFC 8785 bytes; data JCS cannot represent is refused before anything is signed."""
    try:
        return canonical_bytes(statement)
    except (ValueError, TypeError) as exc:
        raise ReportError(f"report cannot be signed: not representable in RFC 8785 JSON "
                          f"({exc})") from None


def sign_report(predicate: Mapping[str, Any], key: SigningKey) -> bytes:
    """The signed report file: a DSSE envelope (one signature) around the Statement."""
    payload = statement_bytes(build_statement(predicate, key))
    return envelope_bytes(sign_envelope(payload, REPORT_PAYLOAD_TYPE, key))
