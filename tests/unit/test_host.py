"""The live host against real commands here, and record -> replay fidelity."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import psutil
import pytest

from wfhaudit.errors import EvidenceError
from wfhaudit.host import CommandResult, Evidence, LiveHost, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.host.runner import MAX_OUTPUT_BYTES, stop_commands_of


def test_missing_program_is_data() -> None:
    host = LiveHost()
    result = host.run(["wfhaudit-no-such-program-xyz"])
    assert result.error == "not_found" and result.returncode is None
    assert "is not installed" in result.failure()
    assert host.evidence.commands[-1] == result


def test_nonzero_exit_is_data() -> None:
    result = LiveHost().run(["sh", "-c", "echo oops >&2; exit 3"])
    assert result.returncode == 3 and result.error is None and not result.ok
    assert result.failure() == "`sh -c echo oops >&2; exit 3` exited with status 3: oops"


def test_timeout_kills_the_whole_process_group() -> None:
    start = time.monotonic()
    # The grandchild keeps our pipes open: only killing the session ends the wait.
    result = LiveHost().run(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5)
    assert result.error == "timeout"
    assert time.monotonic() - start < 5


def test_fixed_locale_and_trusted_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A planted program earlier on the user's PATH must not be found.
    fake = tmp_path / "uname"
    fake.write_text("#!/bin/sh\necho planted\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setenv("SECRET_TOKEN", "x")
    host = LiveHost()
    assert "planted" not in host.run(["uname"]).stdout
    env = host.run(["env"]).stdout.splitlines()
    assert "LC_ALL=C" in env and not any(line.startswith("SECRET_TOKEN=") for line in env)


def test_files_and_dirs_recorded(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("hello")
    host = LiveHost()
    assert host.read_file(str(tmp_path / "a")) == "hello"
    assert host.read_file(str(tmp_path / "missing")) is None
    assert host.list_dir(str(tmp_path)) == ["a"]
    bundle = host.evidence.to_dict()
    assert bundle["files"][str(tmp_path / "missing")] is None
    replay = RecordedHost(Evidence.from_dict(json.loads(json.dumps(bundle))))
    assert replay.read_file(str(tmp_path / "a")) == "hello"
    assert replay.list_dir(str(tmp_path)) == ["a"]


def test_replay_returns_recorded_results_in_order_and_flags_unrecorded() -> None:
    host = LiveHost()
    host.run(["sh", "-c", "echo one"])
    host.run(["sh", "-c", "exit 2"])
    replay = RecordedHost(Evidence.from_dict(host.evidence.to_dict()))
    assert replay.run(["sh", "-c", "echo one"]).stdout == "one\n"
    assert replay.run(["sh", "-c", "exit 2"]).returncode == 2
    missing = replay.run(["ufw", "status"])
    assert missing.error == "not_recorded"
    assert "not in the recorded evidence" in missing.failure()
    assert replay.measure("stun", lambda: {"never": "called"}) is None


def test_measure_records_live_result() -> None:
    host = LiveHost()
    assert host.measure("m", lambda: {"samples": [1, 2]}) == {"samples": [1, 2]}
    replay = RecordedHost(Evidence.from_dict(host.evidence.to_dict()))
    assert replay.measure("m", lambda: {"other": 1}) == {"samples": [1, 2]}


@pytest.mark.parametrize("bad", [
    [], {"format": "nope"}, {"format": "wfhaudit-evidence/1"},
    {"format": "wfhaudit-evidence/1", "os": {"family": "beos"}},
    {"format": "wfhaudit-evidence/1", "os": ["linux"]},
    {"format": "wfhaudit-evidence/1", "os": {"family": "linux"}, "commands": [{"stdout": "x"}]},
    {"format": "wfhaudit-evidence/1", "os": {"family": "linux"},
     "commands": [{"argv": ["a"], "returncode": "zero"}]},
])
def test_malformed_evidence_is_a_clear_error(bad: object) -> None:
    with pytest.raises(EvidenceError):
        Evidence.from_dict(bad)


def test_other_os_bundle_replays_here() -> None:
    evidence = Evidence(OsInfo("windows", "10.0.22631", "AMD64"))
    assert RecordedHost(evidence).os.family == "windows"


def test_scrub_applies_before_recording() -> None:
    host = LiveHost()
    result = host.run(["sh", "-c", "echo SSID: Home''Net; echo Signal: 80% >&2"],
                      scrub=lambda text: text.replace("HomeNet", "<ssid>"))
    assert result.stdout == "SSID: <ssid>\n"
    assert "HomeNet" not in json.dumps(host.evidence.to_dict())


def test_output_past_the_cap_stops_the_command_and_is_recorded() -> None:
    start = time.monotonic()
    result = LiveHost().run(["sh", "-c", "yes 0123456789 | head -c 50000000; sleep 30"],
                            timeout=20)
    assert time.monotonic() - start < 10  # stopped at the cap, not at the end or the timeout
    assert result.error == "output_limit" and not result.ok and result.returncode is None
    assert result.output_cap == MAX_OUTPUT_BYTES
    assert MAX_OUTPUT_BYTES <= len(result.stdout) <= MAX_OUTPUT_BYTES + 40
    assert "printed more than 2,000,000 bytes" in result.failure()
    again = CommandResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again.output_cap == MAX_OUTPUT_BYTES and again.error == "output_limit"


def test_what_a_finished_command_leaves_in_its_group_is_killed(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    start = time.monotonic()
    result = LiveHost().run(["sh", "-c", f"sleep 30 & echo $! > {pidfile}; echo done"],
                            timeout=20)
    assert result.ok and result.stdout == "done\n" and time.monotonic() - start < 10
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(pid)


def test_a_probe_past_its_budget_has_its_commands_stopped() -> None:
    host = LiveHost()
    results: list[CommandResult] = []
    worker = threading.Thread(target=lambda: results.extend(
        [host.run(["sleep", "30"], timeout=60), host.run(["echo", "late"])]))
    worker.start()
    time.sleep(0.3)
    stop_commands_of(worker)
    worker.join(10)
    assert not worker.is_alive()
    assert [r.error for r in results] == ["interrupted", "interrupted"]


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
