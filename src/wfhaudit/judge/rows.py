"""Compact rows that travel from verification workers to the aggregator (picklable, small)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfhaudit.report.validate import STATUS_CODE
from wfhaudit.util.text import clip

# Verifier reason codes with a special meaning here.
STALE = "STALE"
DUPLICATE = "DUPLICATE"
SEQUENCE_ROLLBACK = "SEQUENCE_ROLLBACK"
POLICY_MISMATCH = "POLICY_MISMATCH"

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}
MAX_TEXT = 300


@dataclass(frozen=True, slots=True)
class Issue:
    """One rule that did not pass for a device, with what was measured and why."""

    rule: str
    title: str
    status: str  # FAIL | UNKNOWN | WAIVED
    severity: str
    blocking: bool
    measured: Any  # a scalar, or a tuple of text (hashable)
    unit: str | None
    expected: str
    reason: str
    fact: str
    fix: str = ""  # the policy's remediation for the device's OS (for the fleet drill-down)

    @property
    def failing(self) -> bool:
        """A failure for gates and counts: FAIL, or an UNKNOWN that blocks readiness."""
        return self.status == "FAIL" or (self.status == "UNKNOWN" and self.blocking)

    def measured_text(self) -> str:
        """The measured value as short text, with its unit."""
        if self.measured is None:
            return "unknown"
        if isinstance(self.measured, bool):
            text = "true" if self.measured else "false"
        elif isinstance(self.measured, (list, tuple)):
            text = "[" + ", ".join(str(v) for v in self.measured) + "]"
        else:
            text = str(self.measured)
        return clip(text + (f" {self.unit}" if self.unit else ""), 120)


CODE_STATUS = {v: k for k, v in STATUS_CODE.items()}

RuleMeta = tuple[tuple[str, str, str], ...]  # (rule id, title, severity) in policy order


@dataclass(frozen=True, slots=True)
class Judgement:
    """A device's verdict under one policy: a status letter per rule plus details of non-passes."""

    policy_id: str
    policy_digest: str
    verdict: str  # READY | NOT_READY
    score: int
    rules: RuleMeta  # one shared tuple per policy (pickle keeps it shared within a chunk)
    codes: str  # one letter of STATUS_CODE per rule, same order as rules
    issues: tuple[Issue, ...]

    @property
    def statuses(self) -> list[tuple[str, str]]:
        """(rule id, status word) for every rule, in policy order."""
        return [(meta[0], CODE_STATUS[code]) for meta, code in zip(self.rules, self.codes, strict=True)]

    @property
    def failing_rules(self) -> frozenset[str]:
        """Ids of rules that count as failing."""
        return frozenset(i.rule for i in self.issues if i.failing)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A verified report, judged: everything the fleet outputs need, nothing more."""

    input: str
    payload_sha256: str
    device_id: str
    sequence: int
    finished_at: str
    finished_ts: int
    report_id: str
    device_name: str
    os_family: str
    os_version: str
    tool_version: str
    own: Judgement
    whatif: Judgement | None
    claimed_verdict: str
    evidence: tuple[tuple[str, str], ...] = ()  # (fact key, short text) for facts behind issues
    warnings: tuple[str, ...] = ()
    custody: str = "user"  # the signing key's custody in the trust file

    @property
    def active(self) -> Judgement:
        """The judgement the gates use: the what-if policy when given, else the report's own."""
        return self.whatif or self.own

    def sort_key(self) -> tuple[int, int, str]:
        """Latest wins: higher sequence, then later finish time, then digest (deterministic)."""
        return (self.sequence, self.finished_ts, self.payload_sha256)


@dataclass(frozen=True, slots=True)
class Rejected:
    """An input that was not accepted, with the verifier's reason code."""

    input: str
    reason: str
    detail: str
    payload_sha256: str | None = None
    device_id: str | None = None
    finished_ts: int | None = None


Row = Accepted | Rejected
