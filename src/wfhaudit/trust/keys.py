"""Enrolled device keys as compact rows; a TrustedKey (with its key object) is built on lookup.

A trust file may enrol 100,000 devices. Holding a key object per device in every verifier
process costs hundreds of megabytes, so the index keeps each key as a short tuple (algorithm,
DER SubjectPublicKeyInfo, owner, window, revocation) and builds the TrustedKey only for the
key ids that reports name, keeping a bounded number of them for the next reports.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wfhaudit.crypto.keyutil import (
    ED25519,
    BadKeyError,
    PublicKey,
    algorithm_of,
    is_weak_ed25519,
    key_from_spki,
    spki_der,
)

# DER SubjectPublicKeyInfo of an Ed25519 key: this fixed header, then the 32 key bytes.
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
CACHED_KEYS = 4096

# (alg, DER SPKI, device id, notBefore, notAfter, revokedAt, revoke reason, custody, owner);
# times in epoch seconds.
KeyRow = tuple[str, bytes, str, float, float, float | None, str | None, str, str | None]


class TrustedKey(NamedTuple):
    """One enrolled device key, with its window and revocation (times as epoch seconds).

    A NamedTuple: one is built per report from a compact row, and that must be cheap.
    """

    keyid: str
    alg: str
    public_key: PublicKey
    device_id: str
    spki_sha256: str
    not_before: float
    not_after: float
    revoked_at: float | None = None
    revoke_reason: str | None = None
    custody: str = "user"  # user | system | tpm: where the private key lives, fixed by IT
    owner: str | None = None  # the person responsible, as IT wrote it (shown, never trusted)


def checked_spki(der: bytes) -> tuple[bytes, str, str]:
    """(canonical DER SPKI, key id, algorithm) of an acceptable key; BadKeyError otherwise.

    An Ed25519 key in its one DER form is checked without building a key object (the
    weak-key test is arithmetic on the 32 bytes); any other form goes through the full loader,
    and its key id is computed from the re-encoded DER.
    """
    if len(der) == 44 and der.startswith(ED25519_SPKI_PREFIX):
        if is_weak_ed25519(der[12:]):
            raise BadKeyError("weak Ed25519 public key (small-order or non-canonical point)")
        alg = ED25519
    else:
        key = key_from_spki(der)
        der, alg = spki_der(key), algorithm_of(key)
    return der, "sha256:" + hashlib.sha256(der).hexdigest(), alg


def key_object(alg: str, der: bytes) -> PublicKey:
    """The key object for a row's DER SPKI (already checked when the index was built)."""
    if alg == ED25519 and len(der) == 44:
        return Ed25519PublicKey.from_public_bytes(der[12:])
    return key_from_spki(der)


def trusted_key(kid: str, row: KeyRow) -> TrustedKey:
    """The TrustedKey of one row."""
    alg, der, device_id, not_before, not_after, revoked_at, reason, custody, owner = row
    return TrustedKey(kid, alg, key_object(alg, der), device_id, kid[7:], not_before, not_after,
                      revoked_at, reason, custody, owner)


class KeyTable(Mapping[str, TrustedKey]):
    """Key id -> TrustedKey over compact rows held in memory; subclasses keep rows elsewhere."""

    def __init__(self, rows: Mapping[str, KeyRow] | None = None) -> None:
        self._rows: Mapping[str, KeyRow] = rows if rows is not None else {}
        self._built: dict[str, TrustedKey] = {}

    def row(self, kid: str) -> KeyRow | None:
        """The compact row of a key id, or None."""
        return self._rows.get(kid)

    def get(self, kid: str, default: Any = None) -> Any:
        """The TrustedKey for a key id, or default (the verifier's lookup: once per report)."""
        if type(kid) is not str:
            return default
        key = self._built.get(kid)
        if key is not None:
            return key
        row = self.row(kid)
        if row is None:
            return default
        if len(self._built) >= CACHED_KEYS:
            # Bounded, flat in the number of devices. Dropping all at once is O(1) per key on
            # average; removing the oldest one each time makes dict iteration walk the holes.
            self._built.clear()
        key = self._built[kid] = trusted_key(kid, row)
        return key

    def prefetch(self, kids: list[str]) -> None:
        """Build the keys of a batch ahead (a hint: unknown or malformed ids are skipped)."""
        for kid in kids:
            self.get(kid)

    def __getitem__(self, kid: str) -> TrustedKey:
        """The TrustedKey for a key id (KeyError when it is not enrolled)."""
        key: TrustedKey | None = self.get(kid)
        if key is None:
            raise KeyError(kid)
        return key

    def __iter__(self) -> Iterator[str]:
        """Every enrolled key id."""
        return iter(self._rows)

    def __len__(self) -> int:
        """Number of enrolled keys."""
        return len(self._rows)

    def active_devices(self, now: float) -> list[str]:
        """Sorted ids of the devices with a key not revoked by now (a future revocation waits)."""
        return sorted({row[2] for row in self._rows.values() if row[5] is None or row[5] > now})

    def owners(self) -> dict[str, str]:
        """Owner of each device that names one, as IT wrote it."""
        return {row[2]: row[8] for row in self._rows.values() if row[8]}


class RowSink(Protocol):
    """Where a trust document's keys go while it is parsed: memory, or an index file."""

    def __contains__(self, kid: object) -> bool:
        """Whether a key id was added already."""

    def __setitem__(self, kid: str, row: KeyRow) -> None:
        """Add one key."""

    def table(self) -> KeyTable:
        """The finished table."""


class MemoryRows(dict[str, KeyRow]):
    """Rows kept in this process."""

    def table(self) -> KeyTable:
        """A table over these rows."""
        return KeyTable(self)
