"""The store in PostgreSQL (`--db postgresql://…`): the SQLite store's semantics, many writers.

As with SQLite, a run writes nothing shared until the end: lookups read what earlier runs
committed plus this run's pending records (in memory and in this session's temp tables);
`flush()` writes everything in one transaction and `commit()` commits it. Concurrent runs
never check-then-write: each write is an INSERT … ON CONFLICT on a primary key (the first
receipt of a payload wins, a device's sequence only moves up, the trust version only grows),
in key order, so two runs flushing at once serialize on rows instead of deadlocking, and a
sharded run's final step claims its run with an UPDATE of a locked row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE
from wfhaudit.judge.rows import Accepted as Row
from wfhaudit.store import pg_schema
from wfhaudit.store.base import RunRecord, SharedStore, earliest_receipt, findings_json
from wfhaudit.store.pg_errors import translate
from wfhaudit.store.pg_session import clean, clean_row, connect
from wfhaudit.store.sqlite import busy_timeout_s
from wfhaudit.util.timefmt import now_utc, parse_stamp, stamp
from wfhaudit.verify.state import Accepted

if TYPE_CHECKING:
    import psycopg

UTC = dt.timezone.utc
_BATCH = 2000  # pending reports kept in memory before they go to the session's temp table
_PENDING = "pg_temp.pending_reports, pg_temp.pending_payloads, pg_temp.pending_devices"


class PostgresStore(SharedStore):
    """Verifier state and fleet history in a PostgreSQL database (see the module docstring)."""

    _PARAM = "%s"

    def __init__(self, url: str, timeout_s: float | None = None) -> None:
        self.url = url
        self.timeout_s = busy_timeout_s() if timeout_s is None else timeout_s
        self._trust: int | None = None
        self._run: RunRecord | None = None
        self.render_key: str | None = None  # a sharded run this run renders (claimed at flush)
        self._payloads: dict[str, tuple[str, str, int, str, str, int]] = {}
        self._devices: dict[str, tuple[str, int, str]] = {}
        self._reports: list[tuple[Any, ...]] = []
        self._flushed = False
        self._db, self._secrets = connect(url, self.timeout_s)
        try:
            with self.guard():
                pg_schema.prepare(self._db)
        except BaseException:
            self._db.close()
            raise

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The session (autocommit; transactions are begun explicitly)."""
        return self._db

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Turn psycopg errors into one-line diagnostics (exit 3)."""
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            raise translate(exc, self.url, self.timeout_s, self._secrets) from None

    def _one(self, sql: str, *args: object) -> object:
        with self.guard():
            row = self._db.execute(sql, args).fetchone()
        return row[0] if row else None

    def _all(self, sql: str, *args: object) -> list[Any]:
        with self.guard():
            return list(self._db.execute(sql, args).fetchall())

    # The verifier's state (VerifierStore): committed values and this run's pending ones.


    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence for the device."""
        device_id = clean(device_id)
        stored = self._one("SELECT last_sequence FROM wfh_devices WHERE device_id = %s",
                           device_id)
        pending = self._devices.get(device_id)
        known = [int(v) for v in (stored, pending and pending[1]) if isinstance(v, int)]
        return max(known) if known else None

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """First receipt of an accepted payload."""
        pending = self._payloads.get(payload_sha256)
        value = pending[5] if pending else self._one(
            "SELECT received_at FROM wfh_payloads WHERE sha256 = %s", payload_sha256)
        return dt.datetime.fromtimestamp(value, UTC) if isinstance(value, int) else None

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted payload (first receipt wins; the sequence only moves up)."""
        a = accepted
        self._payloads.setdefault(a.payload_sha256, clean_row((
            a.payload_sha256, a.device_id, a.sequence, a.report_id, a.finished_at,
            int(a.received_at.timestamp()))))
        device_id = clean(a.device_id)
        last = self._devices.get(device_id)
        if last is None or a.sequence > last[1]:
            self._devices[device_id] = (device_id, a.sequence, a.payload_sha256)

    # Fleet history: what earlier runs committed, and this run's reports and row.

    def earlier_received_at(self, payload_sha256: str) -> str | None:
        """First receipt in a committed run (history or verifier state, the earlier)."""
        with self.guard():
            row = self._db.execute(
                "SELECT (SELECT received_at FROM fleet_reports WHERE payload_sha256 = %s), "
                "(SELECT received_at FROM wfh_payloads WHERE sha256 = %s)",
                (payload_sha256, payload_sha256)).fetchone()
        assert row is not None  # noqa: S101 - a SELECT without FROM returns one row
        return earliest_receipt(row[0], row[1])

    def earlier_last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted in a committed run (history or verifier state)."""
        value = self._one(
            "SELECT greatest((SELECT last_sequence FROM wfh_devices WHERE device_id = %s), "
            "(SELECT max(sequence) FROM fleet_reports WHERE device_id = %s))",
            clean(device_id), clean(device_id))
        return int(value) if isinstance(value, int) else None

    def add_report(self, row: Row, received_at: str) -> None:
        """Record an accepted report for this run (an earlier run's copy is kept at commit)."""
        self._reports.append(clean_row((
            row.payload_sha256, row.device_id, row.sequence, row.report_id, row.finished_at,
            received_at, int(parse_stamp(received_at).timestamp()), row.own.policy_id,
            row.own.policy_digest, row.own.verdict, row.own.score, findings_json(row))))
        if len(self._reports) >= _BATCH:
            self._spill()

    def _spill(self) -> None:
        """Move buffered reports to the session's temp table (kept across a rollback)."""
        if not self._reports:
            return
        with self.guard(), self._db.cursor().copy(
                "COPY pg_temp.pending_reports (payload_sha256, device_id, sequence, report_id, "
                "finished_at, received_at, received_epoch, policy_id, policy_digest, verdict, "
                "score, findings) FROM STDIN") as copy:
            for values in self._reports:
                copy.write_row(values)
        self._reports.clear()


    # One transaction for everything.

    def flush(self) -> None:
        """Write everything pending in one transaction, without committing yet.

        A deadlock the server broke (another client locking in another order) is retried.
        """
        import psycopg

        if self._flushed:
            return
        self._spill()
        for attempt in (1, 2, 3):
            try:
                self._write()
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    self.rollback()
                if isinstance(exc, psycopg.errors.DeadlockDetected) and attempt < 3:
                    continue
                if isinstance(exc, psycopg.Error):
                    raise translate(exc, self.url, self.timeout_s, self._secrets) from None
                raise
            self._flushed = True
            return

    def _write(self) -> None:
        db = self._db
        db.execute("BEGIN")
        if self._trust is not None:
            db.execute("INSERT INTO wfh_meta (key, value) VALUES ('trust_version', %s) "
                       "ON CONFLICT (key) DO UPDATE SET "
                       "value = greatest(wfh_meta.value, EXCLUDED.value)", (self._trust,))
        db.execute("TRUNCATE pg_temp.pending_payloads, pg_temp.pending_devices")
        with db.cursor().copy("COPY pg_temp.pending_payloads FROM STDIN") as copy:
            for values in self._payloads.values():
                copy.write_row(values)
        with db.cursor().copy("COPY pg_temp.pending_devices FROM STDIN") as copy:
            for device in self._devices.values():
                copy.write_row(device)
        if self._run is not None:
            self._write_run(self._run)
        db.execute(pg_schema.FLUSH_PAYLOADS)
        db.execute(pg_schema.FLUSH_DEVICES)

    def _write_run(self, run: RunRecord) -> None:
        db, s = self._db, run.summary
        row = db.execute(
            "INSERT INTO fleet_runs (started_at, finished_at, trust_version, policy_mode, "
            "whatif_digest, inputs, accepted, rejected, stale_inputs, expected, ready, "
            "not_ready, stale, missing, ready_pct, decided_by, exit_code) "
            "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) RETURNING run_id",
            (run.started_at, stamp(now_utc()), run.trust_version, run.policy_mode,
             run.whatif_digest, s.inputs, s.accepted, s.rejected_total, s.stale_inputs,
             s.expected_devices, s.ready_expected, s.count(NOT_READY), s.count(STALE_DEVICE),
             s.count(MISSING), s.ready_pct, run.decided_by, run.exit_code)).fetchone()
        assert row is not None  # noqa: S101 - INSERT … RETURNING returns the row
        run_id = int(row[0])
        if self.render_key is not None:
            self._claim(self.render_key, run_id)
        db.execute(pg_schema.FLUSH_REPORTS, (run_id,))
        with db.cursor().copy("COPY fleet_run_devices FROM STDIN") as copy:
            for d in s.devices:
                copy.write_row(clean_row((run_id, d.device_id, d.status,
                                     d.report.payload_sha256 if d.report else None)))
        with db.cursor().copy("COPY fleet_rejections FROM STDIN") as copy:
            for r in s.rejected:
                copy.write_row(clean_row((run_id, r.input, r.reason, r.detail, r.payload_sha256)))

    def _claim(self, key: str, run_id: int) -> None:
        """Mark a sharded run rendered; a second render (even a concurrent one) is refused."""
        cur = self._db.execute("UPDATE shard_runs SET rendered_run = %s "
                               "WHERE run_key = %s AND rendered_run IS NULL", (run_id, key))
        if cur.rowcount != 1:
            raise InvalidInputError(f"run {key!r} was rendered by another job meanwhile; "
                                    "nothing of this render was stored")
        for table in ("shard_rows", "shard_policies", "shard_parts"):
            self._db.execute(f"DELETE FROM {table} WHERE run_key = %s", (key,))  # noqa: S608

    def commit(self) -> None:
        """Write everything pending (if flush() has not) and commit it in one transaction."""
        self.flush()
        with self.guard():
            self._db.execute("COMMIT")
            self._flushed = False
            self._db.execute(f"TRUNCATE {_PENDING}")
        self._payloads.clear()
        self._devices.clear()
        self._trust, self._run, self.render_key = None, None, None

    def rollback(self) -> None:
        """Undo what flush() wrote; pending records stay pending."""
        from psycopg.pq import TransactionStatus

        self._flushed = False
        if self._db.info.transaction_status != TransactionStatus.IDLE:
            with self.guard():
                self._db.execute("ROLLBACK")

    def close(self) -> None:
        """Forget anything not committed and close the session."""
        with contextlib.suppress(Exception):
            self.rollback()
        self._db.close()
