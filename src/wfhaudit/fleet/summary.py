"""Fold verified and rejected rows into a fleet summary, keeping only each device's latest report."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wfhaudit.judge.rows import (
    CODE_STATUS,
    DUPLICATE,
    SEQUENCE_ROLLBACK,
    SEVERITY_RANK,
    STALE,
    Accepted,
    Rejected,
    Row,
)
from wfhaudit.util.timefmt import stamp

MAX_LISTED_REJECTIONS = 50_000
SHARED_VALUES = 20_000

READY, NOT_READY, STALE_DEVICE, MISSING = "READY", "NOT_READY", "STALE", "MISSING"


class PriorState(Protocol):
    """What earlier runs know: first receipt of a payload, last accepted sequence of a device."""

    def received_at(self, payload_sha256: str) -> str | None:
        """When this payload was first accepted, or None if never."""

    def last_sequence(self, device_id: str) -> int | None:
        """The highest sequence accepted for the device, or None."""


class NoPriorState:
    """No history (no --db): every payload is new and no sequence was seen."""

    def received_at(self, payload_sha256: str) -> str | None:
        """Never received before."""
        return None

    def last_sequence(self, device_id: str) -> int | None:
        """No sequence known."""
        return None


Sink = Callable[[Accepted, str, bool], None]


@dataclass(slots=True)
class DeviceState:
    """One expected or reporting device and where it stands."""

    device_id: str
    status: str
    report: Accepted | None = None
    received_at: str | None = None
    stale_ts: int | None = None
    reports_seen: int = 0
    expected: bool = True  # listed in the trust file with a key that is not revoked


@dataclass
class RuleCount:
    """How the rule went across the devices that have a current report."""

    rule: str
    title: str = ""
    severity: str = "info"
    counts: Counter[str] = field(default_factory=Counter)
    failing: int = 0

    @property
    def weight(self) -> tuple[int, int, str]:
        """Sort key for 'worst rules': most failing devices, then severity."""
        return (-self.failing, -SEVERITY_RANK.get(self.severity, 0), self.rule)


@dataclass
class WhatIfDiff:
    """How the what-if policy changes the picture against each report's own policy."""

    changed: list[tuple[str, str, str]] = field(default_factory=list)  # device, own, what-if
    newly_failing: Counter[str] = field(default_factory=Counter)
    newly_passing: Counter[str] = field(default_factory=Counter)


@dataclass
class FleetSummary:
    """Everything the writers and gates need, computed once at the end of the run."""

    generated_at: dt.datetime
    inputs: int
    accepted: int
    superseded: int
    previously_received: int
    stale_inputs: int
    rejected: list[Rejected]
    rejected_total: int
    rejected_by_reason: Counter[str]
    devices: list[DeviceState]
    rules: list[RuleCount]
    whatif: WhatIfDiff | None
    verdict_mismatches: int
    expected_devices: int

    def count(self, status: str) -> int:
        """Number of devices with this status."""
        return sum(1 for d in self.devices if d.status == status)

    @property
    def ready_expected(self) -> int:
        """Ready devices among those the trust file expects."""
        return sum(1 for d in self.devices if d.expected and d.status == READY)

    @property
    def ready_pct(self) -> float:
        """Ready expected devices as a percentage of the expected devices (0 when none)."""
        base = self.expected_devices
        return round(100.0 * self.ready_expected / base, 2) if base else 0.0


class Accumulator:
    """Streaming fold: memory grows with the number of devices, not the number of reports."""

    def __init__(self, expected: Iterable[str], prior: PriorState | None = None,
                 sink: Sink | None = None, now: dt.datetime | None = None) -> None:
        self.expected = list(dict.fromkeys(expected))
        self.prior = prior or NoPriorState()
        self.sink = sink
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.now_text = stamp(self.now)
        self.best: dict[str, Accepted] = {}
        self.received: dict[str, str] = {}  # only receipts before this run (else now_text)
        self.seen_in_run: dict[bytes, str] = {}
        self.stale: dict[str, int] = {}
        self.more_reports: Counter[str] = Counter()  # accepted reports beyond a device's first
        self._shared: dict[Any, Any] = {}
        self.inputs = self.accepted = self.superseded = self.previously = self.stale_inputs = 0
        self.rejected: list[Rejected] = []
        self.rejected_by_reason: Counter[str] = Counter()

    def _reject(self, row: Rejected) -> None:
        self.rejected_by_reason[row.reason] += 1
        if len(self.rejected) < MAX_LISTED_REJECTIONS:
            self.rejected.append(row)

    def add(self, row: Row) -> None:
        """Take one input's result (call in input order: the first copy of a payload wins)."""
        self.inputs += 1
        if isinstance(row, Rejected):
            if row.reason == STALE:
                self.stale_inputs += 1
                if row.device_id is not None and row.finished_ts is not None:
                    self.stale[row.device_id] = max(self.stale.get(row.device_id, 0),
                                                    row.finished_ts)
                return
            self._reject(row)
            return
        key = bytes.fromhex(row.payload_sha256)
        first = self.seen_in_run.get(key)
        if first is not None:
            self._reject(Rejected(row.input, DUPLICATE, f"same signed payload as {first}",
                                  row.payload_sha256, row.device_id))
            return
        self.seen_in_run[key] = row.input
        earlier = self.prior.received_at(row.payload_sha256)
        last = self.prior.last_sequence(row.device_id)
        if earlier is None and last is not None and row.sequence <= last:
            self._reject(Rejected(
                row.input, SEQUENCE_ROLLBACK,
                f"sequence {row.sequence} is not above {last}, already accepted for this device",
                row.payload_sha256, row.device_id))
            return
        self.accepted += 1
        if earlier is not None:
            self.previously += 1
        if self.sink is not None:
            self.sink(row, earlier or self.now_text, earlier is None)
        best = self.best.get(row.device_id)
        if best is not None:
            self.more_reports[row.device_id] += 1
        if best is None or row.sort_key() > best.sort_key():
            if best is not None:
                self.superseded += 1
            self.best[row.device_id] = self._compact(row)
            if earlier is not None:
                self.received[row.device_id] = earlier
            else:
                self.received.pop(row.device_id, None)
        else:
            self.superseded += 1

    def _share(self, value: Any) -> Any:
        """One object for equal values (judgements, evidence lines, OS names), up to a bound."""
        found = self._shared.get(value)
        if found is not None:
            return found
        if len(self._shared) < SHARED_VALUES:
            self._shared[value] = value
        return value

    def _compact(self, row: Accepted) -> Accepted:
        # Rows arrive unpickled chunk by chunk, each with its own copies of what most devices
        # have in common; keeping one copy makes the per-device state a few hundred bytes.
        share = self._share
        return Accepted(  # positional: twice as fast as dataclasses.replace
            row.input, row.payload_sha256, row.device_id, row.sequence, row.finished_at,
            row.finished_ts, row.report_id, row.device_name, share(row.os_family),
            share(row.os_version), share(row.tool_version), share(row.own), share(row.whatif),
            share(row.claimed_verdict), share(row.evidence), share(row.warnings),
            share(row.custody))

    def finish(self) -> FleetSummary:
        """Apply the replay rule to each device's winner and compute counts and rule tallies."""
        devices: dict[str, DeviceState] = {}
        expected = set(self.expected)
        for device_id in [*self.expected, *sorted(set(self.best) - expected)]:
            report = self.best.get(device_id)
            last = self.prior.last_sequence(device_id)
            if report is not None and last is not None and report.sequence < last:
                # Only payloads received before can get here: an older report is all that is
                # left for the device after a newer one was accepted. That is a replay.
                self._reject(Rejected(
                    report.input, SEQUENCE_ROLLBACK,
                    f"newest report present has sequence {report.sequence}, below {last} "
                    "accepted earlier for this device", report.payload_sha256, device_id))
                report = None
            seen = 1 + self.more_reports[device_id] if device_id in self.best else 0
            state = DeviceState(device_id, MISSING, reports_seen=seen,
                                expected=device_id in expected)
            if report is not None:
                state.report = report
                state.received_at = self.received.get(device_id, self.now_text)
                state.status = READY if report.active.verdict == READY else NOT_READY
            elif device_id in self.stale:
                state.status = STALE_DEVICE
                state.stale_ts = self.stale[device_id]
            devices[device_id] = state
        rows = sorted(devices.values(), key=_device_order)
        rules = _rule_counts(d.report for d in rows if d.report is not None)
        whatif = _whatif([d.report for d in rows if d.report is not None])
        mismatches = sum(1 for d in rows if d.report and "VERDICT_MISMATCH" in d.report.warnings)
        return FleetSummary(
            generated_at=self.now, inputs=self.inputs, accepted=self.accepted,
            superseded=self.superseded, previously_received=self.previously,
            stale_inputs=self.stale_inputs, rejected=self.rejected,
            rejected_total=sum(self.rejected_by_reason.values()),
            rejected_by_reason=self.rejected_by_reason, devices=rows, rules=rules,
            whatif=whatif, verdict_mismatches=mismatches, expected_devices=len(self.expected))


_ORDER = {NOT_READY: 0, STALE_DEVICE: 1, MISSING: 2, READY: 3}


def _device_order(d: DeviceState) -> tuple[int, int, str]:
    failing = len(d.report.active.failing_rules) if d.report else 0
    return (_ORDER[d.status], -failing, d.device_id)


def _rule_counts(reports: Iterable[Accepted]) -> list[RuleCount]:
    table: dict[str, RuleCount] = {}
    for report in reports:
        judgement = report.active
        for (rule, title, severity), code in zip(judgement.rules, judgement.codes, strict=True):
            entry = table.get(rule)
            if entry is None:
                entry = table[rule] = RuleCount(rule, title, severity)
            entry.counts[CODE_STATUS[code]] += 1
        for issue in judgement.issues:
            if issue.failing:
                table[issue.rule].failing += 1
    return sorted(table.values(), key=lambda r: r.weight)


def _whatif(reports: list[Accepted]) -> WhatIfDiff | None:
    if not reports or reports[0].whatif is None:
        return None
    diff = WhatIfDiff()
    for report in reports:
        assert report.whatif is not None  # noqa: S101 - all or none are judged twice
        if report.own.verdict != report.whatif.verdict:
            diff.changed.append((report.device_id, report.own.verdict, report.whatif.verdict))
        own, new = report.own.failing_rules, report.whatif.failing_rules
        diff.newly_failing.update(new - own)
        diff.newly_passing.update(own - new)
    return diff
