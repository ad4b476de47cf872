"""Scheduled checks: the systemd units, launchd plist and Task Scheduler XML each OS reads."""

from __future__ import annotations

import itertools
import os
import plistlib
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree
from tests.conftest import FIXTURES

from wfhaudit.schedule import launchd, systemd, taskxml
from wfhaudit.schedule.local import build_spec, unsafe_for_system
from wfhaudit.schedule.model import Account, parse_at, parse_every

ACCOUNT = Account("/home/agent", 1000, {"USERNAME": "agent", "USERDOMAIN": "CORP"})
WIN_ACCOUNT = Account(r"C:\Users\agent", None, {"USERNAME": "agent", "USERDOMAIN": "CORP",
                                                  "LOCALAPPDATA": r"C:\Users\agent\AppData\Local",
                                                  "ProgramData": r"C:\ProgramData"})
EVERY = ("15m", "20m", "30m", "1h", "2h", "3h", "4h", "6h", "8h", "12h", "1d", "7d")
TASK_NS = {"t": taskxml.NS}


def spec(family: str, system: bool, every: str = "1d", **kw: str):  # type: ignore[no-untyped-def]
    account = WIN_ACCOUNT if family == "windows" else ACCOUNT
    return build_spec(family, system, every, kw.get("at", "10:00"),
                      kw.get("policy", "contact-center"), kw.get("out"), kw.get("exe"), account)


# -- options ---------------------------------------------------------------------------------

def test_every_accepts_calendar_slots_and_normalises() -> None:
    assert parse_every("60m").text == "1h"
    assert parse_every("24h").text == "1d"
    assert parse_every("6h").seconds == 6 * 3600
    for bad in ("7m", "5h", "2d", "1w", "", "1.5h", "-1h"):
        with pytest.raises(ValueError, match="15m, 20m"):
            parse_every(bad)


def test_at_is_24_hour_local_time() -> None:
    assert parse_at("09:30") == (9, 30)
    for bad in ("24:00", "9:30", "10:60", "noon"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_at(bad)


def test_relative_out_and_exe_are_refused_for_another_os() -> None:
    with pytest.raises(ValueError, match="--out must be an absolute path on windows"):
        spec("windows", True, out="reports")
    with pytest.raises(ValueError, match="--exe must be an absolute path on macos"):
        spec("macos", True, exe="wfhaudit")


def test_defaults_per_os_and_level() -> None:
    assert spec("linux", True).out_dir == "/var/lib/wfhaudit/reports"
    assert spec("linux", True).data_home == "/var/lib/wfhaudit"
    assert spec("macos", True).out_dir == "/Library/Application Support/wfhaudit/reports"
    assert spec("windows", True).out_dir == r"C:\ProgramData\wfhaudit\reports"
    assert spec("windows", True).data_home is None  # SYSTEM keeps its own profile folder
    assert spec("windows", True).program == (r"C:\Program Files\wfhaudit\wfhaudit.exe",)
    user = spec("windows", False)
    assert user.out_dir == r"C:\Users\agent\AppData\Local\wfhaudit\reports"
    assert user.user_id == "CORP\\agent"


def test_system_schedule_refuses_a_program_others_can_write(tmp_path: Path) -> None:
    prog = tmp_path / "wfhaudit"
    prog.write_text("#!/bin/sh\n")
    prog.chmod(0o777)
    assert "writable by group or others" in (unsafe_for_system(str(prog)) or "")
    assert unsafe_for_system("/usr/bin/env") is None


# -- systemd ---------------------------------------------------------------------------------

def test_exec_start_quoting_round_trips_through_systemd_rules() -> None:
    assert systemd.quote("/usr/bin/wfhaudit") == "/usr/bin/wfhaudit"
    assert systemd.quote("/srv/wfh reports") == '"/srv/wfh reports"'
    assert systemd.quote('a"b\\c') == '"a\\"b\\\\c"'
    assert systemd.quote("100%$HOME") == '"100%%$$HOME"'
    assert systemd.quote("~/wfh", user=True) == "%h/wfh"
    assert systemd.quote("~/wfh") == '"~/wfh"'
    with pytest.raises(ValueError, match="line break"):
        systemd.quote("a\nExecStartPre=/bin/evil")


def test_system_units_run_check_as_a_oneshot_with_state_dir() -> None:
    s = spec("linux", True, "6h", policy="/etc/wfh/policy 1.json", exe="/usr/bin/wfhaudit")
    text = systemd.service_text(s)
    assert ('ExecStart=/usr/bin/wfhaudit check --policy "/etc/wfh/policy 1.json" '
            "--out /var/lib/wfhaudit/reports --quiet") in text
    assert "SuccessExitStatus=1" in text and "StateDirectory=wfhaudit" in text
    assert "Environment=WFHAUDIT_HOME=/var/lib/wfhaudit" in text
    timer = systemd.timer_text(s)
    assert "OnCalendar=*-*-* 00/6:00:00" in timer and "Persistent=true" in timer
    user = systemd.service_text(spec("linux", False))
    assert "StateDirectory" not in user and "network-online" not in user


def _analyze(*args: str, runtime: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "SYSTEMD_LOG_COLOR": "0", "TZ": "UTC"}
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=60, env=env, check=False)


@pytest.mark.live
@pytest.mark.parametrize("system", [True, False], ids=["system", "user"])
def test_systemd_analyze_verify_accepts_the_units(tmp_path: Path, system: bool) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("live test needs systemd-analyze: install systemd (see .ci/apt-packages.txt)")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    # verify insists the program exists and is executable; the man page is checked with the .deb
    exe = tmp_path / "bin" / "wfhaudit"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    for every in ("15m", "6h", "1d", "7d"):
        s = spec("linux", system, every, exe=str(exe), out=str(tmp_path / "out dir"))
        paths = []
        for out in systemd.files(s, Account(str(tmp_path / "home"))):
            path = tmp_path / every / Path(out.path).name
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(out.data)
            paths.append(str(path))
        level = [] if system else ["--user"]
        res = _analyze(*level, "verify", "--man=no", *paths, runtime=runtime)
        assert res.returncode == 0 and res.stderr.strip() == "", (every, res.stderr)


@pytest.mark.live
@pytest.mark.parametrize(("every", "step"), [("15m", 900), ("20m", 1200), ("4h", 14400),
                                             ("1d", 86400), ("7d", 604800)])
def test_on_calendar_fires_at_the_interval(tmp_path: Path, every: str, step: int) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("live test needs systemd-analyze: install systemd (see .ci/apt-packages.txt)")
    expr = systemd.on_calendar(parse_every(every), (10, 0))
    res = _analyze("calendar", "--iterations=4", expr, runtime=tmp_path)
    assert res.returncode == 0, res.stderr
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w{3} (\S+ \S+)", res.stdout)
    times = [datetime.strptime(s, "%Y-%m-%d %H:%M:%S") for s in stamps]
    assert len(times) == 4
    assert {int((b - a).total_seconds()) for a, b in itertools.pairwise(times)} == {step}
    if every in ("1d", "7d"):
        assert all(t.hour == 10 and t.minute == 0 for t in times)
    if every == "7d":
        assert {t.weekday() for t in times} == {0}


# -- launchd ---------------------------------------------------------------------------------

@pytest.mark.parametrize("every", EVERY)
@pytest.mark.parametrize("system", [True, False], ids=["daemon", "agent"])
def test_plist_round_trips_through_plistlib(every: str, system: bool) -> None:
    s = spec("macos", system, every, at="08:05", out="/Users/agent/wfh reports")
    (out,) = launchd.files(s, ACCOUNT)
    job = plistlib.loads(out.data, fmt=plistlib.FMT_XML)
    assert job == launchd.plist_dict(s, ACCOUNT)
    assert job["Label"] == "org.wfhaudit.check"
    assert job["ProgramArguments"] == ["/usr/local/bin/wfhaudit", "check", "--policy",
                                       "contact-center", "--out", "/Users/agent/wfh reports",
                                       "--quiet"]
    slots = job["StartCalendarInterval"]
    interval = parse_every(every)
    if interval.unit == "d":
        assert slots == [{"Hour": 8, "Minute": 5, **({"Weekday": 1} if every == "7d" else {})}]
    else:
        assert len(slots) * interval.seconds == (3600 if interval.unit == "m" else 86400)
    if system:
        assert out.path == "/Library/LaunchDaemons/org.wfhaudit.check.plist"
        assert job["EnvironmentVariables"] == {
            "WFHAUDIT_HOME": "/Library/Application Support/wfhaudit"}
        assert job["StandardErrorPath"] == "/Library/Logs/wfhaudit-schedule.log"
    else:
        assert out.path == "/home/agent/Library/LaunchAgents/org.wfhaudit.check.plist"
        assert "EnvironmentVariables" not in job


def test_launchctl_targets_per_level() -> None:
    ctl = launchd.control(False, ACCOUNT)
    assert ctl.activate == (("launchctl", "bootout", "gui/1000/org.wfhaudit.check"),
                            ("launchctl", "bootstrap", "gui/1000",
                             "/home/agent/Library/LaunchAgents/org.wfhaudit.check.plist"))
    assert launchd.control(True, ACCOUNT).query == (
        ("launchctl", "print", "system/org.wfhaudit.check"),)


# -- Task Scheduler --------------------------------------------------------------------------

def _task_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(FIXTURES / "schedule" / "task-subset.xsd")))


@pytest.mark.parametrize("every", EVERY)
@pytest.mark.parametrize("system", [True, False], ids=["SYSTEM", "user"])
def test_task_xml_is_valid_against_the_task_schema(every: str, system: bool) -> None:
    s = spec("windows", system, every, out=r"C:\Wfh Reports\it's", policy=r"C:\p\a&b.json")
    (out,) = taskxml.files(s, WIN_ACCOUNT)
    assert out.data.startswith(b"\xff\xfe<\x00?\x00x\x00m\x00l\x00")  # UTF-16LE with BOM
    doc = etree.fromstring(out.data)
    schema = _task_schema()
    assert schema.validate(doc), schema.error_log
    principal = doc.find("t:Principals/t:Principal", TASK_NS)
    if system:
        assert principal.findtext("t:UserId", namespaces=TASK_NS) == "S-1-5-18"
        assert out.path == r"C:\ProgramData\wfhaudit\schedule\wfhaudit-check.xml"
    else:
        assert principal.findtext("t:UserId", namespaces=TASK_NS) == "CORP\\agent"
        assert principal.findtext("t:LogonType", namespaces=TASK_NS) == "InteractiveToken"
    exec_ = doc.find("t:Actions/t:Exec", TASK_NS)
    assert exec_.findtext("t:Command", namespaces=TASK_NS) == (
        r"C:\Program Files\wfhaudit\wfhaudit.exe")
    assert exec_.findtext("t:Arguments", namespaces=TASK_NS) == (
        r'check --policy C:\p\a&b.json --out "C:\Wfh Reports\it'
        "'s\" --quiet")
    interval = parse_every(every)
    if interval.unit == "d":
        trig = doc.find("t:Triggers/t:CalendarTrigger", TASK_NS)
        assert trig.findtext("t:StartBoundary", namespaces=TASK_NS).endswith("T10:00:00")
        if every == "7d":
            assert trig.find("t:ScheduleByWeek/t:DaysOfWeek/t:Monday", TASK_NS) is not None
        else:
            assert trig.findtext("t:ScheduleByDay/t:DaysInterval", namespaces=TASK_NS) == "1"
    else:
        trig = doc.find("t:Triggers/t:TimeTrigger", TASK_NS)
        rep = trig.findtext("t:Repetition/t:Interval", namespaces=TASK_NS)
        assert rep == (f"PT{interval.count}M" if interval.unit == "m" else
                       f"PT{interval.count}H")
        assert trig.find("t:Repetition/t:Duration", TASK_NS) is None  # repeat indefinitely


def test_task_schema_rejects_what_task_scheduler_would() -> None:
    schema = _task_schema()
    good = etree.fromstring(taskxml.files(spec("windows", True, "6h"), WIN_ACCOUNT)[0].data)
    trig = good.find("t:Triggers/t:TimeTrigger", TASK_NS)
    # Repetition before StartBoundary breaks triggerBaseType's sequence.
    trig.insert(0, trig.find("t:Repetition", TASK_NS))
    assert not schema.validate(good)
    no_action = etree.fromstring(taskxml.files(spec("windows", True), WIN_ACCOUNT)[0].data)
    no_action.remove(no_action.find("t:Actions", TASK_NS))
    assert not schema.validate(no_action)


@pytest.mark.parametrize("arg", ["plain", "two words", 'say "hi"', "C:\\dir\\", "C:\\dir with\\",
                                 'a\\"b', "", "tab\there", "back\\\\slashes"])
def test_windows_quoting_inverts_commandlinetoargvw(arg: str) -> None:
    assert _split_windows(taskxml.windows_quote(arg)) == [arg]


def test_percent_is_refused_for_task_scheduler() -> None:
    with pytest.raises(ValueError, match="expand '%'"):
        taskxml.windows_quote("C:\\%TEMP%")
    with pytest.raises(ValueError, match="expand '%'"):
        taskxml.files(spec("windows", True, exe="C:\\%ProgramFiles%\\w.exe"), WIN_ACCOUNT)


def _split_windows(line: str) -> list[str]:
    """CommandLineToArgvW's rules for arguments after the program name (2n/2n+1 backslashes)."""
    args: list[str] = []
    cur: list[str] = []
    i, quoted, started = 0, False, False
    while i < len(line):
        c = line[i]
        if c == "\\":
            n = len(line[i:]) - len(line[i:].lstrip("\\"))
            if i + n < len(line) and line[i + n] == '"':
                cur.append("\\" * (n // 2))
                if n % 2:
                    cur.append('"')
                    i += n + 1
                else:
                    i += n
                started = True
                continue
            cur.append("\\" * n)
            i += n
            started = True
            continue
        if c == '"':
            quoted, started = not quoted, True
        elif c in " \t" and not quoted:
            if started:
                args.append("".join(cur))
                cur, started = [], False
        else:
            cur.append(c)
            started = True
        i += 1
    if started:
        args.append("".join(cur))
    return args
