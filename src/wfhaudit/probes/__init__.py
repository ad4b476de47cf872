"""Explicit registry of built-in probes, imported lazily so unused probes cost nothing."""

from __future__ import annotations

import importlib

from wfhaudit.facts import CATALOGUE
from wfhaudit.probes.base import Probe

# NOTE: one line per probe, no import-time self-registration. A probe package exposes PROBE.
PROBE_MODULES: dict[str, str] = {
    "os": "wfhaudit.probes.os",
    "location": "wfhaudit.probes.location",
    "network": "wfhaudit.probes.network",
    "firewall": "wfhaudit.probes.firewall",
    "audio": "wfhaudit.probes.audio",
    "vpn": "wfhaudit.probes.vpn",
    "disk": "wfhaudit.probes.disk",
    "screenlock": "wfhaudit.probes.screenlock",
    "signin": "wfhaudit.probes.signin",
    "secureboot": "wfhaudit.probes.secureboot",
    "updates": "wfhaudit.probes.updates",
    "malware": "wfhaudit.probes.malware",
    "wifi": "wfhaudit.probes.wifi",
}


def probe_names() -> list[str]:
    """Names of every built-in probe."""
    return list(PROBE_MODULES)


def load_probe(name: str) -> Probe:
    """Import and return a probe by name; KeyError when there is none."""
    probe: Probe = importlib.import_module(PROBE_MODULES[name]).PROBE
    return probe


def has_probe(name: str) -> bool:
    """True when a probe with this name is built."""
    return name in PROBE_MODULES


def probes_for(fact_keys: set[str]) -> list[str]:
    """The probe names needed to produce these facts (only built ones)."""
    wanted = {CATALOGUE[k].probe for k in fact_keys}
    return [n for n in PROBE_MODULES if n in wanted]
