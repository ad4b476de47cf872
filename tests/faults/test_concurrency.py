"""Many wfhaudit processes at once: checks into one folder, racing key resets, shared --db."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from tests.faults.kit import (
    REPLAY_POLICY,
    assert_no_leftovers,
    enrol,
    env_for,
    envelope_payload,
    run,
    spawn,
    verify_folder,
)
from tests.faults.test_kills import db_consistent
from tests.fleet.fleetgen import FLEET_POLICY, GOOD, UTC, make_org, policy_from, predicate, signed

from wfhaudit.crypto.keyutil import load_public_keys

ERRORS: list[str] = []


def _wait_all(procs: list[subprocess.Popen[bytes]], timeout: float = 120) -> list[int]:
    """Exit codes in order (stderr of the failed ones kept in ERRORS)."""
    codes = []
    ERRORS.clear()
    for proc in procs:
        try:
            _, err = proc.communicate(timeout=timeout)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        codes.append(int(proc.returncode))
        if proc.returncode:
            ERRORS.append(err.decode(errors="replace")[-600:])
    return codes


def test_twenty_first_checks_at_once_give_twenty_reports_in_sequence_order(
        tmp_path: Path, replay: tuple[Path, Path]) -> None:
    _bundle, policy = replay
    home, out = tmp_path / "home", tmp_path / "reports"
    home.mkdir(mode=0o700)
    tag = uuid.uuid4().hex
    # Live checks (a replayed report never verifies): only the os probe, so each is quick.
    args = ["check", "--only", "os", "--policy", str(policy), "--out", str(out), "--quiet"]
    # A fresh home: all twenty also race to create the device id and keys.
    procs = [spawn(args, env_for(home, tag)) for _ in range(20)]
    assert _wait_all(procs) == [0] * 20, ERRORS
    assert_no_leftovers(tag)
    reports = sorted(out.glob("*.wfh.json"))
    assert len(reports) == 20
    seqs = [envelope_payload(p.read_bytes())["predicate"]["sequence"] for p in reports]
    assert seqs == list(range(1, 21))  # distinct, and name order is sequence order
    devices = {envelope_payload(p.read_bytes())["predicate"]["device"]["id"] for p in reports}
    assert devices == {(home / "device-id").read_text().strip()}
    now = dt.datetime.now(UTC).replace(microsecond=0)
    org = enrol(tmp_path / "org", home, REPLAY_POLICY, now)
    assert verify_folder(org, out, now) == ["VERIFIED"] * 20  # no SEQUENCE_ROLLBACK


def test_keys_init_force_racing_itself_leaves_a_matching_pair(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    for _ in range(3):
        tag = uuid.uuid4().hex
        procs = [spawn(["keys", "init", "--force"], env_for(home, tag)) for _ in range(6)]
        assert _wait_all(procs) == [0] * 6, ERRORS
        assert_no_leftovers(tag)
        pem = serialization.load_pem_private_key((home / "device-key.pem").read_bytes(), None)
        pub = load_public_keys((home / "device-key.pub").read_bytes())[0]
        assert pem.public_key() == pub  # type: ignore[operator]


def _fleet(root: Path, devices: list[str], now: dt.datetime) -> tuple[Path, Path]:
    pol = policy_from(FLEET_POLICY)
    org = make_org(root / "org", devices, [pol], now)
    share = root / "share"
    share.mkdir(parents=True)
    for n, dev in enumerate(devices):
        for seq in (1, 2):
            (share / f"{dev}.{seq}.wfh.json").write_bytes(signed(org, predicate(
                pol, dev, seq, now - dt.timedelta(hours=3 - seq, minutes=n), GOOD)))
    return org.trust_path, share


def test_four_aggregates_and_a_verify_share_one_database(tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    trust_a, share_a = _fleet(tmp_path / "a", [f"a{i}" for i in range(30)], now)
    trust_b, share_b = _fleet(tmp_path / "b", [f"b{i}" for i in range(30)], now)
    db = tmp_path / "fleet.sqlite"
    tag = uuid.uuid4().hex
    env = env_for(tmp_path / "home", tag)
    procs = [spawn(["aggregate", str(share_a), "--trust", str(trust_a), "--db", str(db),
                    "--jobs", "1", "--json", str(tmp_path / f"out{i}.json")], env)
             for i in range(4)]
    procs.append(spawn(["verify", str(share_b), "--trust", str(trust_b), "--db", str(db)], env))
    assert _wait_all(procs) == [0] * 5, ERRORS
    assert_no_leftovers(tag)
    assert db_consistent(db) == 4
    con = sqlite3.connect(str(db))
    try:
        payloads = con.execute("SELECT count(*) FROM wfh_payloads").fetchone()[0]
        history = con.execute("SELECT count(*) FROM fleet_reports").fetchone()[0]
    finally:
        con.close()
    assert (payloads, history) == (120, 60)  # verify's 60 and aggregate's 60, each kept once


def _hold_write_lock(db: Path, seconds: float, held: threading.Event) -> None:
    con = sqlite3.connect(str(db), isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        con.execute("COMMIT")
    finally:
        con.close()


def test_a_neighbour_holding_the_lock_is_waited_for_then_past_the_limit_is_exit_3(
        tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    trust, share = _fleet(tmp_path, ["d1", "d2"], now)
    db = tmp_path / "fleet.sqlite"
    args = ["aggregate", str(share), "--trust", str(trust), "--db", str(db), "--jobs", "1",
            "--json", str(tmp_path / "out.json")]
    assert run(args, env_for(tmp_path / "home"))[0] == 0  # the file exists and is wfhaudit's
    for hold, limit, expect in ((8.0, "", 0), (3.0, "1", 3)):  # 8 s: as seen in CI
        held = threading.Event()
        holder = threading.Thread(target=_hold_write_lock, args=(db, hold, held))
        holder.start()
        assert held.wait(10)
        start = time.monotonic()
        extra = {"WFHAUDIT_DB_TIMEOUT": limit} if limit else {}
        code, _, err = run(args, env_for(tmp_path / "home", **extra))
        waited = time.monotonic() - start
        holder.join()
        assert code == expect, err
        if expect == 0:
            assert waited >= hold - 1.0  # it waited for the neighbour instead of failing
        else:
            assert f"{db}: another process kept the database locked for more than 1 s" in err
            assert "WFHAUDIT_DB_TIMEOUT" in err
    assert db_consistent(db) == 2
