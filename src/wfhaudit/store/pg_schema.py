"""The PostgreSQL tables: the SQLite store's tables plus sharded runs, in a schema `wfhaudit`.

wfhaudit keeps everything in its own schema, so the database may hold other programs' tables.
The schema is created (or upgraded) once, under a transaction-scoped advisory lock, so
verifiers that start together on a new database do not race; a schema `wfhaudit` without
wfhaudit's marker row belongs to someone else and is refused.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from wfhaudit.errors import InvalidInputError

if TYPE_CHECKING:
    import psycopg

SCHEMA = "wfhaudit"
SCHEMA_VERSION = 1
_LOCK_KEY = 0x57464841  # "WFHA", as the SQLite file's application id

TABLES = """
CREATE SCHEMA IF NOT EXISTS wfhaudit;
CREATE TABLE IF NOT EXISTS wfhaudit.wfh_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS wfhaudit.wfh_devices (
    device_id TEXT PRIMARY KEY, last_sequence BIGINT NOT NULL, last_payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wfhaudit.wfh_payloads (
    sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence BIGINT NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS wfhaudit.fleet_runs (
    run_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, started_at TEXT NOT NULL,
    finished_at TEXT, trust_version BIGINT, policy_mode TEXT NOT NULL, whatif_digest TEXT,
    inputs BIGINT, accepted BIGINT, rejected BIGINT, stale_inputs BIGINT, expected BIGINT,
    ready BIGINT, not_ready BIGINT, stale BIGINT, missing BIGINT,
    ready_pct DOUBLE PRECISION, decided_by TEXT, exit_code INTEGER);
CREATE TABLE IF NOT EXISTS wfhaudit.fleet_reports (
    payload_sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence BIGINT NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at TEXT NOT NULL,
    first_run BIGINT NOT NULL, policy_id TEXT NOT NULL, policy_digest TEXT NOT NULL,
    verdict TEXT NOT NULL, score INTEGER NOT NULL, findings TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fleet_reports_device
    ON wfhaudit.fleet_reports(device_id, sequence);
CREATE TABLE IF NOT EXISTS wfhaudit.fleet_run_devices (
    run_id BIGINT NOT NULL, device_id TEXT NOT NULL, status TEXT NOT NULL,
    payload_sha256 TEXT, PRIMARY KEY (run_id, device_id));
CREATE TABLE IF NOT EXISTS wfhaudit.fleet_rejections (
    run_id BIGINT NOT NULL, input TEXT NOT NULL, reason TEXT NOT NULL, detail TEXT NOT NULL,
    payload_sha256 TEXT);
CREATE TABLE IF NOT EXISTS wfhaudit.shard_runs (
    run_key TEXT PRIMARY KEY, shards INTEGER NOT NULL, started_at TEXT NOT NULL,
    params TEXT NOT NULL, rendered_run BIGINT);
CREATE TABLE IF NOT EXISTS wfhaudit.shard_parts (
    run_key TEXT NOT NULL REFERENCES wfhaudit.shard_runs ON DELETE CASCADE,
    shard INTEGER NOT NULL, inputs BIGINT NOT NULL, listing TEXT NOT NULL,
    rows BIGINT NOT NULL, finished_at TEXT NOT NULL, PRIMARY KEY (run_key, shard));
CREATE TABLE IF NOT EXISTS wfhaudit.shard_rows (
    run_key TEXT NOT NULL REFERENCES wfhaudit.shard_runs ON DELETE CASCADE,
    ordinal BIGINT NOT NULL, shard INTEGER NOT NULL, row TEXT NOT NULL,
    PRIMARY KEY (run_key, ordinal));
CREATE TABLE IF NOT EXISTS wfhaudit.shard_policies (
    run_key TEXT NOT NULL REFERENCES wfhaudit.shard_runs ON DELETE CASCADE,
    digest TEXT NOT NULL, rules TEXT NOT NULL, PRIMARY KEY (run_key, digest))
"""
# What one run has recorded but not yet written: this session's own temp tables.
PENDING = """
CREATE TEMP TABLE pending_reports (
    n BIGSERIAL, payload_sha256 TEXT, device_id TEXT, sequence BIGINT, report_id TEXT,
    finished_at TEXT, received_at TEXT, received_epoch BIGINT, policy_id TEXT,
    policy_digest TEXT, verdict TEXT, score INTEGER, findings TEXT);
CREATE TEMP TABLE pending_payloads (
    sha256 TEXT, device_id TEXT, sequence BIGINT, report_id TEXT, finished_at TEXT,
    received_at BIGINT);
CREATE TEMP TABLE pending_devices (device_id TEXT, last_sequence BIGINT, last_payload TEXT);
CREATE TEMP TABLE pending_rows (ordinal BIGINT, row TEXT)
"""
# Writing a run: each INSERT takes its rows in key order, so two runs writing at once wait
# for each other row by row and never deadlock.
FLUSH_PAYLOADS = """
INSERT INTO wfh_payloads
SELECT DISTINCT ON (sha256) sha256, device_id, sequence, report_id, finished_at, received_at
FROM (SELECT 0 AS prio, 0::bigint AS n, * FROM pg_temp.pending_payloads
      UNION ALL SELECT 1, n, payload_sha256, device_id, sequence, report_id, finished_at,
                       received_epoch FROM pg_temp.pending_reports) AS p
ORDER BY sha256, prio, n
ON CONFLICT (sha256) DO NOTHING
"""
FLUSH_DEVICES = """
INSERT INTO wfh_devices
SELECT DISTINCT ON (device_id) device_id, sequence, sha
FROM (SELECT device_id, last_sequence AS sequence, last_payload AS sha
      FROM pg_temp.pending_devices
      UNION ALL SELECT device_id, sequence, payload_sha256 FROM pg_temp.pending_reports) AS d
ORDER BY device_id, sequence DESC, sha
ON CONFLICT (device_id) DO UPDATE SET last_sequence = EXCLUDED.last_sequence,
    last_payload = EXCLUDED.last_payload
    WHERE EXCLUDED.last_sequence > wfh_devices.last_sequence
"""
FLUSH_REPORTS = """
INSERT INTO fleet_reports
SELECT DISTINCT ON (payload_sha256) payload_sha256, device_id, sequence, report_id,
    finished_at, received_at, %s, policy_id, policy_digest, verdict, score, findings
FROM pg_temp.pending_reports ORDER BY payload_sha256, n
ON CONFLICT (payload_sha256) DO NOTHING
"""


def run_script(con: psycopg.Connection[Any], script: str) -> None:
    """Run ;-separated statements one by one."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _version(con: psycopg.Connection[Any]) -> int | None:
    """Our schema version, None when there is no wfhaudit schema; raises when it is not ours."""
    row = con.execute(
        "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = %s), "
        "to_regclass('wfhaudit.wfh_meta') IS NOT NULL, "
        "(SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        " WHERE n.nspname = %s)", (SCHEMA, SCHEMA)).fetchone()
    assert row is not None  # noqa: S101 - a SELECT without FROM returns one row
    has_schema, has_meta, objects = row
    if not has_schema:
        return None
    version = None
    if has_meta:
        found = con.execute("SELECT value FROM wfhaudit.wfh_meta "
                            "WHERE key = 'schema_version'").fetchone()
        version = int(str(found[0])) if found else None
    if version is None and int(str(objects)) > 0:
        raise InvalidInputError(
            "the database has a schema 'wfhaudit' that wfhaudit did not make (no marker "
            "row); wfhaudit never writes into another program's tables: use another database")
    if version is not None and version > SCHEMA_VERSION:
        raise InvalidInputError(f"made by a newer wfhaudit (schema {version}, this one knows "
                                f"{SCHEMA_VERSION}); upgrade wfhaudit")
    return version


def prepare(con: psycopg.Connection[Any]) -> None:
    """Create the schema when missing (once, whoever comes first), then this session's temps."""
    if _version(con) != SCHEMA_VERSION:
        con.execute("BEGIN")
        try:
            con.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            if _version(con) != SCHEMA_VERSION:  # again, now that no one else can create it
                run_script(con, TABLES)
                con.execute("INSERT INTO wfhaudit.wfh_meta VALUES ('schema_version', %s) "
                            "ON CONFLICT (key) DO NOTHING", (SCHEMA_VERSION,))
            con.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            raise
    run_script(con, PENDING)
