"""The secureboot probe: is Secure Boot on (UEFI Secure Boot, Apple T2 / Apple silicon secure boot)."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.secureboot import linux, macos, windows
from wfhaudit.probes.secureboot.decide import KEYS

PROBE = Probe(
    name="secureboot",
    description="Secure Boot (EFI variable/mokutil, macOS boot policy, Windows registry)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    commands={"linux": linux.COMMANDS, "macos": macos.COMMANDS, "windows": windows.COMMANDS},
    budget_s=35.0,
)
