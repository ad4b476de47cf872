"""Pure: what a recorded run against the company's throughput endpoint proves about throughput."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.util.jsonshape import as_mapping, as_number

SOURCE = "measurement:throughput"
STAGE_TEXT = {
    "import": "starting",
    "ca": "loading the pinned CA",
    "dns": "looking up the endpoint's host name",
    "connect": "connecting (TCP and TLS)",
    "waiting": "waiting for the idle UDP measurement to finish",
    "download": "measuring the download",
    "upload": "measuring the upload",
    "done": "finishing",
}
STOPPED = {"time": "its time was up", "bytes": "the byte cap was reached",
           "stop": "the probe's deadline", None: "the blob ended"}


def _trust(raw: Mapping[str, Any]) -> str:
    ca = raw.get("ca_file")
    return f"the pinned CA in {ca}" if ca else "the certificate authorities this computer trusts"


def _stage(raw: Mapping[str, Any]) -> str:
    stages = raw.get("stages") or []
    if stages and isinstance(stages[-1], list) and stages[-1]:
        return str(stages[-1][0])
    return "import"


def failure_reason(raw: Mapping[str, Any]) -> str | None:
    """Why the run produced no transfers at all, or None when it got to them."""
    err = raw.get("error")
    if isinstance(err, Mapping):
        where = STAGE_TEXT.get(str(err.get("stage")), str(err.get("stage")))
        message = str(err.get("message") or err.get("type") or "error")
        if err.get("type") == "NoTime":
            return f"the throughput endpoint stopped early: {message}"
        text = f"the throughput endpoint failed while {where}: {message}"
        if message.startswith("TLS failure"):
            text += f" (the server's certificate must chain to {_trust(raw)})"
        return text
    if raw.get("deadline_hit"):
        where = STAGE_TEXT.get(_stage(raw), _stage(raw))
        return f"the throughput endpoint did not finish within the deadline (still {where})"
    return None


def _phase_error(phase: str, url: str, err: Mapping[str, Any]) -> str:
    kind, message = str(err.get("type")), str(err.get("message"))
    if kind == "HttpStatus":
        return f"the endpoint answered the {phase} with {message} ({url})"
    if kind == "Stall":
        return f"the {phase} stalled: {message} ({url})"
    if kind == "NoTime":
        return f"no time was left for the {phase}: {message}"
    return f"the {phase} failed: {message} ({url})"


def _phase_fact(key: str, raw: Mapping[str, Any], phase: str) -> Fact:
    url = str(raw.get(f"{phase}_url") or "?")
    data = raw.get(phase)
    if not isinstance(data, Mapping):
        return Fact.unknown(key, failure_reason(raw) or f"the {phase} never started", [SOURCE])
    if isinstance(data.get("error"), Mapping):
        return Fact.unknown(key, _phase_error(phase, url, data["error"]), [SOURCE])
    if data.get("interrupted"):
        return Fact.unknown(key, f"the {phase} was cut off at the deadline, so its figure is "
                                 "partial", [SOURCE])
    nbytes, start, end = as_number(data.get("bytes")), as_number(data.get("start")), as_number(data.get("end"))
    if not nbytes or start is None or end is None or end <= start:
        what = "arrived" if phase == "download" else "was confirmed by the server"
        return Fact.unknown(key, f"no {phase} data {what} within "
                                 f"{as_number(data.get('length_s')) or 0:.1f} s ({url})", [SOURCE])
    seconds = end - start
    host = urllib.parse.urlsplit(url).hostname or url
    connect = as_mapping(raw.get("connect"))
    detail = (f"{nbytes:.0f} bytes in {seconds:.2f} s over one HTTPS connection to {host} "
              f"({data.get('requests')} requests; stopped because "
              f"{STOPPED.get(data.get('stopped'), str(data.get('stopped')))}); "
              f"{connect.get('tls_version') or 'TLS'}, certificate checked against "
              f"{_trust(raw)}")
    return Fact.observed(key, nbytes * 8 / seconds / 1e6, [SOURCE], detail=detail)


def endpoint_facts(raw: Mapping[str, Any] | None) -> list[Fact]:
    """network.download_mbps and network.upload_mbps from a recorded endpoint run."""
    if raw is None:
        reason = "no throughput endpoint measurement was recorded"
        return [Fact.unknown("network.download_mbps", reason, [SOURCE]),
                Fact.unknown("network.upload_mbps", reason, [SOURCE])]
    return [_phase_fact("network.download_mbps", raw, "download"),
            _phase_fact("network.upload_mbps", raw, "upload")]
