"""Parsers of the updates probe: apt, dnf, zypper, dpkg log, kernels, Software Update, Windows Update."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from wfhaudit.probes.updates.decide import days_fact, macos_build
from wfhaudit.probes.updates.linux import parse as lp
from wfhaudit.probes.updates.macos import last_os_update, offered_updates, parse_plist
from wfhaudit.probes.updates.windows import last_hotfix, parse_status, security_updates

SUMMARY = "1 upgraded, 0 newly installed, 0 to remove and 2 not upgraded.\n"


@pytest.mark.parametrize(("release", "security"), [
    ("Debian-Security:12/bookworm-security", True),
    ("Debian-Security:12/oldstable-security", True),
    ("Debian:12.15/oldstable", False),
    ("Ubuntu:22.04/jammy-security", True),
    ("Ubuntu:22.04/jammy-updates", False),
    ("WfhTest:wfh-security", True),       # flat repository: no Version in its Release file
    ("localhost", False),                  # no Release file at all
    ("stable-security", True),             # no Label
    ("Security-Team-PPA:1.0/focal", True),  # a label that says so
])
def test_security_release(release: str, security: bool) -> None:
    assert lp.is_security_release(release) is security


def test_apt_simulation_counts_only_upgrades_with_a_security_candidate() -> None:
    text = ("Inst libssl3 [3.0.15-1~deb12u1] (3.0.17-1~deb12u3 Debian:12.15/oldstable, "
            "Debian-Security:12/oldstable-security [amd64])\n"
            "Inst linux-image-6.1.0-40-amd64 (6.1.153-1 Debian-Security:12/oldstable-security [amd64])\n"
            "Inst bash [5.2.15-2+b8] (5.2.15-2+b13 Debian:12.15/oldstable [amd64])\n"
            "Conf libssl3 (3.0.17-1~deb12u3 Debian-Security:12/oldstable-security [amd64])\n" + SUMMARY)
    parsed = lp.parse_apt_simulation(text)
    assert parsed is not None
    assert parsed.upgrades == ["libssl3", "bash"]
    assert parsed.security == ["libssl3"]
    assert parsed.held_back == 2


def test_apt_trailing_breaks_list_does_not_hide_the_release() -> None:
    text = ("Inst libc6 [2.35-0ubuntu3.7] (2.35-0ubuntu3.8 Ubuntu:22.04/jammy-updates, "
            "Ubuntu:22.04/jammy-security [amd64]) [libc-bin:amd64 ]\n" + SUMMARY)
    parsed = lp.parse_apt_simulation(text)
    assert parsed is not None and parsed.security == ["libc6"]


def test_apt_without_summary_is_not_an_answer() -> None:
    assert lp.parse_apt_simulation("E: Could not get lock\n") is None
    assert lp.parse_apt_simulation("") is None


def test_dnf_packages_by_name_in_both_layouts() -> None:
    dnf4 = "RHSA-2026:1 Important/Sec.  openssl-libs-1:3.0.7-29.el9_5.x86_64\n"
    dnf5 = ("Name Type Severity Package Issued\n"
            "FEDORA-2026-1 security Moderate curl-8.9.1-4.fc41.x86_64 2026-11-25 02:11:45\n"
            "FEDORA-2026-1 security Moderate curl-8.9.1-4.fc41.i686 2026-11-25 02:11:45\n")
    assert lp.parse_dnf_security(dnf4) == ["openssl-libs"]
    assert lp.parse_dnf_security(dnf5) == ["curl"]  # two arches, one package
    assert lp.parse_dnf_security("") == []


def test_zypper_xml_patches() -> None:
    xml = ('<stream><update-status><update-list>'
           '<update name="p1" category="security" kind="patch"><summary>x</summary></update>'
           '<update name="p2" category="recommended" kind="patch"></update>'
           '<update name="pkg" kind="package"></update>'
           '</update-list></update-status></stream>')
    assert lp.parse_zypper_patches(xml) == ["p1"]
    assert lp.parse_zypper_patches("Loading repository data...") is None


def test_dpkg_log_summary_and_local_time() -> None:
    assert lp.parse_dpkg_log_times("2026-11-01 06:12:01\n2026-11-25 06:40:12\n") == \
        ("2026-11-01 06:12:01", "2026-11-25 06:40:12")
    assert lp.parse_dpkg_log_times("2026-11-01 06:12:01\n\n") == ("2026-11-01 06:12:01", None)
    assert lp.parse_dpkg_log_times("\n\n") == (None, None)
    assert lp.parse_utc_offset("+0530\n") == 19800
    assert lp.parse_utc_offset("-0800") == -28800
    assert lp.parse_utc_offset("CET") is None
    unix = lp.local_stamp_to_unix("2026-11-25 06:40:12", 3600)
    assert unix == dt.datetime(2026, 11, 25, 5, 40, 12, tzinfo=dt.timezone.utc).timestamp()


def test_rpm_newest_install_time() -> None:
    assert lp.parse_rpm_install_times("1700000000\n1764547200\n(none)\n") == 1764547200
    assert lp.parse_rpm_install_times("") is None


@pytest.mark.parametrize(("running", "boot", "want"), [
    ("6.1.0-27-amd64", ["vmlinuz-6.1.0-26-amd64", "vmlinuz-6.1.0-27-amd64"], ([], True)),
    ("6.1.0-26-amd64", ["vmlinuz-6.1.0-26-amd64", "vmlinuz-6.1.0-27-amd64"],
     (["6.1.0-27-amd64"], True)),
    # numbers compare as numbers: 10 is newer than 9
    ("6.1.0-9-amd64", ["vmlinuz-6.1.0-9-amd64", "vmlinuz-6.1.0-10-amd64"],
     (["6.1.0-10-amd64"], True)),
    # another flavour (rt) and the rescue kernel are not compared
    ("6.1.0-27-amd64", ["vmlinuz-6.1.0-28-rt-amd64", "vmlinuz-6.1.0-27-amd64"], ([], True)),
    ("6.11.8-300.fc41.x86_64", ["vmlinuz-0-rescue-5a1c", "vmlinuz-6.12.4-200.fc41.x86_64"],
     (["6.12.4-200.fc41.x86_64"], False)),
    ("6.12.4-arch1-1", ["vmlinuz-linux"], None),
    ("6.18.44-fc-v1252", [], None),
])
def test_newer_kernels(running: str, boot: list[str],
                       want: tuple[list[str], bool] | None) -> None:
    assert lp.newer_kernels(running, boot) == want


@pytest.mark.parametrize(("version", "build"), [
    ("14.7.1", 1407), ("15", 1500), ("15.2", 1502), ("10.15.7", 1015), ("26.0.1", 2600),
    ("Sequoia", None), ("", None)])
def test_macos_build(version: str, build: int | None) -> None:
    assert macos_build(version) == build


def test_days_fact_needs_the_clock() -> None:
    assert not days_fact(None, 0.0, [], "x").is_known
    fact = days_fact(86400.0 * 10, 86400.0 * 2.5, ["src"], "x")
    assert fact.value == 7.5 and "measurement:clock" in fact.sources
    assert days_fact(0.0, 86400.0, [], "clock behind").value == 0.0


PLIST = ('<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>'
         '<key>LastSuccessfulDate</key><date>2026-12-03T08:14:21Z</date>'
         '<key>RecommendedUpdates</key><array>'
         '<dict><key>Display Name</key><string>macOS Sonoma 14.7.2</string>'
         '<key>Display Version</key><string>14.7.2</string></dict>'
         '<dict><key>Display Name</key><string>macOS Sequoia 15.2</string>'
         '<key>Display Version</key><string>15.2</string></dict>'
         '<dict><key>Identifier</key><string>062-00971</string></dict>'
         '</array></dict></plist>')


def test_offered_updates_leave_out_a_newer_major_version() -> None:
    prefs = parse_plist(PLIST)
    assert prefs is not None
    minor, major = offered_updates(prefs, "14.7.1")
    assert minor == ["macOS Sonoma 14.7.2", "062-00971"]
    assert major == ["macOS Sequoia 15.2"]
    # Without the installed version nothing can be called an upgrade.
    assert len(offered_updates(prefs, None)[0]) == 3


def test_plist_parser_refuses_non_plists_and_entities() -> None:
    assert parse_plist("not xml") is None
    assert parse_plist('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "b">]>'
                       '<plist><dict/></plist>') is None


def test_last_os_update_ignores_data_files_and_third_parties() -> None:
    text = json.dumps({"SPInstallHistoryDataType": [
        {"_name": "XProtectPlistConfigData", "install_date": "2026-12-01T03:10:00Z",
         "package_source": "package_source_apple"},
        {"_name": "Gatekeeper Compatibility Data", "install_date": "2026-12-02T03:10:00Z",
         "package_source": "package_source_apple"},
        {"_name": "macOS 15.1.1", "install_date": "2026-11-20T10:00:00Z",
         "package_source": "package_source_apple"},
        {"_name": "Background Security Improvement 26.1 (a)",
         "install_date": "2026-11-25T10:00:00Z", "package_source": "package_source_apple"},
        {"_name": "macOS Fake", "install_date": "2026-12-03T10:00:00Z",
         "package_source": "package_source_other"}]})
    found = last_os_update(text)
    assert found is not None and found[1].startswith("Background Security Improvement")
    assert last_os_update("[]") is None and last_os_update("garbage") is None


def test_windows_security_updates_by_category_or_severity() -> None:
    text = json.dumps({"updates": [
        {"kb": "5068865", "severity": "Critical", "categories": ["CD5FFD1E-E932-4E3A-BF74-18BF0B1BBD83"]},
        {"kb": "5066837", "severity": "", "categories": ["0FA1201D-4330-4FA8-8AE9-B877473B6441"]},
        {"kb": "2267602", "severity": "", "categories": ["e0789628-ce08-4437-be74-2495b842f43b"]},
        {"kb": "", "severity": "", "categories": []}]})
    assert security_updates(text) == (["KB5068865", "KB5066837"], None)
    assert security_updates('{"search_error": "0x8024402C"}')[0] is None
    assert security_updates("")[1] == "PowerShell printed no JSON"


def test_last_hotfix_skips_unparseable_dates() -> None:
    status = parse_status('\ufeff{"hotfixes": [{"id": "KB1", "installed": "2026-11-12"}, '
                          '{"id": "KB2", "installed": "12/11/2026"}, "junk"]}')
    assert status is not None
    assert last_hotfix(status) == (dt.date(2026, 11, 12), "KB1")
    assert last_hotfix({"hotfixes": None}) is None
