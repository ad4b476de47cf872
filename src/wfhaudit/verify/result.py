"""One verification outcome per input (the JSON Lines record of `wfhaudit verify --json`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from wfhaudit.judge.rows import Judgement
from wfhaudit.reasons import Reason
from wfhaudit.report.validate import PredicateView


@dataclass(slots=True)
class VerifyResult:
    """What the verifier decided about one input; treat as read-only.

    `accepted` is the only thing that may count a report; `predicate`, `view` and `judgement`
    are set only then (the `policy.document` object and judgements are shared between results:
    do not mutate them). `device_id` is
    the trust file's owner of the signing key once the signature verified, else None.
    """

    source: str
    accepted: bool
    reason: str
    detail: str = ""
    payload_sha256: str | None = None
    keyid_hint: str | None = None
    device_id: str | None = None
    sequence: int | None = None
    report_id: str | None = None
    finished_at: str | None = None
    policy_digest: str | None = None
    verdict: str | None = None
    warnings: tuple[str, ...] = ()
    trust_version: int | None = None
    received_at: dt.datetime | None = None
    predicate: dict[str, Any] | None = None
    custody: str | None = None  # the signing key's custody in the trust file
    view: PredicateView | None = None  # the validated fields, once accepted
    judgement: Judgement | None = None  # the verifier's judgement under the accepted policy

    @property
    def verified(self) -> bool:
        """Alias of accepted."""
        return self.accepted

    def to_json(self) -> dict[str, Any]:
        """The JSON Lines record (reason-code names as in docs/signing.md; no predicate content)."""
        return {"input": self.source, "verdict": "verified" if self.accepted else "rejected",
                "reason": self.reason, "detail": self.detail,
                "payloadSha256": self.payload_sha256, "keyidHint": self.keyid_hint,
                "deviceId": self.device_id, "sequence": self.sequence,
                "reportId": self.report_id, "finishedAt": self.finished_at,
                "policyDigest": self.policy_digest, "verifierVerdict": self.verdict,
                "warnings": list(self.warnings), "trustVersion": self.trust_version,
                "custody": self.custody}


def rejected(source: str, reason: Reason, detail: str, **fields: Any) -> VerifyResult:
    """A rejection; never carries the predicate."""
    return VerifyResult(source, False, reason.value, detail, **fields)


def demote(result: VerifyResult, reason: Reason, detail: str) -> VerifyResult:
    """A checked report rejected by a stateful rule (sequence, duplicate)."""
    return VerifyResult(result.source, False, reason.value, detail, result.payload_sha256,
                        result.keyid_hint, result.device_id, result.sequence, result.report_id,
                        result.finished_at, result.policy_digest, trust_version=result.trust_version,
                        custody=result.custody)


def mismatch_detail(reported_verdict: str, reported: tuple[tuple[str, str], ...], verdict: str,
                    statuses: tuple[tuple[str, str], ...]) -> str:
    """Which rules the device judged differently from the verifier (first three)."""
    ours, theirs = dict(statuses), dict(reported)
    differ = [f"{rule}: device {status}, verifier {ours.get(rule, 'absent')}"
              for rule, status in reported if ours.get(rule) != status]
    differ += [f"{rule}: missing from the report" for rule in ours if rule not in theirs]
    return (f"device verdict {reported_verdict}, verifier verdict {verdict}"
            + ("; " + "; ".join(differ[:3]) if differ else ""))
