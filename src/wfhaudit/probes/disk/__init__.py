"""The disk probe: is the volume holding the OS and the user's home encrypted, and how."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="disk",
    description="Disk encryption of the system volume and the home folder",
    backends=os_backends(__name__),
    # Linux argv with {uid}/{home} are filled in at run time with the user's id and home.
    # Windows may run three PowerShell/manage-bde commands of up to 10 s each.
    budget_s=25.0,
)
