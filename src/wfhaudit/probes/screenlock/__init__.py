"""The screenlock probe: does the screen lock by itself, after how long, and does it ask for the password."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="screenlock",
    description="Screen lock after inactivity (GNOME/KDE/xscreensaver, macOS, Windows)",
    backends=os_backends(__name__),
    # Linux argv with {uid} are filled in at run time with the user's id.
    budget_s=25.0,
)
