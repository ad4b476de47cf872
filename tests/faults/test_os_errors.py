"""Errors from the machine, not from wfhaudit: a missing, unwritable or non-folder HOME, a
read-only or unwritable --out, a path through a file. Each is exit 3 with the path and what
to do (never 70 "internal error"), and `check` finds an unusable --out before probing.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.faults.kit import env_for, run, tmpfs
from tests.faults.test_disk_full import _fleet

import wfhaudit.app.check
from wfhaudit.cli import cli

# Root may write anywhere; without these two capabilities it gets EACCES like anyone else.
NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
          "--bounding-set=-dac_override,-dac_read_search"]


def _exit3(code: int, err: str, *needles: str) -> None:
    assert code == 3, err
    assert "internal error" not in err and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


def _check_args(replay: tuple[Path, Path], out: Path) -> list[str]:
    _bundle, policy = replay
    return ["check", "--only", "os", "--policy", str(policy), "--out", str(out)]


@pytest.mark.parametrize("kind", ["missing", "a file", "not writable"])
def test_unusable_home(kind: str, tmp_path: Path, replay: tuple[Path, Path]) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    home = tmp_path / "home"
    if kind == "a file":
        home.write_text("not a folder\n")
    elif kind == "not writable":
        home.mkdir(mode=0o555)
    env = env_for(tmp_path / "unused")
    for name in ("WFHAUDIT_HOME", "XDG_DATA_HOME"):
        env.pop(name, None)
    env["HOME"] = str(home)
    proc = subprocess.run([*NO_DAC, sys.executable, "-m", "wfhaudit",
                           *_check_args(replay, tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    _exit3(proc.returncode, proc.stderr, str(home))
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_data_folder_that_is_a_file(tmp_path: Path, replay: tuple[Path, Path]) -> None:
    home = tmp_path / "wfh-home"
    home.write_text("x")
    code, _, err = run(_check_args(replay, tmp_path / "out"), env_for(home))
    _exit3(code, err, str(home), "WFHAUDIT_HOME")


def test_out_not_writable_is_found_before_probing(tmp_path: Path,
                                                  replay: tuple[Path, Path],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    probed: list[int] = []
    real = wfhaudit.app.check.collect_facts

    def watch(*args: object, **kwargs: object) -> object:
        probed.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(wfhaudit.app.check, "collect_facts", watch)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    with tmpfs(tmp_path / "ro", 64 * 1024) as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        for out, why in ((ro / "reports", "read-only"), (ro, "read-only")):
            result = CliRunner(env={"WFHAUDIT_HOME": str(home)}).invoke(
                cli, _check_args(replay, out))
            _exit3(result.exit_code, result.output, "--out", str(ro), why)
    (tmp_path / "file").write_text("x")
    result = CliRunner(env={"WFHAUDIT_HOME": str(home)}).invoke(
        cli, _check_args(replay, tmp_path / "file" / "reports"))
    _exit3(result.exit_code, result.output, "--out", str(tmp_path / "file"))
    assert probed == []  # every problem was found before any probe ran


def test_out_without_permission_as_a_plain_user(tmp_path: Path,
                                                replay: tuple[Path, Path]) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    out = tmp_path / "locked"
    out.mkdir(mode=0o555)
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    proc = subprocess.run([*NO_DAC, sys.executable, "-m", "wfhaudit",
                           *_check_args(replay, out)], env=env_for(home),
                          capture_output=True, text=True, timeout=60, check=False)
    _exit3(proc.returncode, proc.stderr, "--out", str(out), "permission denied")


def test_read_only_database_and_outputs(tmp_path: Path) -> None:
    trust, share = _fleet(tmp_path)
    home = tmp_path / "home"
    with tmpfs(tmp_path / "ro", 64 * 1024) as ro:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
        base = ["aggregate", str(share), "--trust", str(trust), "--jobs", "1"]
        code, _, err = run([*base, "--db", str(ro / "fleet.sqlite")], env_for(home))
        _exit3(code, err, str(ro / "fleet.sqlite"))
        code, _, err = run([*base, "--json", str(ro / "f.json")], env_for(home))
        _exit3(code, err, str(ro))
