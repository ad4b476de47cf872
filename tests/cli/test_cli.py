"""End to end through click: exit codes, stderr wording, JSON on stdout, record and replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli

FIXTURES = Path(__file__).parent.parent / "fixtures"


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def _policy(tmp_path: Path, rules: list[dict[str, Any]]) -> str:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"id": "t", "version": "1", "title": "T", "rules": rules}))
    return str(path)


OS_IS_LINUX = [{"id": "os", "title": "Runs Linux", "fact": "os.family",
                "expect": {"equals": "linux"}, "severity": "high"}]
OS_IS_WINDOWS = [{"id": "os", "title": "Runs Windows", "fact": "os.family",
                  "expect": {"equals": "windows"}, "severity": "high"}]


def test_ready_exits_0_and_writes_report(tmp_path: Path) -> None:
    res = run("check", "--policy", _policy(tmp_path, OS_IS_LINUX), "--out", str(tmp_path / "r"),
              "--no-sign")
    assert res.exit_code == 0, res.stderr
    assert "READY" in res.stderr and "NOT READY" not in res.stderr
    # --no-sign: a name that can never be mistaken for a signed report (nor verified by glob).
    reports = list((tmp_path / "r").glob("dev-*.wfh.unsigned.json"))
    assert len(reports) == 1 and not list((tmp_path / "r").glob("*.wfh.json"))
    assert not list((tmp_path / "r").glob(".*.tmp"))  # atomic write left no temp file


def test_not_ready_exits_1(tmp_path: Path) -> None:
    res = run("check", "--policy", _policy(tmp_path, OS_IS_WINDOWS), "--out", str(tmp_path))
    assert res.exit_code == 1
    assert "NOT READY" in res.stderr and "os" in res.stderr


def test_json_keeps_stdout_pure(tmp_path: Path) -> None:
    res = run("check", "--policy", _policy(tmp_path, OS_IS_LINUX), "--out", str(tmp_path),
              "--json", "--no-sign")
    report = json.loads(res.stdout)
    assert report["summary"]["verdict"] == "READY"
    assert report["facts"]["os.family"]["value"] == "linux"
    assert report["policy"]["digest"].startswith("sha256:")


def test_usage_error_exits_2() -> None:
    assert run("check", "--no-such-flag").exit_code == 2
    res = run("check", "--only", "teleporter")
    assert res.exit_code == 2
    assert "unknown probe teleporter" in res.stderr


@pytest.mark.parametrize("name", ["unknown-fact.json", "not-json.json", "cycle-a.json"])
def test_invalid_policy_exits_3_without_traceback(name: str) -> None:
    res = run("check", "--policy", str(FIXTURES / "policies" / "invalid" / name))
    assert res.exit_code == 3
    assert res.stderr.startswith("wfhaudit: error: ")
    assert "Traceback" not in res.stderr and res.stdout == ""


def test_internal_error_exits_70_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import wfhaudit.cli.check

    def boom(options: Any) -> Any:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(wfhaudit.cli.check, "run_check", boom)
    res = run("check")
    assert res.exit_code == 70
    assert res.stderr.strip() == ("wfhaudit: internal error: RuntimeError: kaboom "
                                  "(re-run with --debug for the traceback)")
    debug = run("--debug", "check")
    assert isinstance(debug.exception, RuntimeError)


def test_policy_subcommands(tmp_path: Path) -> None:
    listed = run("policy", "list")
    assert listed.exit_code == 0 and "contact-center" in listed.stdout
    assert "(default)" in listed.stdout
    schema = json.loads(run("policy", "schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    shown = json.loads(run("policy", "show", "strict").stdout)
    assert shown["extends_chain"] == ["baseline", "contact-center", "strict"]
    digest = run("policy", "digest", "strict").stdout.strip()
    assert digest == shown["digest"]
    ok = run("policy", "validate", "policies/baseline.json", "policies/strict.json")
    assert ok.exit_code == 0
    bad = run("policy", "validate", "policies/baseline.json",
              str(FIXTURES / "policies" / "invalid" / "duplicate-id.json"),
              str(FIXTURES / "policies" / "invalid" / "empty.json"))
    assert bad.exit_code == 3
    assert "duplicate-id.json: $.rules[1].id" in bad.stderr
    assert "empty.json: $.rules" in bad.stderr


def test_record_then_replay_gives_identical_facts_and_findings(tmp_path: Path) -> None:
    policy = _policy(tmp_path, OS_IS_LINUX)
    bundle = tmp_path / "evidence.json"
    live = run("check", "--policy", policy, "--out", str(tmp_path), "--record", str(bundle),
               "--json", "--no-sign")
    assert live.exit_code == 0, live.stderr
    replay = run("check", "--policy", policy, "--out", str(tmp_path), "--replay", str(bundle),
                 "--json", "--no-sign")
    assert replay.exit_code == 0, replay.stderr
    a, b = json.loads(live.stdout), json.loads(replay.stdout)
    assert a["facts"] == b["facts"]
    assert a["findings"] == b["findings"]
    assert b["replayed_from"] == "evidence.json"


def test_replay_windows_bundle_on_linux(tmp_path: Path) -> None:
    case = json.loads((FIXTURES / "cases" / "os" / "windows" / "win11-cim.json").read_text())
    bundle = tmp_path / "win.json"
    bundle.write_text(json.dumps(case["evidence"]))
    res = run("check", "--policy", _policy(tmp_path, OS_IS_WINDOWS), "--replay", str(bundle),
              "--out", str(tmp_path), "--json", "--no-sign")
    assert res.exit_code == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["os"]["family"] == "windows"
    assert report["facts"]["os.version"]["value"] == "Microsoft Windows 11 Pro 10.0.22631"


def test_replay_of_bad_bundle_exits_3(tmp_path: Path) -> None:
    bundle = tmp_path / "bad.json"
    bundle.write_text('{"format": "wfhaudit-evidence/1", "os": {"family": "amiga"}}')
    res = run("check", "--replay", str(bundle))
    assert res.exit_code == 3
    assert "os.family must be one of" in res.stderr


def test_evaluate_rejudges_a_report_under_another_policy(tmp_path: Path) -> None:
    out = tmp_path / "r"
    assert run("check", "--policy", _policy(tmp_path, OS_IS_LINUX), "--out", str(out),
               "--no-sign").exit_code == 0
    report = next(out.glob("*.wfh.unsigned.json"))
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"id": "s", "version": "1", "title": "S", "rules": OS_IS_WINDOWS}))
    res = run("evaluate", str(report), "--policy", str(strict), "--json")
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert data["findings"][0]["status"] == "FAIL"
    assert data["findings"][0]["measured"] == "linux"


def test_evaluate_an_evidence_bundle(tmp_path: Path) -> None:
    case = json.loads((FIXTURES / "cases" / "os" / "macos" / "catalina.json").read_text())
    bundle = tmp_path / "mac.json"
    bundle.write_text(json.dumps(case["evidence"]))
    rules = [{"id": "mac", "title": "macOS 10.15", "fact": "os.version",
              "expect": {"matches": "10\\.15"}, "severity": "high"}]
    res = run("evaluate", str(bundle), "--policy", _policy(tmp_path, rules), "--json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["summary"]["verdict"] == "READY"


def test_probe_commands_and_facts() -> None:
    res = run("probe", "--commands", "--os", "windows", "--json")
    data = json.loads(res.stdout)
    assert data["os"] == "windows"
    assert any(argv[0] == "powershell.exe" for argv in data["commands"]["os"])
    facts = run("probe", "--list-facts")
    assert "network.jitter_ms" in facts.stdout
    raw = json.loads(run("probe", "os", "--json").stdout)
    assert raw["facts"]["os.family"]["value"] == "linux"
    assert "/etc/os-release" in raw["evidence"]["files"]


def test_every_command_and_subcommand_has_help_with_an_example() -> None:
    import click

    def walk(command: click.Command, path: list[str]) -> int:
        res = run(*path, "--help")
        assert res.exit_code == 0, path
        assert "Example" in res.stdout, " ".join(path)
        children = command.commands.items() if isinstance(command, click.Group) else []
        return 1 + sum(walk(child, [*path, name]) for name, child in children)

    ctx = click.Context(cli)
    commands = {n: cli.get_command(ctx, n) for n in cli.list_commands(ctx)}
    assert sum(walk(c, [n]) for n, c in commands.items() if c is not None) > 20


def test_two_reports_in_the_same_second_both_survive(tmp_path: Path) -> None:
    import datetime as dt

    from wfhaudit.app.check import CheckOptions, run_check

    fixed = dt.datetime(2026, 11, 23, 10, 0, 0, tzinfo=dt.timezone.utc)
    policy = _policy(tmp_path, OS_IS_LINUX)
    first = run_check(CheckOptions(policy=policy, out_dir=tmp_path, sign=False, now=lambda: fixed))
    second = run_check(CheckOptions(policy=policy, out_dir=tmp_path, sign=False, now=lambda: fixed))
    assert first.report_path != second.report_path
    assert first.report_path is not None and first.report_path.exists()
    assert second.report_path is not None and second.report_path.exists()


def test_first_run_says_the_identity_was_created_and_how_to_send_it(tmp_path: Path) -> None:
    policy = _policy(tmp_path, OS_IS_LINUX)
    first = run("check", "--policy", policy, "--out", str(tmp_path / "r"))
    assert first.exit_code == 0, first.stderr
    text = " ".join(first.stderr.split())
    assert "First run: this computer's identity was created (device dev-" in text
    assert "`wfhaudit keys export > dev.pub`" in text
    # The last line speaks to the worker: where the report is and what to do next.
    report = next((tmp_path / "r").glob("*.wfh.json"))
    assert text.endswith(f"Your signed report is {report}. Next: send it to IT.")
    again = run("check", "--policy", policy, "--out", str(tmp_path / "r"))
    assert again.exit_code == 0 and "First run" not in again.stderr
    unsigned = run("check", "--policy", policy, "--out", str(tmp_path / "u"), "--no-sign")
    assert "First run" not in unsigned.stderr and "NOT signed" in unsigned.stderr


def test_a_cleanup_error_while_a_stop_signal_unwinds_exits_with_the_signal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker pool interrupted while it starts may fail its own cleanup: exit 143, not 70."""
    import signal

    import wfhaudit.cli.check
    from wfhaudit.cli import main
    from wfhaudit.util.signals import Interrupted

    def interrupted_then_broken(options: Any) -> Any:
        try:
            raise Interrupted(signal.SIGTERM)
        finally:
            raise RuntimeError("cannot join thread before it is started")

    monkeypatch.setattr(wfhaudit.cli.check, "run_check", interrupted_then_broken)
    monkeypatch.setattr("wfhaudit.util.signals.install", lambda: None)  # keep pytest's handlers
    with pytest.raises(SystemExit) as exited:
        main(["check", "--only", "os"])
    assert exited.value.code == 143
