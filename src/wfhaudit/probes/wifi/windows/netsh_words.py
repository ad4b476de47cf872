"""Words of `netsh wlan show interfaces` in the languages Windows ships, for the security lines.

netsh translates its labels and some values. WPA, WPA2, WPA3, OWE, CCMP, GCMP, TKIP and WEP
stay as they are; "Open", "Shared", "Personal", "Enterprise" and "None" are translated.
Compared case-insensitively after folding runs of spaces. Sources: Microsoft's localized
netsh output as published in user reports and documentation; where none was found the
word follows Windows' own translation of the same term in Settings (said so in the fixtures).
"""

from __future__ import annotations

import re

AUTH_LABELS = {
    "authentication": "English", "authentifizierung": "German", "authentification": "French",
    "autenticación": "Spanish", "autenticação": "Portuguese", "autenticazione": "Italian",
    "verificatie": "Dutch", "authenticatie": "Dutch", "uwierzytelnianie": "Polish",
    "身份验证": "Chinese", "驗證": "Chinese", "認証": "Japanese",
}
CIPHER_LABELS = {
    "cipher": "English", "verschlüsselung": "German", "chiffrement": "French",
    "cifrado": "Spanish", "codificação": "Portuguese", "cifra": "Portuguese",
    "crittografia": "Italian", "codering": "Dutch", "szyfr": "Polish",
    "密码": "Chinese", "加密": "Chinese", "暗号": "Japanese",
}
OPEN = {"open", "offen", "ouvert", "ouverte", "ouvrir", "abierta", "abierto", "aberta", "aberto",
        "aperta", "aperto", "otwarte", "otwarty", "开放式", "开放", "開放", "オープン"}
SHARED = {"shared", "gemeinsam", "freigegeben", "partagé", "partagée", "compartida",
          "compartido", "compartilhada", "compartilhado", "condivisa", "condiviso", "gedeeld",
          "udostępniony", "współużytkowany", "共享", "共用", "共有"}
PERSONAL = {"personal", "persönlich", "personnel", "personnelle", "pessoal", "personale",
            "persoonlijk", "osobisty", "osobiste", "个人", "個人", "パーソナル"}
ENTERPRISE = {"enterprise", "unternehmen", "entreprise", "empresa", "empresarial", "aziendale",
              "organizzazione", "onderneming", "bedrijf", "przedsiębiorstwo", "企业", "企業",
              "エンタープライズ"}

_SCRIPTS = (
    (re.compile(r"[\u0400-\u04ff]"), "a Cyrillic-script language (e.g. Russian)"),
    (re.compile(r"[\uac00-\ud7af]"), "Korean"),
    (re.compile(r"[\u0370-\u03ff]"), "Greek"),
    (re.compile(r"[\u0600-\u06ff]"), "Arabic"),
    (re.compile(r"[\u0590-\u05ff]"), "Hebrew"),
    (re.compile(r"[\u0e00-\u0e7f]"), "Thai"),
    (re.compile(r"[ışğİŞĞ]"), "Turkish"),
    (re.compile(r"[őűŐŰ]"), "Hungarian"),
    (re.compile(r"[ěřůĚŘŮ]"), "Czech"),
    (re.compile(r"[åÅ]"), "a Nordic language"),
)


def fold(text: str) -> str:
    """Lower case with runs of whitespace made one space (labels are padded with spaces)."""
    return " ".join(text.split()).casefold()


def guess_language(text: str) -> str:
    """A best guess at the display language of output whose labels are not known."""
    for pattern, name in _SCRIPTS:
        if pattern.search(text):
            return name
    return "a language wfhaudit has no labels for"
