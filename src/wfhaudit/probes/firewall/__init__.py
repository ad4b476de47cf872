"""The firewall probe: is a host firewall filtering inbound traffic, and which mechanism says so."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="firewall",
    description="Host firewall state (nftables/iptables/ufw/firewalld, macOS ALF/pf, Windows)",
    backends=os_backends(__name__),
    # Worst case on Windows: PowerShell, then netsh and two reg queries; on macOS the slow
    # system_profiler fallback. The usual Linux run takes milliseconds.
    budget_s=45.0,
)
