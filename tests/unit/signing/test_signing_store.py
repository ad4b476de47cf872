"""Verifier state: the stores (SQLite and PostgreSQL) keep rollback, replay and duplicate
protection across runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.security.pki import NOW, Pki

from wfhaudit.errors import InvalidInputError
from wfhaudit.reasons import TrustError
from wfhaudit.store import PostgresStore, SQLiteStore, Store, open_store
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.state import Accepted, MemoryStore
from wfhaudit.verify.verifier import Verifier

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.live)]


def _target(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives: a SQLite file, or a fresh database on the live PostgreSQL server."""
    return str(tmp_path / "s.sqlite") if kind == "sqlite" else str(
        request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store's place for each backend."""
    return _target(request.param, request, tmp_path)


@pytest.mark.parametrize("kind", ["memory", *BACKENDS])
def test_store_semantics(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    store = MemoryStore() if kind == "memory" else open_store(_target(kind, request, tmp_path))
    assert store.max_trust_version() is None and store.last_sequence("d") is None
    store.note_trust_version(4)
    store.note_trust_version(2)
    assert store.max_trust_version() == 4
    t1 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    store.record_accepted(Accepted("d", 7, "aa", "r7", "2026-11-01T00:00:00Z", t1))
    store.record_accepted(Accepted("d", 5, "bb", "r5", "2026-10-01T00:00:00Z", t1))
    store.record_accepted(Accepted("d", 9, "aa", "r9", "2026-11-02T00:00:00Z", NOW))
    assert store.last_sequence("d") == 9
    assert store.received_at("aa") == t1  # the first receipt is kept
    assert store.received_at("zz") is None
    store.close()


def _committed(store: Store) -> Store:
    """The store, used as a context manager: commits when the block succeeds."""
    assert isinstance(store, (SQLiteStore, PostgresStore))
    return store


def test_state_survives_runs(target: str) -> None:
    pki = Pki()
    report = pki.envelope()
    old_trust = pki.trust_bytes()
    with _committed(open_store(target)) as store:
        v = pki.verifier(store=store)
        assert v.verify(report).reason == "VERIFIED"
        load_trust(pki.trust_bytes(floor=3), [pki.admin.public_key()], NOW, store)
    with _committed(open_store(target)) as store:  # a later CI run with the same database
        with pytest.raises(TrustError) as info:
            load_trust(old_trust, [pki.admin.public_key()], NOW, store)
        assert info.value.reason.value == "TRUST_ROLLBACK"
        trust = load_trust(pki.trust_bytes(floor=3), [pki.admin.public_key()], NOW, store)
        verifier = Verifier(trust, now=NOW, store=store)
        assert verifier.verify(report).reason == "DUPLICATE"
        older = pki.envelope(predicate=pki.predicate(sequence=0))
        assert verifier.verify(older).reason == "SEQUENCE_ROLLBACK"


def test_not_a_database_is_invalid_input(tmp_path: Path) -> None:
    bogus = tmp_path / "x.sqlite"
    bogus.write_text("this is not sqlite " * 100)
    with pytest.raises(InvalidInputError, match="not a usable"):
        SQLiteStore(bogus)


def test_nothing_reaches_the_file_before_commit(target: str) -> None:
    t1 = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    store = open_store(target)
    store.note_trust_version(3)
    store.record_accepted(Accepted("d", 4, "aa", "r4", "2026-11-01T00:00:00Z", t1))
    assert store.last_sequence("d") == 4 and store.received_at("aa") == t1  # seen in the run
    other = open_store(target)
    assert other.last_sequence("d") is None and other.max_trust_version() is None
    store.flush()  # written under the lock, not yet committed: still invisible
    assert other.last_sequence("d") is None
    store.rollback()
    store.close()  # closing without commit drops the run
    other.close()
    with _committed(open_store(target)) as again:
        assert again.last_sequence("d") is None
        again.record_accepted(Accepted("d", 4, "aa", "r4", "2026-11-01T00:00:00Z", t1))
    with _committed(open_store(target)) as later:  # the block succeeded: committed
        assert later.last_sequence("d") == 4 and later.earlier_received_at("aa")


def test_a_foreign_database_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "app.sqlite"
    con = sqlite3.connect(str(db))
    con.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(InvalidInputError, match=r"another program .*accounts"):
        SQLiteStore(db)
    assert db.read_bytes() == before


def test_a_held_lock_past_the_wait_is_invalid_input_naming_the_file(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "s.sqlite"
    SQLiteStore(db).close()
    holder = sqlite3.connect(str(db), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        store = SQLiteStore(db, timeout_s=0.2)
        store.note_trust_version(1)
        with pytest.raises(InvalidInputError, match=r"locked for more than 0\.2 s"):
            store.commit()
        store.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
