"""Turn an (untrusted) report predicate into plain values for the HTML template.

Never raises on odd shapes: it shows what is there.
"""

from __future__ import annotations

from typing import Any

from wfhaudit.report.html.evidence import evidence_for
from wfhaudit.report.html.svg import extract_samples, rtt_chart, transfer_windows
from wfhaudit.report.model import ReportFact, ReportFinding
from wfhaudit.util.display import format_value
from wfhaudit.util.jsonshape import as_dict, as_list
from wfhaudit.util.text import has_bidi, hidden_count

STATUS = {  # status -> (word, css class, symbol); symbol and word carry it, not colour
    "PASS": ("PASS", "pass", "\u2714"), "FAIL": ("FAIL", "fail", "\u2716"),
    "UNKNOWN": ("UNKNOWN", "unknown", "?"), "WAIVED": ("WAIVED", "waived", "\u2691"),
    "NOT_APPLICABLE": ("NOT APPLICABLE", "na", "\u2013"),
}
_RANK = {"FAIL": 1, "UNKNOWN": 2, "WAIVED": 3, "PASS": 4, "NOT_APPLICABLE": 5}
VOIP_FACTS = ("network.rtt_ms", "network.jitter_ms", "network.loss_pct", "network.mos",
              "network.loaded_rtt_ms", "network.download_mbps", "network.upload_mbps",
              "network.udp_ok", "network.link", "network.wifi_signal_dbm")


fmt = format_value



def status_of(value: Any) -> dict[str, str]:
    """Word, css class and symbol for a status string (an unknown status shows as itself)."""
    word, css, symbol = STATUS.get(str(value), (str(value), "other", "\u2022"))
    return {"word": word, "css": css, "symbol": symbol}


def _pick(value: Any, keys: tuple[str, ...]) -> dict[str, str]:
    d = as_dict(value)
    return {k: "" if d.get(k) is None else fmt(d.get(k)) for k in keys}


def _fact_view(key: str, raw: Any) -> dict[str, Any]:
    fact = ReportFact.shown(raw)
    return {"key": key, "observed": fact.observed,
            "value": fmt(fact.value, fact.unit) if fact.observed else "unknown",
            "reason": fact.reason or "", "detail": fact.detail or "",
            "sources": list(fact.sources)}


def _finding_view(index: int, raw: Any, facts: dict[str, Any],
                  evidence: dict[str, Any] | None) -> dict[str, Any]:
    f = ReportFinding.shown(raw)
    fact = _fact_view(f.fact, facts.get(f.fact))
    return {
        "anchor": f"finding-{index}", "rule": f.rule,
        "title": f.title or f.rule or "(untitled rule)",
        "status": status_of(f.status), "raw_status": f.status,
        "severity": f.severity, "required": f.required, "blocking": f.blocking,
        "measured": fmt(f.measured, f.unit) if f.status != "UNKNOWN" else "unknown",
        "expected": f.expected, "reason": f.reason, "remediation": f.remediation,
        "rationale": f.rationale, "references": list(f.references),
        "waiver": fmt(f.waiver) if f.waiver else "", "fact": fact,
        "evidence": evidence_for(fact["sources"], evidence),
    }


def _number_fact(facts: dict[str, Any], key: str) -> float | None:
    fact = as_dict(facts.get(key))
    value = fact.get("value") if fact.get("status") == "observed" else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if abs(value) < 1e9 else None


def _voip(facts: dict[str, Any], evidence: dict[str, Any] | None) -> dict[str, Any] | None:
    measurements = as_dict(as_dict(evidence).get("measurements"))
    samples = extract_samples(measurements.get("stun"))
    present = [k for k in VOIP_FACTS if k in facts]
    if samples is None and not present:
        return None
    return {"figures": [_fact_view(k, facts[k]) for k in present],
            "chart": rtt_chart(samples, _number_fact(facts, "network.jitter_ms"),
                               transfer_windows(measurements.get("speedtest"), samples),
                               _number_fact(facts, "network.rtt_ms"))
            if samples is not None else None,
            "samples": len(samples.points) if samples else 0,
            "lost": samples.lost if samples else 0}


def build_view(predicate: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain strings, lists and dicts."""
    facts = as_dict(predicate.get("facts"))
    evidence = predicate.get("evidence") if isinstance(predicate.get("evidence"), dict) else None
    summary = as_dict(predicate.get("summary"))
    findings = [_finding_view(i, f, facts, evidence)
                for i, f in enumerate(as_list(predicate.get("findings")), start=1)]
    findings.sort(key=lambda v: (not v["blocking"], _RANK.get(v["raw_status"], 9)))
    counts = as_dict(summary.get("counts"))
    verdict = str(summary.get("verdict") or "")
    tool, policy = predicate.get("tool"), predicate.get("policy")
    return {
        "ready": verdict == "READY", "verdict_note": "",
        "verdict": "READY" if verdict == "READY" else "NOT READY" if verdict == "NOT_READY"
        else f"UNRECOGNISED VERDICT: {verdict}",
        "score": summary.get("score"),
        "counts": [(status_of(k), counts.get(k, 0)) for k in STATUS],
        "blocking": [f for f in findings if f["blocking"]],
        "findings": findings,
        "facts": [_fact_view(k, v) for k, v in sorted(facts.items())],
        "device": _pick(predicate.get("device"), ("id", "name")),
        "os": _pick(predicate.get("os"), ("family", "version", "release", "machine")),
        "tool": _pick(tool, ("name", "version")),
        "policy": _pick(policy, ("id", "version", "title", "digest")),
        "campaign": fmt(predicate.get("campaign"))
        if predicate.get("campaign") else "",
        "started_at": str(predicate.get("started_at") or ""),
        "finished_at": str(predicate.get("finished_at") or ""),
        "report_id": str(predicate.get("report_id") or ""), "sequence": predicate.get("sequence"),
        "evidence_level": str(predicate.get("evidence_level") or ""),
        "has_evidence": evidence is not None,
        "replayed_from": str(predicate.get("replayed_from") or ""),
        "probes_run": [str(p) for p in as_list(predicate.get("probes_run"))],
        "voip": _voip(facts, evidence),
        "hidden_chars": hidden_count(predicate), "bidi": has_bidi(predicate),
        "data": {"format": "wfhaudit-html-data/1", "report_id": predicate.get("report_id"),
                 "device": predicate.get("device"), "verdict": verdict,
                 "score": summary.get("score"),
                 "findings": [{"rule": f["rule"], "status": f["raw_status"]} for f in findings]},
    }
