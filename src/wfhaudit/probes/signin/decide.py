"""OS-neutral automatic sign-in decision: what enables it, or why it is off, or why unknown."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wfhaudit.facts import Fact, keys_of

KEYS = keys_of("signin")
FACT = "signin.autologin_enabled"


@dataclass
class Findings:
    """Everything a backend found: what turns automatic sign-in on, what it checked, what failed."""

    enabled_by: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


def autologin_fact(found: Findings, off_detail: str = "") -> Fact:
    """Observed true when anything enables it; else unknown when something could not be read."""
    if found.enabled_by:
        return Fact.observed(FACT, True, found.evidence, detail="; ".join(found.enabled_by))
    if found.problems:
        return Fact.unknown(FACT, "; ".join(found.problems), found.evidence)
    detail = off_detail or ("no automatic sign-in in " + ", ".join(found.checked)
                            if found.checked else "no automatic sign-in found")
    return Fact.observed(FACT, False, found.evidence, detail=detail)


def all_unknown(reason: str, evidence: Sequence[str] = ()) -> list[Fact]:
    """Every sign-in fact UNKNOWN for one reason."""
    return [Fact.unknown(k, reason, evidence) for k in KEYS]
