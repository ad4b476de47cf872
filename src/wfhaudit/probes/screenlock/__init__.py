"""The screenlock probe: does the screen lock by itself, after how long, and does it ask for the password."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.screenlock import linux, macos, windows
from wfhaudit.probes.screenlock.decide import KEYS

PROBE = Probe(
    name="screenlock",
    description="Screen lock after inactivity (GNOME/KDE/xscreensaver, macOS, Windows)",
    fact_keys=check_fact_keys(list(KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    # Linux argv with {uid} are filled in at run time with the user's id.
    commands={"linux": linux.COMMANDS, "macos": macos.COMMANDS, "windows": windows.COMMANDS},
    budget_s=25.0,
)
