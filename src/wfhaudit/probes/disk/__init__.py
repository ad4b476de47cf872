"""The disk probe: is the volume holding the OS and the user's home encrypted, and how."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.disk import linux, macos, windows
from wfhaudit.probes.disk.model import KEYS

PROBE = Probe(
    name="disk",
    description="Disk encryption of the system volume and the home folder",
    fact_keys=check_fact_keys(list(KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    # Linux argv with {uid}/{home} are filled in at run time with the user's id and home.
    commands={"linux": linux.COMMANDS,
              "macos": [macos.FDESETUP_STATUS, macos.FDESETUP_ISACTIVE, macos.APFS_LIST],
              "windows": windows.COMMANDS},
    # Windows may run three PowerShell/manage-bde commands of up to 10 s each.
    budget_s=25.0,
)
