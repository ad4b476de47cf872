"""Windows Secure Boot: the SecureBoot\\State registry value, Confirm-SecureBootUEFI, the firmware type.

`UEFISecureBootEnabled` under HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecureBoot\\State (1 on,
0 off) is readable without elevation. Confirm-SecureBootUEFI returns true or false but needs an
administrator; its failures are reported by exception type (UnauthorizedAccessException: not
elevated; PlatformNotSupportedException: not UEFI), never by their translated message. The
firmware type comes from `PEFirmwareType` (1 BIOS, 2 UEFI) and the `firmware_type` environment
variable ("Legacy"/"UEFI"): a legacy BIOS boot cannot have Secure Boot.
"""

from __future__ import annotations

from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import as_int, failure, load_json
from wfhaudit.probes.secureboot.decide import secureboot_fact

SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    "function V($p,$n){try{(Get-ItemProperty -LiteralPath $p -Name $n).$n}catch{$null}};"
    "$o=[ordered]@{};"
    r"$o.UEFISecureBootEnabled=V 'HKLM:\SYSTEM\CurrentControlSet\Control\SecureBoot\State' "
    "'UEFISecureBootEnabled';"
    r"$o.PEFirmwareType=V 'HKLM:\SYSTEM\CurrentControlSet\Control' 'PEFirmwareType';"
    "$o.firmware_type=$env:firmware_type;"
    "try{$o.confirm=[bool](Confirm-SecureBootUEFI)}catch{$o.confirm_error=$_.Exception.GetType().Name};"
    "ConvertTo-Json -InputObject $o -Compress"
)
QUERY = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", SCRIPT)
COMMANDS = [QUERY]


def decide(data: dict[str, Any]) -> tuple[bool | None, str]:
    """(Secure Boot on, why) from the query's JSON; None when nothing says."""
    reg = as_int(data.get("UEFISecureBootEnabled"))
    if reg in (0, 1):
        return reg == 1, f"SecureBoot\\State UEFISecureBootEnabled is {reg}"
    confirm = data.get("confirm")
    if isinstance(confirm, bool):
        return confirm, f"Confirm-SecureBootUEFI returned {str(confirm).lower()}"
    error = str(data.get("confirm_error") or "")
    legacy = (as_int(data.get("PEFirmwareType")) == 1
              or str(data.get("firmware_type") or "").strip().lower() == "legacy"
              or error == "PlatformNotSupportedException")
    if legacy:
        return False, "booted in legacy BIOS mode: Secure Boot needs UEFI boot"
    if error == "UnauthorizedAccessException":
        return None, ("the SecureBoot\\State registry value is missing and "
                      "Confirm-SecureBootUEFI needs an administrator")
    return None, ("neither the SecureBoot\\State registry value nor Confirm-SecureBootUEFI "
                  f"answered ({error or 'no error type'})")


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact secureboot.enabled for this Windows machine."""
    result = ctx.host.run(QUERY, timeout=15)
    evidence = [result.source]
    data = load_json(result.stdout) if result.ok else None
    if not isinstance(data, dict):
        return [secureboot_fact(None, failure(result) if not result.ok else
                                "the Secure Boot query printed no JSON", evidence)]
    value, why = decide(data)
    return [secureboot_fact(value, why, evidence)]
