"""Server-side judgement: recompute findings from a verified report's facts under a policy.

Evaluation is pure, so outcomes are memoised on exactly what they depend on: the facts the
policy reads (status, value, reason), the OS, and the device and day only when waivers make
them matter. Devices with the same facts share one Judgement object.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.evaluate import Evaluation, Status, evaluate
from wfhaudit.facts import FactSet
from wfhaudit.judge.rows import STATUS_CODE, Accepted, Issue, Judgement, RuleMeta
from wfhaudit.policy.model import Policy
from wfhaudit.util.jsonshape import as_mapping
from wfhaudit.util.text import clip

_NON_PASS = (Status.FAIL, Status.UNKNOWN, Status.WAIVED)
MEMO_LIMIT = 50_000


class JudgeError(ValueError):
    """A verified report's facts cannot be judged under the what-if policy."""


def rule_meta(policy: Policy) -> RuleMeta:
    """(id, title, severity) of every rule, in policy order."""
    return tuple((r.id, r.title, r.severity) for r in policy.rules)


def judgement_of(policy: Policy, digest: str, evaluation: Evaluation,
                 meta: RuleMeta | None = None) -> Judgement:
    """Compact form of an evaluation."""
    issues = tuple(
        Issue(rule=f.rule_id, title=f.title, status=f.status.value, severity=f.severity,
              blocking=f.blocking, measured=f.measured, unit=f.unit, expected=f.expected,
              reason=clip(f.reason, 200), fact=f.fact, fix=clip(f.remediation, 300))
        for f in evaluation.findings if f.status in _NON_PASS)
    codes = "".join(STATUS_CODE[f.status.value] for f in evaluation.findings)
    return Judgement(policy.id, digest, evaluation.verdict.value, evaluation.score,
                     meta if meta is not None else rule_meta(policy), codes, issues)


@dataclass
class _PolicyInfo:
    policy: Policy
    digest: str
    meta: RuleMeta
    needed: tuple[str, ...]
    by_device: bool
    by_day: bool


def _info(policy: Policy, digest: str) -> _PolicyInfo:
    return _PolicyInfo(policy, digest, rule_meta(policy), tuple(sorted(policy.needed_facts())),
                       any(w.devices is not None for w in policy.waivers), bool(policy.waivers))


def _freeze(value: Any) -> Any:
    return (list, tuple(value)) if type(value) is list else (type(value), value)


def _fact_key(fact: Any) -> Any:
    if not isinstance(fact, Mapping):
        return None
    return (fact.get("status"), _freeze(fact.get("value")), fact.get("reason"))


class Judge:
    """Judges verified predicates under their own accepted policy and an optional what-if."""

    def __init__(self, whatif: Policy | None = None) -> None:
        self.whatif = _info(whatif, whatif.digest) if whatif is not None else None
        self._infos: dict[str, _PolicyInfo] = {}
        self._memo: dict[Any, Judgement] = {}

    def _judge(self, info: _PolicyInfo, facts: Mapping[str, Any], os_family: str,
               device_id: str, day: dt.date) -> Judgement:
        try:
            key = (info.digest, os_family, device_id if info.by_device else None,
                   day if info.by_day else None, tuple(_fact_key(facts.get(k)) for k in info.needed))
            hit = self._memo.get(key)
        except TypeError:  # an unhashable value: judge without the memo
            key, hit = None, None
        if hit is not None:
            return hit
        try:
            fact_set = FactSet.from_dict({k: facts[k] for k in info.needed if k in facts})
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise JudgeError(f"facts cannot be judged under policy {info.policy.id}: "
                             f"{clip(exc, 200)}") from None
        judgement = judgement_of(info.policy, info.digest,
                                 evaluate(info.policy, fact_set, os_family, device_id, day),
                                 info.meta)
        if key is not None:
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = judgement
        return judgement

    def judge(self, predicate: Mapping[str, Any], own_policy: Policy, own_digest: str, *,
              source: str, payload_sha256: str, device_id: str, sequence: int,
              warnings: tuple[str, ...] = (), custody: str = "user") -> Accepted:
        """Recompute the verdict under the report's accepted policy (and the what-if policy)."""
        info = self._infos.get(own_digest)
        if info is None:
            info = self._infos[own_digest] = _info(own_policy, own_digest)
        facts = predicate.get("facts")
        facts = facts if isinstance(facts, Mapping) else {}
        finished_at = str(predicate.get("finished_at", ""))
        try:
            if len(finished_at) != 20 or not finished_at.endswith("Z"):
                raise ValueError(finished_at)
            finished = dt.datetime.fromisoformat(finished_at[:19]).replace(
                tzinfo=dt.timezone.utc)
        except ValueError:
            raise JudgeError(f"finished_at {clip(finished_at, 40)!r} is not a UTC time") from None
        os_block, device, tool = (as_mapping(predicate.get(k)) for k in ("os", "device", "tool"))
        os_family = str(os_block.get("family", ""))
        day = finished.date()
        own = self._judge(info, facts, os_family, device_id, day)
        whatif = None
        if self.whatif is not None:
            whatif = self._judge(self.whatif, facts, os_family, device_id, day)
        claimed = str(as_mapping(predicate.get("summary")).get("verdict", ""))
        return Accepted(
            input=source, payload_sha256=payload_sha256, device_id=device_id,
            sequence=sequence, finished_at=finished_at, finished_ts=int(finished.timestamp()),
            report_id=clip(predicate.get("report_id", ""), 64),
            device_name=clip(device.get("name", ""), 120),
            os_family=clip(os_family, 20), os_version=clip(os_block.get("version") or "", 120),
            tool_version=clip(tool.get("version", ""), 40), own=own, whatif=whatif,
            claimed_verdict=clip(claimed, 20), evidence=_evidence(facts, own, whatif),
            warnings=warnings, custody=custody)


def _evidence(facts: Mapping[str, Any], own: Judgement,
              whatif: Judgement | None) -> tuple[tuple[str, str], ...]:
    """Short text of the facts behind each non-passing rule (for the drill-down)."""
    keys: dict[str, None] = {}
    for judgement in (own, whatif):
        if judgement is not None:
            keys.update((i.fact, None) for i in judgement.issues)
    out = []
    for key in keys:
        fact = as_mapping(facts.get(key))
        if fact.get("status") == "observed":
            text = f"observed {json.dumps(fact.get('value'), ensure_ascii=False)}"
        elif fact:
            text = f"unknown: {fact.get('reason')}"
        else:
            text = "not in the report"
        sources = fact.get("sources")
        if isinstance(sources, list) and sources:
            text += f" (from {', '.join(str(s) for s in sources[:5])})"
        if fact.get("detail"):
            text += f"; {fact.get('detail')}"
        out.append((key, clip(text, 240)))
    return tuple(out)
