"""The signin probe: does the computer sign a user in automatically, without a password."""

from __future__ import annotations

from wfhaudit.probes import lazy
from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.signin.decide import KEYS

PROBE = Probe(
    name="signin",
    description="Automatic sign-in (GDM/LightDM/SDDM/getty, macOS login window, Winlogon)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends=lazy.backends(__name__),
    commands=lazy.Commands(__name__),
    budget_s=20.0,
)
