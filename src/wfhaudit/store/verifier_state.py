"""Verifier state persisted in one SQLite file (`--db`): the `VerifierStore` interface's methods."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from wfhaudit.errors import InvalidInputError
from wfhaudit.verify.state import Accepted

UTC = dt.timezone.utc


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
