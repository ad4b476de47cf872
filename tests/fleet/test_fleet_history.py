"""History across runs (--db, SQLite and PostgreSQL): trends, re-runs over an accumulating
share, replay detection."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.fleet.fleetgen import (
    FLEET_POLICY,
    GOOD,
    UTC,
    Org,
    make_org,
    policy_from,
    predicate,
    signed,
    write,
)

from wfhaudit.cli import cli

BAD_UPLOAD = {**GOOD, "network.upload_mbps": 0.5}


def run(org: Org, share: Path, db: Path | str, out: Path, trust: Path | None = None,
        *extra: str) -> tuple[int, dict[str, Any], str]:
    out.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(cli, [
        "aggregate", str(share), "--trust", str(trust or org.trust_path),
        "--admin-pubkey", str(org.admin_pub), "--db", str(db), "--jobs", "1",
        "--json", str(out / "f.json"), "--html", str(out / "f.html"), *extra])
    doc = json.loads((out / "f.json").read_text()) if (out / "f.json").exists() else {}
    return result.exit_code, doc, result.output


@pytest.fixture
def org_share(tmp_path: Path) -> tuple[Org, Path, dt.datetime]:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    org = make_org(tmp_path / "org", ["d1", "d2", "d3"], [pol], now)
    share = tmp_path / "share"
    hours = dt.timedelta(hours=1)

    def put(dev: str, seq: int, values: dict[str, Any], age_h: int) -> None:
        write(share, f"{dev}.{seq:03d}.wfh.json",
              signed(org, predicate(pol, dev, seq, now - age_h * hours, values)))

    for seq in (1, 2, 3):
        put("d1", seq, GOOD, 20 - seq)
    put("d2", 1, BAD_UPLOAD, 15)
    put("d3", 5, GOOD, 12)
    org.put = put  # type: ignore[attr-defined]
    return org, share, now


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.live)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """The history store: a SQLite file, or a fresh database on the live PostgreSQL server."""
    if request.param == "sqlite":
        return tmp_path / "fleet.sqlite"
    return str(request.getfixturevalue("pg_url"))


def _rows(db: Path | str, sql: str) -> list[tuple[Any, ...]]:
    if isinstance(db, str):
        import psycopg

        with psycopg.connect(db) as pg:
            pg.execute("SET search_path TO wfhaudit")
            return [tuple(r) for r in pg.execute(sql).fetchall()]
    con = sqlite3.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_two_runs_trend_rerun_and_replay(org_share: tuple[Org, Path, dt.datetime],
                                         tmp_path: Path, db: Path | str) -> None:
    org, share, _ = org_share
    code, first, _ = run(org, share, db, tmp_path / "run1")
    assert code == 0
    assert first["counts"]["accepted"] == 5 and first["counts"]["devices_ready"] == 2
    assert len(first["history"]) == 1 and first["history"][0]["ready_pct"] == 66.67
    assert "<polyline" not in (tmp_path / "run1" / "f.html").read_text()
    assert _rows(db, "SELECT count(*) FROM fleet_reports") == [(5,)]
    # The verifier's own state (shared file, its own tables) learned the sequences too.
    assert dict(_rows(db, "SELECT device_id, last_sequence FROM wfh_devices")) == \
        {"d1": 3, "d2": 1, "d3": 5}

    # The share keeps its old files and gains new ones: d1 #4, d2 #2 (fixed), and d3 #4,
    # an older report never seen before (held back, then submitted after #5).
    org.put("d1", 4, GOOD, 3)  # type: ignore[attr-defined]
    org.put("d2", 2, GOOD, 2)  # type: ignore[attr-defined]
    org.put("d3", 4, BAD_UPLOAD, 13)  # type: ignore[attr-defined]
    time.sleep(1.1)  # receipt times have second precision
    code, second, _ = run(org, share, db, tmp_path / "run2")
    c = second["counts"]
    assert code == 4 and second["gate"]["decided_by"] == "rejected-inputs"
    assert (c["inputs"], c["accepted"], c["previously_received"], c["rejected"]) == (8, 7, 5, 1)
    assert second["rejected"][0]["reason"] == "SEQUENCE_ROLLBACK"
    assert second["rejected"][0]["input"].endswith("d3.004.wfh.json")
    assert c["devices_ready"] == 3 and second["ready_pct"] == 100.0
    devices = {d["device"]: d for d in second["devices"]}
    assert devices["d3"]["report"]["sequence"] == 5
    # Receipt time of a report seen before is its first receipt, not this run's.
    first_d3 = next(d for d in first["devices"] if d["device"] == "d3")
    assert devices["d3"]["received_at"] == first_d3["received_at"]
    assert devices["d1"]["received_at"] > first_d3["received_at"]  # #4 is new this run
    assert [p["ready_pct"] for p in second["history"]] == [66.67, 100.0]
    page = (tmp_path / "run2" / "f.html").read_text()
    assert page.count("<polyline") == 1 and "over 2 runs" in page

    # Replay: only an older, already received report of d1 is left in the share.
    replay = tmp_path / "replay"
    replay.mkdir()
    shutil.copy(share / "d1.002.wfh.json", replay)
    code, third, _ = run(org, replay, db, tmp_path / "run3")
    assert code == 4
    assert [(r["reason"], Path(r["input"]).name) for r in third["rejected"]] == \
        [("SEQUENCE_ROLLBACK", "d1.002.wfh.json")]
    assert {d["device"]: d["status"] for d in third["devices"]}["d1"] == "MISSING"
    assert third["counts"]["devices_ready"] == 0
    runs = _rows(db, "SELECT policy_mode, ready, expected, exit_code FROM fleet_runs "
                     "ORDER BY run_id")
    assert runs == [("own", 2, 3, 0), ("own", 3, 3, 4), ("own", 0, 3, 4)]
    assert _rows(db, "SELECT reason FROM fleet_rejections ORDER BY run_id") == \
        [("SEQUENCE_ROLLBACK",), ("SEQUENCE_ROLLBACK",)]


def test_verify_and_aggregate_share_the_state(org_share: tuple[Org, Path, dt.datetime],
                                              tmp_path: Path, db: Path | str) -> None:
    org, share, _ = org_share
    assert run(org, share, db, tmp_path / "o")[0] == 0
    org.put("d1", 9, GOOD, 1)  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["verify", str(share / "d1.009.wfh.json"), "--trust",
                                      str(org.trust_path), "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    # aggregate now sees #9 (accepted by verify) and refuses a never-seen #8.
    org.put("d1", 8, GOOD, 2)  # type: ignore[attr-defined]
    code, doc, _ = run(org, share, db, tmp_path / "o2")
    assert code == 4
    assert [(r["reason"], Path(r["input"]).name) for r in doc["rejected"]] == \
        [("SEQUENCE_ROLLBACK", "d1.008.wfh.json")]
    # verify sees what aggregate accepted: the first run's d1 #3 is a duplicate there.
    result = CliRunner().invoke(cli, ["verify", str(share / "d1.003.wfh.json"), "--trust",
                                      str(org.trust_path), "--db", str(db), "--json"])
    assert result.exit_code == 4
    line = next(x for x in result.output.splitlines() if x.startswith("{"))
    assert json.loads(line)["reason"] == "SEQUENCE_ROLLBACK"


def test_what_if_runs_do_not_enter_the_trend(org_share: tuple[Org, Path, dt.datetime],
                                             tmp_path: Path, db: Path | str) -> None:
    org, share, _ = org_share
    run(org, share, db, tmp_path / "a")
    code, doc, _ = run(org, share, db, tmp_path / "b", None, "--policy", "baseline")
    assert code == 0
    assert doc["policy"]["mode"] == "what-if"
    assert [p["ready_pct"] for p in doc["history"]] == [66.67]
    assert doc["counts"]["previously_received"] == 5


def test_trust_rollback_is_refused(org_share: tuple[Org, Path, dt.datetime],
                                   tmp_path: Path, db: Path | str) -> None:
    org, share, now = org_share
    old = tmp_path / "trust-v1.json"
    shutil.copy(org.trust_path, old)
    org.sign_trust(now)  # version 2
    assert run(org, share, db, tmp_path / "a")[0] == 0
    code, doc, out = run(org, share, db, tmp_path / "b", old)
    assert code == 3 and "TRUST_ROLLBACK" in out and doc == {}


def test_retired_key_keeps_reports_received_before(org_share: tuple[Org, Path, dt.datetime],
                                                   tmp_path: Path, db: Path | str) -> None:
    """Signing §2.9: 'retired' rejects what was received after revokedAt, judged by the
    trusted first receipt time that the history keeps, not by the device's clock."""
    org, share, _ = org_share
    assert run(org, share, db, tmp_path / "a")[0] == 0  # d3 #5 received now
    time.sleep(1.1)
    retired_at = dt.datetime.now(UTC).replace(microsecond=0)
    org.revoke("d3", "retired", retired_at)
    org.sign_trust(retired_at)
    time.sleep(1.1)
    org.put("d3", 6, GOOD, 1)  # type: ignore[attr-defined]  # signed by the retired key
    code, doc, _ = run(org, share, db, tmp_path / "b")
    assert code == 4
    assert [(r["reason"], Path(r["input"]).name) for r in doc["rejected"]] == \
        [("KEY_REVOKED", "d3.006.wfh.json")]
    d3 = next(d for d in doc["devices"] if d["device"] == "d3")
    assert d3["report"]["sequence"] == 5 and d3["status"] == "READY"
    assert d3["expected"] is False  # its only key is retired: not part of the fleet any more
    assert doc["counts"]["devices_expected"] == 2 and doc["ready_pct"] == 50.0
    # Without the history the same report counts as received now: rejected.
    code, doc, _ = run(org, share, tmp_path / "fresh.sqlite", tmp_path / "c")
    assert sorted(r["reason"] for r in doc["rejected"]) == ["KEY_REVOKED", "KEY_REVOKED"]
