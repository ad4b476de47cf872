"""SIGKILL, SIGTERM and SIGINT at seeded random moments of check, keys init, trust sign and
aggregate --db: 33 kill points each (three chains of 11 run side by side, each run starting
from what the killed one left), then the invariants after every kill: the exit code is the
signal's (130/143, never 1), no temp file (after SIGKILL: only ones whose writer is dead, and
none after the next run), every file whole, the database consistent, nothing left running;
and the next run works.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sqlite3
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from cryptography.hazmat.primitives import serialization
from tests.faults.kit import (
    OUTCOMES,
    REPLAY_POLICY,
    Killed,
    assert_no_leftovers,
    calibrate,
    enrol,
    env_for,
    envelope_payload,
    kill_at,
    kill_delays,
    pids_alive,
    run,
    seeded,
    temp_files,
    verify_folder,
)
from tests.fleet.fleetgen import FLEET_POLICY, GOOD, UTC, make_org, policy_from, predicate, signed

from wfhaudit.crypto.keyutil import load_public_keys
from wfhaudit.trust.draft import create_admin_key, new_draft, write_draft
from wfhaudit.trust.file import load_trust

CHAINS, PER_CHAIN = 3, 11
Point = tuple[int, float]


def _chains(rng: random.Random, window: float,
            chain: Callable[[int, list[Point]], None]) -> None:
    """Run CHAINS chains of PER_CHAIN kill points side by side; re-raise the first failure."""
    points = kill_delays(rng, window, CHAINS * PER_CHAIN)
    OUTCOMES.clear()
    with ThreadPoolExecutor(CHAINS) as pool:
        futures = [pool.submit(chain, i, points[i::CHAINS]) for i in range(CHAINS)]
        for future in futures:
            future.result()
    codes = [c for v in OUTCOMES.values() for c in v]
    print(f"window {window:.2f} s; exit codes of the killed runs: "
          f"{dict(sorted(Counter(codes).items()))}", file=sys.stderr)


def _temps_ok(killed: Killed, *folders: Path) -> None:
    """A clean end leaves no temp file of its own; an abrupt one (SIGKILL) may, and the next
    run that writes there removes them. Either way no temp file has a live writer."""
    left = temp_files(*folders)
    pids = [int(m.group(1)) for p in left if (m := re.search(r"\.(\d+)\.wfh", p.name))]
    assert len(pids) == len(left) and not pids_alive(pids), left
    if not killed.abrupt:
        assert killed.pid not in pids, f"temp files after {killed}: {left}"


def _pub_matches(home: Path) -> bool:
    pem = serialization.load_pem_private_key((home / "device-key.pem").read_bytes(), None)
    pub = load_public_keys((home / "device-key.pub").read_bytes())[0]
    return bool(pem.public_key() == pub)  # type: ignore[operator]


def _check_home(home: Path, killed: Killed) -> None:
    """Every state file is absent or whole; the .pub matches unless the kill was abrupt."""
    device = home / "device-id"
    if device.exists():
        assert re.fullmatch(r"dev-[0-9a-f]{16}\n", device.read_text()), device.read_bytes()
    if (home / "redaction.key").exists():
        assert len((home / "redaction.key").read_bytes()) == 32
    if (home / "sequence").exists():
        assert (home / "sequence").read_text().strip().isdigit()
    if (home / "device-key.pem").exists():
        serialization.load_pem_private_key((home / "device-key.pem").read_bytes(), None)
        if (home / "device-key.pub").exists() and not killed.abrupt:
            assert _pub_matches(home), f"pub does not match pem after {killed}"


def _check_reports(out: Path) -> list[int]:
    """Every report is a whole envelope named after its sequence; sequences are distinct."""
    seqs = []
    for path in sorted(out.glob("*.wfh.json")):
        seq = envelope_payload(path.read_bytes())["predicate"]["sequence"]
        assert f".{seq:08d}." in path.name, path.name
        seqs.append(seq)
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs), seqs
    return seqs


def test_kills_during_check(tmp_path: Path, replay: tuple[Path, Path]) -> None:
    _bundle, policy = replay
    rng = seeded("check")

    def args(out: Path) -> list[str]:
        return ["check", "--only", "os", "--policy", str(policy), "--out", str(out),
                "--quiet"]

    probe_home = tmp_path / "calibration"
    probe_home.mkdir(mode=0o700)
    window = calibrate(args(tmp_path / "cal-out"), env_for(probe_home), 0)

    def chain(i: int, points: list[Point]) -> None:
        home, out = tmp_path / f"home{i}", tmp_path / f"out{i}"
        home.mkdir(mode=0o700)
        for signum, delay in points:
            tag = uuid.uuid4().hex
            killed = kill_at(args(out), env_for(home, tag), signum, delay)
            killed.check_code(0)
            assert_no_leftovers(tag)
            _temps_ok(killed, home, out)
            _check_home(home, killed)
            _check_reports(out)
        code, _, err = run(args(out), env_for(home))  # the re-run after the last kill
        assert code == 0, err
        assert not temp_files(home, out) and _pub_matches(home)
        seqs = _check_reports(out)
        now = dt.datetime.now(UTC).replace(microsecond=0)
        reasons = verify_folder(enrol(tmp_path / f"org{i}", home, REPLAY_POLICY, now), out, now)
        assert reasons == ["VERIFIED"] * len(seqs), reasons

    _chains(rng, window, chain)


def test_kills_during_keys_init(tmp_path: Path) -> None:
    rng = seeded("keys-init")
    args = ["keys", "init", "--force"]
    cal = tmp_path / "calibration"
    cal.mkdir(mode=0o700)
    window = calibrate(args, env_for(cal), 0)

    def chain(i: int, points: list[Point]) -> None:
        home = tmp_path / f"home{i}"
        home.mkdir(mode=0o700)
        for signum, delay in points:
            tag = uuid.uuid4().hex
            killed = kill_at(args, env_for(home, tag), signum, delay)
            killed.check_code(0)
            assert_no_leftovers(tag)
            _temps_ok(killed, home)
            _check_home(home, killed)
        code, _, err = run(args, env_for(home))
        assert code == 0, err
        assert not temp_files(home) and _pub_matches(home)

    _chains(rng, window, chain)


def test_kills_during_trust_sign(tmp_path: Path) -> None:
    rng = seeded("trust-sign")

    def setup(folder: Path) -> tuple[list[str], Any]:
        folder.mkdir(parents=True)
        key = create_admin_key(folder / "admin.pem")
        write_draft(folder / "trust.draft.json", new_draft())
        return ["trust", "sign", "--admin-key", str(folder / "admin.pem"), "--draft",
                str(folder / "trust.draft.json"), "--out", str(folder / "trust.json")], key

    cal_args, _ = setup(tmp_path / "calibration")
    window = calibrate(cal_args, env_for(tmp_path / "calibration"), 0)

    def chain(i: int, points: list[Point]) -> None:
        folder = tmp_path / f"org{i}"
        args, key = setup(folder)
        last = 0
        for signum, delay in points:
            tag = uuid.uuid4().hex
            killed = kill_at(args, env_for(folder / "home", tag), signum, delay)
            killed.check_code(0)
            assert_no_leftovers(tag)
            _temps_ok(killed, folder)
            json.loads((folder / "trust.draft.json").read_text())
            if (folder / "trust.json").exists():
                now = dt.datetime.now(UTC)
                trust = load_trust((folder / "trust.json").read_bytes(), [key.public_key()], now)
                assert trust.version >= last
                last = trust.version
        code, _, err = run(args, env_for(folder / "home"))
        assert code == 0, err
        now = dt.datetime.now(UTC)
        assert load_trust((folder / "trust.json").read_bytes(), [key.public_key()],
                          now).version > last
        assert not temp_files(folder)

    _chains(rng, window, chain)


def db_consistent(db: Path) -> int:
    """Integrity holds, history and verifier tables agree; returns the number of runs."""
    con = sqlite3.connect(str(db))
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not tables:
            return 0  # killed before it claimed the new file: nothing half-made
        assert tables == OWN_TABLES, tables
        missing = con.execute(
            "SELECT count(*) FROM fleet_reports f LEFT JOIN wfh_payloads w "
            "ON w.sha256 = f.payload_sha256 AND w.device_id = f.device_id "
            "AND w.sequence = f.sequence WHERE w.sha256 IS NULL").fetchone()[0]
        assert missing == 0, f"{missing} history reports missing from the verifier state"
        behind = con.execute(
            "SELECT count(*) FROM (SELECT device_id, max(sequence) s FROM fleet_reports "
            "GROUP BY device_id) f LEFT JOIN wfh_devices d USING (device_id) "
            "WHERE d.last_sequence IS NULL OR d.last_sequence < f.s").fetchone()[0]
        assert behind == 0, "verifier sequences behind the history"
        open_runs = con.execute(
            "SELECT count(*) FROM fleet_runs WHERE finished_at IS NULL").fetchone()[0]
        assert open_runs == 0
        orphans = con.execute("SELECT count(*) FROM fleet_run_devices WHERE run_id NOT IN "
                              "(SELECT run_id FROM fleet_runs)").fetchone()[0]
        assert orphans == 0
        return int(con.execute("SELECT count(*) FROM fleet_runs").fetchone()[0])
    finally:
        con.close()


OWN_TABLES = {"wfh_meta", "wfh_devices", "wfh_payloads", "fleet_runs", "fleet_reports",
              "fleet_run_devices", "fleet_rejections"}
OUTPUTS = {"json": "f.json", "junit": "f.xml", "csv": "f.csv", "markdown": "f.md",
           "html": "f.html"}


def outputs_state(out: Path) -> dict[str, bytes | None]:
    """The bytes of each output (None when absent)."""
    return {n: (out / n).read_bytes() if (out / n).exists() else None for n in OUTPUTS.values()}


def _outputs_whole(state: dict[str, bytes | None]) -> None:
    """Each output present is complete (it parses to its end)."""
    if state["f.json"] is not None:
        json.loads(state["f.json"])
    if state["f.xml"] is not None:
        ElementTree.fromstring(state["f.xml"])  # noqa: S314 - our own output
    if state["f.html"] is not None:
        assert state["f.html"].rstrip().endswith(b"</html>")


def test_kills_during_aggregate_with_db(tmp_path: Path) -> None:
    rng = seeded("aggregate")
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    devices = [f"d{i}" for i in range(8)]

    def setup(folder: Path) -> tuple[Any, Path, list[str]]:
        org = make_org(folder / "org", devices, [pol], now)
        share = folder / "share"
        for n, dev in enumerate(devices):
            share.mkdir(parents=True, exist_ok=True)
            (share / f"{dev}.0001.wfh.json").write_bytes(signed(org, predicate(
                pol, dev, 1, now - dt.timedelta(hours=2, minutes=n), GOOD)))
        args = ["aggregate", str(share), "--trust", str(org.trust_path), "--db",
                str(folder / "fleet.sqlite")]
        for fmt, name in OUTPUTS.items():
            args += [f"--{fmt}", str(folder / "out" / name)]
        return org, share, args

    _, _, cal_args = setup(tmp_path / "calibration")
    window = calibrate([*cal_args, "--jobs", "2"], env_for(tmp_path / "cal-home"), 0)

    def chain(i: int, points: list[Point]) -> None:
        folder = tmp_path / f"run{i}"
        org, share, args = setup(folder)
        out, db = folder / "out", folder / "fleet.sqlite"
        for n, (signum, delay) in enumerate(points):
            # A new report each time, so every run that completes changes every output.
            dev = devices[n % len(devices)]
            share.joinpath(f"{dev}.{n + 2:04d}.wfh.json").write_bytes(signed(org, predicate(
                pol, dev, n + 2, now - dt.timedelta(minutes=50 - n), GOOD)))
            before = outputs_state(out)
            tag = uuid.uuid4().hex
            jobs = "2" if n % 2 == 0 else "1"
            killed = kill_at([*args, "--jobs", jobs], env_for(folder / "home", tag), signum,
                             delay)
            killed.check_code(0)
            assert_no_leftovers(tag)
            _temps_ok(killed, out)
            after = outputs_state(out)
            changed = [k for k in after if after[k] != before[k]]
            if not killed.abrupt:  # SIGKILL can land between two renames (microseconds)
                assert changed in ([], list(after)), f"only {changed} changed after {killed}"
            _outputs_whole(after)
            if db.exists():
                db_consistent(db)
        code, _, err = run([*args, "--jobs", "2"], env_for(folder / "home"))
        assert code == 0, err
        assert not temp_files(out) and db_consistent(db) >= 1
        summary = json.loads((out / "f.json").read_text())
        assert summary["counts"]["accepted"] == len(list(share.glob("*.wfh.json")))

    _chains(rng, window, chain)
