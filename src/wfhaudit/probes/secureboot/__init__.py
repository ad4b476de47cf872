"""The secureboot probe: is Secure Boot on (UEFI Secure Boot, Apple T2 / Apple silicon secure boot)."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="secureboot",
    description="Secure Boot (EFI variable/mokutil, macOS boot policy, Windows registry)",
    backends=os_backends(__name__),
    budget_s=35.0,
)
