"""`wfhaudit schedule`: files written under --root, offline enable, live scheduler calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.app import schedule as manage
from wfhaudit.app.schedule import ScheduleError
from wfhaudit.cli import cli
from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.schedule.local import build_spec
from wfhaudit.schedule.model import Account


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["schedule", *args])


@pytest.mark.live
def test_system_install_enables_offline_then_remove_leaves_nothing(tmp_path: Path) -> None:
    if shutil.which("systemctl") is None:
        pytest.skip("live test needs systemctl: install systemd (see .ci/apt-packages.txt)")
    root = tmp_path / "image"
    res = run("install", "--system", "--every", "6h", "--exe", "/usr/bin/wfhaudit",
              "--out", "/srv/wfh", "--root", str(root), "--json")
    assert res.exit_code == 0, res.output
    done = json.loads(res.stdout)
    assert [r["argv"] for r in done["ran"]] == [
        ["systemctl", f"--root={root}", "enable", "wfhaudit-check.timer"]]
    assert all(r["ok"] for r in done["ran"])
    wants = root / "etc/systemd/system/timers.target.wants/wfhaudit-check.timer"
    assert wants.is_symlink()
    assert str(wants.readlink()) == "/etc/systemd/system/wfhaudit-check.timer"
    service = (root / "etc/systemd/system/wfhaudit-check.service").read_text()
    assert "--out /srv/wfh" in service
    assert run("status", "--system", "--root", str(root)).exit_code == 0

    res = run("remove", "--system", "--root", str(root), "--json")
    assert res.exit_code == 0, res.output
    assert all(f["removed"] for f in json.loads(res.stdout)["files"])
    left = [p for p in root.rglob("*") if not p.is_dir()]
    assert left == []
    assert run("status", "--system", "--root", str(root)).exit_code == 1


def test_user_install_under_root_lists_what_a_live_install_runs(tmp_path: Path) -> None:
    res = run("install", "--every", "30m", "--root", str(tmp_path), "--json")
    assert res.exit_code == 0, res.output
    done = json.loads(res.stdout)
    assert done["ran"] == []
    assert done["not_run"] == [["systemctl", "--user", "daemon-reload"],
                               ["systemctl", "--user", "enable", "--now", "wfhaudit-check.timer"]]
    written = [Path(f["written"]) for f in done["files"]]
    assert [p.name for p in written] == ["wfhaudit-check.service", "wfhaudit-check.timer"]
    assert all(p.is_relative_to(tmp_path) and p.is_file() for p in written)
    assert not list(tmp_path.rglob(".*.tmp"))  # atomic writes left no temp file
    assert "OnCalendar=*-*-* *:00/30:00" in written[1].read_text()


def test_other_os_files_for_packaging(tmp_path: Path) -> None:
    res = run("install", "--os", "windows", "--system", "--root", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "C/ProgramData/wfhaudit/schedule/wfhaudit-check.xml").is_file()
    res = run("install", "--os", "macos", "--system", "--root", str(tmp_path), "--every", "7d")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "Library/LaunchDaemons/org.wfhaudit.check.plist").is_file()
    assert run("status", "--os", "macos", "--system", "--root", str(tmp_path)).exit_code == 0
    # A policy file on the target machine cannot be checked from here: it is written as given.
    res = run("install", "--os", "windows", "--system", "--root", str(tmp_path),
              "--policy", r"C:\Program Files\wfhaudit\policy.json")
    assert res.exit_code == 0, res.output


@pytest.mark.parametrize(("args", "code", "message"), [
    (["install", "--os", "windows", "--system"], 2, "add --root DIR"),
    (["install", "--os", "macos", "--root", "R"], 2, "add --system"),
    (["install", "--every", "5m", "--root", "R"], 2, "unsupported interval"),
    (["install", "--at", "25:00", "--root", "R"], 2, "HH:MM"),
    (["install", "--policy", "no-such-policy", "--root", "R"], 3, "no-such-policy"),
    (["install", "--os", "windows", "--system", "--root", "R", "--out", r"C:\x\%TEMP%"], 2,
     "expand '%'"),
])
def test_bad_options_fail_before_anything_is_written(tmp_path: Path, args: list[str], code: int,
                                                     message: str) -> None:
    args = [str(tmp_path / "R") if a == "R" else a for a in args]
    res = run(*args)
    assert res.exit_code == code, res.output
    assert message in res.stderr
    assert not (tmp_path / "R").exists()


def test_live_install_reports_the_scheduler_refusal(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """On this machine the user's systemd cannot be reached; the refusal is said, exit 70."""
    account = Account(str(tmp_path), 1000, {"XDG_CONFIG_HOME": str(tmp_path / "cfg")})
    monkeypatch.setattr("wfhaudit.schedule.local.this_account", lambda: account)
    if shutil.which("systemctl") is None:
        pytest.skip("live test needs systemctl: install systemd (see .ci/apt-packages.txt)")
    res = run("install", "--out", str(tmp_path / "reports"))
    if res.exit_code == 0:  # a machine with a user session: clean up what was enabled
        assert run("remove").exit_code == 0
        return
    assert res.exit_code == 70, res.output
    assert "wfhaudit: error: systemd: `systemctl --user" in res.stderr
    assert f"files written: {tmp_path / 'cfg/systemd/user/wfhaudit-check.service'}" in res.stderr


# Outputs below are launchctl's and schtasks' well-known messages, reconstructed from Apple's
# launchctl(1) and Microsoft's schtasks documentation (not captured on a Mac or PC).
def _host(family: str, *results: CommandResult) -> RecordedHost:
    return RecordedHost(Evidence(OsInfo(family), list(results)))


def _spec(family: str, system: bool, account: Account):  # type: ignore[no-untyped-def]
    return build_spec(family, system, "1d", "10:00", "baseline", None, None, account)


def test_launchd_install_tolerates_a_job_not_loaded_yet(tmp_path: Path) -> None:
    account = Account(str(tmp_path / "Users/agent"), 501)
    plist = f"{tmp_path}/Users/agent/Library/LaunchAgents/org.wfhaudit.check.plist"
    host = _host("macos",
                 CommandResult(("launchctl", "bootout", "gui/501/org.wfhaudit.check"), 3, "",
                               "Boot-out failed: 3: No such process\n"),
                 CommandResult(("launchctl", "bootstrap", "gui/501", plist), 0))
    done = manage.install(_spec("macos", False, account), account, host, None)
    assert [r["ok"] for r in done.ran] == [False, True]
    assert Path(plist).is_file()

    failing = _host("macos",
                    CommandResult(("launchctl", "bootstrap", "gui/501", plist), 5, "",
                                  "Bootstrap failed: 5: Input/output error\n"))
    with pytest.raises(ScheduleError, match="Bootstrap failed: 5"):
        manage.install(_spec("macos", False, account), account, failing, None)


def test_task_scheduler_install_and_remove_through_schtasks(tmp_path: Path) -> None:
    account = Account(r"C:\Users\agent", None, {"ProgramData": r"D:\Data"})
    xml = r"D:\Data\wfhaudit\schedule\wfhaudit-check.xml"
    local = tmp_path / "D" / "Data" / "wfhaudit" / "schedule" / "wfhaudit-check.xml"
    host = _host("windows",
                 CommandResult(("schtasks", "/Create", "/TN", "wfhaudit-check", "/XML", xml, "/F"),
                               0, 'SUCCESS: The scheduled task "wfhaudit-check" has successfully '
                               "been created.\r\n"),
                 CommandResult(("schtasks", "/Delete", "/TN", "wfhaudit-check", "/F"), 0,
                               'SUCCESS: The scheduled task "wfhaudit-check" was successfully '
                               "deleted.\r\n"))
    spec = _spec("windows", True, account)
    done = manage.install(spec, account, host, tmp_path, live=True)
    assert done.ran[0]["ok"] and local.is_file()
    assert spec.out_dir == r"D:\Data\wfhaudit\reports"
    gone = manage.remove("windows", True, account, host, tmp_path, live=True)
    assert gone.ran[0]["ok"] and gone.files[0]["removed"] and not local.exists()
