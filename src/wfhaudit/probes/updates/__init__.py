"""The updates probe: is the OS still supported and are its security updates installed.

Value forms (for policy rules):
- updates.security_pending: how many security updates are offered but not installed, from
  the package manager's or Windows Update's local record of its last check (no download).
- updates.days_since_last: days since updates were last installed (Linux: the last package
  upgrade; macOS: the last OS or security update; Windows: the last hotfix).
- updates.reboot_pending: installed updates wait for a restart (UNKNOWN on macOS, which keeps
  no such flag).
- updates.os_build: Windows build number (e.g. 26100) or macOS major*100+minor (e.g. 1501),
  compared with a policy minimum; UNKNOWN on Linux (use os.version).
"""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="updates",
    description="OS support and security updates (apt/dnf/zypper, Software Update, Windows Update)",
    backends=os_backends(__name__),
    # apt's simulation rebuilds its cache when none is kept (about 2-5 s); the Windows Update
    # search may take a minute on a slow disk.
    budget_s=120.0,
)
