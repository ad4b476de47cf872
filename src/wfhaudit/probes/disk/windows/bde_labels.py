"""The words `manage-bde -status` prints, per display language, mapped to what they mean.

`manage-bde` has no language switch, and its output follows the Windows display language.
Each entry lists the four labels wfhaudit reads, the marker of the volume that holds Windows,
and the values of those fields as the Windows translations print them. Where a translation is
known in more than one wording (older and newer builds, Brazil and Portugal), each wording is
listed; every wording maps to one meaning, so a second wording can never turn into a guess.
A value that is in no list leaves the field unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical conversion states, in the order of the `conv` tuples below.
_CONVERSION = ("decrypted", "encrypted", "encrypted", "encrypting", "decrypting",
               "encryption paused", "decryption paused")
FIELDS = ("conversion", "percent", "protection", "lock")

Words = str | tuple[str, ...]


@dataclass(frozen=True)
class BdeLanguage:
    """One display language of manage-bde: its labels and the values of those fields."""

    name: str
    labels: dict[str, str]
    os_volume: tuple[str, ...]
    conversion: dict[str, str]
    protection: dict[str, bool]
    lock: dict[str, bool]


def _all(words: Words) -> tuple[str, ...]:
    return (words,) if isinstance(words, str) else words


def _language(name: str, labels: tuple[Words, Words, Words, Words], os_volume: Words,
              conv: tuple[Words, ...], on: Words, off: Words, unlocked: Words,
              locked: Words) -> BdeLanguage:
    return BdeLanguage(
        name,
        {label: field for field, words in zip(FIELDS, labels, strict=True)
         for label in _all(words)},
        _all(os_volume),
        {phrase: state for state, words in zip(_CONVERSION, conv, strict=True)
         for phrase in _all(words)},
        {**dict.fromkeys(_all(on), True), **dict.fromkeys(_all(off), False)},
        {**dict.fromkeys(_all(unlocked), False), **dict.fromkeys(_all(locked), True)})


LANGUAGES: tuple[BdeLanguage, ...] = (
    _language(
        "English", ("Conversion Status", "Percentage Encrypted", "Protection Status",
                    "Lock Status"), "[OS Volume]",
        ("Fully Decrypted", "Fully Encrypted", "Used Space Only Encrypted",
         "Encryption in Progress", "Decryption in Progress", "Encryption Paused",
         "Decryption Paused"),
        "Protection On", "Protection Off", "Unlocked", "Locked"),
    _language(
        "German", ("Konvertierungsstatus", "Verschlüsselt (Prozent)", "Schutzstatus",
                   "Sperrungsstatus"), "[Betriebssystemvolume]",
        ("Vollständig entschlüsselt", "Vollständig verschlüsselt",
         "Nur verwendeter Speicherplatz ist verschlüsselt", "Verschlüsselung wird durchgeführt",
         "Entschlüsselung wird durchgeführt", "Verschlüsselung angehalten",
         "Entschlüsselung angehalten"),
        "Der Schutz ist aktiviert", "Der Schutz ist deaktiviert", "Entsperrt", "Gesperrt"),
    _language(
        "French", ("État de la conversion", "Pourcentage chiffré", "État de la protection",
                   "État du verrouillage"), "[Volume du système d’exploitation]",
        ("Entièrement déchiffré", "Entièrement chiffré", "Seul l’espace utilisé est chiffré",
         "Chiffrement en cours", "Déchiffrement en cours", "Chiffrement suspendu",
         "Déchiffrement suspendu"),
        "Protection activée", "Protection désactivée", "Déverrouillé", "Verrouillé"),
    _language(
        "Spanish", ("Estado de conversión", "Porcentaje cifrado", "Estado de protección",
                    "Estado de bloqueo"), "[Volumen del sistema operativo]",
        (("Totalmente descifrado", "Descifrado completo"),
         ("Totalmente cifrado", "Cifrado completo"),
         "Solo se cifró el espacio usado", "Cifrado en curso", "Descifrado en curso",
         "Cifrado en pausa", "Descifrado en pausa"),
        "Protección activada", "Protección desactivada", "Desbloqueado", "Bloqueado"),
    _language(
        "Portuguese", (("Status da Conversão", "Estado da Conversão"),
                       ("Porcentagem Criptografada", "Percentagem Encriptada"),
                       ("Status da Proteção", "Estado da Proteção"),
                       ("Status de Bloqueio", "Estado de Bloqueio")),
        ("[Volume do Sistema Operacional]", "[Volume do Sistema Operativo]"),
        (("Totalmente Descriptografado", "Totalmente Desencriptado"),
         ("Totalmente Criptografado", "Totalmente Encriptado"),
         ("Somente o Espaço Usado Criptografado", "Apenas o Espaço Utilizado Encriptado"),
         ("Criptografia em Andamento", "Encriptação em Curso"),
         ("Descriptografia em Andamento", "Desencriptação em Curso"),
         ("Criptografia Pausada", "Encriptação em Pausa"),
         ("Descriptografia Pausada", "Desencriptação em Pausa")),
        "Proteção Ativada", "Proteção Desativada", "Desbloqueado", "Bloqueado"),
    _language(
        "Italian", ("Stato conversione", "Percentuale crittografata", "Stato protezione",
                    "Stato blocco"), ("[Volume del sistema operativo]",
                                      "[Volume sistema operativo]"),
        (("Completamente decrittografato", "Decrittografia completata"),
         ("Completamente crittografato", "Crittografia completata"),
         "Solo spazio utilizzato crittografato", "Crittografia in corso",
         "Decrittografia in corso", "Crittografia sospesa", "Decrittografia sospesa"),
        "Protezione attivata", "Protezione disattivata", "Sbloccato", "Bloccato"),
    _language(
        "Dutch", ("Conversiestatus", "Percentage versleuteld", "Beveiligingsstatus",
                  "Vergrendelingsstatus"), "[Besturingssysteemvolume]",
        ("Volledig ontsleuteld", "Volledig versleuteld", "Alleen gebruikte ruimte versleuteld",
         ("Versleutelen wordt uitgevoerd", "Versleuteling wordt uitgevoerd"),
         ("Ontsleutelen wordt uitgevoerd", "Ontsleuteling wordt uitgevoerd"),
         ("Versleutelen onderbroken", "Versleuteling onderbroken"),
         ("Ontsleutelen onderbroken", "Ontsleuteling onderbroken")),
        "Beveiliging ingeschakeld", "Beveiliging uitgeschakeld", "Ontgrendeld", "Vergrendeld"),
    _language(
        "Polish", ("Stan konwersji", "Procent zaszyfrowania", "Stan ochrony", "Stan blokady"),
        "[Wolumin systemu operacyjnego]",
        (("Całkowicie odszyfrowany", "W pełni odszyfrowany"),
         ("Całkowicie zaszyfrowany", "W pełni zaszyfrowany"),
         "Zaszyfrowano tylko używane miejsce", "Szyfrowanie w toku", "Odszyfrowywanie w toku",
         "Szyfrowanie wstrzymane", "Odszyfrowywanie wstrzymane"),
        "Ochrona włączona", "Ochrona wyłączona", "Odblokowany", "Zablokowany"),
    _language(
        "Chinese (Simplified)", ("转换状态", "加密百分比", "保护状态", "锁定状态"),
        "[操作系统卷]",
        ("完全解密", "完全加密", "仅加密已用空间", "正在加密", "正在解密", "加密已暂停",
         "解密已暂停"),
        ("保护启用", "保护已启用"), ("保护关闭", "保护已关闭"), "已解锁", "已锁定"),
    _language(
        "Japanese", ("変換状態", "暗号化された割合", "保護状態", "ロック状態"),
        ("[OS ボリューム]", "[オペレーティング システム ボリューム]"),
        ("完全に復号化されています", "完全に暗号化されています",
         "使用領域のみ暗号化されています", ("暗号化を実行しています", "暗号化中"),
         ("復号化を実行しています", "復号化中"), "暗号化は一時停止しています",
         "復号化は一時停止しています"),
        "保護はオンです", "保護はオフです", "ロック解除", "ロック"),
)
