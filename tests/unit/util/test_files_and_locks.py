"""Atomic writes, no-clobber creation, stale temp files, OS errors as exit 3, the state lock."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wfhaudit.errors import ExitCode, StorageError
from wfhaudit.util.files import (
    check_writable_folder,
    create_new,
    sweep_temp_files,
    temp_beside,
    write_atomic,
)
from wfhaudit.util.locking import file_lock


def test_write_atomic_replaces_whole_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.json"
    write_atomic(target, "one\n", mode=0o600)
    write_atomic(target, b"two\n")
    assert target.read_text() == "two\n" and target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.json"]


def test_create_new_never_replaces(tmp_path: Path) -> None:
    target = tmp_path / "id"
    assert create_new(target, "first\n", mode=0o600)
    assert not create_new(target, "second\n")
    assert target.read_text() == "first\n" and target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["id"]


def test_os_errors_name_the_path_and_the_fix(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(StorageError) as info:
        write_atomic(tmp_path / "file" / "out.json", "{}")
    assert str(tmp_path / "file") in str(info.value) and "where a folder is needed" in str(info.value)
    assert info.value.exit_code is ExitCode.INVALID_INPUT
    with pytest.raises(StorageError, match=r"--out: .*where a folder is needed"):
        check_writable_folder(tmp_path / "file", "--out")


def test_sweep_removes_only_temp_files_of_dead_writers(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    stale = tmp_path / f".report.json.{dead}.wfhabcd1234.tmp"
    stale.write_text("half")
    fd, mine = temp_beside(tmp_path / "report.json")
    os.close(fd)
    other = tmp_path / ".notes.tmp"  # not ours: no writer pid in the name
    other.write_text("keep")
    assert sweep_temp_files(tmp_path) == 1
    assert not stale.exists() and Path(mine).exists() and other.exists()


def test_lock_is_reentrant_and_excludes_other_processes(tmp_path: Path) -> None:
    lock = tmp_path / ".lock"
    with file_lock(lock), file_lock(lock):  # the same process may take it again
        holder = subprocess.Popen(
            [sys.executable, "-c", "import sys; from pathlib import Path; "
             "from wfhaudit.util.locking import file_lock\n"
             "try:\n with file_lock(Path(sys.argv[1]), wait_s=0.3): print('got it')\n"
             "except Exception as e: print(type(e).__name__)", str(lock)],
            stdout=subprocess.PIPE, text=True)
        out, _ = holder.communicate(timeout=60)
    assert out.strip() == "StorageError"
    start = time.monotonic()
    with file_lock(lock, wait_s=1):
        pass
    assert time.monotonic() - start < 1
