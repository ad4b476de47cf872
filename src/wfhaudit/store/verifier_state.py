"""Verifier state across runs: highest trust version, last sequence per device, accepted payloads.

`VerifierStore` is the interface (a Protocol); `MemoryStore` keeps state for one run (the
default), `SQLiteStore` persists it in one file (`--db`). A PostgreSQL store only has to
implement the same seven methods; aggregation can add its own tables beside these.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wfhaudit.errors import InvalidInputError

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Accepted:
    """What the store remembers about one accepted report."""

    device_id: str
    sequence: int
    payload_sha256: str
    report_id: str
    finished_at: str
    received_at: dt.datetime


class VerifierStore(Protocol):
    """State the verifier consults and updates; all methods are cheap point lookups."""

    def max_trust_version(self) -> int | None:
        """Highest trust-file version ever accepted (rollback protection)."""

    def note_trust_version(self, version: int) -> None:
        """Remember a trust-file version (keeps the maximum)."""

    def last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted from this device."""

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """When a payload was first accepted (None if never): duplicates and receipt time."""

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted report (sequence only moves up; first receipt time is kept)."""

    def commit(self) -> None:
        """Make everything recorded so far durable."""

    def close(self) -> None:
        """Commit and release resources."""


class MemoryStore:
    """In-process state for one verification run."""

    def __init__(self) -> None:
        self._trust: int | None = None
        self._seq: dict[str, int] = {}
        self._seen: dict[str, dt.datetime] = {}

    def max_trust_version(self) -> int | None:
        """Highest trust version seen in this run."""
        return self._trust

    def note_trust_version(self, version: int) -> None:
        """Keep the maximum."""
        self._trust = version if self._trust is None else max(self._trust, version)

    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence for the device."""
        return self._seq.get(device_id)

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """First receipt of an accepted payload."""
        return self._seen.get(payload_sha256)

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted report."""
        last = self._seq.get(accepted.device_id)
        if last is None or accepted.sequence > last:
            self._seq[accepted.device_id] = accepted.sequence
        self._seen.setdefault(accepted.payload_sha256, accepted.received_at)

    def commit(self) -> None:
        """Nothing to do in memory."""

    def close(self) -> None:
        """Nothing to release."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS wfh_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wfh_devices (
    device_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, last_payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wfh_payloads (
    sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at INTEGER NOT NULL);
"""


class SQLiteStore:
    """Verifier state in a SQLite file; writes are committed by commit()/close()."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level="DEFERRED")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InvalidInputError(f"{self.path}: not a usable wfhaudit database ({exc})") from None

    def max_trust_version(self) -> int | None:
        """Highest trust version recorded."""
        row = self._db.execute("SELECT value FROM wfh_meta WHERE key='trust_version'").fetchone()
        return int(row[0]) if row else None

    def note_trust_version(self, version: int) -> None:
        """Keep the maximum trust version."""
        self._db.execute(
            "INSERT INTO wfh_meta(key, value) VALUES('trust_version', ?) ON CONFLICT(key) "
            "DO UPDATE SET value=max(value, excluded.value)", (version,))

    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence for the device."""
        row = self._db.execute("SELECT last_sequence FROM wfh_devices WHERE device_id=?",
                               (device_id,)).fetchone()
        return int(row[0]) if row else None

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """First receipt of an accepted payload."""
        row = self._db.execute("SELECT received_at FROM wfh_payloads WHERE sha256=?",
                               (payload_sha256,)).fetchone()
        return dt.datetime.fromtimestamp(row[0], UTC) if row else None

    def record_accepted(self, accepted: Accepted) -> None:
        """Insert the payload (first receipt wins) and move the device's sequence up."""
        self._db.execute(
            "INSERT OR IGNORE INTO wfh_payloads VALUES (?, ?, ?, ?, ?, ?)",
            (accepted.payload_sha256, accepted.device_id, accepted.sequence, accepted.report_id,
             accepted.finished_at, int(accepted.received_at.timestamp())))
        self._db.execute(
            "INSERT INTO wfh_devices VALUES (?, ?, ?) ON CONFLICT(device_id) DO UPDATE SET "
            "last_sequence=excluded.last_sequence, last_payload=excluded.last_payload "
            "WHERE excluded.last_sequence > wfh_devices.last_sequence",
            (accepted.device_id, accepted.sequence, accepted.payload_sha256))

    def commit(self) -> None:
        """Commit the open transaction."""
        self._db.commit()

    def close(self) -> None:
        """Commit and close."""
        self._db.commit()
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        """Context manager: closes (and commits) on exit."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the database."""
        self.close()
