"""The SQLite file's tables, and how wfhaudit knows a file is its own before it writes to it.

A file wfhaudit created carries `PRAGMA application_id` = APPLICATION_ID and the schema version
in `PRAGMA user_version`. A file with application id 0 is claimed only when it is empty or
holds nothing but wfhaudit's own tables (a file made by a version before the marker); any
other file belongs to another program and is left untouched.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from wfhaudit.errors import InvalidInputError

APPLICATION_ID = 0x57464841  # "WFHA"
SCHEMA_VERSION = 1

VERIFIER_TABLES = """
CREATE TABLE IF NOT EXISTS wfh_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS wfh_devices (
    device_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, last_payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS wfh_payloads (
    sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at INTEGER NOT NULL);
"""
HISTORY_TABLES = """
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
# Older versions committed history and verifier state separately, so a failed run could leave
# accepted reports in the history only. Claiming such a file copies them across once.
REPAIR = """
INSERT OR IGNORE INTO wfh_payloads
    SELECT payload_sha256, device_id, sequence, report_id, finished_at,
           CAST(strftime('%s', received_at) AS INTEGER) FROM fleet_reports;
INSERT INTO wfh_devices
    SELECT device_id, sequence, payload_sha256 FROM fleet_reports f
    WHERE sequence = (SELECT max(sequence) FROM fleet_reports g WHERE g.device_id = f.device_id)
    GROUP BY device_id
    ON CONFLICT(device_id) DO UPDATE SET last_sequence=excluded.last_sequence,
        last_payload=excluded.last_payload
        WHERE excluded.last_sequence > wfh_devices.last_sequence;
"""
# What one run has recorded but not committed: kept in this connection's temp database, so
# the shared file is written (and locked) only once, at the end of the run.
PENDING = """
CREATE TEMP TABLE IF NOT EXISTS pending_payloads (
    sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS pending_devices (
    device_id TEXT PRIMARY KEY, last_sequence INTEGER NOT NULL, last_payload TEXT NOT NULL);
CREATE TEMP TABLE IF NOT EXISTS pending_reports (
    payload_sha256 TEXT PRIMARY KEY, device_id TEXT NOT NULL, sequence INTEGER NOT NULL,
    report_id TEXT NOT NULL, finished_at TEXT NOT NULL, received_at TEXT NOT NULL,
    received_epoch INTEGER NOT NULL, policy_id TEXT NOT NULL, policy_digest TEXT NOT NULL,
    verdict TEXT NOT NULL, score INTEGER NOT NULL, findings TEXT NOT NULL);
"""
OWN_OBJECTS = frozenset({"wfh_meta", "wfh_devices", "wfh_payloads", "fleet_runs",
                         "fleet_reports", "fleet_reports_device", "fleet_run_devices",
                         "fleet_rejections"})
FOREIGN_FIX = ("wfhaudit keeps its state in a file of its own and never adds tables to "
               "another program's database: pass a new --db path")


def _objects(con: sqlite3.Connection) -> set[str]:
    rows = con.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").fetchall()
    return {str(r[0]) for r in rows}


def _ownership(con: sqlite3.Connection, path: Path) -> str:
    """'ours' (marked), 'claim' (empty, or only our tables without the marker); else raises."""
    app_id = int(con.execute("PRAGMA application_id").fetchone()[0])
    if app_id == APPLICATION_ID:
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise InvalidInputError(f"{path}: made by a newer wfhaudit (schema {version}, this "
                                    f"one knows {SCHEMA_VERSION}); upgrade wfhaudit")
        return "ours" if version == SCHEMA_VERSION else "claim"
    if app_id != 0:
        raise InvalidInputError(f"{path}: a SQLite database of another program (application "
                                f"id {app_id:#x}); {FOREIGN_FIX}")
    foreign = sorted(_objects(con) - OWN_OBJECTS)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
        raise InvalidInputError(f"{path}: a SQLite database of another program (it has "
                                f"{shown}); {FOREIGN_FIX}")
    return "claim"


def run_script(con: sqlite3.Connection, script: str) -> None:
    """Run ;-separated statements one by one (executescript would COMMIT an open transaction)."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def prepare(con: sqlite3.Connection, path: Path) -> None:
    """Check the file is wfhaudit's (or empty), then create or upgrade the tables and mark it."""
    if _ownership(con, path) == "ours":
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        if _ownership(con, path) == "claim":  # again, now that no one else can write
            run_script(con, VERIFIER_TABLES + HISTORY_TABLES + REPAIR)
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
