"""Fleet history: every accepted report's summary and findings, and one row per run.

`HistoryStore` is the interface; `SqliteHistoryStore` keeps it in the same SQLite file as the
verifier state of `wfhaudit verify --db` (tables `fleet_*` beside the verifier's `wfh_*`).
A PostgreSQL store implements the same methods (see docs/ci.md). Writes of a run stay in one
transaction until `finish_run`, so an interrupted run leaves no trace.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.context import TrendPoint
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE, FleetSummary
from wfhaudit.judge.rows import Accepted
from wfhaudit.util.timefmt import now_utc, stamp

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_runs (
    run_id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    trust_version INTEGER, policy_mode TEXT NOT NULL, whatif_digest TEXT,
    inputs INTEGER, accepted INTEGER, rejected INTEGER, stale_inputs INTEGER,
    expected INTEGER, ready INTEGER, not_ready INTEGER, stale INTEGER, missing INTEGER,
    ready_pct REAL, decided_by TEXT, exit_code INTEGER);
CREATE TABLE IF NOT EXISTS fleet_reports (
    payload_sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at TEXT NOT NULL,
    first_run INTEGER NOT NULL, policy_id TEXT NOT NULL, policy_digest TEXT NOT NULL,
    verdict TEXT NOT NULL, score INTEGER NOT NULL, findings TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_reports_device ON fleet_reports(device_id, sequence);
CREATE TABLE IF NOT EXISTS fleet_run_devices (
    run_id INTEGER NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,
    payload_sha256 TEXT, PRIMARY KEY (run_id, device_id));
CREATE TABLE IF NOT EXISTS fleet_rejections (
    run_id INTEGER NOT NULL, input TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
    payload_sha256 TEXT);
"""


class HistoryStore(Protocol):
    """Where fleet runs and accepted reports are kept between runs."""

    def begin_run(self, started_at: str, policy_mode: str, whatif_digest: str | None,
                  trust_version: int | None) -> int:
        """Open a run (nothing is visible to others until finish_run)."""

    def received_at(self, payload_sha256: str) -> str | None:
        """First receipt time of a payload accepted in an earlier run."""

    def last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted for the device in an earlier run."""

    def add_report(self, row: Accepted, received_at: str) -> None:
        """Store an accepted report (kept once, with its first receipt time)."""

    def finish_run(self, summary: FleetSummary, decided_by: str, exit_code: int) -> None:
        """Store the run's counts, device states and rejections, and commit."""

    def abort(self) -> None:
        """Forget everything of the open run."""

    def trend(self, limit: int = 90) -> list[TrendPoint]:
        """Readiness of the last runs judged under the reports' own policies, oldest first."""

    def new_reports(self, run_id: int) -> Iterator[tuple[str, int, str, str, str, str]]:
        """(device, sequence, payload, report id, finished_at, received_at) first seen in a run."""

    def close(self) -> None:
        """Release the database."""


def _findings_json(row: Accepted) -> str:
    j = row.own
    return json.dumps({"rules": [m[0] for m in j.rules], "codes": j.codes, "issues": [
        {"rule": i.rule, "status": i.status, "severity": i.severity, "blocking": i.blocking,
         "measured": i.measured, "expected": i.expected, "reason": i.reason} for i in j.issues]},
        ensure_ascii=False, separators=(",", ":"))


class SqliteHistoryStore:
    """History in a SQLite file (WAL mode, so the verifier's own connection can read meanwhile)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.run_id: int | None = None
        try:
            self._db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise InvalidInputError(f"{self.path}: not a usable wfhaudit database ({exc})") from None

    def begin_run(self, started_at: str, policy_mode: str, whatif_digest: str | None,
                  trust_version: int | None) -> int:
        """Start the run's transaction and reserve its id."""
        self._db.execute("BEGIN IMMEDIATE")
        cur = self._db.execute(
            "INSERT INTO fleet_runs(started_at, policy_mode, whatif_digest, trust_version) "
            "VALUES (?, ?, ?, ?)", (started_at, policy_mode, whatif_digest, trust_version))
        self.run_id = int(cur.lastrowid or 0)
        return self.run_id

    def received_at(self, payload_sha256: str) -> str | None:
        """First receipt in an earlier run."""
        row = self._db.execute(
            "SELECT received_at FROM fleet_reports WHERE payload_sha256=? AND first_run<?",
            (payload_sha256, self.run_id or 0)).fetchone()
        return str(row[0]) if row else None

    def last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted in an earlier run."""
        row = self._db.execute(
            "SELECT max(sequence) FROM fleet_reports WHERE device_id=? AND first_run<?",
            (device_id, self.run_id or 0)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def add_report(self, row: Accepted, received_at: str) -> None:
        """Insert the report unless an earlier run stored it."""
        self._db.execute(
            "INSERT OR IGNORE INTO fleet_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (row.payload_sha256, row.device_id, row.sequence, row.report_id, row.finished_at,
             received_at, self.run_id, row.own.policy_id, row.own.policy_digest,
             row.own.verdict, row.own.score, _findings_json(row)))

    def finish_run(self, summary: FleetSummary, decided_by: str, exit_code: int) -> None:
        """Write the run's row, device states and rejections; commit."""
        s = summary
        self._db.execute(
            "UPDATE fleet_runs SET finished_at=?, inputs=?, accepted=?, rejected=?, "
            "stale_inputs=?, expected=?, ready=?, not_ready=?, stale=?, missing=?, ready_pct=?, "
            "decided_by=?, exit_code=? WHERE run_id=?",
            (stamp(now_utc()), s.inputs,
             s.accepted, s.rejected_total, s.stale_inputs, s.expected_devices, s.ready_expected,
             s.count(NOT_READY), s.count(STALE_DEVICE), s.count(MISSING), s.ready_pct,
             decided_by, exit_code, self.run_id))
        self._db.executemany(
            "INSERT INTO fleet_run_devices VALUES (?, ?, ?, ?)",
            ((self.run_id, d.device_id, d.status, d.report.payload_sha256 if d.report else None)
             for d in s.devices))
        self._db.executemany(
            "INSERT INTO fleet_rejections VALUES (?, ?, ?, ?, ?)",
            ((self.run_id, r.input, r.reason, r.detail, r.payload_sha256) for r in s.rejected))
        self._db.execute("COMMIT")

    def abort(self) -> None:
        """Roll the open run back."""
        if self._db.in_transaction:
            self._db.execute("ROLLBACK")

    def trend(self, limit: int = 90) -> list[TrendPoint]:
        """Committed own-policy runs, oldest first."""
        rows = self._db.execute(
            "SELECT started_at, ready_pct, ready, expected FROM fleet_runs "
            "WHERE finished_at IS NOT NULL AND policy_mode='own' "
            "ORDER BY run_id DESC LIMIT ?", (limit,)).fetchall()
        return [TrendPoint(str(a), float(b or 0), int(c or 0), int(d or 0))
                for a, b, c, d in reversed(rows)]

    def new_reports(self, run_id: int) -> Iterator[tuple[str, int, str, str, str, str]]:
        """Reports first stored by the given run."""
        cur = self._db.execute(
            "SELECT device_id, sequence, payload_sha256, report_id, finished_at, received_at "
            "FROM fleet_reports WHERE first_run=?", (run_id,))
        for row in cur:
            yield (str(row[0]), int(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]))

    def close(self) -> None:
        """Roll back anything unfinished and close."""
        self.abort()
        self._db.close()

