"""Turn an (untrusted) report predicate into plain values for the HTML template.

Never raises on odd shapes: it shows what is there. The page leads with one table of every
rule; only rules that need attention (FAIL, UNKNOWN, WAIVED) get a card, passed rules fold
away with their evidence.
"""

from __future__ import annotations

from typing import Any

from wfhaudit.evaluate import SEVERITY_WEIGHT
from wfhaudit.facts import CATALOGUE
from wfhaudit.report.html.evidence import evidence_for
from wfhaudit.report.html.printed import (
    Shortener,
    card_runs,
    mark_cards,
    mark_facts,
    mark_rows,
    short_source,
)
from wfhaudit.report.html.samples import Samples, extract_samples, transfer_windows
from wfhaudit.report.html.svg import rtt_chart
from wfhaudit.report.model import ReportFact, ReportFinding
from wfhaudit.util.display import format_value
from wfhaudit.util.jsonshape import as_dict, as_list, as_number
from wfhaudit.util.text import has_bidi, hidden_count

STATUS = {  # status -> (word, css class, symbol); symbol and word carry it, not colour
    "PASS": ("PASS", "pass", "\u2714"), "FAIL": ("FAIL", "fail", "\u2716"),
    "UNKNOWN": ("UNKNOWN", "unknown", "?"), "WAIVED": ("WAIVED", "waived", "\u2691"),
    "NOT_APPLICABLE": ("NOT APPLICABLE", "na", "\u2013"),
}
SEVERITIES = ("critical", "high", "medium", "low", "info")
_RANK = {"FAIL": 1, "UNKNOWN": 2, "WAIVED": 3, "PASS": 4, "NOT_APPLICABLE": 5}
_FOLDED = ("PASS", "NOT_APPLICABLE")  # no card: the table says all there is
VOIP_FACTS = ("network.rtt_ms", "network.jitter_ms", "network.jitter_oneway_ms",
              "network.loss_pct", "network.mos",
              "network.loaded_rtt_ms", "network.download_mbps", "network.upload_mbps",
              "network.udp_ok", "network.link", "network.wifi_signal_dbm")
LIMITS = {"network.rtt_ms": "RTT limit", "network.loaded_rtt_ms": "RTT under load limit"}
SCORE_NOTE = ("The score is the weight of the rules passed out of the weight of the rules "
              "checked (" + ", ".join(f"{name} {weight}" for name, weight in
                                      SEVERITY_WEIGHT.items() if weight)
              + "); READY needs every required rule to pass.")

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
    unit = fact.unit or (CATALOGUE[key].unit if key in CATALOGUE else None)
    return {"key": key, "parts": key.split("."), "observed": fact.observed,
            "value": fmt(fact.value, unit) if fact.observed else "unknown",
            "reason": fact.reason or "", "detail": fact.detail or "",
            "sources": list(fact.sources),
            "short_sources": [short_source(s) for s in fact.sources]}


def _finding_view(index: int, raw: Any, facts: dict[str, Any],
                  evidence: dict[str, Any] | None) -> dict[str, Any]:
    f = ReportFinding.shown(raw)
    fact = _fact_view(f.fact, facts.get(f.fact))
    return {
        "anchor": f"finding-{index}", "rule": f.rule,
        "title": f.title or f.rule or "(untitled rule)",
        "status": status_of(f.status), "raw_status": f.status,
        "severity": f.severity, "sev_css": f.severity if f.severity in SEVERITIES else "other",
        "required": f.required, "blocking": f.blocking,
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


def policy_limits(predicate: dict[str, Any]) -> list[tuple[str, float]]:
    """RTT thresholds of the report's own policy (rules on the RTT facts), for the chart."""
    document = as_dict(as_dict(predicate.get("policy")).get("document"))
    out: list[tuple[str, float]] = []
    for rule in as_list(document.get("rules"))[:200]:
        rule = as_dict(rule)
        label = LIMITS.get(str(rule.get("fact")))
        expect = as_dict(rule.get("expect"))
        for op in ("below", "max"):
            value = as_number(expect.get(op), limit=1e6)
            if label and value is not None and value > 0 and (label, value) not in out:
                out.append((label, value))
    return out[:4]


def _figures(facts: dict[str, Any], findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The measured VoIP figures with what the policy expects of each and how it went."""
    by_fact = {f["fact"]["key"]: f for f in findings}
    out = []
    for key in (k for k in VOIP_FACTS if k in facts):
        view = _fact_view(key, facts[key])
        judged = by_fact.get(key)
        view.update(label=CATALOGUE[key].description, expected=judged["expected"] if judged else "",
                    status=judged["status"] if judged else None)
        out.append(view)
    return out


def _percentiles(samples: Samples | None) -> list[tuple[str, str]]:
    cuts = samples.percentiles() if samples is not None else None
    return [(name, fmt(value, "ms")) for name, value in cuts.items()] if cuts else []


def _voip(predicate: dict[str, Any], facts: dict[str, Any], evidence: dict[str, Any] | None,
          findings: list[dict[str, Any]]) -> dict[str, Any] | None:
    measurements = as_dict(as_dict(evidence).get("measurements"))
    samples = extract_samples(measurements.get("stun"))
    present = [k for k in VOIP_FACTS if k in facts]
    if samples is None and not present:
        return None
    chart = None
    if samples is not None:
        chart = rtt_chart(samples, _number_fact(facts, "network.jitter_ms"),
                          transfer_windows(measurements.get("throughput")
                                           or measurements.get("speedtest"), samples),
                          _number_fact(facts, "network.rtt_ms"), policy_limits(predicate))
    return {"figures": _figures(facts, findings), "chart": chart,
            "samples": len(samples.points) if samples else 0,
            "lost": samples.lost if samples else 0, "percentiles": _percentiles(samples)}


def _all_facts(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """Every fact by key; an unknown reason the row above already gave says so instead."""
    rows, previous = [], None
    for key, raw in sorted(facts.items()):
        row = _fact_view(key, raw)
        row["same_reason"] = not row["observed"] and bool(row["reason"]) \
            and row["reason"] == previous
        previous = row["reason"] if not row["observed"] else None
        rows.append(row)
    return rows


def build_view(predicate: dict[str, Any]) -> dict[str, Any]:
    """Everything the template shows, as plain strings, lists and dicts."""
    facts = as_dict(predicate.get("facts"))
    evidence = predicate.get("evidence") if isinstance(predicate.get("evidence"), dict) else None
    summary = as_dict(predicate.get("summary"))
    findings = [_finding_view(i, f, facts, evidence)
                for i, f in enumerate(as_list(predicate.get("findings")), start=1)]
    findings.sort(key=lambda v: (not v["blocking"], _RANK.get(v["raw_status"], 9)))
    cards = [f for f in findings if f["raw_status"] not in _FOLDED]
    short = Shortener(facts, evidence)  # in page order: cards, voice figures, all facts
    mark_cards(cards, short)
    mark_rows(findings)
    voip = _voip(predicate, facts, evidence, findings)
    mark_facts(voip["figures"] if voip else [], short)
    all_facts = _all_facts(facts)
    mark_facts(all_facts, short)
    counts = as_dict(summary.get("counts"))
    verdict = str(summary.get("verdict") or "")
    tool, policy = predicate.get("tool"), predicate.get("policy")
    return {
        "ready": verdict == "READY", "verdict_note": "",
        "verdict": "READY" if verdict == "READY" else "NOT READY" if verdict == "NOT_READY"
        else f"UNRECOGNISED VERDICT: {verdict}",
        "score": summary.get("score"), "score_note": SCORE_NOTE,
        "counts": [(status_of(k), counts.get(k, 0)) for k in STATUS],
        "blocking": [f for f in findings if f["blocking"]],
        "findings": findings,
        "cards": cards, "card_runs": card_runs(cards),
        "passed": [f for f in findings if f["raw_status"] == "PASS"],
        "facts": all_facts, "long_commands": short.listing(),
        "device": _pick(predicate.get("device"), ("id", "name")),
        "os": _pick(predicate.get("os"), ("family", "version", "release", "machine")),
        "tool": _pick(tool, ("name", "version")),
        "policy": _pick(policy, ("id", "version", "title", "digest")),
        "campaign": fmt(predicate.get("campaign")) if predicate.get("campaign") else "",
        "started_at": str(predicate.get("started_at") or ""),
        "finished_at": str(predicate.get("finished_at") or ""),
        "report_id": str(predicate.get("report_id") or ""), "sequence": predicate.get("sequence"),
        "evidence_level": str(predicate.get("evidence_level") or ""),
        "has_evidence": evidence is not None,
        "replayed_from": str(predicate.get("replayed_from") or ""),
        "probes_run": [str(p) for p in as_list(predicate.get("probes_run"))],
        "voip": voip,
        "hidden_chars": hidden_count(predicate), "bidi": has_bidi(predicate),
        "data": {"format": "wfhaudit-html-data/1", "report_id": predicate.get("report_id"),
                 "device": predicate.get("device"), "verdict": verdict,
                 "score": summary.get("score"),
                 "findings": [{"rule": f["rule"], "status": f["raw_status"]} for f in findings]},
    }
