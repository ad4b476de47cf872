"""The firewall probe: is a host firewall filtering inbound traffic, and which mechanism says so."""

from __future__ import annotations

from wfhaudit.probes.base import Probe, check_fact_keys
from wfhaudit.probes.firewall import linux, macos, windows
from wfhaudit.probes.firewall.common import FACT_KEYS

PROBE = Probe(
    name="firewall",
    description="Host firewall state (nftables/iptables/ufw/firewalld, macOS ALF/pf, Windows)",
    fact_keys=check_fact_keys(list(FACT_KEYS)),
    backends={"linux": linux.collect, "macos": macos.collect, "windows": windows.collect},
    commands={"linux": linux.COMMANDS, "macos": macos.COMMANDS, "windows": windows.COMMANDS},
    # Worst case on Windows: PowerShell, then netsh and two reg queries; on macOS the slow
    # system_profiler fallback. The usual Linux run takes milliseconds.
    budget_s=45.0,
)
