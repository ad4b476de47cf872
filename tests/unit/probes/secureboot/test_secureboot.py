"""Secure Boot: EFI variable bytes, mokutil wordings, Apple levels and languages, Windows sources."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.secureboot import PROBE, linux, macos, windows

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_efivar_bytes() -> None:
    assert linux.parse_efivar("\x06\x00\x00\x00\x01") is True
    assert linux.parse_efivar("\x06\x00\x00\x00\x00") is False
    assert linux.parse_efivar("\x06\x00\x00\x00\x02") is None
    assert linux.parse_efivar("\x06\x00\x00\x00") is None
    assert linux.parse_efivar(None) is None


def test_mokutil_wordings() -> None:
    def run(out: str, err: str = "", rc: int | None = 0) -> bool | None:
        return linux.parse_mokutil(CommandResult(linux.MOKUTIL, rc, out, err))[0]

    assert run("SecureBoot enabled\n") is True
    assert run("SecureBoot disabled\n") is False
    assert run("This system doesn't support Secure Boot\n", rc=255) is False
    assert run("", "EFI variables are not supported on this system\n", 1) is None
    assert run("", "", None) is None


def test_apple_levels_in_english_and_known_translations() -> None:
    assert macos.level_of("Full Security") == "Full Security"
    assert macos.level_of("Sécurité maximale") == "Full Security"
    assert macos.level_of("完全なセキュリティ") == "Full Security"
    assert macos.level_of("Permissive Security") == "Permissive Security"
    assert macos.level_of("Seguridad plena") is None
    assert macos.parse_nvram("94b73556-2197-4702-82a8-3e1337dafbfb:AppleSecureBootPolicy\t%02\n") == 2
    assert macos.parse_nvram("nvram: Error getting variable") is None
    assert macos.parse_languages('(\n    "fr-FR",\n    "en-FR"\n)\n') == "fr-FR"
    assert macos.parse_profiler('{"SPiBridgeDataType": []}') == (False, None)
    assert macos.parse_profiler("not json") == (False, None)


def test_windows_sources_in_order() -> None:
    assert windows.decide({"UEFISecureBootEnabled": 1, "confirm": False})[0] is True
    assert windows.decide({"confirm": True})[0] is True
    assert windows.decide({"PEFirmwareType": 1})[0] is False
    assert windows.decide({"confirm_error": "PlatformNotSupportedException"})[0] is False
    value, why = windows.decide({"PEFirmwareType": 2, "confirm_error": "UnauthorizedAccessException"})
    assert value is None and "administrator" in why


@given(st.sampled_from(["linux", "macos", "windows"]), st.text(max_size=120),
       st.sampled_from([0, 1, None]), st.one_of(st.none(), st.text(max_size=6)),
       st.sampled_from([None, [], ["acpi"], ["efivars"]]))
@FAST
def test_any_input_gives_a_fact_or_unknown(family: str, out: str, rc: int | None,
                                           var: str | None, listing: list[str] | None) -> None:
    commands = [CommandResult(tuple(argv), rc, out, "", 1, None if rc is not None else "timeout")
                for argv in PROBE.commands(family)]
    evidence = Evidence(OsInfo(family, "", "x86_64"), commands, files={linux.SECUREBOOT_VAR: var},
                        dirs={linux.EFI: listing, linux.FIRMWARE: listing})
    [fact] = PROBE.collect(ProbeContext(host=RecordedHost(evidence)))
    assert fact.is_known or fact.reason
    assert "probe failed" not in (fact.reason or "")
