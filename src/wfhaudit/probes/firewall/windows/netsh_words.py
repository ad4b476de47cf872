"""The profile state words `netsh advfirewall show allprofiles state` prints, per display language.

netsh has no language switch. Only the state word is read (the layout is the same in every
language); a language prints one pair, sometimes in two wordings across Windows builds, and
every wording maps to one meaning. A word in no list is not guessed: the probe then reads the
registry, whose output does not depend on the language.
"""

from __future__ import annotations

# language -> (words meaning on, words meaning off)
STATE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "English": (("ON",), ("OFF",)),
    "German": (("EIN",), ("AUS",)),
    "French": (("Actif",), ("Inactif",)),
    "Spanish": (("ACTIVADO", "ACTIVAR"), ("DESACTIVADO", "DESACTIVAR")),
    "Portuguese": (("LIGADO", "ATIVADO"), ("DESLIGADO", "DESATIVADO")),
    "Italian": (("ATTIVATO", "ATTIVA"), ("DISATTIVATO", "DISATTIVA")),
    "Dutch": (("AAN", "INGESCHAKELD"), ("UIT", "UITGESCHAKELD")),
    "Polish": (("WŁĄCZONY", "WŁĄCZ"), ("WYŁĄCZONY", "WYŁĄCZ")),
    "Chinese (Simplified)": (("启用", "开启"), ("关闭", "禁用")),
    "Japanese": (("オン", "有効"), ("オフ", "無効")),
}

# word -> (language, state), for lookups
WORDS: dict[str, tuple[str, bool]] = {
    word: (language, state)
    for language, (on, off) in STATE_WORDS.items()
    for state, words in ((True, on), (False, off))
    for word in words
}
