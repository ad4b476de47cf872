"""DSSE envelopes (secure-systems-lab/dsse v1): PAE, strict base64, signing and parsing."""

from __future__ import annotations

import base64
import binascii
from typing import Any, NamedTuple

import pybase64

from wfhaudit.crypto import fastjson, strictjson
from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.keyutil import keyid
from wfhaudit.crypto.signer import SigningKey
from wfhaudit.reasons import Reason

REPORT_PAYLOAD_TYPE = "application/vnd.in-toto+json"
TRUST_PAYLOAD_TYPE = "application/vnd.wfhaudit.trust+json"
CAMPAIGN_PAYLOAD_TYPE = "application/vnd.wfhaudit.campaign+json"
_URLSAFE = str.maketrans("-_", "+/")
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


class EnvelopeError(ValueError):
    """The envelope is unusable; reason is a Reason code."""

    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason.value}: {detail}")


def pae(payload_type: bytes, body: bytes) -> bytes:
    """DSSE pre-authentication encoding: 'DSSEv1 SP len(type) SP type SP len(body) SP body'."""
    return b"DSSEv1 %d %b %d %b" % (len(payload_type), payload_type, len(body), body)


def b64decode_strict(text: str) -> bytes:
    """Decode standard or URL-safe base64 with padding; ValueError on anything else."""
    end = len(text)
    pad = 2 if text.endswith("==") else 1 if text.endswith("=") else 0
    if end % 4 or text.find("=", 0, end - pad) >= 0:
        raise ValueError("not strict base64 (length or padding)")
    # Unused low bits of the last character must be zero: one encoding per byte string.
    if pad and _ALPHABET.find(text[end - pad - 1]) & (0x0F if pad == 2 else 0x03):
        raise ValueError("not canonical base64 (non-zero padding bits)")
    try:
        # validate=True: any character outside the alphabet (whitespace too) is an error.
        return pybase64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        if "-" in text or "_" in text:
            if "+" in text or "/" in text:
                raise ValueError("mixes the standard and URL-safe base64 alphabets") from None
            return b64decode_strict(text.translate(_URLSAFE))
        raise ValueError(f"not strict base64 ({exc})") from None



def sign_envelope(payload: bytes, payload_type: str, key: SigningKey) -> dict[str, Any]:
    """A DSSE envelope with exactly one signature (Ed25519, or ECDSA P-256) over PAE."""
    sig = key.sign(pae(payload_type.encode("ascii"), payload))
    return {"payload": base64.b64encode(payload).decode("ascii"), "payloadType": payload_type,
            "signatures": [{"keyid": keyid(key.public_key()),
                            "sig": base64.b64encode(sig).decode("ascii")}]}


def envelope_bytes(envelope: dict[str, Any]) -> bytes:
    """The file form of an envelope: RFC 8785 bytes plus a newline."""
    return canonical_bytes(envelope) + b"\n"


class ParsedEnvelope(NamedTuple):
    """The parts of an envelope, before any signature is checked."""

    payload_type: str
    payload_b64: str
    signatures: list[Any]


def parse_envelope(data: bytes) -> ParsedEnvelope:
    """Strict-parse envelope bytes (steps 2 of §2.11); EnvelopeError with the reason."""
    try:
        # Envelope strings are checked against constants, the trust file or the base64
        # alphabet, so the strict path may skip the lone-surrogate scan of the payload text.
        env = fastjson.loads_envelope(data)
    except strictjson.StrictJSONError as exc:
        raise EnvelopeError(Reason.ENVELOPE_MALFORMED, str(exc)) from None
    if type(env) is not dict:
        raise EnvelopeError(Reason.ENVELOPE_MALFORMED, "not a JSON object")
    if "payload" not in env and "signatures" not in env and "payloadType" not in env:
        raise EnvelopeError(Reason.UNSIGNED, "plain JSON without a DSSE envelope (unsigned)")
    payload, ptype, sigs = env.get("payload"), env.get("payloadType"), env.get("signatures")
    if type(payload) is not str or type(ptype) is not str or type(sigs) is not list:
        raise EnvelopeError(Reason.ENVELOPE_MALFORMED,
                            "payload, payloadType (strings) and signatures (list) are required")
    return ParsedEnvelope(ptype, payload, sigs)


def single_signature(sigs: list[Any]) -> tuple[str | None, str]:
    """(keyid hint, base64 sig) of the one signature; EnvelopeError(SIGNATURE_COUNT) otherwise."""
    if len(sigs) != 1:
        raise EnvelopeError(Reason.SIGNATURE_COUNT, f"{len(sigs)} signatures; exactly one needed")
    entry = sigs[0]
    if type(entry) is not dict or type(entry.get("sig")) is not str or not entry["sig"]:
        raise EnvelopeError(Reason.SIGNATURE_COUNT, "the signature entry has no non-empty sig")
    kid = entry.get("keyid")
    return (kid if type(kid) is str else None), entry["sig"]
