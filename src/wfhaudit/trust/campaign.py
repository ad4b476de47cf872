"""Campaign challenge files: IT signs a random nonce; `check --campaign` echoes it in the report.

Challenge payload (DSSE, payloadType application/vnd.wfhaudit.campaign+json):
{"_type": "https://wfhaudit.dev/campaign/v1", "campaignId", "nonce", "notBefore", "notAfter",
 "deviceId"?, "policyDigest"?}. The trust file lists the campaign with only the nonce's SHA-256.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import (
    CAMPAIGN_PAYLOAD_TYPE,
    EnvelopeError,
    b64decode_strict,
    envelope_bytes,
    parse_envelope,
    sign_envelope,
)
from wfhaudit.errors import InvalidInputError
from wfhaudit.trust.file import (
    ADMIN_PIN_NAME,
    nonce_digest,
    read_admin_pins,
    verify_admin_envelope,
)
from wfhaudit.util.files import read_bytes
from wfhaudit.util.timefmt import parse_epoch, stamp

CAMPAIGN_TYPE = "https://wfhaudit.dev/campaign/v1"
SKEW_S = 300


def new_nonce() -> str:
    """256 random bits, base64url without padding."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii").rstrip("=")


def make_challenge(campaign_id: str, nonce: str, not_before: dt.datetime,
                   not_after: dt.datetime, admin_key: Ed25519PrivateKey,
                   device_id: str | None = None, policy_digest: str | None = None) -> bytes:
    """The signed challenge file devices run `check --campaign` with."""
    doc: dict[str, Any] = {"_type": CAMPAIGN_TYPE, "campaignId": campaign_id, "nonce": nonce,
                           "notBefore": stamp(not_before), "notAfter": stamp(not_after)}
    if device_id:
        doc["deviceId"] = device_id
    if policy_digest:
        doc["policyDigest"] = policy_digest
    return envelope_bytes(sign_envelope(canonical_bytes(doc), CAMPAIGN_PAYLOAD_TYPE, admin_key))


def trust_entry(campaign_id: str, nonce: str, not_before: dt.datetime, not_after: dt.datetime,
                device_id: str | None = None, policy_digest: str | None = None) -> dict[str, Any]:
    """The campaign as the trust file lists it (nonce hashed)."""
    entry: dict[str, Any] = {"id": campaign_id, "nonceSha256": nonce_digest(nonce),
                             "notBefore": stamp(not_before), "notAfter": stamp(not_after)}
    if device_id:
        entry["deviceId"] = device_id
    if policy_digest:
        entry["policyDigest"] = {"sha256": policy_digest.removeprefix("sha256:")}
    return entry


def read_challenge(path: Path) -> dict[str, Any]:
    """The challenge payload; its admin signature is checked when a pin lies beside the file."""
    data = read_bytes(path, "campaign file")
    if (path.parent / ADMIN_PIN_NAME).is_file():
        payload = verify_admin_envelope(data, CAMPAIGN_PAYLOAD_TYPE,
                                        read_admin_pins([path.parent / ADMIN_PIN_NAME], None),
                                        str(path))
    else:
        try:
            env = parse_envelope(data)
            if env.payload_type != CAMPAIGN_PAYLOAD_TYPE:
                raise InvalidInputError(f"{path}: not a wfhaudit campaign file")
            payload = b64decode_strict(env.payload_b64)
        except (EnvelopeError, ValueError) as exc:
            raise InvalidInputError(f"{path}: not a wfhaudit campaign file ({exc})") from None
    try:
        doc = strictjson.loads(payload)
        strictjson.check_depth(doc, 8)
    except strictjson.StrictJSONError as exc:
        raise InvalidInputError(f"{path}: {exc}") from None
    ok = (type(doc) is dict and doc.get("_type") == CAMPAIGN_TYPE
          and type(doc.get("campaignId")) is str and type(doc.get("nonce")) is str
          and parse_epoch(doc.get("notBefore")) is not None
          and parse_epoch(doc.get("notAfter")) is not None)
    if not ok:
        raise InvalidInputError(f"{path}: $: campaign needs campaignId, nonce, notBefore, notAfter")
    return doc  # type: ignore[no-any-return]


def campaign_for_check(path: Path, policy_digest: str, device_id: str,
                       now: dt.datetime) -> dict[str, str]:
    """{"id", "nonce"} for the report, after checking the campaign applies to this run."""
    doc = read_challenge(path)
    start, end = parse_epoch(doc["notBefore"]), parse_epoch(doc["notAfter"])
    assert start is not None and end is not None  # noqa: S101 - read_challenge checked them
    ts = now.timestamp()
    name = doc["campaignId"][:64]
    if ts < start - SKEW_S:
        raise InvalidInputError(f"{path}: campaign {name!r} opens at {doc['notBefore']}")
    if ts > end:
        raise InvalidInputError(f"{path}: campaign {name!r} closed at {doc['notAfter']}; ask IT "
                                "for the current campaign file")
    if doc.get("deviceId") not in (None, device_id):
        raise InvalidInputError(f"{path}: campaign {name!r} was issued to another device")
    wanted = doc.get("policyDigest")
    if wanted not in (None, policy_digest):
        raise InvalidInputError(f"{path}: campaign {name!r} requires policy {wanted}; this run "
                                f"uses {policy_digest} (run with the policy IT named)")
    return {"id": doc["campaignId"], "nonce": doc["nonce"]}
