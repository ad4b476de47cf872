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
from wfhaudit.probes.network.udp_reasons import counted, error_codes_text, no_stream_reason
from wfhaudit.util.jsonshape import as_mapping

SOURCE = "measurement:stun"
UDP_KEYS = ("network.rtt_ms", "network.jitter_ms", "network.jitter_oneway_ms",
            "network.loss_pct", "network.udp_ok")
ONEWAY_METHOD = ("estimated one-way: round-trip jitter / sqrt 2, which assumes both directions "
                 "vary alike and independently (if one direction carried all of it, that "
                 "direction's jitter would equal the round-trip figure)")
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


def _no_stream_facts(raw: Mapping[str, Any]) -> list[Fact]:
    why, udp_ok = no_stream_reason(raw)
    facts = [_tcp_rtt(raw, why)]
    facts += [Fact.unknown(k, f"{why}; {what} needs the UDP stream", [SOURCE]) for k, what in (
        ("network.jitter_ms", "jitter"), ("network.jitter_oneway_ms", "jitter"),
        ("network.loss_pct", "loss"))]
    facts.append(Fact.unknown("network.udp_ok", why, [SOURCE]) if udp_ok is None else
                 Fact.observed("network.udp_ok", udp_ok, [SOURCE], detail=why))
    return facts


def _error_note(raw: Mapping[str, Any], received: int) -> str:
    """Say so when replies were Binding error responses (they count as round trips)."""
    errors = raw.get("error_responses")
    if not isinstance(errors, int) or errors <= 0:
        return ""
    whole = "all" if errors >= received else f"{errors} of"
    return (f"; {whole} the replies were Binding error responses "
            f"({error_codes_text(raw.get('error_codes'))}), which the server sends instead of "
            "an address: each still times a round trip and counts as answered")


def _late_text(stats: WindowStats, timeout_ms: Any) -> str:
    if not stats.late_ms:
        return ""
    low, high = stats.late_ms
    spread = f"{low:.0f} ms" if high - low < 1 else f"{low:.0f}-{high:.0f} ms"
    return (f"; {stats.late} replies came after the {timeout_ms} ms timeout ({spread} after "
            "sending) and count as lost")


def _send_note(raw: Mapping[str, Any]) -> str:
    sends = as_mapping(raw.get("send_errors"))
    failed = sends.get("count")
    if not isinstance(failed, int) or failed <= 0:
        return ""
    return f"; {failed} requests failed to send ({counted(sends.get('kinds'))})"


def _jitter_facts(idle: WindowStats) -> list[Fact]:
    if idle.jitter_ms is None:
        why = f"only {idle.received} STUN replies: jitter needs two"
        return [Fact.unknown("network.jitter_ms", why, [SOURCE]),
                Fact.unknown("network.jitter_oneway_ms", why, [SOURCE])]
    return [Fact.observed(
        "network.jitter_ms", idle.jitter_ms, [SOURCE],
        detail=f"round trip (both directions added): RFC 3550 interarrival estimator "
               f"(J += (|D| - J)/16) over {idle.received} round trips in arrival order"),
        Fact.observed("network.jitter_oneway_ms", mos_model.oneway_jitter_ms(idle.jitter_ms),
                      [SOURCE], detail=f"{ONEWAY_METHOD}; round-trip jitter "
                                       f"{idle.jitter_ms:.2f} ms")]


def _loss_fact(raw: Mapping[str, Any], idle: WindowStats, note: str) -> Fact:
    if idle.loss_pct is None:
        return Fact.unknown("network.loss_pct", "no probe lived out its timeout", [SOURCE])
    counters = (f"{idle.late} late, {idle.duplicates} duplicate and {idle.reordered} reordered "
                f"replies, {idle.pending} unresolved at the end")
    burst = (f"; {idle.loss_bursts} loss bursts, burst ratio {idle.burst_ratio:.2f} "
             "(mean burst length / that of random loss at this rate)"
             if idle.burst_ratio is not None else "")
    return Fact.observed(
        "network.loss_pct", idle.loss_pct, [SOURCE],
        detail=f"{idle.lost} of {idle.received + idle.lost} probes unanswered within "
               f"{raw.get('timeout_ms')} ms; {counters}{burst}"
               f"{_late_text(idle, raw.get('timeout_ms'))}{_send_note(raw)}{note}")


def udp_facts(raw: Mapping[str, Any] | None) -> tuple[list[Fact], StreamAnalysis | None,
                                                      WindowStats | None]:
    """rtt, jitter (round trip and one-way), loss and udp_ok facts, plus the analysis."""
    if raw is None:
        return [Fact.unknown(k, "no STUN measurement was recorded", [SOURCE])
                for k in UDP_KEYS], None, None
    try:
        analysis = stream_analysis(raw)
    except Malformed as exc:
        reason = f"the recorded STUN measurement is malformed: {exc}"
        return [Fact.unknown(k, reason, [SOURCE]) for k in UDP_KEYS], None, None
    if analysis is None:
        return _no_stream_facts(raw), None, None
    idle = idle_stats(raw, analysis)
    server = raw.get("server")
    note = _error_note(raw, idle.received)
    facts = [Fact.observed("network.udp_ok", True, [SOURCE],
                           detail=f"STUN Binding replies from {server}{note}")]
    if idle.rtt_median_ms is None:
        facts.append(Fact.unknown(
            "network.rtt_ms", f"none of {idle.sent} STUN probes to {server} was answered in "
                              f"time{_late_text(idle, raw.get('timeout_ms'))}"
                              f"{_send_note(raw)}", [SOURCE]))
    else:
        facts.append(Fact.observed(
            "network.rtt_ms", idle.rtt_median_ms, [SOURCE],
            detail=f"median of {idle.received} STUN round trips to {server} at "
                   f"{raw.get('interval_ms')} ms pacing; min {idle.rtt_min_ms:.1f} ms, p95 "
                   f"{idle.rtt_p95_ms:.1f} ms{note}"))
    facts += _jitter_facts(idle)
    facts.append(_loss_fact(raw, idle, note))
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


def mos_fact(facts: Sequence[Fact], idle: WindowStats | None,
             codec: mos_model.Codec = mos_model.DEFAULT_CODEC) -> Fact:
    """network.mos from the observed rtt, jitter, loss and burst ratio (all from the UDP stream)."""
    by_key = {f.key: f for f in facts}
    needed = [by_key.get(k) for k in ("network.rtt_ms", "network.jitter_oneway_ms",
                                      "network.loss_pct")]
    missing = [(k, f) for k, f in zip(("RTT", "jitter", "loss"), needed, strict=True)
               if f is None or not f.is_known]
    if missing or idle is None:
        names = ", ".join(k for k, _f in missing) or "samples"
        why = next((f.reason for _k, f in missing if f is not None and f.reason), None)
        return Fact.unknown("network.mos", f"MOS needs UDP {names}, which could not be measured"
                                           + (f": {why}" if why else ""), [SOURCE])
    rtt, jitter, loss = (float(f.value) for f in needed if f is not None)
    burst = idle.burst_ratio if idle.burst_ratio is not None else 1.0
    est = mos_model.estimate(rtt, jitter, loss, burst, codec)
    return Fact.observed("network.mos", est.mos, [SOURCE], detail=est.explain())
