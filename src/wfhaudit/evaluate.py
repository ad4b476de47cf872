"""Pure judgement: (policy, facts) -> findings and a readiness verdict. No I/O, no clock."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from wfhaudit.facts import CATALOGUE, Fact, FactSet
from wfhaudit.policy.model import Policy, Rule

SEVERITY_WEIGHT = {"critical": 10, "high": 5, "medium": 3, "low": 1, "info": 0}


class Status(str, Enum):
    """Outcome of one rule."""

    PASS = "PASS"  # noqa: S105 - a status word, not a password
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    WAIVED = "WAIVED"


class Verdict(str, Enum):
    """Readiness of the device under the policy."""

    READY = "READY"
    NOT_READY = "NOT_READY"


@dataclass(frozen=True)
class Finding:
    """The judgement of one rule, with the value it saw and why."""

    rule_id: str
    title: str
    fact: str
    status: Status
    severity: str
    required: bool
    blocking: bool
    measured: Any
    unit: str | None
    expected: str
    reason: str = ""
    remediation: str = ""
    rationale: str = ""
    references: tuple[str, ...] = ()
    waiver: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Serialise for the report."""
        return {"rule": self.rule_id, "title": self.title, "fact": self.fact,
                "status": self.status.value, "severity": self.severity,
                "required": self.required, "blocking": self.blocking,
                "measured": self.measured, "unit": self.unit, "expected": self.expected,
                "reason": self.reason, "remediation": self.remediation,
                "rationale": self.rationale, "references": list(self.references),
                "waiver": dict(self.waiver) if self.waiver else None}


@dataclass(frozen=True)
class Evaluation:
    """All findings plus the verdict and counts derived from them."""

    findings: tuple[Finding, ...]
    verdict: Verdict
    counts: Mapping[str, int] = field(default_factory=dict)
    score: int = 0

    @property
    def blocking(self) -> list[Finding]:
        """Findings that make the device NOT READY."""
        return [f for f in self.findings if f.blocking]

    def summary(self) -> dict[str, Any]:
        """Verdict, score and counts for the report."""
        return {"verdict": self.verdict.value, "score": self.score, "counts": dict(self.counts),
                "blocking": [f.rule_id for f in self.blocking]}


def check_expectation(expect: Mapping[str, Any], value: Any) -> bool:
    """True when an observed value meets the expectation (see policy schema for operators)."""
    results = []
    for op, arg in expect.items():
        if op == "all":
            results.append(all(check_expectation(sub, value) for sub in arg))
        elif op == "any":
            results.append(any(check_expectation(sub, value) for sub in arg))
        elif op == "not":
            results.append(not check_expectation(arg, value))
        elif op == "equals":
            results.append(_same(value, arg))
        elif op == "not_equals":
            results.append(not _same(value, arg))
        elif op == "in":
            results.append(any(_same(value, a) for a in arg))
        elif op == "not_in":
            results.append(not any(_same(value, a) for a in arg))
        elif op in ("min", "max", "above", "below"):
            results.append(_compare(op, value, arg))
        elif op == "matches":
            results.append(isinstance(value, str) and re.search(arg, value) is not None)
        else:
            raise ValueError(f"unknown operator {op!r}")
    return bool(results) and all(results)


def _same(a: Any, b: Any) -> bool:
    # bool is an int in Python: never let True equal 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return bool(a == b)


def _compare(op: str, value: Any, limit: float) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return {"min": value >= limit, "max": value <= limit,
            "above": value > limit, "below": value < limit}[op]


def describe_expectation(expect: Mapping[str, Any], unit: str | None = None) -> str:
    """Human text for an expectation, e.g. 'yes', '≥ 0.2 Mbit/s' or 'one of ufw, nftables'."""
    u = f" {unit}" if unit else ""
    parts = []
    for op, arg in expect.items():
        if op in ("all", "any"):
            joiner = " and " if op == "all" else " or "
            parts.append("(" + joiner.join(describe_expectation(s, unit) for s in arg) + ")")
        elif op == "not":
            parts.append(f"not {describe_expectation(arg, unit)}")
        elif op in ("min", "max", "above", "below"):
            sign = {"min": "≥", "max": "≤", "above": ">", "below": "<"}[op]
            parts.append(f"{sign} {_fmt(arg)}{u}")
        elif op in ("in", "not_in"):
            prefix = "one of " if op == "in" else "none of "
            parts.append(prefix + ", ".join(_fmt(a) for a in arg))
        elif op == "matches":
            parts.append(f"matches /{arg}/")
        else:  # equals reads as the value itself: measured "no", expected "yes"
            parts.append(("" if op == "equals" else "not ") + _fmt(arg))
    return " and ".join(parts)


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]" if v else "none"
    return str(v)


def _condition_holds(rule: Rule, facts: FactSet) -> bool | None:
    if not rule.when:
        return True
    fact = facts.get(rule.when["fact"])
    return check_expectation(rule.when["expect"], fact.value) if fact.is_known else None


def _judge(rule: Rule, fact: Fact, facts: FactSet, os_family: str) -> tuple[Status, str]:
    if rule.platforms is not None and os_family not in rule.platforms:
        return Status.NOT_APPLICABLE, f"rule applies to {', '.join(rule.platforms)} only"
    applies = _condition_holds(rule, facts)
    if applies is False and rule.when is not None:
        cond = describe_expectation(rule.when["expect"])
        return Status.NOT_APPLICABLE, f"applies only when {rule.when['fact']} is {cond}"
    note = ""
    if applies is None and rule.when is not None:
        # Fail closed: when we cannot tell whether the rule applies, it applies.
        note = f"; {rule.when['fact']} is unknown, so the rule was applied"
    if not fact.is_known:
        return Status.UNKNOWN, (fact.reason or "could not be determined") + note
    ok = check_expectation(rule.expect, fact.value)
    return (Status.PASS if ok else Status.FAIL), note.lstrip("; ")


def evaluate(policy: Policy, facts: FactSet, os_family: str, device_id: str,
             today: dt.date) -> Evaluation:
    """Judge every rule of the policy against the facts; the same inputs give the same output."""
    findings = []
    for rule in policy.rules:
        fact = facts.get(rule.fact)
        status, reason = _judge(rule, fact, facts, os_family)
        waiver_info = None
        if status in (Status.FAIL, Status.UNKNOWN):
            for waiver in policy.waivers:
                if waiver.rule != rule.id or not waiver.applies_to(device_id):
                    continue
                waiver_info = {**waiver.to_dict(), "expired": waiver.expires < today}
                if waiver.expires < today:
                    reason = (reason + "; " if reason else "") + (
                        f"waiver expired on {waiver.expires.isoformat()} and no longer applies")
                else:
                    reason = f"was {status.value}; waived until {waiver.expires.isoformat()}: " \
                             f"{waiver.reason}"
                    status = Status.WAIVED
                    break
        blocking = rule.required and (
            status is Status.FAIL or (status is Status.UNKNOWN and rule.on_unknown == "fail"))
        unit = CATALOGUE[rule.fact].unit
        findings.append(Finding(
            rule_id=rule.id, title=rule.title, fact=rule.fact, status=status,
            severity=rule.severity, required=rule.required, blocking=blocking,
            measured=fact.value if fact.is_known else None, unit=unit,
            expected=describe_expectation(rule.expect, unit), reason=reason,
            remediation=rule.remediation_for(os_family) if status in (
                Status.FAIL, Status.UNKNOWN, Status.WAIVED) else "",
            rationale=rule.rationale, references=rule.references, waiver=waiver_info))
    counts = {s.value: sum(1 for f in findings if f.status is s) for s in Status}
    weight_total = sum(SEVERITY_WEIGHT[f.severity] for f in findings
                       if f.status in (Status.PASS, Status.FAIL, Status.UNKNOWN))
    weight_pass = sum(SEVERITY_WEIGHT[f.severity] for f in findings if f.status is Status.PASS)
    score = round(100 * weight_pass / weight_total) if weight_total else 0
    verdict = Verdict.NOT_READY if any(f.blocking for f in findings) else Verdict.READY
    return Evaluation(tuple(findings), verdict, counts, score)
