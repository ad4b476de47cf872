"""The os probe: OS family and a human version string, per OS backend."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="os",
    description="Operating system family and version",
    backends=os_backends(__name__),
    budget_s=5.0,
)
