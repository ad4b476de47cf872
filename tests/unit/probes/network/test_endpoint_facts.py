"""Throughput facts from recorded runs against the company's endpoint: figures and named causes."""

from __future__ import annotations

from typing import Any

import pytest

from wfhaudit.probes.network import facts_from_measurements
from wfhaudit.probes.network.endpoint_facts import endpoint_facts
from wfhaudit.probes.network.endpoint_io import FIRST_UPLOAD, MAX_UPLOAD_REQUEST, next_upload_size

DOWN = "https://edge.example.net/wfhaudit/blob.bin"
UP = "https://edge.example.net/wfhaudit/upload/x.bin"


def run(**over: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "mode": "endpoint", "download_url": DOWN, "upload_url": UP, "upload_method": "PUT",
        "ca_file": None, "stages": [["download", 1.0, 3.0], ["upload", 3.0, 5.0]],
        "connect": {"address": "192.0.2.9", "tls_version": "TLSv1.3"}, "error": None,
        "deadline_hit": False,
        "download": {"start": 1.0, "end": 3.0, "bytes": 5_000_000, "requests": 1,
                     "stopped": "time", "length_s": 2.0, "interrupted": False},
        "upload": {"start": 3.0, "end": 4.5, "bytes": 1_500_000, "requests": 9,
                   "stopped": "time", "length_s": 2.0, "interrupted": False}}
    raw.update(over)
    return raw


def facts(raw: dict[str, Any] | None) -> tuple[Any, Any]:
    down, up = endpoint_facts(raw)
    return down, up


def test_figures_and_detail() -> None:
    down, up = facts(run())
    assert down.value == 20.0 and up.value == 8.0
    assert "5000000 bytes in 2.00 s over one HTTPS connection to edge.example.net" in down.detail
    assert "stopped because its time was up" in down.detail
    assert "TLSv1.3, certificate checked against the certificate authorities this computer " \
           "trusts" in down.detail
    pinned, _ = facts(run(ca_file="/etc/wfhaudit/edge-ca.pem"))
    assert "the pinned CA in /etc/wfhaudit/edge-ca.pem" in pinned.detail


@pytest.mark.parametrize(("error", "words"), [
    ({"stage": "connect", "type": "SSLCertVerificationError",
      "message": "TLS failure: the certificate was rejected (unable to get local issuer "
                 "certificate)"},
     "failed while connecting (TCP and TLS): TLS failure: the certificate was rejected "
     "(unable to get local issuer certificate) (the server's certificate must chain to the "
     "certificate authorities this computer trusts)"),
    ({"stage": "dns", "type": "DnsFailure",
      "message": "edge.example.net: DNS lookup failed: Name or service not known"},
     "failed while looking up the endpoint's host name: edge.example.net: DNS lookup failed"),
    ({"stage": "connect", "type": "ConnectionRefusedError",
      "message": "ECONNREFUSED (Connection refused)"},
     "failed while connecting (TCP and TLS): ECONNREFUSED (Connection refused)"),
    ({"stage": "ca", "type": "CaUnreadable", "message": "/x.pem could not be read"},
     "failed while loading the pinned CA: /x.pem could not be read"),
    ({"stage": "waiting", "type": "NoTime", "message": "only 0.3 s were left before the "
                                                       "deadline for the download"},
     "stopped early: only 0.3 s were left"),
])
def test_setup_failures_name_their_cause(error: dict[str, Any], words: str) -> None:
    down, up = facts(run(error=error, download=None, upload=None))
    assert not down.is_known and not up.is_known
    assert words in down.reason and words in up.reason


@pytest.mark.parametrize(("phase_error", "words"), [
    ({"type": "HttpStatus", "status": 403, "message": "HTTP 403 Forbidden"},
     f"the endpoint answered the download with HTTP 403 Forbidden ({DOWN})"),
    ({"type": "Stall", "idle_s": 1.5, "message": "no progress for 1.5 s after 65536 bytes"},
     f"the download stalled: no progress for 1.5 s after 65536 bytes ({DOWN})"),
    ({"type": "ConnectionResetError", "message": "ECONNRESET (Connection reset by peer)"},
     "the download failed: ECONNRESET (Connection reset by peer)"),
])
def test_phase_failures_name_their_cause(phase_error: dict[str, Any], words: str) -> None:
    down, up = facts(run(download={"error": phase_error, "length_s": 2.0}))
    assert not down.is_known and words in down.reason
    assert up.is_known                                   # the other direction stands alone


def test_partial_empty_and_unfinished_runs() -> None:
    down, _ = facts(run(download={**run()["download"], "interrupted": True}))
    assert "cut off at the deadline" in down.reason
    _, up = facts(run(upload={"start": 3.0, "end": None, "bytes": 0, "length_s": 2.0}))
    assert "no upload data was confirmed by the server within 2.0 s" in up.reason
    down, up = facts(run(deadline_hit=True, download=None, upload=None,
                         stages=[["connect", 0.0, None]]))
    assert "did not finish within the deadline (still connecting (TCP and TLS))" in down.reason
    down, _ = facts(None)
    assert down.reason == "no throughput endpoint measurement was recorded"


def test_loaded_rtt_uses_the_endpoint_download() -> None:
    sent = [round(0.05 + i * 0.02, 6) for i in range(200)]
    stun = {"count": 100, "interval_ms": 20, "timeout_ms": 1000, "server": "s:3478",
            "servers": [{"server": "s:3478", "address": "192.0.2.7"}], "sent": sent,
            "replies": [[i, t + (0.02 if i < 100 else 0.09)] for i, t in enumerate(sent)],
            "listen_end": sent[-1] + 1.0}
    raw = run(download={**run()["download"], "start": sent[100], "end": sent[199]})
    by_key = {f.key: f for f in facts_from_measurements(stun, raw, endpoint=True)}
    assert by_key["network.loaded_rtt_ms"].value == pytest.approx(90.0, abs=0.01)
    assert by_key["network.download_mbps"].sources == ("measurement:throughput",)


def test_upload_requests_grow_and_fit_the_time_left() -> None:
    assert next_upload_size(FIRST_UPLOAD, 0.01, 0.25, 10.0) == FIRST_UPLOAD * 4   # slow start
    assert next_upload_size(1_000_000, 0.5, 0.25, 10.0) == 500_000               # aim at 0.25 s
    assert next_upload_size(1_000_000, 0.1, 0.25, 0.2) == 1_600_000              # fits 0.2 s
    assert next_upload_size(100, 10.0, 0.25, 10.0) == FIRST_UPLOAD
    assert next_upload_size(MAX_UPLOAD_REQUEST, 0.001, 0.25, 10.0) == MAX_UPLOAD_REQUEST


def test_a_pinned_ca_that_is_not_pem_is_named_before_any_connection() -> None:
    from wfhaudit.probes.network.clock import Clock
    from wfhaudit.probes.network.config import EndpointSettings
    from wfhaudit.probes.network.endpoint import EndpointRun

    settings = EndpointSettings(DOWN, UP, ca_file="/etc/wfhaudit/edge-ca.pem")
    worker = EndpointRun(settings, "not a certificate\n", Clock.start(), lambda: 5.0)
    worker.start()
    worker.join(5)
    raw = worker.snapshot()
    assert raw["error"]["stage"] == "ca" and raw["connect"] is None
    down, up = facts(raw)
    assert "failed while loading the pinned CA: /etc/wfhaudit/edge-ca.pem holds no usable PEM " \
           "certificate" in down.reason
    assert down.reason == up.reason


def test_describe_names_connection_level_causes() -> None:
    import http.client
    import ssl

    from wfhaudit.probes.network.endpoint import describe

    assert describe(http.client.RemoteDisconnected("x")) == \
        "the server closed the connection without answering"
    assert describe(http.client.IncompleteRead(b"abc", 997)) == \
        "the server closed the connection 997 bytes before the end it announced"
    assert describe(ConnectionRefusedError(111, "Connection refused")) == \
        "ECONNREFUSED (Connection refused)"
    assert describe(ssl.SSLError(1, "x")).startswith("TLS failure")
    assert describe(TimeoutError()) == "timed out"
