"""The audio probe: is a headset connected, and is it the default output and input."""

from __future__ import annotations

from wfhaudit.probes.audio import linux, macos, windows
from wfhaudit.probes.audio.derive import KEYS
from wfhaudit.probes.base import Probe, check_fact_keys

PROBE = Probe(
    name="audio",
    description="Headset present and selected as default output and input",
    fact_keys=check_fact_keys(list(KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    commands={"linux": linux.COMMANDS, "macos": [macos.SYSTEM_PROFILER],
              "windows": [windows.ENDPOINTS, windows.DEFAULTS]},
    budget_s=25.0,
)
