"""Localized `manage-bde -status` outputs for the Windows disk cases (used by make_disk_other_cases).

One output per display language of the probe's translation table, in manage-bde's layout, plus
two German outputs published by a user (verbatim apart from the Markdown indentation), one
German output as a UTF-8 pipe receives the OEM code page (umlauts lost to U+FFFD), and one
output in a language outside the table.
"""

from __future__ import annotations

from typing import Any

# Every label and value of one manage-bde volume block, in manage-bde's order.
LAYOUT = ("size", "version", "conversion", "percent", "method", "protection", "lock", "id",
          "protectors")
RECONSTRUCTED = ("Reconstructed from vendor documentation and the published {lang} translation, "
                 "not captured (no Windows machine available): manage-bde -status layout from "
                 "Microsoft Learn (manage-bde status); the {lang} labels and values are those of "
                 "Windows' {lang} manage-bde as known to the project (the same words as in the "
                 "probe's translation table, src/wfhaudit/probes/disk/bde_labels.py).")

LANGS: dict[str, dict[str, Any]] = {
    "German": {
        "head": ("BitLocker-Laufwerkverschlüsselung: Konfigurationstool, Version 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Alle Rechte vorbehalten.",
                 "Datenträgervolumes, die mit BitLocker-Laufwerkverschlüsselung",
                 "geschützt werden können:"),
        "volume": 'Volume "C:" [Windows]', "os": "[Betriebssystemvolume]",
        "labels": ("Größe", "BitLocker-Version", "Konvertierungsstatus",
                   "Verschlüsselt (Prozent)", "Verschlüsselungsmethode", "Schutzstatus",
                   "Sperrungsstatus", "ID-Feld", "Schlüsselschutzvorrichtungen"),
        "values": ("475,84 GB", "2.0", "Nur verwendeter Speicherplatz ist verschlüsselt",
                   "100,0 %", "XTS-AES 128", "Der Schutz ist aktiviert.", "Entsperrt",
                   "Unbekannt", ("TPM", "Numerisches Kennwort"))},
    "French": {
        "head": ("Chiffrement de lecteur BitLocker : outil de configuration version 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Tous droits réservés.",
                 "Volumes de disque pouvant être protégés avec",
                 "Chiffrement de lecteur BitLocker :"),
        "volume": "Volume C: [Windows]", "os": "[Volume du système d’exploitation]",
        "labels": ("Taille ", "Version de BitLocker ", "État de la conversion ",
                   "Pourcentage chiffré ", "Méthode de chiffrement ", "État de la protection ",
                   "État du verrouillage ", "Champ d’identification ", "Protecteurs de clés "),
        "values": ("237,84 Go", "2.0", "Entièrement chiffré", "100,0 %", "XTS-AES 128",
                   "Protection désactivée", "Déverrouillé", "Inconnu",
                   ("TPM", "Mot de passe numérique"))},
    "Spanish": {
        "head": ("Cifrado de unidad BitLocker: herramienta de configuración versión 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Todos los derechos reservados.",
                 "Volúmenes de disco que se pueden proteger con",
                 "Cifrado de unidad BitLocker:"),
        "volume": "Volumen C: [Windows]", "os": "[Volumen del sistema operativo]",
        "labels": ("Tamaño", "Versión de BitLocker", "Estado de conversión",
                   "Porcentaje cifrado", "Método de cifrado", "Estado de protección",
                   "Estado de bloqueo", "Campo de identificación", "Protectores de clave"),
        "values": ("237,84 GB", "2.0", "Cifrado en curso", "42,5 %", "XTS-AES 128",
                   "Protección activada", "Desbloqueado", "Desconocido",
                   ("TPM", "Contraseña numérica"))},
    "Portuguese": {
        "head": ("Criptografia de Unidade de Disco BitLocker: Ferramenta de Configuração "
                 "versão 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Todos os direitos reservados.",
                 "Volumes de disco que podem ser protegidos com",
                 "Criptografia de Unidade de Disco BitLocker:"),
        "volume": "Volume C: [Windows]", "os": "[Volume do Sistema Operacional]",
        "labels": ("Tamanho", "Versão do BitLocker", "Status da Conversão",
                   "Porcentagem Criptografada", "Método de Criptografia", "Status da Proteção",
                   "Status de Bloqueio", "Campo de Identificação", "Protetores de Chave"),
        "values": ("237,84 GB", "2.0", "Totalmente Criptografado", "100,0%", "XTS-AES 128",
                   "Proteção Ativada", "Desbloqueado", "Desconhecido",
                   ("TPM", "Senha Numérica"))},
    "Italian": {
        "head": ("Crittografia unità BitLocker: strumento di configurazione versione 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Tutti i diritti riservati.",
                 "Volumi disco che è possibile proteggere con",
                 "Crittografia unità BitLocker:"),
        "volume": "Volume C: [Windows]", "os": "[Volume del sistema operativo]",
        "labels": ("Dimensioni", "Versione BitLocker", "Stato conversione",
                   "Percentuale crittografata", "Metodo di crittografia", "Stato protezione",
                   "Stato blocco", "Campo di identificazione", "Protezioni con chiave"),
        "values": ("237,84 GB", "Nessuna", "Completamente decrittografato", "0,0%", "Nessuno",
                   "Protezione disattivata", "Sbloccato", "Nessuno", ("Nessuna trovata",))},
    "Dutch": {
        "head": ("BitLocker-stationsversleuteling: configuratieprogramma versie 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Alle rechten voorbehouden.",
                 "Schijfvolumes die kunnen worden beveiligd met",
                 "BitLocker-stationsversleuteling:"),
        "volume": "Volume C: [Windows]", "os": "[Besturingssysteemvolume]",
        "labels": ("Grootte", "BitLocker-versie", "Conversiestatus", "Percentage versleuteld",
                   "Versleutelingsmethode", "Beveiligingsstatus", "Vergrendelingsstatus",
                   "Identificatieveld", "Sleutelbeveiligingen"),
        "values": ("237,84 GB", "2.0", "Volledig versleuteld", "100,0%", "XTS-AES 128",
                   "Beveiliging ingeschakeld", "Ontgrendeld", "Onbekend",
                   ("TPM", "Numeriek wachtwoord"))},
    "Polish": {
        "head": ("Szyfrowanie dysków funkcją BitLocker: narzędzie konfiguracji, wersja "
                 "10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. Wszelkie prawa zastrzeżone.",
                 "Woluminy dysków, które mogą być chronione przy użyciu",
                 "funkcji Szyfrowanie dysków funkcją BitLocker:"),
        "volume": "Wolumin C: [Windows]", "os": "[Wolumin systemu operacyjnego]",
        "labels": ("Rozmiar", "Wersja funkcji BitLocker", "Stan konwersji",
                   "Procent zaszyfrowania", "Metoda szyfrowania", "Stan ochrony",
                   "Stan blokady", "Pole identyfikacji", "Funkcje ochrony klucza"),
        "values": ("237,84 GB", "2.0", "Całkowicie zaszyfrowany", "100,0%", "XTS-AES 128",
                   "Ochrona włączona", "Odblokowany", "Nieznane",
                   ("TPM", "Hasło numeryczne"))},
    "Chinese (Simplified)": {
        "head": ("BitLocker 驱动器加密: 配置工具版本 10.0.22621",
                 "版权所有 (C) 2013 Microsoft Corporation。保留所有权利。",
                 "可以使用 BitLocker 驱动器加密",
                 "保护的磁盘卷:"),
        "volume": "卷 C: [Windows]", "os": "[操作系统卷]",
        "labels": ("大小", "BitLocker 版本", "转换状态", "加密百分比", "加密方法", "保护状态",
                   "锁定状态", "标识字段", "密钥保护器"),
        "values": ("237.84 GB", "2.0", "完全加密", "100.0%", "XTS-AES 128", "保护启用",
                   "已解锁", "未知", ("TPM", "数字密码"))},
    "Japanese": {
        "head": ("BitLocker ドライブ暗号化: 構成ツール バージョン 10.0.22621",
                 "Copyright (C) 2013 Microsoft Corporation. All rights reserved.",
                 "BitLocker ドライブ暗号化で保護可能な",
                 "ディスク ボリューム:"),
        "volume": "ボリューム C: [Windows]", "os": "[OS ボリューム]",
        "labels": ("サイズ", "BitLocker のバージョン", "変換状態", "暗号化された割合",
                   "暗号化の方法", "保護状態", "ロック状態", "識別子フィールド", "キーの保護機能"),
        "values": ("237.84 GB", "2.0", "完全に暗号化されています", "100.0%", "XTS-AES 128",
                   "保護はオフです", "ロック解除", "不明", ("TPM", "数値パスワード"))},
    # Outside the table on purpose.
    "Russian": {
        "head": ("Шифрование диска BitLocker: средство настройки, версия 10.0.22621",
                 "(C) Корпорация Майкрософт (Microsoft Corporation), 2013. Все права защищены.",
                 "Тома дисков, которые можно защитить с помощью",
                 "шифрования диска BitLocker:"),
        "volume": "Том C: [Windows]", "os": "[Том операционной системы]",
        "labels": ("Размер", "Версия BitLocker", "Состояние преобразования",
                   "Зашифровано (процент)", "Метод шифрования", "Состояние защиты",
                   "Состояние блокировки", "Поле идентификации", "Предохранители ключа"),
        "values": ("237,84 ГБ", "2.0", "Полностью зашифрован", "100,0%", "XTS-AES 128",
                   "Защита включена", "Разблокирован", "Неизвестно",
                   ("TPM", "Числовой пароль"))},
}


def bde_text(lang: str) -> str:
    """One language's `manage-bde -status` for a single OS volume, with CRLF line ends."""
    spec = LANGS[lang]
    head = spec["head"]
    width = max(len(label) for label in spec["labels"]) + 2
    lines = [head[0], head[1], "", head[2], head[3], spec["volume"], spec["os"], ""]
    for key, label, value in zip(LAYOUT, spec["labels"], spec["values"], strict=True):
        if key == "protectors":
            lines.append(f"    {label}:")
            lines += [f"        {v}" for v in value]
        else:
            lines.append(f"    {(label + ':').ljust(width)}{value}")
    return "\r\n".join([*lines, ""])


# Published by a user in bnachtwey/IT-Stuff (Windows 10 Pro 22H2 / Windows 11 Pro 23H2).
PUBLISHED_SRC = ("Published real output: German manage-bde -status printed on Windows 10 Pro 22H2 / "
                 "Windows 11 Pro 23H2, in bnachtwey/IT-Stuff, file Windows/N2K/Bitlocker-Notes.md "
                 "(https://github.com/bnachtwey/IT-Stuff). Used verbatim except that the "
                 "Markdown code-block indentation was removed and CRLF line ends restored.")
_PUBLISHED_HEAD = """BitLocker-Laufwerkverschlüsselung: Konfigurationstool, Version 10.0.19041
Copyright (C) 2013 Microsoft Corporation. Alle Rechte vorbehalten.

Datenträgervolumes, die mit BitLocker-Laufwerkverschlüsselung
geschützt werden können:
Volume "C:" []
[Betriebssystemvolume]

"""
PUBLISHED_OFF = (_PUBLISHED_HEAD + """  Größe:                        49,36 GB
  BitLocker-Version:            Kein
  Konvertierungsstatus:         Vollständig entschlüsselt
  Verschlüsselt (Prozent):      0,0 %
  Verschlüsselungsmethode:      Kein
  Schutzstatus:                 Der Schutz ist deaktiviert.
  Sperrungsstatus:              Entsperrt
  ID-Feld:                      Kein
  Schlüsselschutzvorrichtungen: Keine gefunden
""").replace("\n", "\r\n")
PUBLISHED_ENCRYPTING = (_PUBLISHED_HEAD + """    Größe:                        49,36 GB
    BitLocker-Version:            2.0
    Konvertierungsstatus:         Verschlüsselung wird durchgeführt
    Verschlüsselt (Prozent):      100,0 %
    Verschlüsselungsmethode:      XTS-AES 128
    Schutzstatus:                 Der Schutz ist aktiviert.
    Sperrungsstatus:              Entsperrt
    ID-Feld:                      Unbekannt
    Schlüsselschutzvorrichtungen:
        TPM
""").replace("\n", "\r\n")


def lossy(text: str) -> str:
    """The text as a UTF-8 reader gets code page 850 bytes: each accented letter is U+FFFD."""
    return text.encode("cp850").decode("utf-8", "replace")
