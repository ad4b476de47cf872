"""Full disks: each writer's folder is a small tmpfs filled to the byte, then given back 0, 1,
2, ... pages (tmpfs allocates whole 4 KiB pages, so that is every distinct amount of room).

For every amount: the command either succeeds or exits 3 naming the path and the fix; no
temp file is left; every file is absent, unchanged or whole; the database (history and
verifier state) stays consistent; and once the space is back, the same command works.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from tests.faults.kit import (
    REPLAY_POLICY,
    enrol,
    envelope_payload,
    fill,
    temp_files,
    tmpfs,
    verify_folder,
)
from tests.faults.test_kills import OUTPUTS, db_consistent, outputs_state
from tests.fleet.fleetgen import FLEET_POLICY, GOOD, UTC, make_org, policy_from, predicate, signed

from wfhaudit.cli import cli
from wfhaudit.crypto.keyutil import load_public_keys
from wfhaudit.trust.draft import create_admin_key, new_draft, write_draft
from wfhaudit.trust.file import load_trust

PAGE = 4096


def invoke(home: Path, args: list[str]) -> tuple[int, str]:
    """Run wfhaudit in this process with the given data folder; (exit code, all output)."""
    result = CliRunner(env={"WFHAUDIT_HOME": str(home)}).invoke(cli, args)
    return result.exit_code, result.output


def _full(code: int, output: str, where: Path) -> None:
    """Exit 3 for a full disk names a path under `where` and says what to do."""
    assert code == 3, output
    assert "disk is full" in output and str(where) in output, output
    assert "Traceback" not in output


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Callable[[int], Path]]:
    """A factory: disk(size) mounts a fresh tmpfs of size bytes and returns its folder."""
    mounts: list[Any] = []

    def make(size: int) -> Path:
        cm = tmpfs(tmp_path / f"disk{len(mounts)}", size)
        mounts.append(cm)
        return cm.__enter__()

    yield make
    for cm in reversed(mounts):
        cm.__exit__(None, None, None)


def _empty(folder: Path) -> None:
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()


def _state_whole(home: Path) -> None:
    """Each state file is absent or whole, and the public key matches the private one."""
    if (home / "device-id").exists():
        assert (home / "device-id").read_text().startswith("dev-")
    if (home / "redaction.key").exists():
        assert len((home / "redaction.key").read_bytes()) == 32
    if (home / "device-key.pub").exists():
        pem = serialization.load_pem_private_key((home / "device-key.pem").read_bytes(), None)
        assert pem.public_key() == load_public_keys(  # type: ignore[operator]
            (home / "device-key.pub").read_bytes())[0]


def test_full_data_folder_on_first_check(tmp_path: Path, disk: Callable[[int], Path],
                                         replay: tuple[Path, Path]) -> None:
    _bundle, policy = replay
    home = disk(16 * PAGE)
    out = tmp_path / "reports"
    args = ["check", "--only", "os", "--policy", str(policy), "--out", str(out),
            "--quiet"]
    outcomes = []
    for pages in range(0, 9):
        _empty(home)
        filler = fill(home, pages * PAGE)
        code, output = invoke(home, args)
        outcomes.append(code)
        if code != 0:
            _full(code, output, home)
        assert not temp_files(home, out)
        _state_whole(home)
        filler.unlink()
        code, output = invoke(home, args)  # room again: the next check works
        assert code == 0, output
        _state_whole(home)
        assert (home / "device-key.pub").exists()
        for report in out.glob("*.wfh.json"):
            envelope_payload(report.read_bytes())
        now = dt.datetime.now(UTC).replace(microsecond=0)
        org = enrol(tmp_path / f"org{pages}", home, REPLAY_POLICY, now)
        mine = tmp_path / f"mine{pages}"
        mine.mkdir()
        device = (home / "device-id").read_text().strip()
        for report in out.glob(f"{device}.*.wfh.json"):
            shutil.copy(report, mine)
        assert set(verify_folder(org, mine, now)) == {"VERIFIED"}
    assert 3 in outcomes and 0 in outcomes, outcomes  # both sides of the boundary were seen


def test_full_report_and_record_folders(tmp_path: Path, disk: Callable[[int], Path],
                                        replay: tuple[Path, Path]) -> None:
    _bundle, policy = replay
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    assert invoke(home, ["keys", "init"])[0] == 0
    folder = disk(32 * PAGE)
    for target in ("out", "record"):
        outcomes = []
        for pages in range(0, 5):
            _empty(folder)
            filler = fill(folder, pages * PAGE)
            out = folder / "reports" if target == "out" else tmp_path / "reports"
            record = folder / "evidence.json" if target == "record" else tmp_path / "ev.json"
            args = ["check", "--only", "os", "--policy", str(policy), "--out",
                    str(out), "--record", str(record), "--quiet"]
            code, output = invoke(home, args)
            outcomes.append(code)
            if code != 0:
                _full(code, output, folder)
            assert not temp_files(folder)
            for report in out.glob("*.wfh.json"):
                envelope_payload(report.read_bytes())  # whole, or not there at all
            if record.exists():
                json.loads(record.read_text())
            filler.unlink()
            assert invoke(home, args)[0] == 0
        assert 3 in outcomes and 0 in outcomes, (target, outcomes)


def test_full_disk_under_trust_sign(tmp_path: Path, disk: Callable[[int], Path]) -> None:
    folder = disk(16 * PAGE)
    keys = tmp_path / "keys"
    keys.mkdir()
    admin = keys / "admin.pem"
    key = create_admin_key(admin)
    outcomes, last = [], 0
    for pages in range(0, 5):
        _empty(folder)
        draft = folder / "trust.draft.json"
        write_draft(draft, new_draft())
        trust = folder / "trust.json"
        filler = fill(folder, pages * PAGE)
        args = ["trust", "sign", "--admin-key", str(admin), "--draft", str(draft), "--out",
                str(trust)]
        code, output = invoke(tmp_path / "home", args)
        outcomes.append(code)
        if code != 0:
            _full(code, output, folder)
        assert not temp_files(folder)
        json.loads(draft.read_text())
        now = dt.datetime.now(UTC)
        if trust.exists():
            last = load_trust(trust.read_bytes(), [key.public_key()], now).version
        filler.unlink()
        assert invoke(tmp_path / "home", args)[0] == 0
        assert load_trust(trust.read_bytes(), [key.public_key()], now).version > last
    assert 3 in outcomes and 0 in outcomes, outcomes


def _fleet(root: Path) -> tuple[Path, Path]:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    devices = [f"d{i}" for i in range(12)]
    org = make_org(root / "org", devices, [pol], now)
    share = root / "share"
    share.mkdir()
    for n, dev in enumerate(devices):
        (share / f"{dev}.wfh.json").write_bytes(signed(org, predicate(
            pol, dev, 1, now - dt.timedelta(hours=1, minutes=n), GOOD)))
    return org.trust_path, share


@pytest.mark.parametrize("where", ["outputs", "database"])
def test_full_disk_under_aggregate(where: str, tmp_path: Path,
                                   disk: Callable[[int], Path]) -> None:
    trust, share = _fleet(tmp_path)
    folder = disk(256 * PAGE)
    out = folder / "out" if where == "outputs" else tmp_path / "out"
    db = folder / "fleet.sqlite" if where == "database" else tmp_path / "fleet.sqlite"
    args = ["aggregate", str(share), "--trust", str(trust), "--db", str(db), "--jobs", "1"]
    for fmt, name in OUTPUTS.items():
        args += [f"--{fmt}", str(out / name)]
    # How much room one run needs, measured: then every amount below it, and a little above.
    assert invoke(tmp_path / "home", args)[0] == 0
    used = sum(-(-p.stat().st_size // PAGE) for p in folder.rglob("*") if p.is_file())
    _empty(folder)
    outcomes = []
    for pages in sorted({0, 1, 2, 3, used // 3, used // 2, used - 2, used - 1, used, used + 4}):
        before = outputs_state(out)
        runs_before = db_consistent(db) if db.exists() else 0
        filler = fill(folder, max(0, pages) * PAGE)
        code, output = invoke(tmp_path / "home", args)
        outcomes.append(code)
        after = outputs_state(out)
        if code != 0:
            _full(code, output, folder)
            assert after == before  # no output changed, none half-written
        else:
            assert None not in after.values()
        assert not temp_files(folder, tmp_path / "out")
        filler.unlink()  # (SQLite itself needs room to open a WAL database for the check)
        runs = db_consistent(db) if db.exists() else 0
        assert runs == runs_before + (code == 0), (runs, runs_before, code)
        code, output = invoke(tmp_path / "home", args)  # room again: the next run works
        assert code == 0, output
        assert db_consistent(db) >= 1 and None not in outputs_state(out).values()
    assert 3 in outcomes and 0 in outcomes, outcomes


def test_empty_state_files_left_by_an_older_version_are_repaired(
        tmp_path: Path, replay: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    _bundle, policy = replay
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    for name in ("device-id", "redaction.key"):  # what a first run on a full disk used to leave
        (home / name).touch(mode=0o600)
    args = ["check", "--only", "os", "--policy", str(policy), "--out",
            str(tmp_path / "out"), "--quiet"]
    code, output = invoke(home, args)
    assert code == 0, output
    repaired = [r.getMessage() for r in caplog.records if "was empty" in r.getMessage()]
    assert len(repaired) == 2  # a warning (on stderr when run from the shell), not silent
    assert (home / "device-id").read_text().startswith("dev-")
    assert len((home / "redaction.key").read_bytes()) == 32
    # Damage that cannot be repaired without losing something is reported with the fix.
    (home / "redaction.key").write_bytes(b"short")
    code, output = invoke(home, args)
    assert code == 3 and "redaction.key: damaged (5 bytes" in output and "delete it" in output
    (home / "redaction.key").unlink()
    (home / "device-key.pem").write_bytes(b"")
    code, output = invoke(home, args)
    assert code == 3 and "keys init --force" in output, output
