"""A verified report as a fleet row: the verifier's judgement (and a what-if one), compactly.

Nothing is judged here: the report's own judgement comes from the verifier (judge/policies.py,
the one judge), the what-if one from the same engine. The fields come from the validated
predicate view, so every value has its schema type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from wfhaudit.judge.rows import Accepted, Judgement
from wfhaudit.report.validate import PredicateView
from wfhaudit.util.text import clip


def fleet_row(view: PredicateView, own: Judgement, whatif: Judgement | None, *, source: str,
              payload_sha256: str, warnings: tuple[str, ...] = (),
              custody: str = "user") -> Accepted:
    """The row the fleet outputs need for one verified, judged report."""
    return Accepted(
        input=source, payload_sha256=payload_sha256, device_id=view.device_id,
        sequence=view.sequence, finished_at=view.finished_at, finished_ts=int(view.finished),
        report_id=clip(view.report_id, 64), device_name=clip(view.device_name, 120),
        os_family=clip(view.os_family, 20), os_version=clip(view.os_version, 120),
        tool_version=clip(view.tool_version, 40), own=own, whatif=whatif,
        claimed_verdict=view.reported_verdict, evidence=_evidence(view.facts, own, whatif),
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
        fact = facts.get(key)
        if fact is None:
            text = "not in the report"
        elif fact["status"] == "observed":
            text = f"observed {json.dumps(fact['value'], ensure_ascii=False)}"
        else:
            text = f"unknown: {fact.get('reason')}"
        sources = fact.get("sources") if fact is not None else None
        if sources:
            text += f" (from {', '.join(sources[:5])})"
        if fact is not None and fact.get("detail"):
            text += f"; {fact['detail']}"
        out.append((key, clip(text, 240)))
    return tuple(out)
