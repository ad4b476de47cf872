"""The store in one SQLite file: one connection, WAL mode, one write transaction per run.

During a run nothing is written to the shared file: reads see what earlier runs committed,
and what this run records goes to temp tables of its own connection. `flush()` then takes the
write lock (waiting up to the busy timeout for a neighbour) and copies it all into the file,
history and verifier state together; `commit()` makes it durable. A neighbour therefore waits
only for the few seconds another run needs to write, never for a whole run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE
from wfhaudit.judge.rows import Accepted as Row
from wfhaudit.store import schema
from wfhaudit.store.base import RunRecord, SharedStore, earliest_receipt, findings_json
from wfhaudit.store.errors import translate
from wfhaudit.util.files import storage_error
from wfhaudit.util.timefmt import now_utc, parse_stamp, stamp
from wfhaudit.verify.state import Accepted

UTC = dt.timezone.utc
BUSY_TIMEOUT_ENV = "WFHAUDIT_DB_TIMEOUT"
# How long to wait for another process's write lock. A wfhaudit neighbour holds it only while
# it writes a run's results (a second or two even for 100,000 reports); 120 s also covers
# other holders, such as a backup or VACUUM of a large history file, and stays far below CI
# job time limits, so a lock that is never released ends in a clear exit 3, not a hung job.
DEFAULT_BUSY_TIMEOUT_S = 120.0

_FLUSH_DEVICES = """
INSERT INTO wfh_devices
    SELECT device_id, max(sequence), sha FROM (
        SELECT device_id, last_sequence AS sequence, last_payload AS sha
        FROM temp.pending_devices UNION ALL SELECT device_id, sequence, payload_sha256 FROM temp.pending_reports)
    WHERE true GROUP BY device_id
    ON CONFLICT(device_id) DO UPDATE SET last_sequence=excluded.last_sequence,
        last_payload=excluded.last_payload
        WHERE excluded.last_sequence > wfh_devices.last_sequence
"""


def busy_timeout_s() -> float:
    """The lock wait: WFHAUDIT_DB_TIMEOUT seconds if set, else DEFAULT_BUSY_TIMEOUT_S."""
    try:
        return max(0.0, float(os.environ.get(BUSY_TIMEOUT_ENV, DEFAULT_BUSY_TIMEOUT_S)))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_S


class SQLiteStore(SharedStore):
    """Verifier state and fleet history in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path, timeout_s: float | None = None) -> None:
        self.path = Path(path)
        self.timeout_s = busy_timeout_s() if timeout_s is None else timeout_s
        self._trust: int | None = None
        self._run: RunRecord | None = None
        self._flushed = False
        with self._guard():
            self._db = _connect(self.path, self.timeout_s)
        try:
            with self._guard():
                schema.prepare(self._db, self.path)
                self._db.execute("PRAGMA journal_mode=WAL").fetchall()
                problems = [str(r[0]) for r in self._db.execute("PRAGMA quick_check(3)")]
                if problems != ["ok"]:
                    raise sqlite3.DatabaseError(f"database disk image is malformed: "
                                                f"{'; '.join(problems)}")
                schema.run_script(self._db, schema.PENDING)
        except BaseException:
            self._db.close()
            raise

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise translate(exc, self.path, self.timeout_s) from None
        except OSError as exc:
            raise storage_error(exc, self.path, "open the database") from None

    def _one(self, sql: str, *args: object) -> object:
        with self._guard():
            row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    def _all(self, sql: str, *args: object) -> list[Any]:
        with self._guard():
            return list(self._db.execute(sql, args).fetchall())

    # The verifier's state (VerifierStore): committed values and this run's pending ones.


    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence for the device."""
        value = self._one(
            "SELECT max(s) FROM (SELECT last_sequence AS s FROM wfh_devices WHERE device_id=?1 "
            "UNION ALL SELECT last_sequence FROM temp.pending_devices WHERE device_id=?1)",
            device_id)
        return int(value) if isinstance(value, int) else None

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """First receipt of an accepted payload."""
        value = self._one(
            "SELECT coalesce((SELECT received_at FROM temp.pending_payloads WHERE sha256=?1), "
            "(SELECT received_at FROM wfh_payloads WHERE sha256=?1))", payload_sha256)
        return dt.datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted payload (first receipt wins; the sequence only moves up)."""
        with self._guard():
            self._db.execute(
                "INSERT OR IGNORE INTO temp.pending_payloads VALUES (?, ?, ?, ?, ?, ?)",
                (accepted.payload_sha256, accepted.device_id, accepted.sequence,
                 accepted.report_id, accepted.finished_at,
                 int(accepted.received_at.timestamp())))
            self._db.execute(
                "INSERT INTO temp.pending_devices VALUES (?, ?, ?) ON CONFLICT(device_id) "
                "DO UPDATE SET last_sequence=excluded.last_sequence, "
                "last_payload=excluded.last_payload "
                "WHERE excluded.last_sequence > pending_devices.last_sequence",
                (accepted.device_id, accepted.sequence, accepted.payload_sha256))

    # Fleet history: what earlier runs committed, and this run's reports and row.

    def earlier_received_at(self, payload_sha256: str) -> str | None:
        """First receipt in a committed run (history or verifier state, the earlier)."""
        with self._guard():
            row = self._db.execute(
                "SELECT (SELECT received_at FROM fleet_reports WHERE payload_sha256=?1), "
                "(SELECT received_at FROM wfh_payloads WHERE sha256=?1)",
                (payload_sha256,)).fetchone()
        return earliest_receipt(row[0], row[1])

    def earlier_last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted in a committed run (history or verifier state)."""
        value = self._one(
            "SELECT max(s) FROM (SELECT last_sequence AS s FROM wfh_devices WHERE device_id=?1 "
            "UNION ALL SELECT max(sequence) FROM fleet_reports WHERE device_id=?1)", device_id)
        return int(value) if isinstance(value, int) else None

    def add_report(self, row: Row, received_at: str) -> None:
        """Record an accepted report for this run (an earlier run's copy is kept at commit)."""
        with self._guard():
            self._db.execute(
                "INSERT OR IGNORE INTO temp.pending_reports VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (row.payload_sha256, row.device_id, row.sequence, row.report_id,
                 row.finished_at, received_at, int(parse_stamp(received_at).timestamp()),
                 row.own.policy_id, row.own.policy_digest, row.own.verdict, row.own.score,
                 findings_json(row)))


    # One transaction for everything.

    def flush(self) -> None:
        """Take the write lock and write everything pending (verifier state and history)."""
        if self._flushed:
            return
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            self._flushed = True
            if self._trust is not None:
                self._db.execute(
                    "INSERT INTO wfh_meta(key, value) VALUES('trust_version', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value=max(value, excluded.value)",
                    (self._trust,))
            self._db.execute("INSERT OR IGNORE INTO wfh_payloads "
                             "SELECT * FROM temp.pending_payloads")
            if self._run is not None:
                self._write_run(self._run)
            self._db.execute("INSERT OR IGNORE INTO wfh_payloads SELECT payload_sha256, "
                             "device_id, sequence, report_id, finished_at, received_epoch "
                             "FROM temp.pending_reports")
            self._db.execute(_FLUSH_DEVICES)

    def _write_run(self, run: RunRecord) -> None:
        s = run.summary
        run_id = self._db.execute(
            "INSERT INTO fleet_runs(started_at, finished_at, trust_version, policy_mode, "
            "whatif_digest, inputs, accepted, rejected, stale_inputs, expected, ready, "
            "not_ready, stale, missing, ready_pct, decided_by, exit_code) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (run.started_at, stamp(now_utc()), run.trust_version, run.policy_mode,
             run.whatif_digest, s.inputs, s.accepted, s.rejected_total, s.stale_inputs,
             s.expected_devices, s.ready_expected, s.count(NOT_READY), s.count(STALE_DEVICE),
             s.count(MISSING), s.ready_pct, run.decided_by, run.exit_code)).lastrowid
        self._db.execute(
            "INSERT OR IGNORE INTO fleet_reports SELECT payload_sha256, device_id, sequence, "
            "report_id, finished_at, received_at, ?, policy_id, policy_digest, verdict, score, "
            "findings FROM temp.pending_reports", (run_id,))
        self._db.executemany(
            "INSERT INTO fleet_run_devices VALUES (?, ?, ?, ?)",
            ((run_id, d.device_id, d.status, d.report.payload_sha256 if d.report else None)
             for d in s.devices))
        self._db.executemany(
            "INSERT INTO fleet_rejections VALUES (?, ?, ?, ?, ?)",
            ((run_id, r.input, r.reason, r.detail, r.payload_sha256) for r in s.rejected))

    def commit(self) -> None:
        """Write everything pending (if flush() has not) and commit it in one transaction."""
        self.flush()
        with self._guard():
            self._db.execute("COMMIT")
            self._flushed = False
            for table in ("pending_payloads", "pending_devices", "pending_reports"):
                self._db.execute(f"DELETE FROM temp.{table}")  # noqa: S608 - fixed names
        self._trust, self._run = None, None

    def rollback(self) -> None:
        """Undo what flush() wrote; pending records stay pending."""
        self._flushed = False
        if self._db.in_transaction:
            with self._guard():
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        """Forget anything not committed and close the file."""
        with contextlib.suppress(sqlite3.Error, OSError):
            self.rollback()
        self._db.close()


def _connect(path: Path, timeout_s: float) -> sqlite3.Connection:
    if path.is_dir():
        raise InvalidInputError(f"{path}: is a folder; --db takes a file name")
    path.parent.mkdir(parents=True, exist_ok=True)
    # isolation_level=None: transactions are begun and ended here, explicitly.
    return sqlite3.connect(str(path), timeout=timeout_s, isolation_level=None)
