"""`--json`: the fleet summary as one JSON document (format wfhaudit-fleet/1)."""

from __future__ import annotations

import io
import json
from typing import Any, TextIO

from wfhaudit import __version__
from wfhaudit.fleet.context import RunContext, iso
from wfhaudit.fleet.summary import MISSING, NOT_READY, STALE_DEVICE, DeviceState
from wfhaudit.judge.rows import Accepted, Issue, Judgement

FORMAT = "wfhaudit-fleet/1"


def _issue(i: Issue) -> dict[str, Any]:
    return {"rule": i.rule, "status": i.status, "severity": i.severity, "blocking": i.blocking,
            "failing": i.failing, "measured": i.measured, "unit": i.unit,
            "expected": i.expected, "reason": i.reason}


def _judgement(j: Judgement) -> dict[str, Any]:
    return {"policy": {"id": j.policy_id, "digest": j.policy_digest}, "verdict": j.verdict,
            "score": j.score, "issues": [_issue(i) for i in j.issues]}


def _report(r: Accepted) -> dict[str, Any]:
    out = {"input": r.input, "payload_sha256": r.payload_sha256, "report_id": r.report_id,
           "sequence": r.sequence, "finished_at": r.finished_at, "device_name": r.device_name,
           "os": {"family": r.os_family, "version": r.os_version},
           "tool_version": r.tool_version, "claimed_verdict": r.claimed_verdict,
           "warnings": list(r.warnings), "custody": r.custody, "own": _judgement(r.own)}
    if r.whatif is not None:
        out["whatif"] = _judgement(r.whatif)
    return out


def device_dict(d: DeviceState) -> dict[str, Any]:
    """One device row (also used by the CSV writer)."""
    out: dict[str, Any] = {"device": d.device_id, "status": d.status,
                           "reports_accepted": d.reports_seen, "expected": d.expected}
    if d.report is not None:
        out["verdict"] = d.report.active.verdict
        out["failing_rules"] = sorted(d.report.active.failing_rules)
        out["received_at"] = d.received_at
        out["report"] = _report(d.report)
    if d.stale_ts is not None:
        out["newest_stale_finished_at"] = iso(d.stale_ts)
    return out


def fleet_head(ctx: RunContext) -> dict[str, Any]:
    """Everything of the summary except the long lists (devices, rejected inputs)."""
    s = ctx.summary
    decision = ctx.decision
    doc: dict[str, Any] = {
        "format": FORMAT,
        "generated_at": ctx.generated_at,
        "tool": {"name": "wfhaudit", "version": __version__},
        "trust": {"file": ctx.trust_source, "version": ctx.trust_version},
        "policy": {"mode": "what-if" if ctx.whatif else "own",
                   "whatif": None if ctx.whatif is None else {
                       "id": ctx.whatif.id, "version": ctx.whatif.version,
                       "digest": ctx.whatif.digest, "source": ctx.whatif.source}},
        "gate": {"exit_code": int(decision.exit_code), "decided_by": decision.decided_by,
                 "reason": decision.reason,
                 "results": [{"gate": r.name, "held": r.held, "detail": r.detail,
                              "devices": list(r.devices)} for r in decision.results]},
        "ready_pct": s.ready_pct,
        "counts": {
            "inputs": s.inputs, "accepted": s.accepted, "superseded": s.superseded,
            "previously_received": s.previously_received, "stale_inputs": s.stale_inputs,
            "rejected": s.rejected_total, "rejected_by_reason": dict(sorted(
                s.rejected_by_reason.items())),
            "devices_expected": s.expected_devices, "devices_ready": s.ready_expected,
            "devices_not_expected": sum(1 for d in s.devices if not d.expected),
            "devices_not_ready": s.count(NOT_READY), "devices_stale": s.count(STALE_DEVICE),
            "devices_missing": s.count(MISSING), "verdict_mismatches": s.verdict_mismatches},
        "rules": [{"rule": r.rule, "title": r.title, "severity": r.severity,
                   "failing": r.failing, "counts": dict(sorted(r.counts.items()))}
                  for r in s.rules],
        "rejected_listed": len(s.rejected),
        "missing": [d.device_id for d in s.devices if d.status == MISSING],
        "stale": [{"device": d.device_id, "newest_finished_at": iso(d.stale_ts)}
                  for d in s.devices if d.status == STALE_DEVICE],
        "history": [{"at": p.at, "ready_pct": p.ready_pct, "ready": p.ready,
                     "expected": p.expected} for p in ctx.trend],
        "elapsed_s": round(ctx.elapsed_s, 3),
    }
    if s.whatif is not None:
        doc["whatif"] = {
            "changed": [{"device": d, "own": a, "whatif": b} for d, a, b in s.whatif.changed],
            "newly_failing": dict(sorted(s.whatif.newly_failing.items())),
            "newly_passing": dict(sorted(s.whatif.newly_passing.items()))}
    return doc


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def write_json(ctx: RunContext, out: TextIO) -> None:
    """Stream the summary: one JSON object; devices and rejections one per line."""
    out.write("{\n")
    for key, value in fleet_head(ctx).items():
        out.write(f"{_dump(key)}: {_dump(value)},\n")
    out.write('"devices": [\n')
    for i, device in enumerate(ctx.summary.devices):
        out.write(("," if i else "") + _dump(device_dict(device)) + "\n")
    out.write('],\n"rejected": [\n')
    for i, r in enumerate(ctx.summary.rejected):
        out.write(("," if i else "") + _dump({"input": r.input, "reason": r.reason,
                                               "detail": r.detail,
                                               "payload_sha256": r.payload_sha256}) + "\n")
    out.write("]\n}\n")


def render_json(ctx: RunContext) -> str:
    """The summary as JSON text (see write_json)."""
    buf = io.StringIO()
    write_json(ctx, buf)
    return buf.getvalue()
