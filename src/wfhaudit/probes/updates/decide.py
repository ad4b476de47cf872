"""OS-neutral pieces of the updates probe: its keys and how counts and ages become facts."""

from __future__ import annotations

import re

from wfhaudit.facts import Fact, keys_of
from wfhaudit.probes.wallclock import SOURCE as CLOCK_SOURCE
from wfhaudit.probes.wallclock import age_days

KEYS = keys_of("updates")
NO_CLOCK = "the time of the check is not in the evidence, so no age can be computed"


def pending_fact(count: int, sources: list[str], detail: str) -> Fact:
    """updates.security_pending from a count the backend established."""
    return Fact.observed("updates.security_pending", count, sources, detail=detail)


def days_fact(now: float | None, then: float, sources: list[str], detail: str) -> Fact:
    """updates.days_since_last from the time of the last update (unix seconds)."""
    key = "updates.days_since_last"
    if now is None:
        return Fact.unknown(key, NO_CLOCK, sources)
    return Fact.observed(key, round(age_days(now, then), 1), [*sources, CLOCK_SOURCE],
                         detail=detail)


def macos_build(version: str) -> int | None:
    """major*100+minor from a macOS product version ("14.7.1" -> 1407, "15" -> 1500)."""
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.\d+)*", version.strip())
    if not match:
        return None
    minor = int(match.group(2) or 0)
    return int(match.group(1)) * 100 + min(minor, 99)
