"""Automatic sign-in: keyfile reading, each display manager's rule, and robustness to any output."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.signin import PROBE, linux, macos

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_keyfile_comments_and_sections() -> None:
    text = "# c\n[daemon]\n#  AutomaticLoginEnable = true\nAutomaticLogin = agent\n; x\n[x]\nk=v=w\n"
    assert linux.parse_keyfile(text) == {"daemon": {"AutomaticLogin": "agent"}, "x": {"k": "v=w"}}


def test_exec_start_program() -> None:
    unit = "[Service]\nExecStartPre=/usr/share/gdm/generate-config\nExecStart=/usr/sbin/gdm3\n"
    assert linux.parse_exec_start(unit) == "gdm3"
    assert linux.parse_exec_start("[Service]\nExecStart=-/usr/bin/sddm --x\n") == "sddm"
    assert linux.parse_exec_start("[Unit]\n") is None


def test_gdm_needs_both_the_switch_and_a_user() -> None:
    on = linux.parse_keyfile("[daemon]\nAutomaticLoginEnable=True\nAutomaticLogin=agent\n")
    assert linux.gdm_enables(on) is not None
    assert linux.gdm_enables(linux.parse_keyfile("[daemon]\nAutomaticLoginEnable=true\n")) is None
    timed = linux.parse_keyfile("[daemon]\nTimedLoginEnable=1\nTimedLogin=agent\n")
    assert "timed" in (linux.gdm_enables(timed) or "")


def test_lightdm_seat_sections_override_the_defaults() -> None:
    merged = linux.parse_keyfile("[SeatDefaults]\nautologin-user=agent\n[Seat:seat0]\nautologin-user=\n")
    assert linux.lightdm_enables(merged) is None
    merged = linux.parse_keyfile("[Seat:*]\nautologin-guest=true\n")
    assert "autologin-guest" in (linux.lightdm_enables(merged) or "")
    assert linux.lightdm_enables(linux.parse_keyfile("[SeatDefaults]\nautologin-user=a\n"))


def test_getty_autologin_forms() -> None:
    assert linux.getty_enables("[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin a %I\n")
    assert linux.getty_enables("[Service]\nExecStart=-/sbin/agetty -a root tty1 linux\n")
    assert not linux.getty_enables("[Service]\nExecStart=-/sbin/agetty --noclear %I $TERM\n")


def test_macos_scrub_removes_only_a_user_name() -> None:
    assert macos.scrub_name("agent\n") == macos.NAME_REMOVED + "\n"
    missing = "\nThe domain/default pair of (x, autoLoginUser) does not exist\n"
    assert macos.scrub_name(missing) == missing
    assert macos.scrub_name("") == ""


def test_windows_script_never_prints_the_password_or_the_name() -> None:
    import re

    from wfhaudit.probes.signin import windows

    printed = windows.SCRIPT.split("[ordered]@{", 1)[1].split("}|ConvertTo-Json")[0]
    assert set(re.findall(r"(?:^|;)(\w+)=", printed)) == {
        "AutoAdminLogon", "HasDefaultUserName", "HasDefaultPassword", "AutoLogonCount",
        "ForceAutoLogon"}
    assert "HasDefaultPassword=($null -ne $w.DefaultPassword)" in printed


TEXT = st.one_of(st.text(max_size=200), st.sampled_from([
    "[daemon]\nAutomaticLoginEnable=true\nAutomaticLogin=a\n", "[Seat:*]\nautologin-user=a\n",
    "[Autologin]\nUser=a\n", "[Service]\nExecStart=/usr/sbin/gdm3\n",
    json.dumps({"AutoAdminLogon": "1"}), json.dumps({"AutoAdminLogon": None}), "agent\n"]))


@given(st.sampled_from(["linux", "macos", "windows"]), st.lists(TEXT, min_size=6, max_size=6),
       st.sampled_from([0, 1, None]))
@FAST
def test_any_input_gives_a_fact_or_unknown(family: str, texts: list[str], rc: int | None) -> None:
    files = dict(zip([linux.DM_SERVICE, "/etc/gdm3/custom.conf", linux.LIGHTDM_MAIN,
                      linux.SDDM_MAIN, "/etc/gdm/custom.conf", linux.DEFAULT_DM], texts, strict=True))
    commands = [CommandResult(tuple(argv), rc, texts[0], texts[1], 1, None if rc is not None else
                              "timeout") for argv in PROBE.commands(family)]
    host = RecordedHost(Evidence(OsInfo(family, "", "x86_64"), commands, files=files))
    [fact] = PROBE.collect(ProbeContext(host=host))
    assert fact.is_known or fact.reason
    assert "probe failed" not in (fact.reason or "")
