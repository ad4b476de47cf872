"""Accepted policies, loaded once per digest, and a memo of re-evaluations.

The verifier judges every report again with `wfhaudit.evaluate.evaluate` under the policy IT
accepted. Evaluation is pure and rule by rule, so each rule's (status, blocking) is memoised on
exactly what it reads: its fact and its `when` fact (status and value), the OS, and the device
and date only when one of its waivers makes them matter. A number only meets the policy through
comparisons with the constants in the rules, so it is keyed by its position among them (values
in the same gap compare identically); a policy using any other operator on a number keeps the
exact value. A memo miss runs `evaluate` itself on a one-rule policy.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.crypto.canonical import canonical_bytes, sha256_hex
from wfhaudit.crypto.strictjson import check_depth
from wfhaudit.errors import PolicyError
from wfhaudit.evaluate import Verdict, evaluate
from wfhaudit.facts import CATALOGUE, FactSet, FactType, _check_value
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.policy.model import Policy

MEMO_LIMIT = 100_000
POLICY_MAX_DEPTH = 16
Outcome = tuple[str, tuple[tuple[str, str], ...]]
_COMPARISONS = ("min", "max", "above", "below", "equals", "not_equals")
_NUMERIC = (FactType.NUMBER, FactType.INT)


class PolicyProblem(ValueError):
    """The embedded policy is not the accepted one, or does not load."""


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
    rule_id: str
    fact: str
    when_fact: str | None
    policy: Policy
    device_dependent: bool
    date_dependent: bool


@dataclass
class PolicyEntry:
    """One accepted policy: its canonical bytes, loaded Policy and evaluation memo."""

    digest: str
    canonical: bytes
    document: dict[str, Any]
    policy: Policy
    needed: tuple[str, ...] = ()
    plans: tuple[_RulePlan, ...] = ()
    cuts: dict[str, tuple[float, ...] | None] = field(default_factory=dict)
    memo: dict[Any, tuple[str, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Precompute per-rule plans and the numeric cut points of each fact."""
        self.needed = tuple(sorted(self.policy.needed_facts()))
        plans = []
        for i, rule in enumerate(self.policy.rules):
            waivers = [w for w in self.policy.waivers if w.rule == rule.id]
            plans.append(_RulePlan(
                i, rule.id, rule.fact, rule.when["fact"] if rule.when else None,
                dataclasses.replace(self.policy, rules=(rule,)),
                any(w.devices is not None for w in waivers), bool(waivers)))
        self.plans = tuple(plans)
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

    def _input(self, key: str, fact: Any) -> Any:
        """What a rule can see of one fact, validated as Fact.from_dict would."""
        if fact is None:
            return None
        status = fact.get("status")
        if status == "unknown":
            return ("u",)
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
            return ("n", i, i < len(cuts) and cuts[i] == value)
        return ("o", type(value), tuple(value) if type(value) is list else value)

    def judge(self, facts: Mapping[str, Any], os_family: str, device_id: str,
              finished: float) -> Outcome:
        """(verdict, ((rule, status), ...)) of the policy over the facts; ValueError if bad."""
        day = dt.datetime.fromtimestamp(finished, dt.timezone.utc).date()
        inputs = {k: self._input(k, facts.get(k)) for k in self.needed}
        statuses = []
        blocking = False
        for plan in self.plans:
            key = (plan.index, os_family, device_id if plan.device_dependent else None,
                   day if plan.date_dependent else None, inputs[plan.fact],
                   inputs[plan.when_fact] if plan.when_fact else None)
            out = self.memo.get(key)
            if out is None:
                out = self._evaluate(plan, facts, os_family, device_id, day)
                if len(self.memo) >= MEMO_LIMIT:
                    self.memo.clear()
                self.memo[key] = out
            statuses.append((plan.rule_id, out[0]))
            blocking = blocking or out[1]
        verdict = Verdict.NOT_READY if blocking else Verdict.READY
        return verdict.value, tuple(statuses)

    @staticmethod
    def _evaluate(plan: _RulePlan, facts: Mapping[str, Any], os_family: str, device_id: str,
                  day: dt.date) -> tuple[str, bool]:
        keys = (plan.fact, plan.when_fact) if plan.when_fact else (plan.fact,)
        try:
            fact_set = FactSet.from_dict({k: facts[k] for k in keys if k in facts})
        except (KeyError, ValueError, TypeError) as exc:
            raise ValueError(f"facts: {exc}") from None
        (finding,) = evaluate(plan.policy, fact_set, os_family, device_id, day).findings
        return finding.status.value, finding.blocking


class PolicyCache:
    """Per-digest entries for the policies a trust file accepts."""

    def __init__(self, accepted: Mapping[str, float | None]) -> None:
        self.accepted = accepted
        self.entries: dict[str, PolicyEntry] = {}

    def resolve(self, digest: str, document: Any) -> PolicyEntry:
        """The entry for an embedded document that must hash to its claimed (accepted) digest."""
        entry = self.entries.get(digest)
        if entry is not None and document != entry.document:  # cheap refusal before hashing
            raise PolicyProblem("embedded policy document does not match its digest")
        try:
            check_depth(document, POLICY_MAX_DEPTH)
            canonical = canonical_bytes(document)
        except (ValueError, TypeError, RecursionError) as exc:
            raise PolicyProblem(f"embedded policy is not a plain RFC 8785 document ({exc})") \
                from None
        if entry is not None:
            if canonical != entry.canonical:
                raise PolicyProblem("embedded policy document does not match its digest")
            return entry
        if "sha256:" + sha256_hex(canonical) != digest:
            raise PolicyProblem("embedded policy document does not match its digest")
        try:
            policy = load_policy_document(document, f"policy {digest[:19]}")
        except PolicyError as exc:
            raise PolicyProblem(f"accepted policy does not load: {exc.problems[0]}") from None
        entry = PolicyEntry(digest, canonical, document, policy)
        self.entries[digest] = entry
        return entry
