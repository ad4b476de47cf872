"""The PostgreSQL store on a live server: concurrent verifiers, row locks, failures as exit 3."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.fleet.fleetgen import FLEET_POLICY, GOOD, UTC, make_org, policy_from, predicate, signed
from tests.pgserver import PgServer, finish, new_database, spawn

from wfhaudit.cli import cli
from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.summary import Accumulator
from wfhaudit.store import PostgresStore, RunRecord
from wfhaudit.store.pg_shards import ShardTables
from wfhaudit.verify.state import Accepted

pytestmark = pytest.mark.live
DEVICES = [f"d{i}" for i in range(8)]


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def test_four_verifiers_at_once_lose_and_duplicate_nothing(pg_server: PgServer,
                                                           tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    org = make_org(tmp_path / "org", DEVICES, [pol], now)
    files: dict[str, list[Path]] = {}
    for dev in DEVICES:
        for seq in (1, 2, 3):
            path = tmp_path / "share" / f"{dev}.{seq}.wfh.json"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(signed(org, predicate(pol, dev, seq, now - dt.timedelta(
                hours=4 - seq), GOOD)))
            files.setdefault(dev, []).append(path)
    url = new_database(pg_server)  # empty: the four also race to create the schema
    trust = ["--trust", str(org.trust_path), "--db", url, "--json"]
    # Each verifier takes every report of four devices; each device is shared by two of them.
    shares = [[p for d in DEVICES[2 * k:] + DEVICES[:2 * k] for p in files[d]][:12]
              for k in range(4)]
    done = finish([spawn(["verify", *map(str, paths), *trust]) for paths in shares])
    assert all(code in (0, 4) for code, _, _ in done), [err[-800:] for _, _, err in done]
    lines = [json.loads(x) for _, out, _ in done for x in out.splitlines()]
    accepted = {(r["deviceId"], r["sequence"]): r["payloadSha256"] for r in lines
                if r["verdict"] == "verified"}
    assert len(accepted) == 24  # every report was accepted by the first verifier to commit it
    assert {r["reason"] for r in lines if r["verdict"] == "rejected"} <= {"SEQUENCE_ROLLBACK",
                                                                          "DUPLICATE"}
    assert _query(url, "SELECT count(*), count(DISTINCT sha256) FROM wfhaudit.wfh_payloads") \
        == [(24, 24)]
    assert sorted(_query(url, "SELECT device_id, last_sequence, last_payload "
                              "FROM wfhaudit.wfh_devices")) == \
        [(d, 3, accepted[(d, 3)]) for d in DEVICES]
    assert _query(url, "SELECT value FROM wfhaudit.wfh_meta WHERE key = 'trust_version'") \
        == [(1,)]
    # A later run sees all of it: each device's newest report is a duplicate, older ones
    # come after it.
    again = CliRunner().invoke(cli, ["verify", str(tmp_path / "share"), *trust])
    reasons = [json.loads(x)["reason"] for x in again.output.splitlines() if x.startswith("{")]
    assert again.exit_code == 4
    assert reasons == ["SEQUENCE_ROLLBACK", "SEQUENCE_ROLLBACK", "DUPLICATE"] * len(DEVICES)


def _accepted(device: str, seq: int, sha: str, at: dt.datetime) -> Accepted:
    return Accepted(device, seq, sha, f"r{seq}", "2026-11-01T00:00:00Z", at)


def test_writers_wait_for_each_other_and_merge(pg_url: str) -> None:
    t1 = dt.datetime(2026, 11, 1, tzinfo=UTC)
    t2 = t1 + dt.timedelta(hours=1)
    first, second = PostgresStore(pg_url), PostgresStore(pg_url)
    first.note_trust_version(2)
    first.record_accepted(_accepted("d", 5, "aa", t1))
    second.note_trust_version(3)
    second.record_accepted(_accepted("d", 4, "bb", t2))
    second.record_accepted(_accepted("d", 4, "aa", t2))  # the same payload, received later
    weird = "e\x00\udcff"  # text PostgreSQL cannot hold as such
    second.record_accepted(_accepted(weird, 1, "cc", t2))
    first.flush()  # holds its rows until it commits
    done = threading.Event()
    writer = threading.Thread(target=lambda: (second.commit(), done.set()))
    writer.start()
    assert not done.wait(0.5)  # waits on the first one's row locks
    first.commit()
    writer.join(30)
    assert done.is_set()
    first.close()
    second.close()
    with PostgresStore(pg_url) as later:
        assert later.last_sequence("d") == 5 and later.max_trust_version() == 3
        assert later.received_at("aa") == t1 and later.received_at("bb") == t2
        assert later.last_sequence(weird) == 1


def test_two_renders_of_one_run_at_once_store_it_once(pg_url: str) -> None:
    setup = PostgresStore(pg_url)
    ShardTables(setup).open_run("r1", 1, "2026-11-01T00:00:00Z", {})
    setup.close()
    record = RunRecord("2026-11-01T00:00:00Z", "own", None, 1, Accumulator([]).finish(),
                       "none", 0)
    first, second = PostgresStore(pg_url), PostgresStore(pg_url)
    for store in (first, second):
        store.render_key = "r1"
        store.stage_run(record)
    first.flush()  # claims the run: its row stays locked until commit
    failed: list[BaseException] = []

    def render() -> None:
        try:
            second.commit()
        except InvalidInputError as exc:
            failed.append(exc)

    writer = threading.Thread(target=render)
    writer.start()
    time.sleep(0.3)
    assert writer.is_alive()  # waiting on the run's row
    first.commit()
    writer.join(30)
    assert [str(e) for e in failed] == [
        "run 'r1' was rendered by another job meanwhile; nothing of this render was stored"]
    first.close()
    second.close()
    assert _query(pg_url, "SELECT count(*) FROM wfhaudit.fleet_runs") == [(1,)]
    assert _query(pg_url, "SELECT rendered_run FROM wfhaudit.shard_runs") == [(1,)]


def test_a_lock_held_past_the_wait_is_exit_3_nothing_stored(pg_url: str) -> None:
    holder = PostgresStore(pg_url)
    holder.note_trust_version(1)
    holder.flush()
    waiter = PostgresStore(pg_url, timeout_s=0.3)
    waiter.note_trust_version(2)
    started = time.monotonic()
    with pytest.raises(InvalidInputError, match=r"locked for more than 0\.3 s") as info:
        waiter.commit()
    assert time.monotonic() - started < 20
    assert "***" in str(info.value) and holder.url.split(":")[2].split("@")[0] not in str(
        info.value)
    waiter.close()
    holder.rollback()
    holder.close()
    with PostgresStore(pg_url) as fresh:
        assert fresh.max_trust_version() is None


def test_unusable_databases_are_exit_3_without_the_password(pg_server: PgServer,
                                                            tmp_path: Path) -> None:
    secret = "s3cr3t-Pa55"
    gone = tmp_path / "no-server"
    gone.mkdir()
    cases = [
        (f"postgresql://postgres:{secret}@/x?host={gone}", "cannot use the PostgreSQL server"),
        (pg_server.url(password=secret), "authentication failed"),
        (pg_server.url("no_such_db"), "does not exist"),
        (f"postgresql://postgres:{secret}@/x?host={gone}&sslmode=bogus", "invalid sslmode"),
        (f"postgresql://postgres:{secret}@/x?host={gone}&nonsense=1", "not a usable"),
        (f"mysql://root:{secret}@db.example/fleet", "unsupported database URL"),
    ]
    report = tmp_path / "r.wfh.json"
    report.write_text("{}")
    for url, message in cases:
        for command in (["verify", str(report)], ["aggregate", str(report)]):
            result = CliRunner().invoke(cli, [*command, "--trust", str(tmp_path / "t.json"),
                                              "--db", url])
            assert result.exit_code == 3, (url, result.output)
            assert message in result.output and len(result.output.splitlines()) == 1, \
                result.output
            assert secret not in result.output and pg_server.password not in result.output


def test_a_schema_of_another_program_is_refused_and_left_alone(pg_url: str) -> None:
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE SCHEMA wfhaudit")
        con.execute("CREATE TABLE wfhaudit.accounts (id INTEGER PRIMARY KEY)")
    with pytest.raises(InvalidInputError, match="did not make"):
        PostgresStore(pg_url)
    assert _query(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'wfhaudit'") \
        == [("accounts",)]
