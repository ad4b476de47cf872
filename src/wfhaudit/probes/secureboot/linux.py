"""Linux Secure Boot: the firmware's SecureBoot EFI variable, `mokutil --sb-state` as a fallback.

/sys/firmware/efi exists only when the kernel was booted through UEFI; without it (and with
the rest of /sys/firmware visible) the machine booted in legacy BIOS mode, where Secure Boot
cannot be on. An empty or missing /sys/firmware (a container hiding it) says nothing. The
variable's file holds 4 attribute bytes and then one byte: 1 on, 0 off; it is readable
without root. Without efivarfs mounted, mokutil asks the firmware through libefivar instead.
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.secureboot.decide import secureboot_fact

FIRMWARE = "/sys/firmware"
EFI = "/sys/firmware/efi"
GLOBAL_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c"
SECUREBOOT_VAR = f"/sys/firmware/efi/efivars/SecureBoot-{GLOBAL_GUID}"
MOKUTIL = ("mokutil", "--sb-state")
COMMANDS = [MOKUTIL]


def parse_efivar(content: str | None) -> bool | None:
    """The SecureBoot variable's value from its efivarfs file (4 attribute bytes + 1 data byte)."""
    if content is None or len(content) != 5:
        return None
    value = ord(content[4])
    return True if value == 1 else False if value == 0 else None


def parse_mokutil(result: CommandResult) -> tuple[bool | None, str]:
    """(state, why) from `mokutil --sb-state`; state None when it could not say."""
    text = f"{result.stdout}\n{result.stderr}"
    low = text.lower()
    if "secureboot enabled" in low:
        return True, "mokutil: SecureBoot enabled"
    if "secureboot disabled" in low:
        setup = " (the platform is in Setup Mode)" if "setup mode" in low else ""
        return False, f"mokutil: SecureBoot disabled{setup}"
    if "doesn't support secure boot" in low or "does not support secure boot" in low:
        return False, "mokutil: this firmware does not support Secure Boot"
    if "efi variables are not supported" in low:
        return None, ("mokutil: EFI variables are not supported on this system (efivarfs not "
                      "mounted, or not booted through UEFI)")
    if result.error is not None:
        return None, result.failure()
    return None, f"mokutil printed no Secure Boot state ({result.failure()})"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact secureboot.enabled for this Linux machine."""
    evidence = [EFI]
    if ctx.host.list_dir(EFI) is None:
        evidence.append(FIRMWARE)
        if not ctx.host.list_dir(FIRMWARE):
            return [secureboot_fact(None, f"{FIRMWARE} is empty or hidden (a container?), so "
                                    "the boot mode cannot be seen", evidence)]
        return [secureboot_fact(False, "booted in legacy BIOS mode (no /sys/firmware/efi): "
                                "Secure Boot needs UEFI boot", evidence)]
    evidence.append(SECUREBOOT_VAR)
    state = parse_efivar(ctx.host.read_file(SECUREBOOT_VAR))
    if state is not None:
        return [secureboot_fact(state, f"the firmware's SecureBoot variable is "
                                f"{1 if state else 0}", evidence)]
    result = ctx.host.run(MOKUTIL, timeout=10)
    evidence.append(result.source)
    value, why = parse_mokutil(result)
    return [secureboot_fact(value, why, evidence)]
