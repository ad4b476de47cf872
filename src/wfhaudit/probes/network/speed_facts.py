"""Pure: what a recorded speedtest-cli run proves about download and upload throughput."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.util.jsonshape import as_mapping, as_number

SOURCE = "measurement:speedtest"
SENTINEL_PING_MS = 1800000.0  # speedtest-cli's value when every latency probe failed
STAGE_TEXT = {
    "import": "loading speedtest-cli",
    "dns": "looking up the speedtest servers",
    "config": "fetching the speedtest.net configuration",
    "servers": "choosing a speedtest server",
    "waiting": "waiting for the idle UDP measurement to finish",
    "download": "measuring the download",
    "upload": "measuring the upload",
    "done": "finishing",
}
_HINTS = {
    "ConfigRetrievalError": "speedtest.net did not hand out its configuration",
    "SpeedtestConfigError": "the speedtest.net configuration was unreadable",
    "ServersRetrievalError": "the speedtest.net server list could not be fetched",
    "NoMatchedServers": "the policy's speedtest server id is not in speedtest.net's list",
    "SpeedtestBestServerFailure": "no speedtest server answered (service unavailable, not a "
                                  "verdict on the line)",
    "SpeedtestMiniConnectFailure": "the speedtest mini server did not answer",
    "InvalidSpeedtestMiniServer": "the URL does not serve a speedtest mini",
    "_DnsFailure": "a speedtest host name did not resolve (no network or no DNS)",
    "_NoTime": "the UDP measurement left no time for the transfer",
    "ModuleNotFoundError": "speedtest-cli is not installed",
}


def _stage_of(raw: Mapping[str, Any]) -> str:
    stages = raw.get("stages") or []
    if stages and isinstance(stages[-1], list) and stages[-1]:
        return str(stages[-1][0])
    return "import"


def http_cause(raw: Mapping[str, Any], phase: str) -> str | None:
    """What speedtest-cli's requests in a phase got: refusals, errors, stalls; None if nothing."""
    log = as_mapping(as_mapping(raw.get("http")).get(phase))
    parts = []
    refused = {c: n for c, n in as_mapping(log.get("status")).items() if not str(c).startswith("2")}
    if refused:
        parts.append("the server answered " + ", ".join(f"HTTP {c} x{n}"
                                                         for c, n in refused.items()))
    other = {e: n for e, n in as_mapping(log.get("errors")).items() if not str(e).startswith("HTTP")}
    if other:
        parts.append("requests failed: " + ", ".join(f"{e} x{n}" for e, n in other.items()))
    stalled = as_mapping(log.get("stalled"))
    if stalled.get("count"):
        parts.append(f"{stalled.get('count')} requests stalled: no data for "
                     f"{as_number(stalled.get('idle_s')) or 0:.1f} s (after "
                     f"{stalled.get('bytes')} bytes)")
    return "; ".join(parts) or None


def failure_reason(raw: Mapping[str, Any]) -> str | None:
    """Why the whole run produced nothing, or None when it got to its transfers."""
    if raw.get("mode") == "off":
        return "the policy switched the throughput test off (settings.network.speedtest.mode)"
    err = raw.get("error")
    if isinstance(err, Mapping):
        kind = str(err.get("type", "error"))
        kind = "_NoTime" if kind == "NoTime" else kind   # the worker's, recorded either way
        hint = _HINTS.get(kind)
        where = STAGE_TEXT.get(str(err.get("stage")), str(err.get("stage")))
        message = str(err.get("message", "")).strip()
        text = f"speedtest-cli failed while {where}: {message}" if message else \
            f"speedtest-cli failed while {where} ({kind})"
        if kind.startswith("_"):
            text = f"speedtest-cli {'stopped early' if kind == '_NoTime' else 'cannot run'}: " \
                f"{message}"
        if "403" in message:
            hint = "the server refused the request (HTTP 403 Forbidden)"
        return f"{text} ({hint})" if hint and kind != "_NoTime" else text
    if raw.get("deadline_hit"):
        where = STAGE_TEXT.get(_stage_of(raw), _stage_of(raw))
        cause = http_cause(raw, _stage_of(raw))
        return (f"speedtest-cli did not finish within the deadline (still {where})"
                + (f": {cause}" if cause else ""))
    return None


def _phase_fact(key: str, raw: Mapping[str, Any], phase: str) -> Fact:
    reason = failure_reason(raw)
    data = raw.get(phase)
    if not isinstance(data, Mapping):
        if reason is None:
            reason = f"speedtest-cli never started the {phase}"
        return Fact.unknown(key, reason, [SOURCE])
    if data.get("interrupted"):
        return Fact.unknown(key, f"the {phase} was cut off at the deadline, so its figure is "
                                 "partial", [SOURCE])
    bits, nbytes = as_number(data.get("bits_per_s")), as_number(data.get("bytes"))
    start, end = as_number(data.get("start")), as_number(data.get("end"))
    if bits is None or nbytes is None or start is None or end is None:
        return Fact.unknown(key, f"the recorded {phase} result is malformed", [SOURCE])
    cause = http_cause(raw, phase)
    if bits <= 0 or nbytes <= 0:
        why = cause or "every request failed, and speedtest-cli did not say why"
        return Fact.unknown(key, f"speedtest-cli measured 0 bit/s for the {phase}: {why}",
                            [SOURCE])
    seconds = end - start
    planned, length = as_number(data.get("planned_bytes")), as_number(data.get("length_s"))
    if planned is not None and length is not None and nbytes < planned \
            and seconds < 0.9 * length:
        # Neither the time limit nor the data ran out, so requests ended on errors; speedtest-cli
        # still counts the bytes it pushed before a refusal (e.g. HTTP 403 on the upload).
        return Fact.unknown(key, f"the {phase} requests ended early with only {nbytes:.0f} of "
                                 f"{planned:.0f} bytes sent: "
                                 f"{cause or 'the server refused them'}", [SOURCE])
    server = as_mapping(raw.get("server"))
    where = " / ".join(str(server[k]) for k in ("sponsor", "name") if server.get(k)) or \
        str(raw.get("target", "?"))
    detail = f"{nbytes:.0f} bytes in {seconds:.1f} s with speedtest-cli against {where}"
    latency = server.get("latency_ms")
    if isinstance(latency, (int, float)) and latency >= SENTINEL_PING_MS:
        detail += "; its latency test failed (speedtest-cli's 1800000 ms placeholder ignored)"
    return Fact.observed(key, bits / 1e6, [SOURCE], detail=detail)


def throughput_facts(raw: Mapping[str, Any] | None) -> list[Fact]:
    """network.download_mbps and network.upload_mbps from a recorded run."""
    if raw is None:
        reason = "no speedtest measurement was recorded"
        return [Fact.unknown("network.download_mbps", reason, [SOURCE]),
                Fact.unknown("network.upload_mbps", reason, [SOURCE])]
    return [_phase_fact("network.download_mbps", raw, "download"),
            _phase_fact("network.upload_mbps", raw, "upload")]


def download_window(raw: Mapping[str, Any] | None) -> tuple[float, float] | None:
    """(start, end) of a completed download, on the probe's clock, for latency under load."""
    if not raw or not isinstance(raw.get("download"), Mapping):
        return None
    data = raw["download"]
    try:
        start, end = float(data["start"]), float(data["end"])
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if end > start else None
