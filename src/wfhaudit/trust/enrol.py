"""Enrolment rules that stop a key file from taking over a device, and the per-device key diff.

The device id in an exported key file is written by whoever sends the file, so it is a claim:
a key for a device that is already enrolled is refused unless IT says `--rotate`, and a key that
is the admin key or is enrolled for any device is refused outright. `trust sign` shows which
keys each device gains and loses against the last signed file, so a reviewer sees a takeover.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.dsse import TRUST_PAYLOAD_TYPE
from wfhaudit.crypto.keyutil import PublicKey, keyid
from wfhaudit.errors import InvalidInputError
from wfhaudit.reasons import TrustError
from wfhaudit.trust.file import CUSTODY_LEVELS, verify_admin_envelope
from wfhaudit.util.files import read_bytes
from wfhaudit.util.timefmt import stamp


def custody_rank(custody: str) -> int:
    """0 user, 1 system, 2 tpm: a gate asking for a level accepts it and every stronger one."""
    return CUSTODY_LEVELS.index(custody)


def check_custody(custody: str) -> str:
    """The custody name, or InvalidInputError naming the choices."""
    if custody not in CUSTODY_LEVELS:
        raise InvalidInputError(f"custody {custody!r}: use one of {', '.join(CUSTODY_LEVELS)}")
    return custody


def _owner_of(doc: Mapping[str, Any], kid: str) -> str | None:
    for dev in doc["devices"]:
        if any(k["keyid"] == kid for k in dev["keys"]):
            return str(dev["deviceId"])
    return None


def _live_keys(doc: Mapping[str, Any], device_id: str) -> list[str]:
    revoked = {r["keyid"] for r in doc["revoked"]}
    for dev in doc["devices"]:
        if dev["deviceId"] == device_id:
            return [k["keyid"] for k in dev["keys"] if k["keyid"] not in revoked]
    return []


def check_enrolment(doc: Mapping[str, Any], key: PublicKey, device_id: str, rotate: bool,
                    admin_keys: Sequence[PublicKey]) -> list[str]:
    """Refuse a takeover; returns the device's current live key ids (superseded on rotation)."""
    kid = keyid(key)
    if any(keyid(admin) == kid for admin in admin_keys):
        raise InvalidInputError(f"key {kid} is the IT admin key: it can never be a device key")
    owner = _owner_of(doc, kid)
    if owner is not None:
        raise InvalidInputError(f"key {kid} is already enrolled for {owner}; one key belongs "
                                "to exactly one device")
    live = _live_keys(doc, device_id)
    known = any(dev["deviceId"] == device_id for dev in doc["devices"])
    if known and not rotate:
        have = ", ".join(live) or "only revoked keys"
        raise InvalidInputError(
            f"device {device_id} is already enrolled ({have}); another key would let its "
            "holder report as that device. If this is the same device with a new key, re-run "
            "with --rotate (its old keys are then superseded); otherwise check the device id "
            "in the key file, which its sender wrote")
    if rotate and not known:
        raise InvalidInputError(f"--rotate: device {device_id} is not enrolled yet")
    return live


def supersede(doc: dict[str, Any], keyids: Iterable[str], at: dt.datetime) -> None:
    """Mark keys superseded at a time (reports received after it are rejected)."""
    for kid in keyids:
        doc["revoked"] = [r for r in doc["revoked"] if r["keyid"] != kid]
        doc["revoked"].append({"keyid": kid, "revokedAt": stamp(at), "reason": "superseded"})


def previous_document(path: Path, admin: PublicKey) -> dict[str, Any] | None:
    """The trust document last signed into path by this admin key (None if it was not)."""
    try:
        payload = verify_admin_envelope(read_bytes(path, "trust file"), TRUST_PAYLOAD_TYPE,
                                        [admin], str(path))
        doc = strictjson.loads(payload)
    except (TrustError, strictjson.StrictJSONError):
        return None
    return doc if type(doc) is dict else None


def _key_table(doc: Mapping[str, Any] | None) -> dict[str, tuple[str, str]]:
    """Map each listed key id to (device id, custody)."""
    out: dict[str, tuple[str, str]] = {}
    for dev in (doc or {}).get("devices", []):
        for k in dev.get("keys", []):
            out[str(k.get("keyid"))] = (str(dev.get("deviceId")), str(k.get("custody", "user")))
    return out


def _revocations(doc: Mapping[str, Any] | None) -> dict[str, tuple[str, str]]:
    return {str(r.get("keyid")): (str(r.get("reason")), str(r.get("revokedAt")))
            for r in (doc or {}).get("revoked", [])}


def key_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Per-device key additions, removals and new revocations of new against old."""
    before, after = _key_table(old), _key_table(new)
    was_revoked, revoked = _revocations(old), _revocations(new)
    lines = []
    for kid in sorted(after.keys() - before.keys(), key=lambda k: (after[k][0], k)):
        device, custody = after[kid]
        lines.append(f"+ {device}: key {kid} added (custody {custody})")
    lines.extend(f"- {before[kid][0]}: key {kid} removed"
                 for kid in sorted(before.keys() - after.keys(), key=lambda k: (before[k][0], k)))
    for kid in sorted(revoked.keys() - was_revoked.keys()):
        device = after.get(kid, before.get(kid, ("?", "")))[0]
        reason, at = revoked[kid]
        lines.append(f"- {device}: key {kid} revoked ({reason} at {at})")
    return lines
