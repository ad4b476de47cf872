"""Words in the names of a Mac's built-in audio sources, in the languages macOS shows them in.

`system_profiler -json` gives a built-in device's current source ("External Headphones",
"Internal Speakers") in the Mac's display language. Only the kind of source is read: these
are the words the translations use for headphones, a headset's microphone, speakers and
microphones. A name with none of them leaves the source's kind open.
"""

from __future__ import annotations

from wfhaudit.probes.localized import fold

# (form factor, words), checked in this order: a headphone word wins over "microphone", an
# external-microphone phrase over a plain microphone.
SOURCE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("headphone", (
        "headphone", "kopfhörer", "écouteurs", "casque", "auriculares", "fones de ouvido",
        "auscultadores", "cuffie", "koptelefoon", "słuchawki", "耳机", "ヘッドフォン",
        "ヘッドホン")),
    ("headset", (
        "headset", "external microphone", "externes mikrofon", "micro externe",
        "microphone externe", "micrófono externo", "microfone externo", "microfono esterno",
        "externe microfoon", "mikrofon zewnętrzny", "外置麦克风", "外部麦克风", "外部マイク")),
    ("internal", (
        "speaker", "lautsprecher", "haut-parleur", "altavoz", "altavoces", "alto-falante",
        "altifalante", "altoparlant", "luidspreker", "głośnik", "扬声器", "スピーカー")),
    ("internal", (
        "microphone", "mikrofon", "micro", "micrófono", "microfone", "microfono", "microfoon",
        "麦克风", "マイク")),
)


def source_form(name: str) -> str | None:
    """The form factor a built-in source name says (headphone, headset, internal), or None."""
    folded = fold(name)
    for form, words in SOURCE_WORDS:
        if any(fold(word) in folded for word in words):
            return form
    return None
