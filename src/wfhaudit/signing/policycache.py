"""Accepted policies, loaded once per digest, and a memo of re-evaluations.

The verifier judges every report again with `wfhaudit.evaluate.evaluate` under the policy IT
accepted. Evaluation is pure, so identical inputs (the facts the policy reads, the OS, and the
device/date only when waivers make them matter) reuse the earlier outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.canonical import canonical_bytes, sha256_hex
from wfhaudit.errors import PolicyError
from wfhaudit.evaluate import evaluate
from wfhaudit.facts import FactSet
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.policy.model import Policy

MEMO_LIMIT = 50_000
Outcome = tuple[str, tuple[tuple[str, str], ...]]


class PolicyProblem(ValueError):
    """The embedded policy is not the accepted one, or does not load."""


def _freeze(value: Any) -> Any:
    if type(value) is list:
        return (list, tuple(value))
    return (type(value), value)


@dataclass
class PolicyEntry:
    """One accepted policy: its canonical bytes, loaded Policy and evaluation memo."""

    digest: str
    canonical: bytes
    document: dict[str, Any]
    policy: Policy
    needed: tuple[str, ...] = ()
    device_dependent: bool = False
    date_dependent: bool = False
    memo: dict[Any, Outcome] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Precompute what the hot path needs."""
        self.needed = tuple(sorted(self.policy.needed_facts()))
        self.date_dependent = bool(self.policy.waivers)
        self.device_dependent = any(w.devices is not None for w in self.policy.waivers)

    def judge(self, facts: Mapping[str, Any], os_family: str, device_id: str,
              finished: float) -> Outcome:
        """(verdict, ((rule, status), ...)) of the policy over the facts; ValueError if bad."""
        day = dt.datetime.fromtimestamp(finished, dt.timezone.utc).date()
        inputs = []
        for k in self.needed:
            f = facts.get(k)
            inputs.append(None if f is None else (f.get("status"), _freeze(f.get("value"))))
        key = (os_family, device_id if self.device_dependent else None,
               day if self.date_dependent else None, tuple(inputs))
        outcome = self.memo.get(key)
        if outcome is None:
            try:
                fact_set = FactSet.from_dict({k: facts[k] for k in self.needed if k in facts})
            except (KeyError, ValueError, TypeError) as exc:
                raise ValueError(f"facts: {exc}") from None
            ev = evaluate(self.policy, fact_set, os_family, device_id, day)
            outcome = (ev.verdict.value, tuple((f.rule_id, f.status.value) for f in ev.findings))
            if len(self.memo) >= MEMO_LIMIT:
                self.memo.clear()
            self.memo[key] = outcome
        return outcome


class PolicyCache:
    """Per-digest entries for the policies a trust file accepts."""

    def __init__(self, accepted: Mapping[str, float | None]) -> None:
        self.accepted = accepted
        self.entries: dict[str, PolicyEntry] = {}

    def resolve(self, digest: str, document: Any) -> PolicyEntry:
        """The entry for an embedded document that must hash to its claimed (accepted) digest."""
        entry = self.entries.get(digest)
        try:
            canonical = canonical_bytes(document)
        except (ValueError, TypeError) as exc:
            raise PolicyProblem(f"embedded policy is not RFC 8785 representable ({exc})") from None
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
