"""Matching translated words, and naming a language that is not in a table."""

from __future__ import annotations

import pytest

from wfhaudit.host import decode_output
from wfhaudit.probes.localized import (
    describe_language,
    fold,
    language_of,
    localized_reason,
    lookup,
    same,
    script_language,
    starts,
)


def test_fold_ignores_case_spacing_apostrophes_and_the_final_dot() -> None:
    assert fold("  Der Schutz   ist aktiviert. ") == "der schutz ist aktiviert"
    assert fold("Volume du système d’exploitation") == "volume du système d'exploitation"
    assert fold("保护状态：") == "保护状态:"


def test_same_and_starts() -> None:
    assert same("VOLLSTÄNDIG VERSCHLÜSSELT", "Vollständig verschlüsselt")
    assert starts("Protection Off (1 reboots left)", "Protection Off")
    assert not starts("Protection Off", "Protection On")


def test_accents_lost_to_the_replacement_character_still_match_latin_phrases() -> None:
    assert same("Vollst\ufffdndig verschl\ufffdsselt", "Vollständig verschlüsselt")
    assert not same("Vollst\ufffdndig entschl\ufffdsselt", "Vollständig verschlüsselt")
    assert same("Ochrona w\ufffd\ufffdczona", "Ochrona włączona")
    assert not same("Ochrona wy\ufffd\ufffdczona", "Ochrona włączona")


def test_lossy_cjk_text_never_matches() -> None:
    # A CJK phrase has no ASCII letters left once its characters are lost: on and off would
    # look the same, so lossy text must stay unread.
    table = {"保护启用": True, "保护关闭": False}
    assert lookup("\ufffd\ufffd", table, prefix=True) is None
    assert lookup("保护关闭", table, prefix=True) is False


def test_lookup_prefers_exact_and_longest_and_refuses_ambiguity() -> None:
    locks = {"ロック解除": False, "ロック": True}
    assert lookup("ロック解除", locks) is False
    assert lookup("ロック", locks) is True
    assert lookup("Der Schutz ist deaktiviert. (1 Neustart verbleibend)",
                  {"Der Schutz ist aktiviert": True, "Der Schutz ist deaktiviert": False},
                  prefix=True) is False
    # Two phrases that differ only in their accents mean different things: not guessed.
    assert lookup("d\ufffdsactiv\ufffd", {"désactivé": False, "dèsactivè": True}) is None
    assert lookup("nicht in der Tabelle", {"Entsperrt": False}) is None


def test_language_of_counts_labels() -> None:
    known = [("German", ["Schutzstatus", "Sperrungsstatus"]),
             ("English", ["Protection Status", "Lock Status"])]
    assert language_of(["Größe", "Schutzstatus", "Sperrungsstatus"], known) == "German"
    assert language_of(["Lock Status"], known) == "English"
    assert language_of(["Состояние защиты"], known) is None


@pytest.mark.parametrize(("text", "language"), [
    ("保護状態: 保護はオンです", "Japanese"),
    ("保护状态: 保护启用", "Chinese"),
    ("보호 상태: 보호 켜짐", "Korean"),
    ("Состояние защиты: Защита включена", "a Cyrillic-script language (Russian, Ukrainian, ...)"),
    ("Κατάσταση προστασίας", "Greek"),
    ("Koruma Durumu: Koruma Açık, kilidi açılmış (ı)", "Turkish"),
    ("Stav ochrany: Ochrana zapnutá, šifrování dokončeno, ř", "Czech"),
    ("Estado: protección", "a Latin-script language with accents (French, Italian, Catalan, ...)"),
    ("Status: ON", None),
])
def test_script_language(text: str, language: str | None) -> None:
    assert script_language(text) == language


def test_reason_names_the_language() -> None:
    assert describe_language("Status: ???") == "one wfhaudit does not recognise"
    reason = localized_reason(describe_language("Том C:"), "labels not known")
    assert reason.startswith("localized output (language a Cyrillic-script language")


@pytest.mark.parametrize(("codec", "text"), [
    ("cp850", "Schutzstatus:   Der Schutz ist aktiviert. Größe"),
    ("cp932", "保護状態:        保護はオンです"),
    ("gbk", "保护状态:        保护启用"),
])
def test_output_in_the_oem_code_page_is_decoded_with_it(codec: str, text: str) -> None:
    raw = text.encode(codec)
    assert decode_output(raw, codec) == text
    # UTF-8 output stays UTF-8 whatever the fallback.
    assert decode_output(text.encode("utf-8"), codec) == text


def test_without_a_fallback_bad_bytes_become_replacement_characters() -> None:
    assert decode_output("Größe".encode("cp850")) == "Gr\ufffd\ufffde"
