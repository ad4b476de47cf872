"""What a recorded speedtest-cli run proves: sentinels and exceptions never become numbers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.probes.network.speed import UPLOAD_SIZES, plan_upload
from wfhaudit.probes.network.speed_facts import download_window, failure_reason, throughput_facts

SERVER = {"id": 0, "sponsor": "Speedtest Mini", "name": "mini.example.net", "latency_ms": 3.2}


def run(**over: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "mode": "mini", "secure": True, "target": "https://mini.example.net/",
        "stages": [["import", 0, 0.01], ["dns", 0.01, 0.02], ["config", 0.02, 0.1],
                   ["servers", 0.1, 0.2], ["waiting", 0.2, 6.0], ["download", 6.0, 8.0],
                   ["upload", 8.0, 10.0], ["done", 10.0, 10.0]],
        "server": SERVER,
        "download": {"start": 6.0, "end": 8.0, "length_s": 1.9, "bits_per_s": 48_000_000.0,
                     "bytes": 12_000_000, "planned_bytes": None, "interrupted": False},
        "upload": {"start": 8.0, "end": 10.0, "length_s": 1.9, "bits_per_s": 9_500_000.0,
                   "bytes": 2_375_000, "planned_bytes": 14_680_064, "interrupted": False},
        "error": None, "deadline_hit": False}
    raw.update(over)
    return raw


def facts(raw: dict[str, Any] | None) -> tuple[Any, Any]:
    down, up = throughput_facts(raw)
    return down, up


def test_good_run() -> None:
    down, up = facts(run())
    assert down.value == 48.0 and up.value == 9.5
    assert "12000000 bytes in 2.0 s" in (down.detail or "")
    assert "Speedtest Mini / mini.example.net" in (down.detail or "")
    assert download_window(run()) == (6.0, 8.0)


@pytest.mark.parametrize(("error", "needle"), [
    ({"stage": "config", "type": "ConfigRetrievalError", "message": "HTTP Error 403: Forbidden"},
     "HTTP 403"),
    ({"stage": "config", "type": "SpeedtestConfigError",
      "message": "Malformed speedtest.net configuration: syntax error"}, "unreadable"),
    ({"stage": "servers", "type": "NoMatchedServers", "message": ""}, "server id"),
    ({"stage": "servers", "type": "SpeedtestBestServerFailure",
      "message": "Unable to connect to servers to test latency."}, "not a verdict on the line"),
    ({"stage": "config", "type": "KeyError", "message": "'ignoreids'"}, "'ignoreids'"),
    ({"stage": "dns", "type": "_DnsFailure",
      "message": "www.speedtest.net: DNS lookup failed: Name or service not known"},
     "cannot run: www.speedtest.net: DNS lookup failed"),
])
def test_exceptions_become_unknown_with_the_real_reason(error: dict[str, str],
                                                        needle: str) -> None:
    raw = run(error=error, download=None, upload=None, server=None)
    down, up = facts(raw)
    assert not down.is_known and not up.is_known
    assert needle in (down.reason or "")
    assert download_window(raw) is None


def test_zero_bits_is_a_failure_not_a_measurement() -> None:
    raw = run(download={"start": 6.0, "end": 6.4, "length_s": 1.9, "bits_per_s": 0.0,
                        "bytes": 0, "interrupted": False})
    down, up = facts(raw)
    assert not down.is_known and "0 bit/s" in (down.reason or "")
    assert up.is_known


def test_sentinel_ping_is_noted_not_used() -> None:
    down, _up = facts(run(server={**SERVER, "latency_ms": 1800000.0}))
    assert down.is_known and "1800000 ms placeholder ignored" in (down.detail or "")


def test_refused_upload_counted_by_speedtest_cli_is_rejected() -> None:
    raw = run(upload={"start": 8.0, "end": 8.05, "length_s": 1.9, "bits_per_s": 220e6,
                      "bytes": 1_392_640, "planned_bytes": 14_680_064, "interrupted": False})
    _down, up = facts(raw)
    assert not up.is_known and "refused" in (up.reason or "")


def test_fast_line_that_ran_out_of_data_is_fine() -> None:
    raw = run(upload={"start": 8.0, "end": 8.2, "length_s": 1.9, "bits_per_s": 587e6,
                      "bytes": 14_680_064, "planned_bytes": 14_680_064, "interrupted": False})
    assert facts(raw)[1].value == 587.0


def test_interrupted_and_deadline() -> None:
    raw = run(upload={**run()["upload"], "interrupted": True})
    assert "cut off at the deadline" in (facts(raw)[1].reason or "")
    raw = run(upload=None, download=None, deadline_hit=True,
              stages=[["import", 0, 0.1], ["config", 0.1, None]])
    down, _up = facts(raw)
    assert "did not finish within the deadline (still fetching the speedtest.net configuration)" \
        in (down.reason or "")


def test_no_time_left_and_mode_off() -> None:
    raw = run(upload=None, error={"stage": "download", "type": "_NoTime",
                                  "message": "only 0.3 s were left before the deadline for "
                                             "the upload"})
    down, up = facts(raw)
    assert down.is_known
    assert up.reason == ("speedtest-cli stopped early: only 0.3 s were left before the deadline "
                         "for the upload")
    assert "switched the throughput test off" in (facts({"mode": "off"})[0].reason or "")
    assert failure_reason({"mode": "off"}) is not None


@pytest.mark.parametrize("bad", [
    {"download": {"start": "x", "end": 8.0, "bits_per_s": 1.0, "bytes": 1}},
    {"download": {"start": 6.0, "end": 8.0, "bits_per_s": True, "bytes": 1}},
    {"download": "garbage"},
])
def test_malformed_recordings(bad: dict[str, Any]) -> None:
    down, _up = facts(run(**bad))
    assert not down.is_known


def test_not_recorded() -> None:
    down, up = facts(None)
    assert "no speedtest measurement was recorded" in (down.reason or "")
    assert not up.is_known


@settings(max_examples=200, deadline=None)
@given(mbps=st.floats(min_value=0.0, max_value=2000.0, allow_nan=False),
       rtt=st.one_of(st.none(), st.floats(min_value=0.05, max_value=600.0, allow_nan=False)),
       length=st.floats(min_value=0.5, max_value=60.0, allow_nan=False))
def test_upload_plan_bounds_the_overrun(mbps: float, rtt: float | None, length: float) -> None:
    size, threads, count = plan_upload(mbps * 1e6, length, rtt)
    rate = mbps * 1e6 / 8 if mbps > 0 else 1_250_000.0
    assert size in UPLOAD_SIZES and size != 65536   # speedtest-cli sends that body 7 bytes short
    assert threads in (2, 4, 8) and threads <= count <= 200
    # what is still in flight when time is up drains within 1 s (or one minimum-size round)
    assert threads * size / rate <= max(1.0, threads * UPLOAD_SIZES[0] / rate) + 1e-9
    assert size * count >= min(rate * length * 1.5, 200 * size) - size


def test_http_log_names_the_cause_of_zero_bits() -> None:
    http = {"download": {"requests": 8, "status": {"403": 8}, "errors": {"HTTP 403 Forbidden": 8},
                         "bytes": 0}}
    raw = run(http=http, download={"start": 6.0, "end": 6.4, "length_s": 1.9,
                                   "bits_per_s": 0.0, "bytes": 0, "interrupted": False})
    down, _up = facts(raw)
    assert down.reason == ("speedtest-cli measured 0 bit/s for the download: the server answered "
                           "HTTP 403 x8")
    http = {"download": {"requests": 4, "status": {}, "errors": {"timed out": 4}, "bytes": 0}}
    down, _up = facts(run(http=http, download={**raw["download"]}))
    assert "requests failed: timed out x4" in (down.reason or "")


def test_a_stall_at_the_deadline_is_named() -> None:
    http = {"download": {"requests": 8, "status": {"200": 8}, "errors": {}, "bytes": 524288,
                         "stalled": {"count": 8, "idle_s": 2.4, "bytes": 524288}}}
    raw = run(http=http, upload=None, download=None, deadline_hit=True,
              stages=[["waiting", 0.2, 1.0], ["download", 1.0, None]])
    down, up = facts(raw)
    for fact in (down, up):
        assert fact.reason == ("speedtest-cli did not finish within the deadline (still "
                               "measuring the download): 8 requests stalled: no data for 2.4 s "
                               "(after 524288 bytes)")
