"""IT's trust-file use cases: start a draft, enrol, revoke, accept policies, campaigns, sign."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from wfhaudit.crypto.keyutil import BadKeyError, PublicKey, device_id_hint, load_public_keys
from wfhaudit.errors import InvalidInputError, UsageError
from wfhaudit.policy.loader import load_policy
from wfhaudit.trust.campaign import make_challenge, new_nonce, trust_entry
from wfhaudit.trust.draft import (
    accept_policy,
    add_device,
    create_admin_key,
    device_keyids,
    load_admin_key,
    new_draft,
    public_pem,
    read_draft,
    revoke,
    sign_draft,
    signed_version,
    write_draft,
)
from wfhaudit.trust.enrol import (
    check_custody,
    check_enrolment,
    key_diff,
    previous_document,
    supersede,
)
from wfhaudit.trust.file import ADMIN_PIN_NAME
from wfhaudit.trust.tpm_cert import certification_for
from wfhaudit.util.files import read_bytes, write_atomic


def now() -> dt.datetime:
    """The current UTC time to the second (every trust-file time has second precision)."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def init_trust(draft_path: Path, admin_key: Path, *, create_key: bool, force: bool,
               min_tool_version: str | None) -> Path:
    """Start a draft (and the admin key if asked); returns the admin public key pin's path."""
    if draft_path.exists() and not force:
        raise UsageError(f"{draft_path}: a trust draft already exists (use --force to replace)")
    if create_key and (admin_key.exists() or admin_key.is_symlink()):
        raise UsageError(f"{admin_key}: an admin key already exists; run without "
                         "--create-admin-key to use it")
    key = create_admin_key(admin_key) if create_key else load_admin_key(admin_key)
    write_draft(draft_path, new_draft(min_tool_version))
    return write_atomic(draft_path.parent / ADMIN_PIN_NAME, public_pem(key), mode=0o644)


@dataclass(frozen=True)
class Enrolment:
    """A device key added to the draft."""

    device_id: str
    keyid: str
    superseded: tuple[str, ...] = ()


def enrol_device(draft_path: Path, key_file: Path, device_id: str | None, owner: str | None,
                 not_before: dt.datetime | None, not_after: dt.datetime | None,
                 days: int, *, rotate: bool = False, custody: str = "user",
                 ak_pins: tuple[Path, ...] = ()) -> Enrolment:
    """Add a device's exported public key to the draft (valid from 7 days back by default).

    Refuses a key that would take over a device (see trust.enrol); with rotate the device's
    earlier keys are superseded now. A `tpm` custody needs the key's TPM certification in the
    exported file, checked here against the pinned attestation keys.
    """
    raw = read_bytes(key_file, "public key")
    try:
        found = load_public_keys(raw)
    except BadKeyError as exc:
        raise InvalidInputError(f"{key_file}: {exc}") from None
    if b"PRIVATE KEY-----" in raw:
        raise InvalidInputError(
            f"{key_file}: this is a private key, which must never leave its owner; on the device, "
            "export its public key with `wfhaudit keys export > dev.pub` and enrol dev.pub")
    if len(found) != 1:
        raise InvalidInputError(f"{key_file}: expected exactly one public key, found "
                                f"{len(found)} (enrol the output of `wfhaudit keys export`)")
    hint = device_id_hint(raw)
    if device_id and hint and device_id != hint:
        raise UsageError(f"--device-id {device_id} differs from {hint} named in {key_file}")
    device = device_id or hint
    if not device:
        raise UsageError(f"{key_file} names no device id: pass --device-id")
    start = not_before or now() - dt.timedelta(days=7)
    end = not_after or now() + dt.timedelta(days=days)
    doc = read_draft(draft_path)
    certification = certification_for(raw, found[0], check_custody(custody), ak_pins, key_file)
    admins = _admin_pins(draft_path)
    old_keys = check_enrolment(doc, found[0], device, rotate, admins)
    if rotate:
        supersede(doc, old_keys, now())
    kid = add_device(doc, found[0], device, start, end, owner, custody, certification)
    write_draft(draft_path, doc)
    return Enrolment(device, kid, tuple(old_keys) if rotate else ())


def _admin_pins(draft_path: Path) -> list[PublicKey]:
    pin = draft_path.parent / ADMIN_PIN_NAME
    return load_public_keys(read_bytes(pin, "admin public key")) if pin.is_file() else []


def revoke_keys(draft_path: Path, keyids: list[str], device_id: str | None, reason: str,
                at: dt.datetime | None) -> int:
    """Revoke the named keys and every key of device_id; returns how many."""
    doc = read_draft(draft_path)
    targets = list(keyids) + (device_keyids(doc, device_id) if device_id else [])
    if not targets:
        raise UsageError("name a KEYID or --device")
    revoke(doc, targets, reason, at or now())
    write_draft(draft_path, doc)
    return len(targets)


def policy_digest(ref: str) -> tuple[str, str | None]:
    """(digest, policy id) for a sha256:… digest or a policy NAME|PATH (id None for a digest)."""
    if ref.startswith("sha256:"):
        return ref, None
    policy = load_policy(ref)
    return policy.digest, policy.id


def accept(draft_path: Path, ref: str, label: str | None,
           not_after: dt.datetime | None) -> tuple[str, str | None]:
    """Accept reports made under a policy (digest or NAME|PATH); returns (digest, id or label)."""
    digest, policy_id = policy_digest(ref)
    doc = read_draft(draft_path)
    accept_policy(doc, digest, label or policy_id, not_after)
    write_draft(draft_path, doc)
    return digest, label or policy_id


def open_campaign(draft_path: Path, admin_key: Path, campaign_id: str, days: int,
                  device_id: str | None, policy_ref: str | None, out: Path) -> dt.datetime:
    """Record a campaign in the draft and write its signed challenge file; returns its end."""
    digest = policy_digest(policy_ref)[0] if policy_ref else None
    key = load_admin_key(admin_key)
    doc = read_draft(draft_path)
    start = now()
    end = start + dt.timedelta(days=days)
    nonce = new_nonce()
    doc["campaigns"].append(trust_entry(campaign_id, nonce, start, end, device_id, digest))
    write_draft(draft_path, doc)
    write_atomic(out, make_challenge(campaign_id, nonce, start, end, key, device_id, digest))
    return end


@dataclass(frozen=True)
class Signed:
    """A signed trust file: its version, expiry and the per-device key changes it brings."""

    version: int
    expires: str
    changes: tuple[str, ...]


def sign_trust(draft_path: Path, admin_key: Path, days: int, out: Path) -> Signed:
    """Sign the draft into out (version bumped, expiry set), with the key diff to the last one."""
    key = load_admin_key(admin_key)
    doc = read_draft(draft_path)
    floor = signed_version(out)
    previous = previous_document(out, key.public_key()) if floor else None
    data = sign_draft(doc, key, now(), days, floor)
    write_atomic(out, data)
    write_draft(draft_path, doc)
    return Signed(doc["version"], doc["expires"], tuple(key_diff(previous, doc)))
