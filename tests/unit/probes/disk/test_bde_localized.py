"""`manage-bde -status` in every display language of the translation table, and outside it."""

from __future__ import annotations

import pytest
from make_disk_bde_cases import LANGS, PUBLISHED_ENCRYPTING, PUBLISHED_OFF, bde_text, lossy

from wfhaudit.probes.disk.windows.bde import (
    manage_bde_language,
    parse_manage_bde,
    volume_blocks_present,
    volume_verdict,
)
from wfhaudit.probes.disk.windows.bde_labels import FIELDS, LANGUAGES, BdeLanguage
from wfhaudit.probes.localized import fold

BY_NAME = {lang.name: lang for lang in LANGUAGES}
TABLE_LANGUAGES = ("English", "German", "French", "Spanish", "Portuguese", "Italian", "Dutch",
                   "Polish", "Chinese (Simplified)", "Japanese")


def test_the_table_covers_the_required_languages() -> None:
    assert tuple(BY_NAME) == TABLE_LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_each_language_is_consistent(lang: BdeLanguage) -> None:
    assert set(lang.labels.values()) == set(FIELDS)
    assert set(lang.conversion.values()) == {"decrypted", "encrypted", "encrypting", "decrypting",
                                             "encryption paused", "decryption paused"}
    assert set(lang.protection.values()) == {True, False}
    assert set(lang.lock.values()) == {True, False}
    # Protection is matched as a prefix (a reboot count may follow): no phrase may begin
    # another phrase of the opposite meaning.
    for a, on_a in lang.protection.items():
        for b, on_b in lang.protection.items():
            if on_a != on_b:
                assert not fold(b).startswith(fold(a)), (a, b)


def _block(lang: BdeLanguage, conversion: str, protection: str, marker: bool = True) -> str:
    label = {field: next(k for k, v in lang.labels.items() if v == field) for field in FIELDS}
    unlocked = next(k for k, v in lang.lock.items() if v is False)
    return (f"Volume C: [Windows]\r\n{lang.os_volume[0] if marker else '[?]'}\r\n\r\n"
            f"    {label['conversion']}:    {conversion}\r\n"
            f"    {label['percent']}:    100,0 %\r\n"
            f"    {label['protection']}:    {protection}\r\n"
            f"    {label['lock']}:    {unlocked}\r\n")


@pytest.mark.parametrize("lang", LANGUAGES, ids=lambda lang: lang.name)
def test_every_phrase_of_every_language_is_read(lang: BdeLanguage) -> None:
    for conversion, state in lang.conversion.items():
        for protection, on in lang.protection.items():
            report = parse_manage_bde(_block(lang, conversion, protection))
            assert report is not None and report.language == lang.name
            assert report.system_drive == "C:"
            vol = report.volumes[0]
            assert (vol.conversion, vol.protected, vol.locked, vol.percent) == (
                state, on, False, 100.0)


@pytest.mark.parametrize("name", TABLE_LANGUAGES[1:])
def test_fixture_texts_are_read_in_their_language(name: str) -> None:
    report = parse_manage_bde(bde_text(name))
    assert report is not None and report.language == name and report.system_drive == "C:"
    vol = report.volumes[0]
    assert vol.protected is not None and vol.conversion is not None and vol.locked is False


def test_a_value_missing_from_the_table_is_unknown_naming_the_language() -> None:
    report = parse_manage_bde(_block(BY_NAME["German"], "Vollständig verschlüsselt",
                                     "Der Schutz ist vielleicht an"))
    assert report is not None
    verdict = volume_verdict(report.volumes[0])
    assert verdict.state == "unknown"
    assert "localized output (language German)" in verdict.reason
    english = parse_manage_bde(_block(BY_NAME["English"], "Fully Encrypted", "Protection Maybe"))
    assert english is not None and "localized" not in english.volumes[0].note


def test_a_locked_volume_counts_as_protected() -> None:
    text = ("Volume D: [Daten]\r\n[Datenvolume]\r\n\r\n    Konvertierungsstatus:    Unbekannt\r\n"
            "    Schutzstatus:    Unbekannt\r\n    Sperrungsstatus:    Gesperrt\r\n")
    report = parse_manage_bde(text)
    assert report is not None and report.system_drive is None
    vol = report.volumes[0]
    assert vol.locked is True and vol.protected is True and vol.is_os is False
    assert volume_verdict(vol).state == "encrypted"


def test_an_unknown_os_marker_leaves_the_system_drive_open() -> None:
    report = parse_manage_bde(_block(BY_NAME["Dutch"], "Volledig versleuteld",
                                     "Beveiliging ingeschakeld", marker=False))
    assert report is not None and report.system_drive is None


def test_published_german_outputs() -> None:
    off = parse_manage_bde(PUBLISHED_OFF)
    assert off is not None and off.system_drive == "C:"
    assert volume_verdict(off.volumes[0]).state == "plain"
    running = parse_manage_bde(PUBLISHED_ENCRYPTING)
    assert running is not None
    assert running.volumes[0].conversion == "encrypting"
    assert volume_verdict(running.volumes[0]).in_progress


def test_german_with_umlauts_lost_is_still_read() -> None:
    report = parse_manage_bde(lossy(bde_text("German")))
    assert report is not None and report.language == "German"
    assert report.volumes[0].conversion == "encrypted" and report.volumes[0].protected is True


def test_outside_the_table_nothing_is_read_but_the_blocks_are_seen() -> None:
    text = bde_text("Russian")
    assert manage_bde_language(text) is None and parse_manage_bde(text) is None
    assert volume_blocks_present(text)
    assert not volume_blocks_present("\x00\x01 ???")


def test_fixture_languages_are_in_the_table_but_one() -> None:
    assert set(LANGS) - set(BY_NAME) == {"Russian"}
