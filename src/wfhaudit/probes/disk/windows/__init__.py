"""Windows disk encryption: BitLocker via WMI (admin), the shell property (no admin), manage-bde.

`manage-bde -status` is the last resort; its text is read in the display languages of the
translation table (`bde_labels`), and any other language gives UNKNOWN naming that language.
"""

from __future__ import annotations

from dataclasses import replace

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.disk.decide import Verdict, system_facts, unknown_all
from wfhaudit.probes.disk.windows.bde import (
    BdeReport,
    parse_cim,
    parse_manage_bde,
    parse_shell,
    volume_blocks_present,
    volume_verdict,
)
from wfhaudit.probes.localized import describe_language, localized_reason

_PS = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
_DRIVES = ("SystemDrive = $env:SystemDrive; "
           "HomeDrive = (Split-Path -Qualifier $env:USERPROFILE); Volumes = $vols")
# Methods, not the cached ProtectionStatus property: osquery found that property stale on
# Windows 11 24H2 (26100) after decryption.
BDE_CIM = (*_PS, (
    "$ErrorActionPreference = 'Stop'; "
    "$vols = @(Get-CimInstance -Namespace root/cimv2/security/microsoftvolumeencryption "
    "-ClassName Win32_EncryptableVolume | ForEach-Object { "
    "$p = Invoke-CimMethod -InputObject $_ -MethodName GetProtectionStatus; "
    "$c = Invoke-CimMethod -InputObject $_ -MethodName GetConversionStatus; "
    "$l = Invoke-CimMethod -InputObject $_ -MethodName GetLockStatus; "
    "[pscustomobject]@{DriveLetter = $_.DriveLetter; VolumeType = $_.VolumeType; "
    "ProtectionStatus = $p.ProtectionStatus; ConversionStatus = $c.ConversionStatus; "
    "EncryptionPercentage = $c.EncryptionPercentage; LockStatus = $l.LockStatus} }); "
    f"[pscustomobject]@{{{_DRIVES}}} | ConvertTo-Json -Compress -Depth 4"))
BDE_SHELL = (*_PS, (
    "$ErrorActionPreference = 'Stop'; $sh = New-Object -ComObject Shell.Application; "
    "$vols = @(Get-CimInstance -ClassName Win32_LogicalDisk -Filter 'DriveType=3' | "
    "ForEach-Object { [pscustomobject]@{Drive = $_.DeviceID; Protection = "
    "$sh.NameSpace($_.DeviceID + '\\').Self.ExtendedProperty("
    "'System.Volume.BitLockerProtection')} }); "
    f"[pscustomobject]@{{{_DRIVES}}} | ConvertTo-Json -Compress -Depth 4"))
MANAGE_BDE = ("manage-bde.exe", "-status")
COMMANDS = [BDE_CIM, BDE_SHELL, MANAGE_BDE]


def _usable(report: BdeReport | None) -> bool:
    """A report that knows the state of the system drive."""
    if report is None or not report.system_drive:
        return False
    vol = report.volume(report.system_drive)
    return vol is not None and volume_verdict(vol).state != "unknown"


def collect(ctx: ProbeContext) -> list[Fact]:
    """The four disk facts for Windows."""
    host = ctx.host
    sources: list[str] = []
    problems: list[str] = []
    report: BdeReport | None = None
    system: str | None = None
    for argv, parse, what in ((BDE_CIM, parse_cim, "the BitLocker WMI query (needs Administrator)"),
                              (BDE_SHELL, parse_shell, "the Explorer BitLocker property"),
                              (MANAGE_BDE, parse_manage_bde, "manage-bde -status")):
        result = host.run(argv, timeout=10.0)
        sources.append(result.source)
        parsed = parse(result.stdout) if result.ok else None
        if parsed is not None and not parsed.system_drive and system:
            # manage-bde marks the Windows volume in words; an earlier JSON source named it.
            parsed = replace(parsed, system_drive=system)
        system = system or (parsed.system_drive if parsed else None)
        if _usable(parsed):
            report = parsed
            break
        if not result.ok:
            problems.append(f"{what}: {_failure(result)}")
        elif parsed is None and argv is MANAGE_BDE and volume_blocks_present(result.stdout):
            problems.append(localized_reason(
                describe_language(result.stdout),
                "manage-bde labels that are not in wfhaudit's translation table, so they are not "
                "guessed; the language-neutral sources above answer where PowerShell may run "
                "(the WMI query as Administrator)"))
        elif parsed is None:
            problems.append(f"{what}: output not recognised")
        else:
            problems.append(f"{what}: {_system_problem(parsed)}")
        report = report or parsed
    if report is None or not _usable(report):
        reason = "; ".join(problems) or "no BitLocker source answered"
        return [*unknown_all(reason, sources)[:3], _unencrypted(None, reason, sources)]
    system = report.system_drive or "C:"
    parts = [(f"the system drive ({system})", _verdict(report, system))]
    home = report.home_drive
    if home and home.upper() != system.upper():
        parts.append((f"your profile drive ({home})", _verdict(report, home)))
    return [*system_facts(parts, sources), _unencrypted(report, "", sources)]


def _failure(result: CommandResult) -> str:
    """Why a command gave nothing, without repeating a long PowerShell script."""
    if result.error:
        return result.failure()
    lines = (result.stderr or result.stdout).strip().splitlines()
    useful = [ln.strip() for ln in lines if ln.strip()]
    first = next((ln for ln in useful if "error" in ln.lower() or "denied" in ln.lower()),
                 useful[0] if useful else "")
    return f"exited with status {result.returncode}" + (f": {first[:160]}" if first else "")


def _system_problem(report: BdeReport) -> str:
    """Why a parsed report still does not answer for the system drive."""
    if not report.system_drive:
        return "it does not say which drive holds Windows"
    vol = report.volume(report.system_drive)
    if vol is None:
        return f"it does not list {report.system_drive}"
    return volume_verdict(vol).reason


def _verdict(report: BdeReport, drive: str) -> Verdict:
    vol = report.volume(drive)
    if vol is None:
        return Verdict.unknown(f"{report.source} did not report drive {drive}")
    return volume_verdict(vol)


def _unencrypted(report: BdeReport | None, reason: str, sources: list[str]) -> Fact:
    """Fixed volumes with a drive letter that BitLocker does not protect."""
    key = "disk.unencrypted_volumes"
    if report is None:
        return Fact.unknown(key, reason or "no BitLocker source answered", sources)
    names = []
    for vol in report.volumes:
        if not vol.fixed:
            continue
        v = volume_verdict(vol)
        if v.state == "unknown":
            return Fact.unknown(key, v.reason, sources)
        if v.state == "plain":
            names.append(vol.drive)
    return Fact.observed(key, sorted(names), sources, f"{len(report.volumes)} volume(s) from "
                         f"{report.source}")
