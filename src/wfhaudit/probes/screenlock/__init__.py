"""The screenlock probe: does the screen lock by itself, after how long, and does it ask for the password."""

from __future__ import annotations

from wfhaudit.probes import lazy
from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.screenlock.decide import KEYS

PROBE = Probe(
    name="screenlock",
    description="Screen lock after inactivity (GNOME/KDE/xscreensaver, macOS, Windows)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends=lazy.backends(__name__),
    # Linux argv with {uid} are filled in at run time with the user's id.
    commands=lazy.Commands(__name__),
    budget_s=25.0,
)
