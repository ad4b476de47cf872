"""What every writer receives: the summary, the gate decision and facts about the run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wfhaudit.fleet.gates import Decision
from wfhaudit.fleet.summary import FleetSummary
from wfhaudit.util.timefmt import stamp


@dataclass(frozen=True)
class PolicyRef:
    """The what-if policy given with --policy."""

    id: str
    version: str
    digest: str
    source: str


@dataclass(frozen=True)
class TrendPoint:
    """One earlier (or this) run's readiness, from the history store."""

    at: str
    ready_pct: float
    ready: int
    expected: int


@dataclass(frozen=True)
class RunContext:
    """Inputs to every output writer."""

    summary: FleetSummary
    decision: Decision
    trust_version: int | None = None
    trust_source: str = ""
    whatif: PolicyRef | None = None
    trend: tuple[TrendPoint, ...] = field(default_factory=tuple)
    elapsed_s: float = 0.0
    owners: Mapping[str, str] = field(default_factory=dict)  # device id -> owner (trust file)
    min_ready: float | None = None  # the --min-ready gate, drawn on the trend

    @property
    def generated_at(self) -> str:
        """RFC 3339 time of the run."""
        return stamp(self.summary.generated_at)

    @property
    def verdict_line(self) -> str:
        """One line for humans: pass/fail, ready percentage and the deciding gate."""
        s = self.summary
        word = {0: "PASS", 1: "FAIL", 4: "REJECTED INPUTS"}.get(int(self.decision.exit_code),
                                                                "ERROR")
        if word == "PASS" and self.decision.decided_by == "none":
            word = "NO GATE"  # exit 0 without a gate says nothing about readiness
        return (f"{word}: {s.ready_expected}/{s.expected_devices} devices ready "
                f"({s.ready_pct:g}%); decided by {self.decision.decided_by}: "
                f"{self.decision.reason}")


def iso(ts: int | None) -> str | None:
    """Epoch seconds as RFC 3339 UTC, None stays None."""
    if ts is None:
        return None
    return stamp(ts)
