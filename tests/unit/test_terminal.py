"""Terminal output: the rules table at a fixed width, colour rules (TTY, NO_COLOR, CI), device
text cleaned of escape sequences and never read as rich markup, quiet and JSON modes."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.app.check import CheckResult, needs_admin
from wfhaudit.cli import cli
from wfhaudit.cli.console import make_console, plain_output
from wfhaudit.cli.terminal import (
    check_notes,
    print_check_result,
    print_evaluation,
    probe_display,
)
from wfhaudit.cli.terminal_live import ProbeDisplay, seconds_left
from wfhaudit.evaluate import Evaluation, Verdict, evaluate
from wfhaudit.facts import Fact, FactSet
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.util.text import for_terminal as clean

POLICY = {
    "id": "term", "version": "1", "title": "Terminal sample",
    "rules": [
        {"id": "fw", "title": "Host firewall is on", "fact": "firewall.enabled",
         "expect": {"equals": True}, "severity": "high",
         "remediation": {"linux": "Run `sudo ufw enable`.", "default": "Turn it on."}},
        {"id": "rtt", "title": "Round-trip time", "fact": "network.rtt_ms",
         "expect": {"below": 100}, "severity": "high",
         "remediation": {"default": "Use a cable instead of Wi-Fi."}},
        {"id": "disk", "title": "System disk is encrypted", "fact": "disk.system_encrypted",
         "expect": {"equals": True}, "severity": "critical",
         "remediation": {"default": "Ask IT to turn on disk encryption."}},
        {"id": "headset", "title": "A headset is connected", "fact": "audio.headset_present",
         "expect": {"equals": True}, "severity": "medium",
         "remediation": {"default": "Plug in your headset."}},
        {"id": "profiles", "title": "No firewall profile is off", "fact": "firewall.profiles_off",
         "expect": {"equals": []}, "severity": "medium", "platforms": ["windows"]},
        {"id": "loss", "title": "Packet loss", "fact": "network.loss_pct",
         "expect": {"below": 1}, "severity": "low", "required": False,
         "remediation": {"default": "Restart the router."}},
    ],
    "waivers": [{"rule": "headset", "reason": "Desk phone until March", "expires": "2099-03-01"}],
}


def _evaluation(**overrides: Fact) -> Evaluation:
    facts = FactSet()
    for fact in (Fact.observed("firewall.enabled", False, ["ufw status"]),
                 Fact.observed("network.rtt_ms", 23.4),
                 Fact.unknown("disk.system_encrypted", "lsblk needs root: run with sudo"),
                 Fact.observed("audio.headset_present", False),
                 Fact.observed("network.loss_pct", 2.5), *overrides.values()):
        facts.add(fact)
    policy = load_policy_document(POLICY, "term.json")
    return evaluate(policy, facts, "linux", "dev-1", dt.date(2026, 11, 23))


def _render(evaluation: Evaluation, plain: bool = True, width: int = 100) -> str:
    out = io.StringIO()
    print_evaluation(evaluation, "Terminal sample", make_console(out, width=width, plain=plain))
    return out.getvalue()


SNAPSHOT = """\
 NOT READY   score 24/100 under the policy “Terminal sample”
1 required rule failed: Host firewall is on. 1 required rule could not be checked: System disk is
encrypted.
Score = weight of rules passed / weight of rules checked (critical 10, high 5, medium 3, low 1).
Status    Severity   Rule
───────────────────────────────────────────────────────────────────────────────────
FAIL      high       Host firewall is on  (blocks READY)
                     measured no, expected yes
                     Fix: Run `sudo ufw enable`.
UNKNOWN   critical   System disk is encrypted  (blocks READY)
                     measured unknown, expected yes
                     Why: lsblk needs root: run with sudo
                     Fix: Ask IT to turn on disk encryption.
FAIL      low        Packet loss
                     measured 2.5 %, expected < 1 %
                     Fix: Restart the router.
WAIVED    medium     A headset is connected
                     measured no, expected yes
                     Why: was FAIL; waived until 2099-03-01: Desk phone until March
                     Fix: Plug in your headset.
PASS      high       Round-trip time: measured 23 ms, expected < 100 ms
N/A       medium     No firewall profile is off: rule applies to windows only
"""


def test_table_snapshot_at_width_100() -> None:
    text = _render(_evaluation())
    assert all(len(line) <= 100 for line in text.splitlines())
    assert "\n".join(line.rstrip() for line in text.splitlines()) + "\n" == SNAPSHOT


def test_every_status_is_a_word_not_only_a_colour() -> None:
    text = _render(_evaluation())
    for word in ("FAIL", "UNKNOWN", "WAIVED", "PASS", "N/A"):
        assert f"\n{word} " in text


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NO_COLOR", "CI", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    return monkeypatch


def _tty_output(evaluation: Evaluation) -> str:
    out = FakeTTY()
    print_evaluation(evaluation, "T", make_console(out, width=100))
    return out.getvalue()


def test_a_terminal_gets_colour(clean_env: pytest.MonkeyPatch) -> None:
    assert not plain_output(FakeTTY())
    assert "\x1b[" in _tty_output(_evaluation())


@pytest.mark.parametrize(("var", "value"), [("NO_COLOR", "1"), ("CI", "true")])
def test_no_color_and_ci_turn_colour_off(clean_env: pytest.MonkeyPatch, var: str,
                                         value: str) -> None:
    clean_env.setenv(var, value)
    clean_env.setenv("FORCE_COLOR", "1")  # NO_COLOR / CI win over a forced colour
    assert plain_output(FakeTTY())
    text = _tty_output(_evaluation())
    assert "\x1b" not in text and "FAIL" in text


def test_ci_false_keeps_colour(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("CI", "false")
    assert not plain_output(FakeTTY())


def test_not_a_terminal_means_plain(clean_env: pytest.MonkeyPatch) -> None:
    assert plain_output(io.StringIO())
    out = io.StringIO()
    print_evaluation(_evaluation(), "T", make_console(out, width=100))
    assert "\x1b" not in out.getvalue()


HOSTILE = "\x1b[2J\x1b]0;pwned\x07evil\u202etxt\x9b31m [red]NOT[/red] :smile: [link=x]y[/link]"


def test_device_text_loses_escape_sequences_and_keeps_markup_literal() -> None:
    evaluation = _evaluation(disk=Fact.unknown("disk.system_encrypted", "lsblk said " + HOSTILE))
    for plain in (True, False):
        text = _render(evaluation, plain=plain, width=200)
        assert "\x1b[2J" not in text and "\x1b]0;" not in text and "\x07" not in text
        assert "\u202e" not in text and "\x9b" not in text
        assert "[red]NOT[/red]" in text and ":smile:" in text and "[link=x]y[/link]" in text
        assert "evil\ufffdtxt" in text


def test_clean_strips_whole_sequences() -> None:
    assert clean("a\x1b[31mred\x1b[0m b") == "ared b"
    assert clean("x\x1b]8;;http://e\x1b\\link\x1b]8;;\x1b\\y") == "xlinky"
    assert clean("tab\tnew\nline") == "tab\tnew\nline"
    assert clean("nul\x00del\x7f") == "nul\ufffddel\ufffd"


def _result(tmp_path: Path, envelope: bool) -> CheckResult:
    evaluation = _evaluation()
    path = tmp_path / "dev-1.20261123T104000Z.wfh.json"
    body: dict[str, Any] = ({"payloadType": "application/vnd.in-toto+json", "payload": "e30=",
                             "signatures": [{"keyid": "k", "sig": "AA=="}]} if envelope
                            else {"format": "wfhaudit-report/1"})
    path.write_text(json.dumps(body))
    return CheckResult({"policy": {"title": "Terminal sample"}}, evaluation, path, None)


def test_last_line_tells_the_worker_where_the_report_is_and_what_next(tmp_path: Path) -> None:
    out = io.StringIO()
    result = _result(tmp_path, envelope=True)
    html = tmp_path / "dev-1.20261123T104000Z.wfh.html"
    print_check_result(result, html_path=html, console=make_console(out, width=100, plain=True))
    lines = out.getvalue().splitlines()
    assert f"HTML for the auditor: {html}" in lines
    assert lines[-1] == (f"Your signed report is {result.report_path}. Next: fix what is marked "
                         "\u201cblocks READY\u201d above (each says how), then run `wfhaudit "
                         "check` again.")
    ready = dataclasses.replace(result, evaluation=dataclasses.replace(
        result.evaluation, verdict=Verdict.READY))
    assert check_notes(ready)[-1] == (f"Your signed report is {result.report_path}. Next: send "
                                      "it to IT.")


def test_first_run_admin_hint_and_session_lines(tmp_path: Path) -> None:
    result = dataclasses.replace(
        _result(tmp_path, envelope=True), new_identity="dev-0123456789abcdef",
        needs_admin=("disk.method", "firewall.enabled"),
        session_user="alice (uid 1000, from SUDO_UID)")
    notes = check_notes(result)
    assert notes[0] == ("2 facts need admin rights to read (disk.method, firewall.enabled): run "
                        "`sudo wfhaudit check` to check everything in one run.")
    assert notes[1] == ("Audio was read from the desktop audio session of alice (uid 1000, "
                        "from SUDO_UID).")
    assert notes[2] == ("First run: this computer's identity was created (device "
                        "dev-0123456789abcdef). Send its public key to IT once: `wfhaudit keys "
                        "export > dev.pub`, then send dev.pub.")
    one = check_notes(dataclasses.replace(result, needs_admin=("firewall.enabled",)))
    assert one[0].startswith("1 fact needs admin rights to read (firewall.enabled)")


def test_needs_admin_lists_facts_only_root_can_read() -> None:
    facts = FactSet()
    for fact in (Fact.unknown("firewall.enabled", "nft needs root: run with sudo"),
                 Fact.unknown("disk.method", "blkid needs root to read /dev/sda2: run wfhaudit "
                                             "with sudo to check its header"),
                 Fact.unknown("vpn.active", "no VPN client answered"),
                 Fact.observed("os.family", "linux")):
        facts.add(fact)
    assert needs_admin(facts) == ("disk.method", "firewall.enabled")


def test_a_shared_reason_is_shown_once() -> None:
    why = "no audio server (PulseAudio/PipeWire) is running for this user session"
    policy = load_policy_document({"id": "a", "version": "1", "title": "A", "rules": [
        {"id": f"r{i}", "title": f"Audio rule {i}", "fact": key, "expect": {"equals": True},
         "severity": "high"} for i, key in enumerate(
            ("audio.headset_present", "audio.default_output_is_headset",
             "audio.default_input_is_headset"))]}, "a.json")
    facts = FactSet()
    for key in ("audio.headset_present", "audio.default_output_is_headset",
                "audio.default_input_is_headset"):
        facts.add(Fact.unknown(key, why))
    text = _render(evaluate(policy, facts, "linux", "dev-1", dt.date(2026, 11, 23)), width=140)
    assert text.count(why) == 1
    assert text.count("Why: same as for \u201cAudio rule 0\u201d above") == 2


def test_end_never_calls_an_unsigned_report_signed(tmp_path: Path) -> None:
    out = io.StringIO()
    print_check_result(_result(tmp_path, envelope=False),
                       console=make_console(out, width=300, plain=True))
    assert "NOT signed" in out.getvalue() and "Signed report" not in out.getvalue()
    assert "wfhaudit verify" not in out.getvalue()


def test_quiet_prints_only_the_verdict_line(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(POLICY))
    res = CliRunner().invoke(cli, ["check", "--policy", str(policy), "--only", "os", "--quiet",
                                   "--out", str(tmp_path), "--no-sign"])
    assert res.exit_code == 1
    report = next(tmp_path.glob("*.wfh.unsigned.json"))
    assert res.stderr == f"NOT READY (score 0): fw, rtt, disk\nReport: {report}\n"
    assert res.stdout == ""


def test_json_stdout_stays_pure_with_progress_on_stderr(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(POLICY))
    res = CliRunner().invoke(cli, ["check", "--policy", str(policy), "--only", "os", "--json",
                                   "--out", str(tmp_path), "--no-sign"])
    assert json.loads(res.stdout)["summary"]["verdict"] == "NOT_READY"
    assert "  os        done in " in res.stderr and "Status" in res.stderr


def test_off_a_terminal_one_line_per_finished_probe() -> None:
    out = io.StringIO()
    with ProbeDisplay(console=make_console(out)) as display:
        assert not display.animated
        display.event("network", "start", "Line quality \x1b[31m", None)
        display.event("disk", "start", "Disk", None)
        display.event("network", "progress", "half", 0.5)
        display._started["disk"] -= 25.0  # pretend the disk probe has run 25 s
        display.event("disk", "done", "timed out", None)
        display._started["network"] -= 10.25
        display.event("network", "done", "finished", 1.0)
    assert out.getvalue().splitlines() == ["  disk      TIMED OUT after 25.0 s",
                                           "  network   done in 10.3 s"]


def test_live_lines_show_a_bar_and_seconds_left(clean_env: pytest.MonkeyPatch) -> None:
    import wfhaudit.cli.terminal_live as live

    # The display's own clock stands still: the times printed are exactly the ones set here,
    # however slowly a busy machine runs the test.
    frozen = live.time.monotonic()
    clean_env.setattr(live, "time", type("FrozenClock", (), {"monotonic": staticmethod(
        lambda: frozen)}))
    out = FakeTTY()
    console = make_console(out, width=120, plain=False)
    with ProbeDisplay(console=console) as display:
        assert display.animated
        display.event("network", "start", "Line quality", None)
        display._started["network"] -= 10  # pretend it has run 10 s
        display.event("network", "progress", "UDP probe 150", 0.5)
        progress = display._progress
        assert progress is not None
        task = progress.tasks[0]
        task.start_time = (task.start_time or 0) - 10
        progress.refresh()
        assert "s left" in out.getvalue() and "UDP probe 150" in out.getvalue()
        display.event("network", "done", "finished", 1.0)
        display.event("os", "start", "OS", None)
        display._started["os"] -= 0.7
        display.event("os", "done", "finished", 1.0)
        # A finished probe's time is frozen: it does not keep counting while others run.
        task = progress.tasks[1]
        task.start_time = (task.start_time or 0) - 30
        progress.refresh()
    assert "done in 10.0 s" in out.getvalue() and "done in 0.7 s" in out.getvalue()
    assert "done in 30" not in out.getvalue()


def test_no_color_keeps_live_progress_without_colour(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("NO_COLOR", "1")
    out = FakeTTY()
    console = make_console(out, width=120)
    with ProbeDisplay(console=console) as display:
        assert display.animated  # NO_COLOR means no colour, not no progress
        display.event("network", "start", "Line quality", None)
        display.event("network", "progress", "download test, 4 s left: UDP probe 400", 0.6)
        progress = display._progress
        assert progress is not None
        progress.refresh()
    text = out.getvalue()
    assert "download test, 4 s left" in text
    assert not re.search(r"\x1b\[[0-9;]*m", text.replace("\x1b[0m", "")), "colour codes"


def test_not_a_terminal_is_wide_enough(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.delenv("COLUMNS", raising=False)
    assert make_console(io.StringIO()).width == 100
    clean_env.setenv("COLUMNS", "160")
    assert make_console(io.StringIO()).width == 160
    clean_env.setenv("COLUMNS", "60")
    assert make_console(io.StringIO()).width == 100


def test_quiet_display_ignores_events() -> None:
    with probe_display(quiet=True) as display:
        display.event("os", "start", "x", None)


def test_seconds_left() -> None:
    assert seconds_left(10.0, 0.5) == pytest.approx(10.0)
    assert seconds_left(3.0, 0.75) == pytest.approx(1.0)
    assert seconds_left(5.0, None) is None and seconds_left(0.5, 0.5) is None
    assert seconds_left(5.0, 0.01) is None and seconds_left(5.0, 1.5) == 0.0


def test_quiet_check_does_not_import_rich(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps(POLICY))
    code = ("import sys\nfrom wfhaudit.cli import main\n"
            "try:\n    main(['check', '--quiet', '--only', 'os', '--no-sign', '--policy', "
            f"{str(policy)!r}, '--out', {str(tmp_path)!r}])\nexcept SystemExit:\n    pass\n"
            "print('rich' in sys.modules, 'jinja2' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=False)
    assert res.stdout.strip() == "False False", res.stderr


def test_empty_observed_string_reads_as_none() -> None:
    from wfhaudit.cli.terminal import format_value

    assert format_value("") == "(none)"
    assert format_value([]) == "none"
    assert format_value(None) == "-"
    # Rounded to what matters: ms to 1 decimal under 10, else whole; Mbit/s to 1 decimal.
    assert format_value(40.468, "ms") == "40 ms" and format_value(12.5, "ms") == "13 ms"
    assert format_value(4.56, "ms") == "4.6 ms" and format_value(9.96, "ms") == "10 ms"
    assert format_value(39.477, "Mbit/s") == "39.5 Mbit/s"
    assert format_value(4.312, None) == "4.31" and format_value(48000, "Hz") == "48000 Hz"
