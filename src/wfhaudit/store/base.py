"""The store interface: verifier state and fleet history kept together, one transaction per run.

A backend (SQLite in `sqlite`, PostgreSQL in `postgres`) implements `Store`. Everything a run
records stays pending until `commit()`, which writes it in one transaction; `flush()` does the
writing without committing, so a caller can put its outputs in place between the two.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from wfhaudit.fleet.context import TrendPoint
from wfhaudit.fleet.summary import FleetSummary
from wfhaudit.judge.rows import Accepted
from wfhaudit.util.timefmt import stamp
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


_S = TypeVar("_S", bound="SharedStore")


class SharedStore:
    """What every backend does the same way: the pending trust version, the trend, the run.

    A backend gives `_one(sql, *args)` (the first column of the first row, or None), `_all`
    (every row) and its parameter mark `_PARAM`, and writes `_trust` and `_run` at commit.
    """

    _trust: int | None
    _run: RunRecord | None
    _PARAM = "?"
    _TRUST_VERSION_SQL = "SELECT value FROM wfh_meta WHERE key = 'trust_version'"

    def _one(self, sql: str, *args: object) -> object:
        raise NotImplementedError

    def _all(self, sql: str, *args: object) -> list[Any]:
        raise NotImplementedError

    def trend(self, limit: int = 90) -> list[TrendPoint]:
        """Committed own-policy runs, oldest first."""
        # Only the backend's fixed parameter mark is put into the text; the limit is a parameter.
        sql = ("SELECT started_at, ready_pct, ready, expected FROM fleet_runs "  # noqa: S608
               "WHERE finished_at IS NOT NULL AND policy_mode = 'own' "
               f"ORDER BY run_id DESC LIMIT {self._PARAM}")
        rows = self._all(sql, limit)
        return [TrendPoint(str(a), float(b or 0), int(c or 0), int(d or 0))
                for a, b, c, d in reversed(rows)]

    def stage_run(self, run: RunRecord) -> None:
        """Keep the run's record for commit."""
        self._run = run

    def commit(self) -> None:
        """Write and commit everything pending (each backend its own way)."""
        raise NotImplementedError

    def close(self) -> None:
        """Forget anything not committed and close (each backend its own way)."""
        raise NotImplementedError

    def __enter__(self: _S) -> _S:
        """Context manager: commits when the block succeeds, then closes."""
        return self

    def __exit__(self, kind: object, *rest: object) -> None:
        """Commit on success; close either way."""
        try:
            if kind is None:
                self.commit()
        finally:
            self.close()

    def max_trust_version(self) -> int | None:
        """Highest trust version recorded, committed or pending."""
        stored = self._one(self._TRUST_VERSION_SQL)
        known = [int(v) for v in (stored, self._trust) if isinstance(v, int)]
        return max(known) if known else None

    def note_trust_version(self, version: int) -> None:
        """Keep the maximum trust version (stored at commit)."""
        self._trust = version if self._trust is None else max(self._trust, version)


def earliest_receipt(history: object, state: object) -> str | None:
    """The earlier of a history receipt (a UTC stamp) and a verifier-state one (epoch seconds)."""
    found = [str(history)] if history is not None else []
    if isinstance(state, int):
        found.append(stamp(dt.datetime.fromtimestamp(state, dt.timezone.utc)))
    return min(found) if found else None
