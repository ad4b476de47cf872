"""Pure parsers for the Windows firewall: PowerShell JSON, netsh (any layout language), reg query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.probes.firewall.windows.netsh_words import WORDS
from wfhaudit.probes.localized import describe_language, localized_reason, lookup
from wfhaudit.probes.powershell import as_int, as_list, clean_text, load_json

PROFILES = ("Domain", "Private", "Public")
PROFILE_BITS = {"Domain": 1, "Private": 2, "Public": 4}  # NET_FW_PROFILE_TYPE2

# GpoBoolean as ConvertTo-Json prints it when not stringified: False=0, True=1, NotConfigured=2.
_GPO_BOOL = {"true": True, "false": False, "1": True, "0": False}
# NetSecurity Action enum: NotConfigured=0, Allow=2, Block=4.
_ACTION_NUM = {0: "NotConfigured", 2: "Allow", 4: "Block"}
# ServiceControllerStatus: Stopped=1 ... Running=4.
_SERVICE_NUM = {1: "Stopped", 2: "StartPending", 3: "StopPending", 4: "Running",
                5: "ContinuePending", 6: "PausePending", 7: "Paused"}



@dataclass(frozen=True)
class Profile:
    """One firewall profile: on/off (None when NotConfigured or unreadable) and inbound default."""

    enabled: bool | None
    inbound: str | None = None  # Allow / Block / NotConfigured


@dataclass(frozen=True)
class Product:
    """A firewall product registered with Windows Security Center."""

    name: str
    state: int | None

    @property
    def status(self) -> str:
        """State from productState bits 12-15: on, off, snoozed, expired or unknown."""
        return decode_product_state(self.state)


@dataclass
class PsReport:
    """What the PowerShell script reported; each part may carry its own error instead."""

    profiles: dict[str, Profile] | None = None
    profiles_error: str | None = None
    current: int | None = None
    service: str | None = None
    products: list[Product] | None = None
    products_error: str | None = None
    notes: list[str] = field(default_factory=list)


def decode_product_state(state: int | None) -> str:
    """Security Center productState (undocumented 0xPPSSDD): bits 12-15 give the state."""
    if state is None or state < 0:
        return "unknown"
    return {0: "off", 1: "on", 2: "snoozed", 3: "expired"}.get((state >> 12) & 0xF, "unknown")






def _gpo_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, str)):
        return _GPO_BOOL.get(str(value).strip().lower())
    return None


def _action(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return _ACTION_NUM.get(value)
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_profiles(value: Any) -> dict[str, Profile]:
    """Profiles by canonical name from Get-NetFirewallProfile objects (string or numeric enums)."""
    out: dict[str, Profile] = {}
    for item in as_list(value):
        if not isinstance(item, dict):
            continue
        name = str(item.get("Name", "")).strip().capitalize()
        if name in PROFILES:
            out[name] = Profile(_gpo_bool(item.get("Enabled")),
                                _action(item.get("DefaultInboundAction")))
    return out




def parse_ps_report(text: str) -> PsReport | None:
    """Read the probe's PowerShell JSON (or a bare Get-NetFirewallProfile array); None if not JSON."""
    data = load_json(text)
    if data is None:
        return None
    if isinstance(data, list) or (isinstance(data, dict) and "Name" in data):
        return PsReport(profiles=parse_profiles(data))
    if not isinstance(data, dict):
        return None
    report = PsReport()
    if "profiles" in data:
        report.profiles = parse_profiles(data["profiles"])
    report.profiles_error = _text(data.get("profiles_error"))
    report.current = as_int(data.get("current_profiles"))
    service = data.get("service")
    svc_num = as_int(service)
    report.service = _SERVICE_NUM.get(svc_num) if svc_num is not None else _text(service)
    if "products" in data:
        report.products = [
            Product(str(p.get("displayName") or "unnamed product"), as_int(p.get("productState")))
            for p in as_list(data["products"]) if isinstance(p, dict)]
    report.products_error = _text(data.get("products_error"))
    return report


def _text(value: Any) -> str | None:
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def parse_netsh(text: str) -> tuple[dict[str, bool] | None, str]:
    """Profile states from `netsh advfirewall show allprofiles state`, by position.

    The layout is fixed whatever the language: three blocks (Domain, Private, Public), each a
    title line, a dashes line, then the state line whose last word is the value, looked up in
    the per-language words of `netsh_words`. Returns the states, or None and why (a word in
    no list is reported with the language it looks like, never guessed).
    """
    lines = [ln.strip() for ln in clean_text(text).splitlines()]
    values: list[str] = []
    for i, line in enumerate(lines):
        if re.fullmatch(r"-{10,}", line):
            following = next((ln for ln in lines[i + 1:] if ln), "")
            words = following.split()
            if len(words) < 2:
                return None, "netsh printed a profile block without a state line"
            values.append(words[-1])
    if len(values) != len(PROFILES):
        return None, f"netsh printed {len(values)} profile blocks instead of {len(PROFILES)}"
    states: dict[str, bool] = {}
    for name, word in zip(PROFILES, values, strict=True):
        found = lookup(word, WORDS)
        if found is None:
            return None, localized_reason(
                describe_language(text),
                f"netsh printed the state word {word[:20]!r}, which is not in wfhaudit's table")
        states[name] = found[1]
    return states, ""


_REG_KEY = re.compile(r"^HKEY_LOCAL_MACHINE\\.*\\(FirewallPolicy|WindowsFirewall)\\(\w+)$",
                      re.IGNORECASE)
_REG_VALUE = re.compile(r"^EnableFirewall\s+REG_DWORD\s+0x([0-9a-fA-F]+)$")
_REG_PROFILES = {"domainprofile": "Domain", "standardprofile": "Private",
                 "privateprofile": "Private", "publicprofile": "Public"}


def parse_reg_enable(text: str) -> dict[str, bool]:
    """EnableFirewall per profile from `reg query <key> /s /v EnableFirewall` (language-free)."""
    out: dict[str, bool] = {}
    profile: str | None = None
    for raw in clean_text(text).splitlines():
        line = raw.strip()
        key = _REG_KEY.match(line)
        if key:
            profile = _REG_PROFILES.get(key.group(2).lower())
            continue
        if line.startswith("HKEY_"):
            profile = None  # a deeper or unrelated key: not a profile setting we understand
            continue
        value = _REG_VALUE.match(line)
        if value and profile:
            out[profile] = int(value.group(1), 16) != 0
    return out
