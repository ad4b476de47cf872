"""IT's trust file: signed list of devices, keys, revocations, policies and campaigns.

Versioned and expiring; loading fails closed.

The file is a DSSE envelope (payloadType application/vnd.wfhaudit.trust+json) signed by an
admin key that the verifier pins: `--admin-pubkey FILE` or `wfhaudit-admin.pub` beside it.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wfhaudit.crypto import fastjson, strictjson
from wfhaudit.crypto.dsse import (
    TRUST_PAYLOAD_TYPE,
    EnvelopeError,
    b64decode_strict,
    pae,
    parse_envelope,
)
from wfhaudit.crypto.keyutil import (
    ALGORITHMS,
    ECDSA_P256,
    BadKeyError,
    PublicKey,
    algorithm_of,
    load_public_keys,
    verify_signature,
)
from wfhaudit.errors import InvalidInputError
from wfhaudit.reasons import Reason, TrustError
from wfhaudit.trust.keys import KeyTable, MemoryRows, RowSink, checked_spki
from wfhaudit.util.files import read_bytes
from wfhaudit.util.timefmt import parse_epoch, stamp, to_datetime

TRUST_TYPE = "https://wfhaudit.dev/trust/v1"
ADMIN_PIN_NAME = "wfhaudit-admin.pub"
REVOKE_REASONS = ("key-compromise", "retired", "superseded")
CUSTODY_LEVELS = ("user", "system", "tpm")
DEVICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_WINDOWS_RESERVED = re.compile(r"(?i)(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?")


def safe_device_id(text: object) -> bool:
    """Device ids end up in file names: short, plain characters, no Windows device names."""
    return (type(text) is str and DEVICE_ID.fullmatch(text) is not None
            and _WINDOWS_RESERVED.fullmatch(text) is None)
_HEX64 = re.compile(r"[0-9a-f]{64}")
_VERSION = re.compile(r"(\d+(?:\.\d+)*)")


def version_tuple(text: object) -> tuple[int, ...] | None:
    """(0, 4, 1) for '0.4.1' or '0.4.1rc2'; None when there is no leading dotted number."""
    match = _VERSION.match(text) if type(text) is str else None
    return tuple(int(p) for p in match.group(1).split(".")) if match else None


@dataclass(frozen=True)
class Campaign:
    """A challenge IT issued: reports echo its id and nonce while it is open."""

    id: str
    nonce_sha256: str
    not_before: float
    not_after: float
    device_id: str | None = None
    policy_digest: str | None = None


@dataclass(frozen=True)
class Trust:
    """A verified trust document, indexed for the verifier's hot path."""

    version: int
    issued_at: float
    expires: float
    keys: KeyTable
    accepted_policies: Mapping[str, float | None]
    min_tool_version: tuple[int, ...] | None
    campaigns: tuple[Campaign, ...]
    campaigns_by_id: Mapping[str, tuple[Campaign, ...]] = field(default_factory=dict, repr=False)


_EPOCHS: dict[str, float] = {}


class _Problems(Exception):
    pass


def _need(ok: bool, path: str, message: str) -> None:
    if not ok:
        raise _Problems(f"{path}: {message}")


def _stamp(obj: Mapping[str, Any], key: str, path: str, optional: bool = False) -> float | None:
    if optional and obj.get(key) is None:
        return None
    text = obj.get(key)
    # Keys enrolled together share their times: each distinct stamp is parsed once (bounded).
    value = _EPOCHS.get(text) if type(text) is str else None
    if value is None:
        value = parse_epoch(text)
        if value is not None and len(_EPOCHS) < 4096:
            _EPOCHS[str(text)] = value
    _need(value is not None, f"{path}.{key}", "expected a UTC time like 2026-11-23T10:40:00Z")
    return value


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    _need(type(value) is list, f"$.{key}", "expected a list")
    for i, item in enumerate(value):
        _need(type(item) is dict, f"$.{key}[{i}]", "expected an object")
    return value  # type: ignore[no-any-return]


def _digest(value: Any, path: str) -> str:
    _need(type(value) is dict and type(value.get("sha256")) is str
          and _HEX64.fullmatch(value["sha256"]) is not None, path,
          'expected {"sha256": "<64 lowercase hex>"}')
    return "sha256:" + str(value["sha256"])


def _keys(doc: Mapping[str, Any], revoked: Mapping[str, tuple[float, str]],
          rows: RowSink) -> None:
    device_ids: set[str] = set()
    for i, dev in enumerate(_list(doc, "devices")):
        path = f"$.devices[{i}]"
        device_id = dev.get("deviceId")
        _need(safe_device_id(device_id), f"{path}.deviceId",
              "expected letters, digits, '.', '_' or '-' (max 64), not a Windows device name")
        _need(device_id not in device_ids, f"{path}.deviceId", f"device {device_id} listed twice")
        device_ids.add(device_id)
        entries = dev.get("keys")
        _need(type(entries) is list and bool(entries), f"{path}.keys", "expected a non-empty list")
        for j, entry in enumerate(entries):
            kpath = f"{path}.keys[{j}]"
            _need(type(entry) is dict, kpath, "expected an object")
            alg = entry.get("alg")
            _need(alg in ALGORITHMS, f"{kpath}.alg", f"unknown algorithm {alg!r}")
            try:
                der, kid, key_alg = checked_spki(
                    base64.b64decode(str(entry.get("spki", "")), validate=True))
            except (binascii.Error, ValueError, BadKeyError) as exc:
                raise _Problems(f"{kpath}.spki: {exc}") from None
            _need(key_alg == alg, f"{kpath}.alg", f"{alg} does not match the key type")
            _need(entry.get("keyid") == kid, f"{kpath}.keyid", f"must be {kid} (from the key)")
            _need(kid not in rows, f"{kpath}.keyid", "key listed twice (a key belongs to "
                                                     "exactly one device)")
            nb, na = _stamp(entry, "notBefore", kpath), _stamp(entry, "notAfter", kpath)
            assert nb is not None and na is not None  # noqa: S101 - _stamp raised otherwise
            _need(nb < na, kpath, "notBefore must be before notAfter")
            rev_at, rev_reason = revoked.get(kid, (None, None))
            custody = entry.get("custody", "user")
            _need(custody in CUSTODY_LEVELS, f"{kpath}.custody",
                  f"expected one of {', '.join(CUSTODY_LEVELS)}")
            _need(custody != "tpm" or alg == ECDSA_P256, f"{kpath}.custody",
                  "a TPM key is ECDSA P-256")
            owner = dev.get("owner") if type(dev.get("owner")) is str else None
            rows[kid] = (alg, der, device_id, nb, na, rev_at, rev_reason, custody,
                         owner[:200] if owner else None)


def _campaigns(doc: Mapping[str, Any]) -> tuple[Campaign, ...]:
    out = []
    for i, c in enumerate(_list(doc, "campaigns")):
        path = f"$.campaigns[{i}]"
        _need(type(c.get("id")) is str and 0 < len(c["id"]) <= 128, f"{path}.id", "expected text")
        _need(type(c.get("nonceSha256")) is str and _HEX64.fullmatch(c["nonceSha256"]) is not None,
              f"{path}.nonceSha256", "expected 64 lowercase hex")
        device = c.get("deviceId")
        _need(device is None or type(device) is str, f"{path}.deviceId", "expected text")
        policy = _digest(c["policyDigest"], f"{path}.policyDigest") \
            if c.get("policyDigest") is not None else None
        nb, na = _stamp(c, "notBefore", path), _stamp(c, "notAfter", path)
        assert nb is not None and na is not None  # noqa: S101
        out.append(Campaign(c["id"], c["nonceSha256"], nb, na, device, policy))
    return tuple(out)


def parse_trust_document(doc: Any, draft: bool = False, rows: RowSink | None = None) -> Trust:
    """Validate a trust document; TrustError(TRUST_INVALID) names the first problem.

    The keys go into `rows` (an index being written), or into memory when it is None.
    """
    rows = rows if rows is not None else MemoryRows()
    try:
        _need(type(doc) is dict, "$", "expected a JSON object")
        _need(doc.get("_type") == TRUST_TYPE, "$._type", f"expected {TRUST_TYPE!r}")
        version = doc.get("version")
        _need(type(version) is int and version >= (0 if draft else 1), "$.version",
              "expected a positive integer")
        issued = _stamp(doc, "issuedAt", "$", optional=draft) or 0.0
        expires = _stamp(doc, "expires", "$", optional=draft) or 0.0
        mtv = doc.get("minToolVersion")
        _need(mtv is None or version_tuple(mtv) is not None, "$.minToolVersion",
              "expected a version like 0.4.0")
        revoked: dict[str, tuple[float, str]] = {}
        for i, r in enumerate(_list(doc, "revoked")):
            _need(type(r.get("keyid")) is str, f"$.revoked[{i}].keyid", "expected a key id")
            _need(r.get("reason") in REVOKE_REASONS, f"$.revoked[{i}].reason",
                  f"expected one of {', '.join(REVOKE_REASONS)}")
            at = _stamp(r, "revokedAt", f"$.revoked[{i}]")
            assert at is not None  # noqa: S101
            revoked[r["keyid"]] = (at, r["reason"])
        policies: dict[str, float | None] = {}
        for i, p in enumerate(_list(doc, "acceptedPolicies")):
            digest = _digest(p.get("digest"), f"$.acceptedPolicies[{i}].digest")
            policies[digest] = _stamp(p, "notAfter", f"$.acceptedPolicies[{i}]", optional=True)
        _keys(doc, revoked, rows)
        campaigns = _campaigns(doc)
    except _Problems as exc:
        raise TrustError(Reason.TRUST_INVALID, str(exc)) from None
    by_id: dict[str, tuple[Campaign, ...]] = {}
    for c in campaigns:
        by_id[c.id] = (*by_id.get(c.id, ()), c)
    return Trust(version, issued, expires, rows.table(), policies, version_tuple(mtv) if mtv else None,
                 campaigns, by_id)


def verify_admin_envelope(data: bytes, payload_type: str, admin_keys: Sequence[PublicKey],
                          what: str) -> bytes:
    """Payload bytes of an envelope signed by one of the pinned admin keys (TrustError if not)."""
    try:
        env = parse_envelope(data)
        payload = b64decode_strict(env.payload_b64)
    except (EnvelopeError, ValueError) as exc:
        if _is_draft(data):
            raise TrustError(Reason.TRUST_INVALID, f"{what}: this is the unsigned trust draft, "
                             "not a signed trust file: sign it with `wfhaudit trust sign "
                             "--admin-key KEY` and pass the trust.json it writes") from None
        raise TrustError(Reason.TRUST_INVALID, f"{what}: not a DSSE envelope ({exc})") from None
    if env.payload_type != payload_type:
        raise TrustError(Reason.TRUST_INVALID, f"{what}: payloadType must be {payload_type!r}")
    message = pae(payload_type.encode("ascii"), payload)
    for entry in env.signatures:
        if type(entry) is not dict or type(entry.get("sig")) is not str:
            continue
        try:
            sig = b64decode_strict(entry["sig"])
        except ValueError:
            continue
        for key in admin_keys:
            if verify_signature(algorithm_of(key), key, sig, message):
                return payload
    raise TrustError(Reason.TRUST_UNTRUSTED,
                     f"{what}: not signed by a pinned admin key ({len(admin_keys)} pinned)")


def _is_draft(data: bytes) -> bool:
    try:
        doc = strictjson.loads(data)
    except strictjson.StrictJSONError:
        return False
    return type(doc) is dict and doc.get("_type") == TRUST_TYPE and "payloadType" not in doc


def load_trust(data: bytes, admin_keys: Sequence[PublicKey], now: dt.datetime,
               store: Any = None, source: str = "trust file", rows: RowSink | None = None
               ) -> Trust:
    """Verify, parse and check freshness of a trust file (§2.9); TrustError when unusable.

    `rows` receives the keys (see parse_trust_document).
    """
    if not admin_keys:
        raise TrustError(Reason.TRUST_UNTRUSTED, f"{source}: no pinned admin key")
    trust = _parse_payload(verify_admin_envelope(data, TRUST_PAYLOAD_TYPE, admin_keys, source),
                           source, rows)
    if trust.expires <= now.timestamp():
        raise TrustError(Reason.TRUST_EXPIRED, f"{source}: version {trust.version} expired at "
                                               f"{stamp(trust.expires)}; ask IT for a fresh one")
    if store is not None:
        highest = store.max_trust_version()
        if highest is not None and trust.version < highest:
            raise TrustError(Reason.TRUST_ROLLBACK, f"{source}: version {trust.version} is "
                                                    f"older than version {highest} seen before")
        store.note_trust_version(trust.version)
    return trust


def _parse_payload(payload: bytes, source: str, rows: RowSink | None) -> Trust:
    # A function of its own so the parsed document (large for a big fleet) is freed on return.
    try:
        doc = fastjson.loads(payload)
    except strictjson.StrictJSONError as exc:
        raise TrustError(Reason.TRUST_INVALID, f"{source}: {exc}") from None
    return parse_trust_document(doc, rows=rows)


def read_admin_pins(paths: Sequence[Path], trust_path: Path | None) -> list[PublicKey]:
    """Pinned admin keys from --admin-pubkey files, else wfhaudit-admin.pub beside the trust file."""
    if not paths and trust_path is not None:
        beside = trust_path.parent / ADMIN_PIN_NAME
        paths = [beside] if beside.is_file() else []
    keys: list[PublicKey] = []
    for path in paths:
        try:
            found = load_public_keys(read_bytes(path, "admin public key"))
        except BadKeyError as exc:
            raise TrustError(Reason.TRUST_INVALID, f"{path}: {exc}") from None
        if not found:
            raise InvalidInputError(f"{path}: no PEM or OpenSSH public key found")
        keys.extend(found)
    if not keys:
        raise TrustError(Reason.TRUST_UNTRUSTED,
                         f"no pinned admin key: pass --admin-pubkey FILE or put {ADMIN_PIN_NAME} "
                         f"beside {trust_path}")
    return keys


def load_trust_file(path: Path, admin_pubkeys: Sequence[Path] = (), now: dt.datetime | None = None,
                    store: Any = None) -> Trust:
    """Read and load a trust file with its pinned admin key(s)."""
    data = read_bytes(path, "trust file")
    keys = read_admin_pins(admin_pubkeys, path)
    when = now or dt.datetime.now(dt.timezone.utc)
    return load_trust(data, keys, when, store, str(path))


def nonce_digest(nonce: str) -> str:
    """Hex SHA-256 of a campaign nonce (the trust file stores only this)."""
    return hashlib.sha256(nonce.encode("utf-8")).hexdigest()


def describe(trust: Trust) -> str:
    """One line: version and expiry."""
    return f"trust version {trust.version}, expires {to_datetime(trust.expires):%Y-%m-%d %H:%M}Z"
