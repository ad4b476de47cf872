"""The secureboot probe: is Secure Boot on (UEFI Secure Boot, Apple T2 / Apple silicon secure boot)."""

from __future__ import annotations

from wfhaudit.probes import lazy
from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.secureboot.decide import KEYS

PROBE = Probe(
    name="secureboot",
    description="Secure Boot (EFI variable/mokutil, macOS boot policy, Windows registry)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends=lazy.backends(__name__),
    commands=lazy.Commands(__name__),
    budget_s=35.0,
)
