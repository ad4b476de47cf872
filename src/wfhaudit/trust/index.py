"""A verified trust file compiled once into an SQLite index that verifier processes share.

The aggregating process checks the trust file's signature, freshness and rollback once and
writes every key as a compact row into a private file; worker processes open that file read
only and look keys up by id, so no process holds the whole trust file or a key object per
device. The file lives in a folder only this user can read, for the length of one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from wfhaudit.crypto.keyutil import PublicKey
from wfhaudit.trust import keys as keys_module
from wfhaudit.trust.file import Campaign, Trust, load_trust
from wfhaudit.trust.keys import KeyRow, KeyTable, trusted_key

_SCHEMA = """
CREATE TABLE keys (kid BLOB PRIMARY KEY, alg TEXT NOT NULL, spki BLOB NOT NULL,
                   device TEXT NOT NULL, not_before REAL NOT NULL, not_after REAL NOT NULL,
                   revoked_at REAL, revoke_reason TEXT, custody TEXT NOT NULL,
                   owner TEXT) WITHOUT ROWID;
CREATE TABLE meta (doc TEXT NOT NULL);
"""
_BATCH = 500  # rows per INSERT batch, and key ids per prefetch query
_PREFIX = "sha256:"
_COLUMNS = ("kid, alg, spki, device, not_before, not_after, revoked_at, revoke_reason, custody, "
            "owner")


def _kid_blob(kid: object) -> bytes | None:
    if type(kid) is not str or len(kid) != 71 or not kid.startswith(_PREFIX):
        return None
    try:
        blob = bytes.fromhex(kid[7:])
    except ValueError:
        return None
    # Key ids are lowercase hex: "AB.." must not find the key "ab.." does (as in memory).
    return blob if blob.hex() == kid[7:] else None


class SqliteKeyTable(KeyTable):
    """Keys looked up in an index file (read only); built TrustedKeys are cached, bounded."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)

    def row(self, kid: str) -> KeyRow | None:
        """The row of a key id, or None."""
        blob = _kid_blob(kid)
        if blob is None:
            return None
        found = self._db.execute("SELECT alg, spki, device, not_before, not_after, revoked_at, "
                                 "revoke_reason, custody, owner FROM keys WHERE kid = ?",
                                 (blob,)).fetchone()
        return tuple(found) if found is not None else None

    def prefetch(self, kids: list[str]) -> None:
        """Build a batch of keys with one query (a hint: unknown or malformed ids are skipped)."""
        blobs = [b for b in {_kid_blob(k) for k in kids if k not in self._built} if b]
        if len(self._built) + len(blobs) > keys_module.CACHED_KEYS:
            self._built.clear()
        for start in range(0, len(blobs), _BATCH):
            part = blobs[start:start + _BATCH]
            marks = ",".join("?" * len(part))  # placeholders only: the ids are parameters
            query = f"SELECT {_COLUMNS} FROM keys WHERE kid IN ({marks})"  # noqa: S608
            for blob, *row in self._db.execute(query, part):
                kid = _PREFIX + blob.hex()
                self._built[kid] = trusted_key(kid, tuple(row))

    def __iter__(self) -> Iterator[str]:
        """Every enrolled key id."""
        for (blob,) in self._db.execute("SELECT kid FROM keys"):
            yield _PREFIX + blob.hex()

    def __len__(self) -> int:
        """Number of enrolled keys."""
        return int(self._db.execute("SELECT count(*) FROM keys").fetchone()[0])

    def active_devices(self, now: float) -> list[str]:
        """Sorted ids of the devices with a key not revoked by now (a future revocation waits)."""
        return [d for (d,) in self._db.execute(
            "SELECT DISTINCT device FROM keys WHERE revoked_at IS NULL OR revoked_at > ? "
            "ORDER BY device", (now,))]

    def owners(self) -> dict[str, str]:
        """Owner of each device that names one, as IT wrote it."""
        return dict(self._db.execute(
            "SELECT device, owner FROM keys WHERE owner IS NOT NULL AND owner != ''"))

    def meta(self) -> dict[str, Any]:
        """Everything of the trust file but its keys, as compile_trust stored it."""
        (doc,) = self._db.execute("SELECT doc FROM meta").fetchone()
        return json.loads(doc)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Close the file."""
        self._db.close()


class _IndexWriter:
    """Rows written to a new index file in batches while the trust document is parsed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = sqlite3.connect(path)
        # A scratch file for one run: no journal, no fsync (a crash leaves nothing to recover).
        self._db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        self._seen: set[bytes] = set()
        self._batch: list[tuple[Any, ...]] = []

    def __contains__(self, kid: object) -> bool:
        blob = _kid_blob(kid)
        return blob is not None and blob in self._seen

    def __setitem__(self, kid: str, row: KeyRow) -> None:
        blob = _kid_blob(kid)
        assert blob is not None  # noqa: S101 - key ids come from checked_spki
        self._seen.add(blob)
        self._batch.append((blob, *row))
        if len(self._batch) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        self._db.executemany("INSERT INTO keys VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", self._batch)
        self._batch.clear()

    def table(self) -> KeyTable:
        """The rows are in the file; the caller opens it (open_index) when it is finished."""
        self._flush()
        self._db.commit()
        self._seen.clear()
        return KeyTable()

    def finish(self, trust: Trust) -> None:
        """Store everything but the keys, then close the file."""
        meta = {"version": trust.version, "issued_at": trust.issued_at,
                "expires": trust.expires, "accepted": list(trust.accepted_policies.items()),
                "min_tool_version": trust.min_tool_version,
                "campaigns": [dataclasses.astuple(c) for c in trust.campaigns]}
        self._db.execute("INSERT INTO meta VALUES (?)", (json.dumps(meta),))
        self._db.commit()
        self._db.close()

    def abort(self) -> None:
        """Close the unfinished file (the caller removes its folder)."""
        self._db.close()


def compile_trust(data: bytes, admin_keys: Sequence[PublicKey], now: dt.datetime, store: Any,
                  source: str, path: Path) -> Trust:
    """Check a trust file (load_trust) and write its index at path; the Trust reads from it."""
    writer = _IndexWriter(path)
    try:
        trust = load_trust(data, admin_keys, now, store, source, rows=writer)
        writer.finish(trust)
    except BaseException:
        writer.abort()
        raise
    return open_index(path)


def open_index(path: Path) -> Trust:
    """The Trust of an index file written by compile_trust."""
    keys = SqliteKeyTable(path)
    meta = keys.meta()
    campaigns = tuple(Campaign(*c) for c in meta["campaigns"])
    by_id: dict[str, tuple[Campaign, ...]] = {}
    for c in campaigns:
        by_id[c.id] = (*by_id.get(c.id, ()), c)
    mtv = meta["min_tool_version"]
    return Trust(meta["version"], meta["issued_at"], meta["expires"], keys,
                 dict(meta["accepted"]), tuple(mtv) if mtv is not None else None, campaigns,
                 by_id)
