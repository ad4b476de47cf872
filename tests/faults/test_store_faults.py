"""The --db file when it is not what wfhaudit expects: damaged, another program's, or made by
an older wfhaudit whose history and verifier tables disagree."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from tests.faults.kit import env_for, run
from tests.faults.test_disk_full import _fleet
from tests.faults.test_kills import db_consistent

from wfhaudit.store.schema import APPLICATION_ID, HISTORY_TABLES, VERIFIER_TABLES


def _args(trust: Path, share: Path, db: Path, out: Path) -> list[str]:
    return ["aggregate", str(share), "--trust", str(trust), "--db", str(db), "--jobs", "1",
            "--json", str(out)]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_corrupted_page_is_exit_3_and_writes_nothing(tmp_path: Path) -> None:
    trust, share = _fleet(tmp_path)
    db, out = tmp_path / "fleet.sqlite", tmp_path / "f.json"
    assert run(_args(trust, share, db, out), env_for(tmp_path / "home"))[0] == 0
    out.unlink()
    con = sqlite3.connect(str(db))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    size = db.stat().st_size
    assert size >= 6 * 4096
    with open(db, "r+b") as fh:  # garble a page in the middle of the file
        fh.seek((size // 4096 // 2) * 4096)
        fh.write(b"\x5a" * 4096)
    before = _digest(db)
    for args in (_args(trust, share, db, out),
                 ["verify", str(share), "--trust", str(trust), "--db", str(db)]):
        code, _, err = run(args, env_for(tmp_path / "home"))
        assert code == 3, err
        assert str(db) in err and "damaged" in err and "backup" in err, err
    assert not out.exists() and _digest(db) == before


@pytest.mark.parametrize("kind", ["tables", "application id"])
def test_another_programs_database_is_refused_untouched(kind: str, tmp_path: Path) -> None:
    trust, share = _fleet(tmp_path)
    db, out = tmp_path / "app.sqlite", tmp_path / "f.json"
    con = sqlite3.connect(str(db))
    if kind == "tables":
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO users(name) VALUES ('alice')")
    else:
        con.execute("PRAGMA application_id = 1234")
        con.execute("CREATE TABLE wfh_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
    con.commit()
    con.close()
    before = _digest(db)
    for args in (_args(trust, share, db, out),
                 ["verify", str(share), "--trust", str(trust), "--db", str(db)]):
        code, _, err = run(args, env_for(tmp_path / "home"))
        assert code == 3, err
        assert str(db) in err and "another program" in err and "new --db" in err, err
    assert _digest(db) == before and not out.exists()  # not one table added


def test_an_older_database_is_claimed_and_its_history_copied_to_the_verifier(
        tmp_path: Path) -> None:
    trust, share = _fleet(tmp_path)
    db, out = tmp_path / "old.sqlite", tmp_path / "f.json"
    con = sqlite3.connect(str(db))
    con.executescript(VERIFIER_TABLES + HISTORY_TABLES)  # no marker: made before it existed
    # What the older version could leave: a committed history row, verifier state missing.
    con.execute("INSERT INTO fleet_runs(started_at, finished_at, policy_mode) "
                "VALUES ('2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 'own')")
    con.execute("INSERT INTO fleet_reports VALUES ('ab'||hex(zeroblob(31)), 'old-dev', 7, 'r', "
                "'2026-01-01T00:00:00Z', '2026-01-01T00:00:30Z', 1, 'p', 'sha256:x', 'READY', "
                "100, '{}')")
    con.commit()
    con.close()
    code, _, err = run(_args(trust, share, db, out), env_for(tmp_path / "home"))
    assert code == 0, err
    assert db_consistent(db) == 2
    con = sqlite3.connect(str(db))
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert con.execute("SELECT last_sequence FROM wfh_devices WHERE device_id='old-dev'"
                           ).fetchone()[0] == 7
    finally:
        con.close()
