"""The audio probe: is a headset connected, and is it the default output and input."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="audio",
    description="Headset present and selected as default output and input",
    backends=os_backends(__name__),
    budget_s=25.0,
)
