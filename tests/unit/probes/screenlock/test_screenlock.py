"""Screen lock: the OS-neutral decision, the parsers of each backend, and robustness to any output."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.screenlock import PROBE, linux, macos, windows
from wfhaudit.probes.screenlock.decide import LockPath, lock_facts, source_state
from wfhaudit.probes.screenlock.linux import gnome as linux_gnome
from wfhaudit.probes.screenlock.linux import lockers as linux_lockers

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _facts(sources: dict[str, list[LockPath]]) -> dict[str, Any]:
    return {f.key: f for f in lock_facts(sources, ["test"])}


def test_the_earliest_proven_path_of_a_source_counts() -> None:
    paths = [LockPath("saver", 600.0, True), LockPath("sleep", 300.0, True),
             LockPath("blank", 60.0, False, "blank only")]
    state = source_state(paths)
    assert state.state == "locks" and state.after_s == 300.0


def test_an_uncertain_path_does_not_hide_a_proven_one_but_alone_is_unknown() -> None:
    assert source_state([LockPath("a", 900.0, True), LockPath("b", 60.0, None)]).after_s == 900.0
    assert source_state([LockPath("b", 60.0, None, "not read")]).state == "unknown"
    assert source_state([LockPath("t", None, True, "timer unreadable", False)]).state == "unknown"


def test_the_worst_power_source_decides_and_one_that_never_locks_makes_it_off() -> None:
    facts = _facts({"plugged in": [LockPath("sleep", 1800.0, True)],
                    "on battery": [LockPath("sleep", 300.0, True)]})
    assert facts["screenlock.enabled"].value is True
    assert facts["screenlock.idle_minutes"].value == 30
    facts = _facts({"plugged in": [LockPath("sleep", None, True, "never sleeps")],
                    "on battery": [LockPath("sleep", 300.0, True)]})
    assert facts["screenlock.enabled"].value is False
    assert "when plugged in: never sleeps" in (facts["screenlock.idle_minutes"].reason or "")


@given(st.dictionaries(st.sampled_from(["", "plugged in", "on battery"]), st.lists(st.builds(
    LockPath, st.just("p"), st.one_of(st.none(), st.floats(0, 1e6)),
    st.sampled_from([True, False, None]), st.just("n"), st.booleans()), max_size=4),
    min_size=1, max_size=2))
@FAST
def test_idle_minutes_is_always_a_proven_upper_bound(sources: dict[str, list[LockPath]]) -> None:
    facts = _facts(sources)
    enabled, idle = facts["screenlock.enabled"], facts["screenlock.idle_minutes"]
    if enabled.value is True:
        for paths in sources.values():
            proven = [p.after_s for p in paths if p.locks is True and p.after_s]
            assert proven and min(proven) / 60 <= idle.value + 1e-3
    else:
        assert not idle.is_known


def test_gnome_values_as_gsettings_prints_them() -> None:
    assert linux_gnome.parse_value("uint32 300\n") == 300
    assert linux_gnome.parse_value("1200") == 1200
    assert linux_gnome.parse_value("false") is False
    assert linux_gnome.parse_value("'suspend'") == "suspend"
    assert linux_gnome.parse_value("@as []") is None
    listing = ("org.gnome.desktop.screensaver lock-delay uint32 30\n"
               "org.gnome.desktop.screensaver lock-enabled true\nother.schema x 1\n")
    assert linux_gnome.parse_listing(listing, "org.gnome.desktop.screensaver") == {
        "lock-delay": 30, "lock-enabled": True}


def test_ids_and_desktops() -> None:
    status = "Name:\tpython3\nUid:\t1000\t0\t0\t0\n"
    assert linux.parse_ids(status, "1000") == ("0", "1000")
    assert linux.parse_ids(status, "4294967295") == ("0", None)
    assert linux.parse_desktops("bash\ngnome-shell\nplasmashell\n") == ["KDE", "GNOME"]
    assert linux.parse_desktops("systemd\nbash\n") == []


def test_xscreensaver_times() -> None:
    assert linux_lockers.parse_duration("0:10:00") == 600
    assert linux_lockers.parse_duration("1:30") == 90
    assert linux_lockers.parse_duration("15") == 900
    assert linux_lockers.parse_duration("soon") is None
    text = "*timeout:\t0:05:00\n*lock:\t\tFalse\n! comment\n*other: 1\n"
    assert linux_lockers.parse_resources(text, "*") == {"timeout": "0:05:00", "lock": "False"}


def test_sysadminctl_wordings() -> None:
    prefix = "2026-09-23 12:44:57.912 sysadminctl[69493:2996173] "
    assert macos.parse_sysadminctl(prefix + "screenLock delay is 300 seconds\n") == 300
    assert macos.parse_sysadminctl(prefix + "screenLock delay is immediate\n") == 0
    assert macos.parse_sysadminctl(prefix + "screenLock is off\n") == -1
    assert macos.parse_sysadminctl("screenLock delay is -1.000000 seconds") == -1
    assert macos.parse_sysadminctl("Password:") is None


def test_pmset_sections() -> None:
    text = "Battery Power:\n Sleep On Power Button 1\n displaysleep         2\nAC Power:\n displaysleep 10\n"
    assert macos.parse_pmset_custom(text) == {"Battery Power": {"displaysleep": 2},
                                              "AC Power": {"displaysleep": 10}}


def test_idle_time_answers() -> None:
    unset = CommandResult(macos.IDLE_TIME, 1, "", "\nThe domain/default pair of (x, idleTime) "
                          "does not exist\n")
    assert macos.parse_idle_time(unset) == (None, True)
    assert macos.parse_idle_time(CommandResult(macos.IDLE_TIME, 0, "600\n")) == (600, True)
    assert macos.parse_idle_time(CommandResult(macos.IDLE_TIME, None, error="timeout")) == (None, False)


def test_windows_policy_copy_wins_over_the_user_value() -> None:
    data = {"policy": {"ScreenSaveTimeOut": "600"}, "user": {"ScreenSaveTimeOut": "1800",
                                                              "ScreenSaveActive": "1"}}
    assert windows.effective(data, "ScreenSaveTimeOut") == "600"
    assert windows.effective(data, "ScreenSaveActive") == "1"
    data = {"power": {"lock_AC": 1}, "power_policy": {"lock_AC": "0"}}
    assert windows.power_value(data, "lock_AC") == 0


def test_the_windows_script_reads_no_localized_text() -> None:
    script = windows.SCRIPT
    assert "ConvertTo-Json" in script and "ElementName" not in script and "powercfg" not in script


OUTPUTS = st.one_of(st.text(max_size=200), st.sampled_from([
    "uint32 300\n", "true\n", "false\n", "screenLock is off\n", "AC Power:\n displaysleep 5\n",
    json.dumps({"inactivity": "60", "user": {"ScreenSaveActive": "1"}, "battery": 1}),
    json.dumps({"power": {"sleep_AC": "x"}, "policy": []}), "bash\ngnome-shell\n",
    "bash\nplasmashell\n", "bash\nxscreensaver\n"]))


@given(st.sampled_from(["linux", "macos", "windows"]), st.lists(
    st.tuples(OUTPUTS, st.sampled_from([0, 0, 1]), st.sampled_from([None, None, "timeout"])),
    min_size=12, max_size=12), st.sampled_from([None, "Uid:\t1000\t1000\t1000\t1000\n", "Uid:"]))
@FAST
def test_any_output_gives_facts_or_unknown(family: str, outs: list[tuple[str, int, str | None]],
                                           status: str | None) -> None:
    argvs = [tuple(a.replace("{uid}", "1000") for a in argv) for argv in PROBE.commands(family)]
    commands = [CommandResult(argv, None if err else rc, out, "", 1, err)
                for argv, (out, rc, err) in zip(argvs, outs * 3, strict=False)]
    evidence = Evidence(OsInfo(family, "", "x86_64"), commands,
                        files={linux.STATUS: status, linux.LOGINUID: "1000"})
    facts = PROBE.collect(ProbeContext(host=RecordedHost(evidence)))
    assert [f.key for f in facts] == list(PROBE.fact_keys)
    for fact in facts:
        assert fact.is_known or fact.reason
        assert "probe failed" not in (fact.reason or "")
