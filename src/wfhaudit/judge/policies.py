"""The one judge: accepted policies loaded once per digest, and memoized re-evaluation.

The verifier judges every report again with `wfhaudit.evaluate.evaluate` under the policy IT
accepted (and aggregate under a what-if policy too) through this module; the result is a
compact Judgement that verify reports and the fleet outputs use as is, so no report is ever
judged twice. Evaluation is pure and rule by rule, so each rule's (status, blocking, reason) is
memoised on exactly what it reads: its fact and its `when` fact (status and value, or the
reason of an unknown fact), the OS, and the device and date only when one of its waivers makes
them matter. A number only meets the policy through comparisons with the constants in the
rules, so it is keyed by its position among them (values in the same gap compare
identically); a policy using any other operator on a number keeps the exact value. A memo miss
runs `evaluate` itself on a one-rule policy. What was measured is taken from the report as is.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.crypto.canonical import canonical_bytes, sha256_hex
from wfhaudit.crypto.fastjson import dumps_sorted
from wfhaudit.crypto.strictjson import check_depth
from wfhaudit.errors import PolicyError
from wfhaudit.evaluate import (
    SEVERITY_WEIGHT,
    Evaluation,
    Status,
    describe_expectation,
    evaluate,
)
from wfhaudit.facts import CATALOGUE, FactSet, FactType, _check_value
from wfhaudit.judge.rows import Issue, Judgement
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.policy.model import Policy, Rule
from wfhaudit.report.validate import STATUS_CODE
from wfhaudit.util.text import clip

MEMO_LIMIT = 100_000
POLICY_MAX_DEPTH = 16
_COMPARISONS = ("min", "max", "above", "below", "equals", "not_equals")
_NUMERIC = (FactType.NUMBER, FactType.INT)
_NON_PASS = frozenset({Status.FAIL.value, Status.UNKNOWN.value, Status.WAIVED.value})
_SCORED = frozenset({Status.PASS.value, Status.FAIL.value, Status.UNKNOWN.value})
Outcome = tuple[str, bool, str]  # (status, blocking, reason) of one rule


class PolicyProblem(ValueError):
    """The embedded policy is not the accepted one, or does not load."""


class JudgeError(ValueError):
    """A report's facts cannot be judged under a policy (a value of the wrong type)."""


def _constants(node: Mapping[str, Any], out: set[float]) -> bool:
    """Collect the numbers an expectation compares with; False if an operator is not known."""
    for op, arg in node.items():
        if op in ("all", "any"):
            if not all(_constants(sub, out) for sub in arg):
                return False
        elif op == "not":
            if not _constants(arg, out):
                return False
        elif op in _COMPARISONS or op in ("in", "not_in"):
            for value in (arg if op in ("in", "not_in") else [arg]):
                if type(value) in (int, float):
                    out.add(value)
        elif op != "matches":  # matches is always False for a number
            return False
    return True


@dataclass(frozen=True)
class _RulePlan:
    index: int
    fact: str
    when_fact: str | None
    policy: Policy
    device_dependent: bool
    date_dependent: bool
    weight: int
    meta: tuple[str, str, str, str | None, str]  # rule id, title, severity, unit, expected
    rule: Rule


def _plan(policy: Policy, index: int) -> _RulePlan:
    rule = policy.rules[index]
    waivers = [w for w in policy.waivers if w.rule == rule.id]
    unit = CATALOGUE[rule.fact].unit
    return _RulePlan(index, rule.fact, rule.when["fact"] if rule.when else None,
                     dataclasses.replace(policy, rules=(rule,)),
                     any(w.devices is not None for w in waivers), bool(waivers),
                     SEVERITY_WEIGHT[rule.severity],
                     (rule.id, rule.title, rule.severity, unit,
                      describe_expectation(rule.expect, unit)), rule)


@dataclass
class PolicyEntry:
    """One policy: its canonical bytes, the loaded Policy, per-rule plans and the memo."""

    digest: str
    canonical: bytes
    document: dict[str, Any]
    policy: Policy
    needed: tuple[str, ...] = ()
    plans: tuple[_RulePlan, ...] = ()
    rule_ids: tuple[str, ...] = ()
    rules: tuple[tuple[str, str, str], ...] = ()
    dated: bool = False  # a rule has a waiver, so the report's date matters
    cuts: dict[str, tuple[float, ...] | None] = field(default_factory=dict)
    memo: dict[Any, Outcome] = field(default_factory=dict)
    judgements: dict[Any, Judgement] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Precompute per-rule plans and the numeric cut points of each fact."""
        self.needed = tuple(sorted(self.policy.needed_facts()))
        self.plans = tuple(_plan(self.policy, i) for i in range(len(self.policy.rules)))
        self.rule_ids = tuple(r.id for r in self.policy.rules)
        self.rules = tuple((r.id, r.title, r.severity) for r in self.policy.rules)
        self.dated = any(plan.date_dependent for plan in self.plans)
        for key in self.needed:
            if CATALOGUE[key].type not in _NUMERIC:
                continue
            found: set[float] = set()
            exact = False
            for rule in self.policy.rules:
                if rule.fact == key:
                    exact |= not _constants(rule.expect, found)
                if rule.when and rule.when["fact"] == key:
                    exact |= not _constants(rule.when["expect"], found)
            self.cuts[key] = None if exact else tuple(sorted(found))

    @classmethod
    def of(cls, policy: Policy) -> PolicyEntry:
        """The entry for a policy loaded here (a what-if policy)."""
        document = policy.document()
        return cls(policy.digest, canonical_bytes(document), document, policy)

    def _input(self, key: str, fact: Any) -> tuple[Any, Any]:
        """(what a rule can see of one fact, the measured value); ValueError as Fact.from_dict."""
        if fact is None:
            return None, None
        status = fact.get("status") if type(fact) is dict else None
        if status == "unknown":  # the reason is what evaluate shows for it (see Fact.from_dict)
            return ("u", str(fact.get("reason") or "unknown")), None
        if status != "observed":
            raise ValueError(f"facts.{key}: status must be 'observed' or 'unknown'")
        spec = CATALOGUE[key]
        value = fact.get("value")
        if spec.type is FactType.NUMBER and type(value) is float:
            value = round(value, 3)
        _check_value(spec, value)
        cuts = self.cuts.get(key)
        if cuts is not None:
            i = bisect.bisect_left(cuts, value)
            return ("n", i, i < len(cuts) and cuts[i] == value), value
        return ("o", type(value), tuple(value) if type(value) is list else value), value

    def judge(self, facts: Mapping[str, Any], os_family: str, device_id: str,
              finished: float) -> Judgement:
        """The policy's judgement of the facts; JudgeError when a needed fact is malformed."""
        # The date matters only to waivers: worked out per report only when a rule has one.
        day = _day(finished) if self.dated else None
        try:
            inputs = {k: self._input(k, facts.get(k)) for k in self.needed}
        except ValueError as exc:
            raise JudgeError(str(exc)) from None
        outs = []
        for plan in self.plans:
            key = (plan.index, os_family, device_id if plan.device_dependent else None,
                   day if plan.date_dependent else None, inputs[plan.fact][0],
                   inputs[plan.when_fact][0] if plan.when_fact else None)
            out = self.memo.get(key)
            if out is None:
                out = self._evaluate(plan, facts, os_family, device_id, day or _day(finished))
                if len(self.memo) >= MEMO_LIMIT:
                    self.memo.clear()
                self.memo[key] = out
            outs.append(out)
        return self._judgement(tuple(outs), inputs, os_family)

    def _judgement(self, outs: tuple[Outcome, ...], inputs: dict[str, tuple[Any, Any]],
                   os_family: str) -> Judgement:
        """The compact Judgement for per-rule outcomes; equal ones are one shared object."""
        measured = tuple([_frozen(inputs[plan.fact][1]) if out[0] in _NON_PASS else None
                          for plan, out in zip(self.plans, outs, strict=True)])
        key = (outs, measured, os_family)  # the fix text is the OS's
        found = self.judgements.get(key)
        if found is not None:
            return found
        issues = []
        blocking = False
        total = passed = 0
        for plan, (status, blocks, reason) in zip(self.plans, outs, strict=True):
            blocking = blocking or blocks
            if status in _SCORED:
                total += plan.weight
                passed += plan.weight if status == "PASS" else 0
            if status in _NON_PASS:
                rule, title, severity, unit, expected = plan.meta
                issues.append(Issue(rule, title, status, severity, blocks,
                                    _measured(inputs[plan.fact][1]), unit, expected,
                                    clip(reason, 200), plan.fact,
                                    clip(plan.rule.remediation_for(os_family), 300)))
        judgement = Judgement(self.policy.id, self.digest,
                              "NOT_READY" if blocking else "READY",
                              round(100 * passed / total) if total else 0, self.rules,
                              "".join(STATUS_CODE[o[0]] for o in outs), tuple(issues))
        if len(self.judgements) >= MEMO_LIMIT:
            self.judgements.clear()
        self.judgements[key] = judgement
        return judgement

    @staticmethod
    def _evaluate(plan: _RulePlan, facts: Mapping[str, Any], os_family: str, device_id: str,
                  day: dt.date) -> Outcome:
        keys = (plan.fact, plan.when_fact) if plan.when_fact else (plan.fact,)
        try:
            fact_set = FactSet.from_dict({k: facts[k] for k in keys if k in facts})
        except (KeyError, ValueError, TypeError) as exc:
            raise JudgeError(f"facts: {exc}") from None
        (finding,) = evaluate(plan.policy, fact_set, os_family, device_id, day).findings
        return finding.status.value, finding.blocking, finding.reason


def _day(finished: float) -> dt.date:
    return dt.datetime.fromtimestamp(finished, dt.timezone.utc).date()


def _measured(value: Any) -> Any:
    # A list of text becomes a tuple: judgements are hashable, so equal ones can be shared.
    return tuple(value) if type(value) is list else value


def _frozen(value: Any) -> Any:
    # Exact and hashable: 1 and 1.0 and True stay apart, a list becomes a tuple.
    return (type(value), tuple(value) if type(value) is list else value)


def judgement_of(policy: Policy, digest: str, evaluation: Evaluation) -> Judgement:
    """The compact Judgement of a full evaluation: what PolicyEntry.judge must always equal."""
    issues = tuple(
        Issue(f.rule_id, f.title, f.status.value, f.severity, f.blocking, _measured(f.measured),
              f.unit, f.expected, clip(f.reason, 200), f.fact, clip(f.remediation, 300))
        for f in evaluation.findings if f.status.value in _NON_PASS)
    return Judgement(policy.id, digest, evaluation.verdict.value, evaluation.score,
                     tuple((r.id, r.title, r.severity) for r in policy.rules),
                     "".join(STATUS_CODE[f.status.value] for f in evaluation.findings), issues)


class PolicyCache:
    """Per-digest entries for the policies a trust file accepts."""

    def __init__(self, accepted: Mapping[str, float | None]) -> None:
        self.accepted = accepted
        self.entries: dict[str, PolicyEntry] = {}

    def resolve(self, digest: str, document: Any) -> PolicyEntry:
        """The entry for an embedded document that must hash to its claimed (accepted) digest."""
        entry = self.entries.get(digest)
        if entry is not None:
            if not self._same(document, entry):
                raise PolicyProblem("embedded policy document does not match its digest")
            return entry
        try:
            check_depth(document, POLICY_MAX_DEPTH)
            canonical = canonical_bytes(document)
        except (ValueError, TypeError, RecursionError) as exc:
            raise PolicyProblem(f"embedded policy is not a plain RFC 8785 document ({exc})") \
                from None
        if "sha256:" + sha256_hex(canonical) != digest:
            raise PolicyProblem("embedded policy document does not match its digest")
        try:
            policy = load_policy_document(document, f"policy {digest[:19]}")
        except PolicyError as exc:
            raise PolicyProblem(f"accepted policy does not load: {exc.problems[0]}") from None
        entry = PolicyEntry(digest, canonical, document, policy)
        self.entries[digest] = entry
        return entry

    @staticmethod
    def _same(document: Any, entry: PolicyEntry) -> bool:
        """Whether a document is byte for byte the entry's canonical one."""
        if document is entry.document:
            return True
        try:
            # Sorted orjson bytes equal the RFC 8785 bytes for every document canonical_bytes
            # accepted; anything else (floats orjson writes differently, a depth or type
            # orjson refuses) takes the exact path.
            if dumps_sorted(document) == entry.canonical:
                return True
            check_depth(document, POLICY_MAX_DEPTH)
            return canonical_bytes(document) == entry.canonical
        except (ValueError, TypeError, RecursionError):
            return False
