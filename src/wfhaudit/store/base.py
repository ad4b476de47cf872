"""The store interface: verifier state and fleet history kept together, one transaction per run.

A backend (SQLite in `sqlite`, PostgreSQL in `postgres`) implements `Store`. Everything a run
records stays pending until `commit()`, which writes it in one transaction; `flush()` does the
writing without committing, so a caller can put its outputs in place between the two.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

from wfhaudit.fleet.context import TrendPoint
from wfhaudit.fleet.summary import FleetSummary
from wfhaudit.judge.rows import Accepted
from wfhaudit.verify.state import VerifierStore


@dataclass(frozen=True)
class RunRecord:
    """What a fleet run stores about itself: when, how it judged, its counts and its gate."""

    started_at: str
    policy_mode: str  # own | what-if
    whatif_digest: str | None
    trust_version: int | None
    summary: FleetSummary
    decided_by: str
    exit_code: int


class Store(VerifierStore, Protocol):
    """Verifier state (the VerifierStore methods) plus fleet history, in one database."""

    def earlier_received_at(self, payload_sha256: str) -> str | None:
        """First receipt time of a payload accepted by an earlier, committed run."""

    def earlier_last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted for the device by an earlier, committed run."""

    def add_report(self, row: Accepted, received_at: str) -> None:
        """Record an accepted report for this run (kept once, with its first receipt time)."""

    def trend(self, limit: int = 90) -> list[TrendPoint]:
        """Readiness of the last committed runs judged under the reports' own policies."""

    def stage_run(self, run: RunRecord) -> None:
        """Record this run's row, device states and rejections (written by commit)."""

    def flush(self) -> None:
        """Take the write lock and write everything pending, without committing yet."""

    def rollback(self) -> None:
        """Forget everything written or pending since the last commit."""


def findings_json(row: Accepted) -> str:
    """The judged findings of a report, compact, as the history keeps them."""
    j = row.own
    return json.dumps({"rules": [m[0] for m in j.rules], "codes": j.codes, "issues": [
        {"rule": i.rule, "status": i.status, "severity": i.severity, "blocking": i.blocking,
         "measured": i.measured, "expected": i.expected, "reason": i.reason} for i in j.issues]},
        ensure_ascii=False, separators=(",", ":"))
