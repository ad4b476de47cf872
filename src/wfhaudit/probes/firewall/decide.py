"""Fact builders shared by the firewall backends."""

from __future__ import annotations

from collections.abc import Sequence

from wfhaudit.facts import Fact, keys_of

KEYS = keys_of("firewall")


def decided(enabled: bool, source: str, sources: Sequence[str], detail: str) -> list[Fact]:
    """firewall.enabled and firewall.source, both observed."""
    return [Fact.observed("firewall.enabled", enabled, sources, detail=detail),
            Fact.observed("firewall.source", source, sources, detail=detail)]


def undecided(reason: str, sources: Sequence[str]) -> list[Fact]:
    """firewall.enabled and firewall.source, both unknown for the same reason."""
    return [Fact.unknown("firewall.enabled", reason, sources),
            Fact.unknown("firewall.source", reason, sources)]


def no_profiles(os_name: str) -> Fact:
    """firewall.profiles_off off Windows.

    Profiles (Domain/Private/Public) are a Windows Defender Firewall concept. Reporting [] here
    would claim an observation that was never made, so the fact is UNKNOWN with a reason that
    says why; policies scope their profile rule with "platforms": ["windows"].
    """
    return Fact.unknown("firewall.profiles_off",
                        f"firewall profiles exist only on Windows (this is {os_name})")


def join_reasons(parts: Sequence[str]) -> str:
    """Join reason fragments into one sentence-like line without duplicates."""
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)
