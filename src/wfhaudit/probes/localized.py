"""Localized tool output: matching translated words, and naming a language wfhaudit cannot read.

Windows prints `manage-bde` and `netsh` in the display language. The probes prefer sources
that do not depend on it (PowerShell objects, WMI numbers, the registry); where text is the
only source they look words up in tables of the shipped translations, and when a word is not
in a table the fact is UNKNOWN with "localized output (language X)", never a guess.

Matching is exact after folding case, spaces and apostrophes. Text captured from a pipe in the
wrong code page has U+FFFD in place of each accented letter; such text still matches a table
phrase whose ASCII letters are the same and whose accented letters sit in the same places.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TypeVar

T = TypeVar("T")

REPLACEMENT = "\ufffd"

# Checked in order: kana before Han (Japanese text has both), then other scripts.
_SCRIPTS: tuple[tuple[str, str], ...] = (
    (r"[\u3040-\u30ff\uff66-\uff9f]", "Japanese"),
    (r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]", "Korean"),
    (r"[\u4e00-\u9fff]", "Chinese"),
    (r"[\u0400-\u04ff]", "a Cyrillic-script language (Russian, Ukrainian, ...)"),
    (r"[\u0370-\u03ff]", "Greek"),
    (r"[\u0590-\u05ff]", "Hebrew"),
    (r"[\u0600-\u06ff]", "Arabic"),
    (r"[\u0e00-\u0e7f]", "Thai"),
)
# Letters that only a few Latin-script languages use.
_LATIN_HINTS: tuple[tuple[str, str], ...] = (
    (r"[ıİğĞ]", "Turkish"),
    (r"[řŘěĚůŮ]", "Czech"),
    (r"[őŐűŰ]", "Hungarian"),
    (r"[șȘțȚ]", "Romanian"),
    (r"[åÅøØæÆ]", "a Scandinavian language"),
    (r"[ąĄęĘłŁśŚźŹżŻńŃ]", "Polish"),
    (r"[ãõÃÕ]", "Portuguese"),
    (r"[ñÑ¿¡]", "Spanish"),
    (r"ß", "German"),
    (r"[äöüÄÖÜ]", "a language with umlauts (German, Swedish, Finnish, ...)"),
    (r"[œŒ]", "French"),
    (r"[à-ÿÀ-Ý]", "a Latin-script language with accents (French, Italian, Catalan, ...)"),
)


def fold(text: str) -> str:
    """Text reduced for comparison: NFC, case-folded, one space, plain apostrophe, no end dot."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("\u00a0", " ")
    text = text.replace("\u202f", " ").replace("\uff1a", ":")
    return " ".join(text.casefold().split()).rstrip(" .。")


def _skeleton(folded: str) -> str:
    """Non-ASCII letters as one U+FFFD each run, as a wrong-code-page decode leaves them."""
    return re.sub(r"[^\x00-\x7f]+", REPLACEMENT, folded)


def _lossy_match(got: str, want: str, prefix: bool) -> bool:
    """Compare with accents lost, only for mostly-Latin phrases (a CJK phrase has no letters left)."""
    if REPLACEMENT not in got:
        return False
    ascii_letters = sum(1 for c in want if c.isascii() and c.isalpha())
    if ascii_letters < 3 or ascii_letters < sum(1 for c in want if not c.isascii()):
        return False
    got_s, want_s = _skeleton(got), _skeleton(want)
    return got_s.startswith(want_s) if prefix else got_s == want_s


def same(observed: str, phrase: str) -> bool:
    """Whether observed text is the table phrase (also when its accents were lost to U+FFFD)."""
    got, want = fold(observed), fold(phrase)
    return got == want or _lossy_match(got, want, prefix=False)


def starts(observed: str, phrase: str) -> bool:
    """Whether observed text begins with the table phrase (a suffix like a reboot count may follow)."""
    got, want = fold(observed), fold(phrase)
    return got.startswith(want) or _lossy_match(got, want, prefix=True)


def lookup(observed: str, table: Mapping[str, T], prefix: bool = False) -> T | None:
    """The meaning of the table phrase that observed text is (or begins with).

    An exact match wins (the longest, for prefixes). Without one, every phrase that matches
    with accents lost must mean the same thing, or the text stays unread.
    """
    got = fold(observed)
    for phrase in sorted(table, key=len, reverse=True):
        want = fold(phrase)
        if got == want or (prefix and got.startswith(want)):
            return table[phrase]
    meanings = {repr(table[p]): table[p] for p in table
                if _lossy_match(got, fold(p), prefix)}
    return next(iter(meanings.values())) if len(meanings) == 1 else None


def script_language(text: str) -> str | None:
    """A language (or script) named from the letters the text uses, or None for plain ASCII."""
    for pattern, name in (*_SCRIPTS, *_LATIN_HINTS):
        if re.search(pattern, text):
            return name
    return None


def language_of(observed: Iterable[str], known: Iterable[tuple[str, Iterable[str]]]) -> str | None:
    """The known language with the most of its words among the observed labels, else None.

    `known` pairs a language name with labels that its translation prints.
    """
    seen = list(observed)
    best, best_hits = None, 0
    for name, words in known:
        hits = sum(1 for w in words if any(same(label, w) for label in seen))
        if hits > best_hits:
            best, best_hits = name, hits
    return best


def describe_language(text: str) -> str:
    """The language to name in a reason (from its letters), or one wfhaudit does not recognise."""
    return script_language(text) or "one wfhaudit does not recognise"


def localized_reason(language: str, what: str) -> str:
    """The UNKNOWN reason for localized output that wfhaudit cannot read."""
    return f"localized output (language {language}): {what}"
