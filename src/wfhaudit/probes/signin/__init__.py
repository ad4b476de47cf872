"""The signin probe: does the computer sign a user in automatically, without a password."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.signin import linux, macos, windows
from wfhaudit.probes.signin.decide import KEYS

PROBE = Probe(
    name="signin",
    description="Automatic sign-in (GDM/LightDM/SDDM/getty, macOS login window, Winlogon)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    commands={"linux": linux.COMMANDS, "macos": macos.COMMANDS, "windows": windows.COMMANDS},
    budget_s=20.0,
)
