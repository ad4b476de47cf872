"""An interrupted or failed run leaves no partial output, no temp file and no history."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

import psutil
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


@pytest.fixture
def small(tmp_path: Path) -> tuple[Org, Path]:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    org = make_org(tmp_path / "org", ["d1", "d2"], [pol], now)
    for dev in ("d1", "d2"):
        write(tmp_path / "share", f"{dev}.wfh.json",
              signed(org, predicate(pol, dev, 1, now - dt.timedelta(hours=1), GOOD)))
    return org, tmp_path / "share"


def _alive(pids: list[int]) -> list[int]:
    """Those of pids still running (not zombies)."""
    out = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


def _outputs(out: Path) -> list[str]:
    return ["--json", str(out / "f.json"), "--junit", str(out / "f.xml"),
            "--csv", str(out / "f.csv"), "--markdown", str(out / "f.md"),
            "--html", str(out / "f.html")]


def _count(db: Path, table: str) -> int:
    con = sqlite3.connect(str(db))
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        con.close()


def test_a_writer_failing_midway_writes_nothing(small: tuple[Org, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from wfhaudit.fleet.writers import as_junit as writers_junit

    org, share = small
    out = tmp_path / "out"
    out.mkdir()
    (out / "f.json").write_text("previous run\n")

    def broken(ctx: object, out: TextIO) -> None:
        out.write("<?xml version='1.0'?><testsuites>")  # half an output, then a failure
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(writers_junit, "write_junit", broken)
    db = tmp_path / "fleet.sqlite"
    result = CliRunner().invoke(cli, ["aggregate", str(share), "--trust", str(org.trust_path),
                                      "--db", str(db), "--jobs", "1", *_outputs(out)])
    assert result.exit_code == 70 and "disk on fire" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["f.json"]  # no new file, no temp file
    assert (out / "f.json").read_text() == "previous run\n"
    assert _count(db, "fleet_runs") == 0 and _count(db, "fleet_reports") == 0
    assert _count(db, "wfh_payloads") == 0


def test_sigkill_during_verification_leaves_no_trace(small: tuple[Org, Path],
                                                     tmp_path: Path) -> None:
    org, share = small
    # Many inputs (hard links: each is read and verified), so the run lasts a few seconds.
    big = tmp_path / "big"
    big.mkdir()
    source = share / "d1.wfh.json"
    for i in range(6000):
        os.link(source, big / f"r{i:05d}.wfh.json")
    out = tmp_path / "out"
    out.mkdir()
    db = tmp_path / "fleet.sqlite"
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wfhaudit", "aggregate", str(big), "--trust",
             str(org.trust_path), "--db", str(db), "--jobs", "2", *_outputs(out)],
            stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        # Verification is under way once the worker processes run (the database is written
        # only at the end of the run, so it shows nothing before).
        while len([c for c in psutil.Process(proc.pid).children()
                   if "spawn_main" in " ".join(c.cmdline())]) < 2:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.02)
        time.sleep(0.3)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        workers = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
        assert workers, "the run has no worker processes"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    # Its worker processes notice and exit by themselves.
    deadline = time.monotonic() + 10
    while _alive(workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _alive(workers) == []
    assert list(out.iterdir()) == []
    assert _count(db, "fleet_runs") == 0 and _count(db, "fleet_reports") == 0
    # The next run works normally on the same database.
    result = CliRunner().invoke(cli, ["aggregate", str(share), "--trust", str(org.trust_path),
                                      "--db", str(db), "--jobs", "1", *_outputs(out)])
    assert result.exit_code == 0, result.output
    assert _count(db, "fleet_runs") == 1 and sorted(p.name for p in out.iterdir()) == \
        ["f.csv", "f.html", "f.json", "f.md", "f.xml"]


def test_a_killed_worker_fails_the_run_instead_of_hanging(small: tuple[Org, Path],
                                                           tmp_path: Path) -> None:
    org, share = small
    big = tmp_path / "big"
    big.mkdir()
    for i in range(6000):
        os.link(share / "d1.wfh.json", big / f"r{i:05d}.wfh.json")
    out = tmp_path / "out"
    out.mkdir()
    log = tmp_path / "stderr.txt"
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wfhaudit", "aggregate", str(big), "--trust",
             str(org.trust_path), "--jobs", "2", *_outputs(out)],
            stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 60
        workers: list[psutil.Process] = []
        while len(workers) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            workers = [c for c in psutil.Process(proc.pid).children()
                       if "spawn_main" in " ".join(c.cmdline())]
            time.sleep(0.05)
        time.sleep(0.5)
        workers[0].send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == 70
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert "internal error" in log.read_text()
    assert list(out.iterdir()) == []
