"""IT's side of the trust file: an editable draft (plain JSON, reviewable) and `sign`.

`trust init` writes the draft; add-device, revoke, accept-policy and campaign edit it; `sign`
bumps the version, sets issuedAt/expires and writes the DSSE envelope verifiers load.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.device_key import load_ed25519_private_key, write_private_file
from wfhaudit.crypto.dsse import (
    TRUST_PAYLOAD_TYPE,
    EnvelopeError,
    b64decode_strict,
    envelope_bytes,
    parse_envelope,
    sign_envelope,
)
from wfhaudit.crypto.keyutil import PublicKey, algorithm_of, check_not_weak, keyid, spki_der
from wfhaudit.errors import InvalidInputError
from wfhaudit.trust.file import (
    REVOKE_REASONS,
    TRUST_TYPE,
    parse_trust_document,
    safe_device_id,
    version_tuple,
)
from wfhaudit.util.files import read_bytes, read_json, write_atomic
from wfhaudit.util.timefmt import stamp

DEFAULT_DRAFT = Path("trust.draft.json")


def new_draft(min_tool_version: str | None = None) -> dict[str, Any]:
    """An empty draft (version 0: never signed)."""
    if min_tool_version is not None and version_tuple(min_tool_version) is None:
        raise InvalidInputError(f"--min-tool-version: {min_tool_version!r} is not a version")
    return {"_type": TRUST_TYPE, "version": 0, "minToolVersion": min_tool_version,
            "acceptedPolicies": [], "devices": [], "revoked": [], "campaigns": []}


def read_draft(path: Path) -> dict[str, Any]:
    """Read and validate a draft."""
    doc = read_json(path, "trust draft")
    parse_trust_document(doc, draft=True)
    return doc  # type: ignore[no-any-return]


def write_draft(path: Path, doc: dict[str, Any]) -> Path:
    """Validate and write the draft (sorted, indented: easy to review in a pull request)."""
    parse_trust_document(doc, draft=True)
    return write_atomic(path, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def add_device(doc: dict[str, Any], key: PublicKey, device_id: str, not_before: dt.datetime,
               not_after: dt.datetime, owner: str | None = None, custody: str = "user",
               certification: dict[str, Any] | None = None) -> str:
    """Add a key for a device (no takeover checks: see trust.enrol); its key id."""
    if not safe_device_id(device_id):
        raise InvalidInputError(f"device id {device_id!r}: use letters, digits, '.', '_' or '-'")
    check_not_weak(key)
    kid = keyid(key)
    for dev in doc["devices"]:
        if any(k["keyid"] == kid for k in dev["keys"]):
            raise InvalidInputError(f"key {kid} is already enrolled for {dev['deviceId']}")
    entry: dict[str, Any] = {"keyid": kid, "alg": algorithm_of(key),
             "spki": base64.b64encode(spki_der(key)).decode("ascii"), "custody": custody,
             "notBefore": stamp(not_before), "notAfter": stamp(not_after)}
    if certification is not None:
        entry["certification"] = certification
    for dev in doc["devices"]:
        if dev["deviceId"] == device_id:
            dev["keys"].append(entry)
            if owner:
                dev["owner"] = owner
            return kid
    device: dict[str, Any] = {"deviceId": device_id, "keys": [entry]}
    if owner:
        device["owner"] = owner
    doc["devices"].append(device)
    return kid


def revoke(doc: dict[str, Any], keyids: list[str], reason: str, at: dt.datetime) -> None:
    """Revoke keys: key-compromise rejects every report; retired/superseded those received after."""
    if reason not in REVOKE_REASONS:
        raise InvalidInputError(f"--reason: use one of {', '.join(REVOKE_REASONS)}")
    known = {k["keyid"] for dev in doc["devices"] for k in dev["keys"]}
    for kid in keyids:
        if kid not in known:
            raise InvalidInputError(f"{kid}: no such key in the trust draft")
        doc["revoked"] = [r for r in doc["revoked"] if r["keyid"] != kid]
        doc["revoked"].append({"keyid": kid, "revokedAt": stamp(at), "reason": reason})


def device_keyids(doc: dict[str, Any], device_id: str) -> list[str]:
    """Key ids enrolled for a device."""
    for dev in doc["devices"]:
        if dev["deviceId"] == device_id:
            return [k["keyid"] for k in dev["keys"]]
    raise InvalidInputError(f"{device_id}: no such device in the trust draft")


def accept_policy(doc: dict[str, Any], digest: str, label: str | None = None,
                  not_after: dt.datetime | None = None) -> None:
    """Accept a policy digest ('sha256:<hex>'), replacing an earlier entry for it."""
    hexdigest = digest.removeprefix("sha256:")
    entry: dict[str, Any] = {"digest": {"sha256": hexdigest}}
    if label:
        entry["id"] = label
    if not_after:
        entry["notAfter"] = stamp(not_after)
    doc["acceptedPolicies"] = [p for p in doc["acceptedPolicies"]
                               if p["digest"]["sha256"] != hexdigest] + [entry]
    parse_trust_document(doc, draft=True)


def draft_enrolments(trust_path: Path) -> dict[str, str]:
    """Key id -> device id enrolled in the draft beside a trust file ({} when none is readable)."""
    try:
        doc = json.loads((trust_path.parent / DEFAULT_DRAFT.name).read_bytes()[:16 << 20])
        return {str(k["keyid"]): str(d["deviceId"]) for d in doc["devices"] for k in d["keys"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def load_admin_key(path: Path) -> Ed25519PrivateKey:
    """The admin's private key (refusing group/world-readable files and symlinks)."""
    if _is_public_key_file(path):
        raise InvalidInputError(
            f"{path}: this is a public key (the pin verifiers use); pass the private admin key, "
            "the file `wfhaudit trust init --admin-key` created (keep it offline)")
    return load_ed25519_private_key(path, "the admin key must be Ed25519")


def _is_public_key_file(path: Path) -> bool:
    """True for a regular file holding a PEM or OpenSSH public key.

    Looked at before the private-file checks, so this mistake gets its own message, not
    'readable by other users'.
    """
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b"-----BEGIN PUBLIC KEY-----" in head or head.startswith((b"ssh-", b"ecdsa-sha2-")) \
        or head.startswith(b"wfhaudit-device-id:")


def create_admin_key(path: Path, force: bool = False) -> Ed25519PrivateKey:
    """A new admin key, 0600, never replacing an existing file unless force."""
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private_file(path, key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()), force)
    return key


def public_pem(key: Ed25519PrivateKey) -> str:
    """SubjectPublicKeyInfo PEM of a private key's public half."""
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signed_version(path: Path) -> int:
    """Version inside an existing signed trust file (0 if none): versions never go down."""
    if not path.is_file():
        return 0
    try:
        env = parse_envelope(read_bytes(path, "trust file"))
        doc = strictjson.loads(b64decode_strict(env.payload_b64))
        version = doc["version"]
    except (EnvelopeError, ValueError, KeyError, TypeError):
        raise InvalidInputError(f"{path}: exists but is not a signed trust file; move it "
                                "away first") from None
    return version if type(version) is int else 0


def sign_draft(doc: dict[str, Any], admin_key: Ed25519PrivateKey, now: dt.datetime,
               days: int, floor_version: int = 0) -> bytes:
    """Bump the version, set issuedAt/expires, validate and sign; the envelope bytes."""
    if days < 1:
        raise InvalidInputError("--days must be at least 1")
    doc["version"] = max(int(doc.get("version", 0)), floor_version) + 1
    doc["issuedAt"] = stamp(now)
    doc["expires"] = stamp(now + dt.timedelta(days=days))
    parse_trust_document(doc)
    return envelope_bytes(sign_envelope(canonical_bytes(doc), TRUST_PAYLOAD_TYPE, admin_key))
