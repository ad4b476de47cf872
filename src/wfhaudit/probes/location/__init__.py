"""The location probe: is the device on one of the policy's office networks (by interface address)."""

from __future__ import annotations

from wfhaudit.probes.base import OS_FAMILIES, Probe

PROBE = Probe(
    name="location",
    description="Whether the device is on an office network named by the policy",
    backends=dict.fromkeys(OS_FAMILIES, "wfhaudit.probes.location.portable"),
    budget_s=3.0,
)
