"""OS-neutral Secure Boot decision: on, off (with why, e.g. legacy BIOS boot), or unknown."""

from __future__ import annotations

from collections.abc import Sequence

from wfhaudit.facts import Fact, keys_of

KEYS = keys_of("secureboot")
FACT = "secureboot.enabled"


def secureboot_fact(value: bool | None, why: str, evidence: Sequence[str]) -> Fact:
    """Observed on/off with the reason as detail, or UNKNOWN with it."""
    if value is None:
        return Fact.unknown(FACT, why, evidence)
    return Fact.observed(FACT, value, evidence, detail=why)
