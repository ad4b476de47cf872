"""The signin probe: does the computer sign a user in automatically, without a password."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="signin",
    description="Automatic sign-in (GDM/LightDM/SDDM/getty, macOS login window, Winlogon)",
    backends=os_backends(__name__),
    budget_s=20.0,
)
