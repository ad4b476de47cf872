"""The os probe: OS family and a human version string, per OS backend."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.os import linux, macos, windows

PROBE = Probe(
    name="os",
    description="Operating system family and version",
    fact_keys=check_fact_keys(["os.family", "os.version"]),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    commands={"linux": [linux.UNAME], "macos": [macos.SW_VERS], "windows": [windows.OS_CIM]},
    budget_s=5.0,
)
