"""Verifier state: the SQLite store keeps rollback, replay and duplicate protection across runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.security.pki import NOW, Pki

from wfhaudit.errors import InvalidInputError
from wfhaudit.reasons import TrustError
from wfhaudit.store import SQLiteStore
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.state import Accepted, MemoryStore
from wfhaudit.verify.verifier import Verifier


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_store_semantics(kind: str, tmp_path: Path) -> None:
    store = MemoryStore() if kind == "memory" else SQLiteStore(tmp_path / "s.sqlite")
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


def test_sqlite_state_survives_runs(tmp_path: Path) -> None:
    db = tmp_path / "verify.sqlite"
    pki = Pki()
    report = pki.envelope()
    old_trust = pki.trust_bytes()
    with SQLiteStore(db) as store:
        v = pki.verifier(store=store)
        assert v.verify(report).reason == "VERIFIED"
        load_trust(pki.trust_bytes(floor=3), [pki.admin.public_key()], NOW, store)
    with SQLiteStore(db) as store:  # a later CI run with the same database
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
