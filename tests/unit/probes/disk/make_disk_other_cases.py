"""Build the macOS and Windows disk cases (tests/fixtures/cases/disk/{macos,windows}/*.json).

No Mac or Windows machine was available: outputs are reconstructed from the sources named in
each case (Apple's fdesetup(8), scripts and tests that quote fdesetup/diskutil output,
Microsoft Learn for Win32_EncryptableVolume and manage-bde). Run this file to rewrite them;
a unit test checks the committed files still match.
"""

from __future__ import annotations

import json
import plistlib
from pathlib import Path
from typing import Any

from make_disk_bde_cases import (
    PUBLISHED_ENCRYPTING,
    PUBLISHED_OFF,
    PUBLISHED_SRC,
    RECONSTRUCTED,
    bde_text,
    lossy,
)

from wfhaudit.probes.disk.macos import APFS_LIST, FDESETUP_ISACTIVE, FDESETUP_STATUS
from wfhaudit.probes.disk.windows import BDE_CIM, BDE_SHELL, MANAGE_BDE

CASES = Path(__file__).resolve().parents[3] / "fixtures" / "cases" / "disk"
FDE_SRC = ("Reconstructed, not captured (no Mac available): fdesetup status wording as quoted "
           "by rtrouton/rtrouton_scripts (check_apfs_encryption, filevault_2_encryption_check) "
           "and several public test suites; fdesetup(8) man page for isactive exit codes.")
APFS_SRC = (" diskutil apfs list -plist keys (Containers/Volumes, Roles, FileVault, Encryption, "
            "Locked, CryptoMigrationOn) as in plists published in osquery and Fleet test data "
            "for macOS 11-15.")
WIN_SRC = ("Reconstructed, not captured (no Windows machine available): our own PowerShell "
           "JSON, with values from Microsoft Learn Win32_EncryptableVolume "
           "GetProtectionStatus/GetConversionStatus/GetLockStatus.")
SHELL_SRC = ("Reconstructed, not captured: System.Volume.BitLockerProtection values per "
             "Windows' shell verbs (2 = Turn on BitLocker, 6 = Unlock drive) and the mapping "
             "shared by several projects (1 on, 3 encrypting, 5 suspended, 8 waiting for "
             "activation).")
BDE_SRC = ("Reconstructed, not captured: manage-bde -status layout from Microsoft Learn "
           "(manage-bde status) and many published samples.")
DENIED = ("Get-CimInstance : Access denied \r\nAt line:1 char:36\r\n+ ... Get-CimInstance "
          "-Namespace root/cimv2/security/microsoftvolumeencryption ...\r\n    + "
          "CategoryInfo          : PermissionDenied: (root/cimv2/secu...cryptableVolume:String)"
          " [Get-CimInstance], CimException\r\n")
BDE_DENIED = ("BitLocker Drive Encryption: Configuration Tool version 10.0.22621\r\nCopyright (C)"
              " 2013 Microsoft Corporation. All rights reserved.\r\n\r\nERROR: An attempt to "
              "access a required resource was denied.\r\nCheck that you have administrative "
              "rights on the computer.\r\n")


def cmd(argv: tuple[str, ...], stdout: str = "", rc: int | None = 0, stderr: str = "",
        error: str | None = None) -> dict[str, Any]:
    """One recorded command."""
    return {"argv": list(argv), "returncode": rc, "stdout": stdout, "stderr": stderr,
            "duration_ms": 40, "error": error}


def vol(name: str, dev: str, roles: list[str], fv: bool, enc: bool, locked: bool = False,
        migrating: bool = False) -> dict[str, Any]:
    """One APFS volume dict as diskutil prints it."""
    return {"APFSVolumeUUID": "9AA7F3A4-A615-4F8D-91E3-" + dev.upper().rjust(12, "0")[-12:],
            "CapacityInUse": 461308219392, "CapacityQuota": 0, "CapacityReserve": 0,
            "CryptoMigrationOn": migrating, "DeviceIdentifier": dev, "Encryption": enc,
            "FileVault": fv, "Locked": locked, "Name": name, "Roles": roles}


def apfs(fv: bool, enc: bool = True, extra: list[dict[str, Any]] | None = None,
         migrating: bool = False) -> str:
    """A macOS 15 style internal container (System, Data, Preboot, Recovery, VM)."""
    vols = [vol("Macintosh HD", "disk3s1", ["System"], fv, enc),
            vol("Macintosh HD - Data", "disk3s5", ["Data"], fv, enc, migrating=migrating),
            vol("Preboot", "disk3s2", ["Preboot"], False, False),
            vol("Recovery", "disk3s3", ["Recovery"], False, False),
            vol("VM", "disk3s6", ["VM"], False, False)]
    containers = [{"APFSContainerUUID": "C4AC89F6-8658-4857-972C-D485C213523A",
                   "CapacityCeiling": 499963174912, "CapacityFree": 30714478592,
                   "ContainerReference": "disk3", "DesignatedPhysicalStore": "disk0s2",
                   "Fusion": False, "PhysicalStores": [{"DeviceIdentifier": "disk0s2",
                                                         "Size": 499963174912}],
                   "Volumes": vols}]
    if extra:
        containers.append({"APFSContainerUUID": "57770A0F-0637-44E3-94BE-52D37EAFB88E",
                           "ContainerReference": "disk5", "Fusion": False,
                           "PhysicalStores": [{"DeviceIdentifier": "disk4s2"}], "Volumes": extra})
    return plistlib.dumps({"Containers": containers}).decode()


def mac(status: str, listing: str, isactive: dict[str, Any] | None = None,
        status_rc: int = 0, status_err: str = "") -> list[dict[str, Any]]:
    """The macOS command sequence."""
    out = [cmd(FDESETUP_STATUS, status, status_rc, status_err)]
    if isactive is not None:
        out.append(isactive)
    return [*out, cmd(APFS_LIST, listing)]


def mac_cases() -> dict[str, tuple[str, str, list[dict[str, Any]], dict[str, Any]]]:
    """Case name -> (description, source, commands, expect)."""
    on = {"disk.system_encrypted": True, "disk.method": "filevault",
          "disk.encryption_in_progress": False, "disk.unencrypted_volumes": []}
    src = FDE_SRC + APFS_SRC
    return {
        "filevault-on-macos15": ("FileVault On, Apple-silicon layout with System/Data roles", src,
                                 mac("FileVault is On.\n", apfs(True)), on),
        "filevault-off": ("FileVault Off on an Intel Mac without T2", src,
                          mac("FileVault is Off.\n", apfs(False, enc=False)),
                          {"disk.system_encrypted": False, "disk.method": "none",
                           "disk.encryption_in_progress": False,
                           "disk.unencrypted_volumes": ["Macintosh HD - Data"]}),
        "hardware-only-filevault-off": (
            "T2/Apple silicon: volumes encrypted at rest by hardware, FileVault Off -> NOT "
            "encrypted", src, mac("FileVault is Off.\n", apfs(False, enc=True)),
            {"disk.system_encrypted": False, "disk.method": "none",
             "disk.unencrypted_volumes": ["Macintosh HD - Data"]}),
        "encryption-in-progress": (
            "FileVault turned on, conversion at 37.4%", src,
            mac("FileVault is On.\nEncryption in progress: Percent completed = 37.4\n",
                apfs(True, migrating=True)),
            {"disk.system_encrypted": False, "disk.method": "filevault",
             "disk.encryption_in_progress": True}),
        "decryption-in-progress": (
            "FileVault being turned off", src,
            mac("FileVault is On.\nDecryption in progress: Percent completed = 12.0\n",
                apfs(True)), {"disk.system_encrypted": False,
                              "disk.encryption_in_progress": True}),
        "progress-line-only": (
            "older fdesetup: only the progress line plus the master keychain notice", src,
            mac("Encryption in progress: Percent completed = 50.0\nFileVault master keychain "
                "appears to be installed.\n", apfs(True)),
            {"disk.system_encrypted": False, "disk.encryption_in_progress": True,
             "disk.method": "filevault"}),
        "deferred-enablement": (
            "FileVault Off with deferred enablement pending for a user", src,
            mac("FileVault is Off.\nDeferred enablement appears to be active for user 'alex'.\n",
                apfs(False)), {"disk.system_encrypted": False, "disk.method": "none"}),
        "crypto-migration-flag": (
            "fdesetup says On without a progress line, but diskutil shows CryptoMigrationOn", src,
            mac("FileVault is On.\n", apfs(True, migrating=True)),
            {"disk.system_encrypted": False, "disk.encryption_in_progress": True}),
        "external-volumes": (
            "FileVault On; external APFS disk with a locked encrypted volume and a plain one", src,
            mac("FileVault is On.\n", apfs(True, extra=[
                vol("Backup", "disk5s1", [], True, True, locked=True),
                vol("Scratch", "disk5s2", [], False, False)])),
            {**on, "disk.unencrypted_volumes": ["Scratch"]}),
        "status-garbage-isactive-true": (
            "fdesetup status prints something unknown; fdesetup isactive answers true", src,
            mac("The operation couldn’t be completed. (ÿ\x7f garbage)\n", apfs(True),
                cmd(FDESETUP_ISACTIVE, "true\n", 0)), {**on}),
        "empty-output": ("fdesetup prints nothing and isactive fails; diskutil prints nothing",
                         "Synthetic failure case.",
                         mac("", "", cmd(FDESETUP_ISACTIVE, "", 2, "Error: unknown\n")),
                         {"disk.system_encrypted": {"unknown": "printed nothing"},
                          "disk.unencrypted_volumes": {"unknown": "no APFS volume list"}}),
        "nonzero-exit": ("fdesetup status exits 1, isactive not available; diskutil fails",
                         "Synthetic failure case.",
                         [cmd(FDESETUP_STATUS, "", 1, "Error: Unable to get status.\n"),
                          cmd(FDESETUP_ISACTIVE, rc=None, error="timeout"),
                          cmd(APFS_LIST, "", 1, "Unable to run because unable to use the "
                              "DiskManagement framework.\n")],
                         {"disk.system_encrypted": {"unknown": "exited with status 1"},
                          "disk.encryption_in_progress": {"unknown": "did not answer in time"},
                          "disk.unencrypted_volumes": {"unknown": "exited with status 1"}}),
    }


def cim(*vols: dict[str, Any], home: str = "C:") -> str:
    """Our Win32_EncryptableVolume JSON."""
    return json.dumps({"SystemDrive": "C:", "HomeDrive": home, "Volumes": list(vols)},
                      separators=(",", ":"))


def cv(letter: str | None, vtype: int, prot: int, conv: int | None, pct: float | None = 100,
       lock: int = 0) -> dict[str, Any]:
    """One CIM volume."""
    return {"DriveLetter": letter, "VolumeType": vtype, "ProtectionStatus": prot,
            "ConversionStatus": conv, "EncryptionPercentage": pct, "LockStatus": lock}


def shell(*pairs: tuple[str, Any], home: str = "C:") -> str:
    """Our Shell.Application JSON."""
    return json.dumps({"SystemDrive": "C:", "HomeDrive": home, "Volumes": [
        {"Drive": d, "Protection": p} for d, p in pairs]}, separators=(",", ":"))


BDE_EN = """BitLocker Drive Encryption: Configuration Tool version 10.0.19041
Copyright (C) 2013 Microsoft Corporation. All rights reserved.

Disk volumes that can be protected with
BitLocker Drive Encryption:
Volume C: [Windows]
[OS Volume]

    Size:                 475.84 GB
    BitLocker Version:    2.0
    Conversion Status:    Used Space Only Encrypted
    Percentage Encrypted: 100.0%
    Encryption Method:    XTS-AES 128
    Protection Status:    Protection On
    Lock Status:          Unlocked
    Identification Field: Unknown
    Key Protectors:
        TPM
        Numerical Password

Volume D: [Data]
[Data Volume]

    Size:                 931.51 GB
    BitLocker Version:    None
    Conversion Status:    Fully Decrypted
    Percentage Encrypted: 0.0%
    Encryption Method:    None
    Protection Status:    Protection Off
    Lock Status:          Unlocked
    Identification Field: None
    Automatic Unlock:     Disabled
    Key Protectors:       None Found

Volume \\\\?\\Volume{8a1b2c3d-0000-0000-0000-100000000000}\\ [Bek Volume]
[Data Volume]

    Size:                 0.49 GB
    BitLocker Version:    None
    Conversion Status:    Fully Decrypted
    Percentage Encrypted: 0.0%
    Encryption Method:    None
    Protection Status:    Protection Off
    Lock Status:          Unlocked
    Identification Field: None
    Automatic Unlock:     Disabled
    Key Protectors:       None Found
""".replace("\n", "\r\n")
BDE_DE = """BitLocker-Laufwerkverschlüsselung: Konfigurationstool, Version 10.0.19041
Copyright (C) 2013 Microsoft Corporation. Alle Rechte vorbehalten.

Datenträgervolumes, die mit BitLocker-Laufwerkverschlüsselung geschützt werden können:
Volume "C:" [Windows]
[Betriebssystemvolume]

    Größe:                        475,84 GB
    BitLocker-Version:            2.0
    Konvertierungsstatus:         Nur verwendeter Speicherplatz ist verschlüsselt
    Verschlüsselt (Prozent):      100,0 %
    Verschlüsselungsmethode:      XTS-AES 128
    Schutzstatus:                 Der Schutz ist aktiviert.
    Sperrungsstatus:              Entsperrt
    ID-Feld:                      Unbekannt
    Schlüsselschutzvorrichtungen:
        TPM
        Numerisches Kennwort
""".replace("\n", "\r\n")


def win(cim_out: dict[str, Any], shell_out: dict[str, Any] | None = None,
        bde: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The Windows command sequence (later commands only when earlier ones gave no answer)."""
    return [c for c in (cim_out, shell_out, bde) if c is not None]


def win_cases() -> dict[str, tuple[str, str, list[dict[str, Any]], dict[str, Any]]]:
    """Case name -> (description, source, commands, expect)."""
    on = {"disk.system_encrypted": True, "disk.method": "bitlocker",
          "disk.encryption_in_progress": False, "disk.unencrypted_volumes": []}
    denied = cmd(BDE_CIM, "", 1, DENIED)
    return {
        "cim-protection-on": ("elevated: C: fully encrypted, protection on; recovery partition "
                              "without letter ignored", WIN_SRC,
                              win(cmd(BDE_CIM, cim(cv("C:", 0, 1, 1), cv(None, 1, 0, 0, 0)))), on),
        "cim-single-object": ("elevated, one volume: ConvertTo-Json gives an object, not an array",
                              WIN_SRC, win(cmd(BDE_CIM, json.dumps(
                                  {"SystemDrive": "C:", "HomeDrive": "C:",
                                   "Volumes": cv("C:", 0, 1, 1)}))), on),
        "cim-data-drive-off": ("elevated: C: on, fixed D: off, USB E: off (portable: not "
                               "counted)", WIN_SRC,
                               win(cmd(BDE_CIM, cim(cv("C:", 0, 1, 1), cv("D:", 1, 0, 0, 0),
                                                    cv("E:", 2, 0, 0, 0)))),
                               {**on, "disk.unencrypted_volumes": ["D:"]}),
        "cim-suspended": ("elevated: fully encrypted but protection suspended (key in the clear)",
                          WIN_SRC, win(cmd(BDE_CIM, cim(cv("C:", 0, 0, 1)))),
                          {"disk.system_encrypted": False, "disk.method": "bitlocker",
                           "disk.unencrypted_volumes": ["C:"]}),
        "cim-encrypting": ("elevated: encryption in progress at 42.5%", WIN_SRC,
                           win(cmd(BDE_CIM, cim(cv("C:", 0, 0, 2, 42.5)))),
                           {"disk.system_encrypted": False, "disk.encryption_in_progress": True,
                            "disk.method": "bitlocker"}),
        "cim-decryption-paused": ("elevated: decryption paused", WIN_SRC,
                                  win(cmd(BDE_CIM, cim(cv("C:", 0, 0, 5, 60)))),
                                  {"disk.system_encrypted": False,
                                   "disk.encryption_in_progress": True}),
        "cim-off": ("elevated: BitLocker never turned on", WIN_SRC,
                    win(cmd(BDE_CIM, cim(cv("C:", 0, 0, 0, 0)))),
                    {"disk.system_encrypted": False, "disk.method": "none",
                     "disk.encryption_in_progress": False, "disk.unencrypted_volumes": ["C:"]}),
        "cim-locked-data-drive": ("elevated: D: encrypted and locked (ProtectionStatus 2, "
                                  "LockStatus 1)", WIN_SRC,
                                  win(cmd(BDE_CIM, cim(cv("C:", 0, 1, 1),
                                                       cv("D:", 1, 2, None, None, 1)))), on),
        "cim-profile-drive-off": ("elevated: C: on but the user profile lives on D:, which is off",
                                  WIN_SRC, win(cmd(BDE_CIM, cim(cv("C:", 0, 1, 1),
                                                                cv("D:", 1, 0, 0, 0), home="D:"))),
                                  {"disk.system_encrypted": False,
                                   "disk.unencrypted_volumes": ["D:"]}),
        "shell-on": ("not elevated: WMI access denied, shell property 1", WIN_SRC + " " + SHELL_SRC,
                     win(denied, cmd(BDE_SHELL, shell(("C:", 1)))), on),
        "shell-off": ("not elevated: shell property 2 (BitLocker off)", SHELL_SRC,
                      win(denied, cmd(BDE_SHELL, shell(("C:", 2), ("D:", 2)))),
                      {"disk.system_encrypted": False, "disk.method": "none",
                       "disk.unencrypted_volumes": ["C:", "D:"]}),
        "shell-suspended": ("not elevated: shell property 5 (suspended)", SHELL_SRC,
                            win(denied, cmd(BDE_SHELL, shell(("C:", 5)))),
                            {"disk.system_encrypted": False, "disk.method": "bitlocker",
                             "disk.encryption_in_progress": False}),
        "shell-waiting-for-activation": (
            "Windows Home device encryption before a Microsoft account backs up the key: 8",
            SHELL_SRC, win(denied, cmd(BDE_SHELL, shell(("C:", 8)))),
            {"disk.system_encrypted": False, "disk.method": "bitlocker"}),
        "shell-encrypting": ("not elevated: shell property 3 (encrypting)", SHELL_SRC,
                             win(denied, cmd(BDE_SHELL, shell(("C:", 3)))),
                             {"disk.system_encrypted": False,
                              "disk.encryption_in_progress": True}),
        "shell-locked-data": ("not elevated: C: on (1), D: locked (6)", SHELL_SRC,
                              win(denied, cmd(BDE_SHELL, shell(("C:", 1), ("D:", 6)))), on),
        "manage-bde-english": (
            "WMI query broken (no JSON), shell property empty: English manage-bde decides; a "
            "Bek volume without letter is skipped", BDE_SRC,
            win(cmd(BDE_CIM, "WARNING: something odd\r\n"), cmd(BDE_SHELL, shell(("C:", None))),
                cmd(MANAGE_BDE, BDE_EN)),
            {**on, "disk.unencrypted_volumes": ["D:"]}),
        "manage-bde-german": (
            "WMI query broken, shell property empty: German manage-bde read through the "
            "translation table", BDE_SRC + " German labels reconstructed from Microsoft's German "
            "documentation wording.", win(cmd(BDE_CIM, "WARNING: something odd\r\n"),
                                          cmd(BDE_SHELL, shell(("C:", None))),
                                          cmd(MANAGE_BDE, BDE_DE)), on),
        **localized_cases(on),
        "all-denied": ("not elevated and no BitLocker component: WMI denied, shell property "
                       "empty, manage-bde denied", WIN_SRC + " " + BDE_SRC,
                       win(denied, cmd(BDE_SHELL, shell(("C:", None))),
                           cmd(MANAGE_BDE, BDE_DENIED, 4294967295)),
                       {"disk.system_encrypted": {"unknown": "needs Administrator"},
                        "disk.unencrypted_volumes": {"unknown": "access a required resource was denied"}}),
        "empty-output": ("every source prints nothing", "Synthetic failure case.",
                         win(cmd(BDE_CIM, ""), cmd(BDE_SHELL, ""), cmd(MANAGE_BDE, "")),
                         {"disk.system_encrypted": {"unknown": "output not recognised"}}),
        "garbage": ("every source prints garbage", "Synthetic failure case.",
                    win(cmd(BDE_CIM, "{not json"), cmd(BDE_SHELL, "[1,2,3]"),
                        cmd(MANAGE_BDE, "\x00\x01\x02 ???")),
                    {"disk.system_encrypted": {"unknown": "not recognised"},
                     "disk.unencrypted_volumes": {"unknown": "not recognised"}}),
        "powershell-missing": ("PowerShell and manage-bde cannot be started",
                               "Synthetic failure case.",
                               win(cmd(BDE_CIM, rc=None, error="not_found"),
                                   cmd(BDE_SHELL, rc=None, error="not_found"),
                                   cmd(MANAGE_BDE, rc=None, error="not_found")),
                               {"disk.system_encrypted": {"unknown": "is not installed"}}),
    }


BLOCKED = "os_error: This program is blocked by group policy. For more information, contact " \
          "your system administrator"


def localized_cases(on: dict[str, Any]) -> dict[str, tuple[str, str, list[dict[str, Any]],
                                                            dict[str, Any]]]:
    """manage-bde in other display languages, run as Administrator with PowerShell blocked."""
    def only_bde(text: str) -> list[dict[str, Any]]:
        return win(cmd(BDE_CIM, rc=None, error=BLOCKED), cmd(BDE_SHELL, rc=None, error=BLOCKED),
                   cmd(MANAGE_BDE, text))

    def rec(lang: str) -> str:
        return RECONSTRUCTED.format(lang=lang)

    suspended = {"disk.system_encrypted": False, "disk.method": "bitlocker",
                 "disk.encryption_in_progress": False, "disk.unencrypted_volumes": ["C:"]}
    return {
        "manage-bde-german-published-off": (
            "PowerShell blocked, elevated: published German manage-bde of a drive BitLocker "
            "never encrypted", PUBLISHED_SRC, only_bde(PUBLISHED_OFF),
            {"disk.system_encrypted": False, "disk.method": "none",
             "disk.encryption_in_progress": False, "disk.unencrypted_volumes": ["C:"]}),
        "manage-bde-german-published-encrypting": (
            "PowerShell blocked, elevated: published German manage-bde while encryption is "
            "still running (100,0 %, protection on): not yet counted", PUBLISHED_SRC,
            only_bde(PUBLISHED_ENCRYPTING),
            {"disk.system_encrypted": False, "disk.method": "bitlocker",
             "disk.encryption_in_progress": True}),
        "manage-bde-german-oem-lossy": (
            "German manage-bde as a UTF-8 reader receives code page 850 (every umlaut is "
            "U+FFFD): still read", rec("German") + " Encoded to cp850 and decoded as UTF-8 with "
            "replacement, as a pipe reader without the OEM code page sees it.",
            only_bde(lossy(bde_text("German"))), on),
        "manage-bde-french": ("French manage-bde: fully encrypted but protection off "
                              "(suspended)", rec("French"), only_bde(bde_text("French")),
                              suspended),
        "manage-bde-spanish": ("Spanish manage-bde: encryption in progress at 42,5 %",
                               rec("Spanish"), only_bde(bde_text("Spanish")),
                               {"disk.system_encrypted": False, "disk.method": "bitlocker",
                                "disk.encryption_in_progress": True}),
        "manage-bde-portuguese": ("Portuguese (Brazil) manage-bde: protection on",
                                  rec("Portuguese (Brazil)"), only_bde(bde_text("Portuguese")),
                                  on),
        "manage-bde-italian": ("Italian manage-bde: BitLocker never turned on", rec("Italian"),
                               only_bde(bde_text("Italian")),
                               {"disk.system_encrypted": False, "disk.method": "none",
                                "disk.unencrypted_volumes": ["C:"]}),
        "manage-bde-dutch": ("Dutch manage-bde: protection on", rec("Dutch"),
                             only_bde(bde_text("Dutch")), on),
        "manage-bde-polish": ("Polish manage-bde: protection on", rec("Polish"),
                              only_bde(bde_text("Polish")), on),
        "manage-bde-chinese": ("Chinese (Simplified) manage-bde: protection on",
                               rec("Chinese (Simplified)"),
                               only_bde(bde_text("Chinese (Simplified)")), on),
        "manage-bde-japanese": ("Japanese manage-bde: fully encrypted but protection off "
                                "(suspended)", rec("Japanese"), only_bde(bde_text("Japanese")),
                                suspended),
        "manage-bde-russian-not-in-table": (
            "manage-bde in a language outside the translation table (Russian): UNKNOWN naming "
            "the script, never a guess",
            "Constructed, not captured and not verified against a Russian Windows: Russian-looking "
            "labels in manage-bde's layout; the point is only that the language is not in "
            "wfhaudit's table.", only_bde(bde_text("Russian")),
            {"disk.system_encrypted": {"unknown": "localized output (language a Cyrillic-script"},
             "disk.unencrypted_volumes": {"unknown": "Cyrillic"}}),
    }


def render_all() -> dict[Path, str]:
    """Every macOS and Windows case file, path -> text."""
    out: dict[Path, str] = {}
    for os_name, release, cases in (("macos", "24.1.0", mac_cases()),
                                    ("windows", "10.0.22631", win_cases())):
        for name, (description, source, commands, expect) in cases.items():
            evidence = {"format": "wfhaudit-evidence/1",
                        "os": {"family": os_name, "release": release,
                               "machine": "arm64" if os_name == "macos" else "AMD64"},
                        "commands": commands, "files": {}, "dirs": {}, "snapshots": {},
                        "measurements": {}}
            doc = {"description": description, "source": source, "evidence": evidence,
                   "expect": expect}
            out[CASES / os_name / f"{name}.json"] = json.dumps(doc, indent=1,
                                                               ensure_ascii=False) + "\n"
    return out


def main() -> None:
    """Write every macOS and Windows case."""
    for path, text in render_all().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
