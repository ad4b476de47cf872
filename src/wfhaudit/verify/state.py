"""Verifier state across runs, as the verifier sees it: an interface and a one-run memory store.

`VerifierStore` is the interface (a Protocol): highest trust version, last sequence per device,
accepted payloads. `MemoryStore` keeps state for one run (the default); the persistent store
in `wfhaudit.store` implements the same methods (and keeps fleet history beside them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

UTC = dt.timezone.utc


@dataclass(frozen=True)
class Accepted:
    """What the store remembers about one accepted report."""

    device_id: str
    sequence: int
    payload_sha256: str
    report_id: str
    finished_at: str
    received_at: dt.datetime


class VerifierStore(Protocol):
    """State the verifier consults and updates; all methods are cheap point lookups."""

    def max_trust_version(self) -> int | None:
        """Highest trust-file version ever accepted (rollback protection)."""

    def note_trust_version(self, version: int) -> None:
        """Remember a trust-file version (keeps the maximum)."""

    def last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted from this device."""

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """When a payload was first accepted (None if never): duplicates and receipt time."""

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted report (sequence only moves up; first receipt time is kept)."""

    def commit(self) -> None:
        """Make everything recorded so far durable, in one transaction."""

    def close(self) -> None:
        """Release resources; anything not committed is forgotten."""


class MemoryStore:
    """In-process state for one verification run."""

    def __init__(self) -> None:
        self._trust: int | None = None
        self._seq: dict[str, int] = {}
        self._seen: dict[str, dt.datetime] = {}

    def max_trust_version(self) -> int | None:
        """Highest trust version seen in this run."""
        return self._trust

    def note_trust_version(self, version: int) -> None:
        """Keep the maximum."""
        self._trust = version if self._trust is None else max(self._trust, version)

    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence for the device."""
        return self._seq.get(device_id)

    def received_at(self, payload_sha256: str) -> dt.datetime | None:
        """First receipt of an accepted payload."""
        return self._seen.get(payload_sha256)

    def record_accepted(self, accepted: Accepted) -> None:
        """Remember an accepted report."""
        last = self._seq.get(accepted.device_id)
        if last is None or accepted.sequence > last:
            self._seq[accepted.device_id] = accepted.sequence
        self._seen.setdefault(accepted.payload_sha256, accepted.received_at)

    def commit(self) -> None:
        """Nothing to do in memory."""

    def close(self) -> None:
        """Nothing to release."""
