"""The wifi probe: how the Wi-Fi network in use is secured, or that there is none.

Value form (for policy rules with `in`/`not_in`): wifi.security is one of `open`, `owe`
(Enhanced Open: encrypted, not authenticated), `wep`, `wpa`, `wpa2`, `wpa3`, `enterprise`
(802.1X sign-in, any WPA version) or `not-wifi` (no Wi-Fi connection: wired or offline).
A network that accepts two modes counts as the weaker unless the OS says which one this
device uses. Network names are never kept: outputs that carry them are scrubbed first.
"""

from __future__ import annotations

from wfhaudit.probes.base import Probe, os_backends

PROBE = Probe(
    name="wifi",
    description="Security of the Wi-Fi network in use (NetworkManager/iw, system_profiler, netsh)",
    backends=os_backends(__name__),
    budget_s=45.0,
)
