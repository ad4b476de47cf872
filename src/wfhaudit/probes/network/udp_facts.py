"""Pure: RTT, jitter, loss, UDP reachability, loaded RTT and MOS from recorded samples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.network import mos as mos_model
from wfhaudit.probes.network.stats import (
    StreamAnalysis,
    WindowStats,
    analyse,
    median,
    seqs_sent_between,
    window_stats,
)
from wfhaudit.util.jsonshape import as_mapping

SOURCE = "measurement:stun"
UDP_KEYS = ("network.rtt_ms", "network.jitter_ms", "network.loss_pct", "network.udp_ok")
MIN_LOADED_REPLIES = 5


class Malformed(ValueError):
    """The recorded STUN measurement does not have the expected shape."""


def _floats(value: Any, name: str) -> list[float]:
    if not isinstance(value, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise Malformed(f"{name} must be a list of numbers")
    return [float(v) for v in value]


def _pairs(value: Any, name: str) -> list[tuple[int, float]]:
    if not isinstance(value, list):
        raise Malformed(f"{name} must be a list")
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], int)
                and isinstance(item[1], (int, float))):
            raise Malformed(f"{name} entries must be [seq, time]")
        out.append((int(item[0]), float(item[1])))
    return out


def stream_analysis(raw: Mapping[str, Any]) -> StreamAnalysis | None:
    """Analyse the recorded stream; None when no server answered the preflight."""
    if not raw.get("server"):
        return None
    sent = _floats(raw.get("sent"), "sent")
    replies = _pairs(raw.get("replies"), "replies")
    try:
        timeout_s = float(raw["timeout_ms"]) / 1000.0
        listen_end = float(raw["listen_end"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Malformed(f"missing timing field: {exc}") from None
    return analyse(sent, [list(r) for r in replies], timeout_s, listen_end)


def idle_stats(raw: Mapping[str, Any], analysis: StreamAnalysis) -> WindowStats:
    """The first `count` probes: the line at rest (the download waits for them)."""
    count = int(raw.get("count") or len(analysis.sent))
    return window_stats(analysis, range(min(count, len(analysis.sent))))


def _servers_text(raw: Mapping[str, Any]) -> str:
    parts = [f"{s.get('server')}: {s.get('error') or 'no reply'}"
             for s in raw.get("servers") or [] if isinstance(s, Mapping)]
    return "; ".join(parts) or "none"


def _no_udp_reason(raw: Mapping[str, Any]) -> tuple[str, bool | None]:
    """Why no UDP stream ran, and what that says about UDP (False blocked, None unknown)."""
    servers = [s for s in raw.get("servers") or [] if isinstance(s, Mapping)]
    if not servers:
        return "the policy names no STUN servers (settings.network.stun_servers)", None
    if not any(s.get("address") for s in servers):
        return f"no STUN server name resolved ({_servers_text(raw)}): no network or no DNS", None
    pre = as_mapping(raw.get("preflight"))
    tries = len(pre.get("sends") or [])
    refused = len(pre.get("refused") or [])
    why = (f"no STUN server answered {tries} Binding requests "
           f"({refused} refused with ICMP port unreachable)" if tries else
           f"no STUN request could be sent ({_servers_text(raw)})")
    tcp = as_mapping(raw.get("tcp_fallback"))
    if tcp.get("samples_ms"):
        return f"UDP is blocked: {why}, while TCP to {tcp.get('target')} works", False
    return f"{why}, and no TCP fallback answered either: the network is down or filtered", None


def _tcp_rtt(raw: Mapping[str, Any], why: str) -> Fact:
    tcp = as_mapping(raw.get("tcp_fallback"))
    try:
        samples = _floats(tcp.get("samples_ms") or [], "tcp_fallback.samples_ms")
    except Malformed as exc:
        return Fact.unknown("network.rtt_ms", f"recorded TCP samples are malformed: {exc}",
                            [SOURCE])
    value = median(samples)
    if value is None:
        errors = "; ".join(str(e) for e in (tcp.get("errors") or [])[:3])
        tail = f" (TCP fallback: {errors})" if errors else ""
        return Fact.unknown("network.rtt_ms", why + tail, [SOURCE])
    return Fact.observed("network.rtt_ms", value, [SOURCE, "measurement:stun.tcp_fallback"],
                         detail=f"{why}; median TCP connect time to {tcp.get('target')} over "
                                f"{len(samples)} connects (TCP fallback: no jitter or loss)")


def udp_facts(raw: Mapping[str, Any] | None) -> tuple[list[Fact], StreamAnalysis | None,
                                                      WindowStats | None]:
    """rtt, jitter, loss and udp_ok facts, plus the analysis for loaded RTT and MOS."""
    if raw is None:
        return [Fact.unknown(k, "no STUN measurement was recorded", [SOURCE])
                for k in UDP_KEYS], None, None
    try:
        analysis = stream_analysis(raw)
    except Malformed as exc:
        reason = f"the recorded STUN measurement is malformed: {exc}"
        return [Fact.unknown(k, reason, [SOURCE]) for k in UDP_KEYS], None, None
    if analysis is None:
        why, udp_ok = _no_udp_reason(raw)
        facts = [_tcp_rtt(raw, why),
                 Fact.unknown("network.jitter_ms", f"{why}; jitter needs the UDP stream",
                              [SOURCE]),
                 Fact.unknown("network.loss_pct", f"{why}; loss needs the UDP stream", [SOURCE])]
        facts.append(Fact.observed("network.udp_ok", False, [SOURCE], detail=why)
                     if udp_ok is False else Fact.unknown("network.udp_ok", why, [SOURCE]))
        return facts, None, None
    idle = idle_stats(raw, analysis)
    server = raw.get("server")
    pace = f"{raw.get('interval_ms')} ms pacing"
    counters = (f"{idle.late} late, {idle.duplicates} duplicate and {idle.reordered} reordered "
                f"replies, {idle.pending} unresolved at the end")
    errors = raw.get("error_responses")
    note = (f" ({errors} were Binding error responses: the server wants credentials, the "
            "round trip still counts)") if isinstance(errors, int) and errors > 0 else ""
    facts = [Fact.observed("network.udp_ok", True, [SOURCE],
                           detail=f"STUN Binding replies from {server}{note}")]
    if idle.rtt_median_ms is None:
        facts.append(Fact.unknown("network.rtt_ms", f"none of {idle.sent} STUN probes to {server} "
                                                    "was answered in time", [SOURCE]))
    else:
        facts.append(Fact.observed(
            "network.rtt_ms", idle.rtt_median_ms, [SOURCE],
            detail=f"median of {idle.received} STUN round trips to {server} at {pace}; "
                   f"min {idle.rtt_min_ms:.1f} ms, p95 {idle.rtt_p95_ms:.1f} ms"))
    if idle.jitter_ms is None:
        facts.append(Fact.unknown("network.jitter_ms",
                                  f"only {idle.received} STUN replies: jitter needs two", [SOURCE]))
    else:
        facts.append(Fact.observed(
            "network.jitter_ms", idle.jitter_ms, [SOURCE],
            detail=f"RFC 3550 interarrival estimator (J += (|D| - J)/16) over {idle.received} "
                   "round trips in arrival order"))
    if idle.loss_pct is None:
        facts.append(Fact.unknown("network.loss_pct", "no probe lived out its timeout", [SOURCE]))
    else:
        facts.append(Fact.observed(
            "network.loss_pct", idle.loss_pct, [SOURCE],
            detail=f"{idle.lost} of {idle.received + idle.lost} probes unanswered within "
                   f"{raw.get('timeout_ms')} ms; {counters}"))
    return facts, analysis, idle


def loaded_rtt_fact(analysis: StreamAnalysis | None, window: tuple[float, float] | None,
                    speed_reason: str | None) -> Fact:
    """network.loaded_rtt_ms: median STUN RTT over probes sent while the download ran."""
    key = "network.loaded_rtt_ms"
    sources = [SOURCE, "measurement:speedtest"]
    if analysis is None:
        return Fact.unknown(key, "no UDP stream ran, so latency under load was not measured",
                            sources)
    if window is None:
        why = speed_reason or "no download ran"
        return Fact.unknown(key, f"no download was measured alongside the UDP stream: {why}",
                            sources)
    seqs = seqs_sent_between(analysis, *window)
    stats = window_stats(analysis, seqs)
    if stats.rtt_median_ms is None or stats.received < MIN_LOADED_REPLIES:
        return Fact.unknown(key, f"only {stats.received} of {stats.sent} STUN probes sent during "
                                 "the download were answered", sources)
    return Fact.observed(key, stats.rtt_median_ms, sources,
                         detail=f"median of {stats.received} STUN round trips during the "
                                f"{window[1] - window[0]:.1f} s download; loss "
                                f"{stats.loss_pct or 0:.1f} %, jitter {stats.jitter_ms or 0:.2f} ms")


def mos_fact(facts: Sequence[Fact]) -> Fact:
    """network.mos from the observed rtt, jitter and loss (all from the UDP stream)."""
    by_key = {f.key: f for f in facts}
    needed = [by_key.get(k) for k in ("network.rtt_ms", "network.jitter_ms", "network.loss_pct")]
    missing = [k for k, f in zip(("RTT", "jitter", "loss"), needed, strict=True)
               if f is None or not f.is_known]
    if missing:
        return Fact.unknown("network.mos", f"MOS needs UDP {', '.join(missing)}, which "
                                           "could not be measured", [SOURCE])
    rtt, jitter, loss = (float(f.value) for f in needed if f is not None)
    est = mos_model.estimate(rtt, jitter, loss)
    return Fact.observed("network.mos", est.mos, [SOURCE], detail=est.explain())
