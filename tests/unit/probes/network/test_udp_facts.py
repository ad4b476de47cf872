"""From recorded STUN samples to facts: idle window, loaded window, TCP fallback, MOS."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from wfhaudit.probes.network import facts_from_measurements
from wfhaudit.probes.network.mos import estimate


def stream(count: int = 100, extra: int = 100, rtt_ms: float = 20.0, loaded_ms: float = 80.0,
           lost: frozenset[int] = frozenset(), wobble: float = 2.0) -> dict[str, Any]:
    sent = [round(0.05 + i * 0.02, 6) for i in range(count + extra)]
    replies = []
    for i, t in enumerate(sent):
        if i in lost:
            continue
        base = rtt_ms if i < count else loaded_ms
        replies.append([i, round(t + (base + (wobble if i % 2 else -wobble)) / 1000, 6)])
    replies.sort(key=lambda r: r[1])
    return {"count": count, "interval_ms": 20, "timeout_ms": 1000,
            "servers": [{"server": "stun.example.net:3478", "address": "192.0.2.7",
                         "error": None, "ms": 3}],
            "clock": "kernel", "server": "stun.example.net:3478",
            "preflight": {"sends": [[0, 0.0]], "replies": [[0, 0.02]], "refused": [], "chosen": 0},
            "sent": sent, "replies": replies, "listen_end": sent[-1] + 1.0,
            "ignored": {"not_stun": 0, "unknown_transaction": 0, "not_a_response": 0,
                        "preflight_late": 0},
            "send_errors": {"count": 0, "first": None}, "pacing_slips": 0, "stopped": "done",
            "mapped_address": "198.51.100.4:40000"}


def speed(start: float, end: float) -> dict[str, Any]:
    return {"mode": "mini", "target": "http://mini/", "stages": [], "error": None,
            "server": {"sponsor": "Mini", "name": "mini", "latency_ms": 1.0},
            "download": {"start": start, "end": end, "length_s": end - start,
                         "bits_per_s": 10e6, "bytes": 2_500_000, "interrupted": False},
            "upload": {"start": end, "end": end + 1, "length_s": 1.0, "bits_per_s": 5e6,
                       "bytes": 625_000, "planned_bytes": 625_000, "interrupted": False},
            "deadline_hit": False}


def by_key(stun: Any, speedtest: Any) -> dict[str, Any]:
    return {f.key: f for f in facts_from_measurements(stun, speedtest)}


def test_idle_and_loaded_windows() -> None:
    raw = stream(lost=frozenset({3, 50}))
    # the download ran while probes 100..199 were sent
    f = by_key(raw, speed(raw["sent"][100] - 0.001, raw["sent"][199] + 0.001))
    assert f["network.udp_ok"].value is True
    assert f["network.rtt_ms"].value == pytest.approx(20.0, abs=2.01)
    assert f["network.loss_pct"].value == 2.0
    assert f["network.loaded_rtt_ms"].value == pytest.approx(80.0, abs=2.01)
    transits = [(t - raw["sent"][i]) * 1000 for i, t in raw["replies"] if i < 100]
    j = 0.0
    for a, b in itertools.pairwise(transits):
        j += (abs(b - a) - j) / 16
    assert f["network.jitter_ms"].value == pytest.approx(j, abs=0.001)
    assert f["network.jitter_oneway_ms"].value == pytest.approx(j / math.sqrt(2), abs=0.001)
    assert "sqrt 2" in f["network.jitter_oneway_ms"].detail
    # Two isolated losses: burst ratio (1 x 0.98) counts as random loss.
    assert "2 loss bursts, burst ratio 0.98" in f["network.loss_pct"].detail
    expected = estimate(f["network.rtt_ms"].value, f["network.jitter_oneway_ms"].value, 2.0)
    assert f["network.mos"].value == pytest.approx(expected.mos, abs=1e-3)
    assert f"R = {expected.r:.2f}" in f["network.mos"].detail
    assert f["network.download_mbps"].value == 10.0


def test_loaded_rtt_needs_a_measured_download() -> None:
    raw = stream()
    bad = speed(raw["sent"][100], raw["sent"][199])
    bad["download"]["bits_per_s"] = 0.0
    f = by_key(raw, bad)
    assert not f["network.loaded_rtt_ms"].is_known
    assert "0 bit/s" in f["network.loaded_rtt_ms"].reason


def _no_stream(raw: dict[str, Any], sends: int, **pre: Any) -> dict[str, Any]:
    """The recording of a preflight that found no server, with this server log."""
    log = {"sends": sends, "send_errors": {}, "answered": 0, "late_ms": [], "not_stun": 0,
           "not_stun_sample": None, "wrong_txid": 0, "error_codes": {}, "refused": None,
           "listened_s": 2.0, **pre}
    raw.update(server=None, sent=[], replies=[],
               preflight={"sends": [[0, 0.0]] * sends, "replies": [], "chosen": None,
                          "refused": [0] if log["refused"] else [], "listened_s": 2.0})
    raw["servers"][0]["preflight"] = log
    return raw


TCP_OK = {"target": "www.example.net:443", "samples_ms": [31.0, 30.0, 35.0], "errors": []}


def test_a_silent_server_with_tcp_working_is_unknown_not_blocked() -> None:
    raw = _no_stream(stream(), 10)
    raw["tcp_fallback"] = TCP_OK
    f = by_key(raw, {"mode": "off"})
    assert not f["network.udp_ok"].is_known
    assert "the STUN server did not answer" in f["network.udp_ok"].reason
    assert "did not answer 10 Binding requests in 2.0 s" in f["network.udp_ok"].reason
    assert "TCP to www.example.net:443 connects" in f["network.udp_ok"].reason
    assert f["network.rtt_ms"].value == 31.0
    assert "TCP fallback" in f["network.rtt_ms"].detail
    for key in ("network.jitter_ms", "network.jitter_oneway_ms", "network.loss_pct"):
        assert "did not answer" in f[key].reason
    assert not f["network.mos"].is_known and not f["network.loaded_rtt_ms"].is_known


def test_sends_refused_by_this_computer_mean_udp_is_blocked() -> None:
    raw = _no_stream(stream(), 10, send_errors={"EPERM (Operation not permitted)": 10})
    raw["tcp_fallback"] = TCP_OK
    f = by_key(raw, {"mode": "off"})
    assert f["network.udp_ok"].value is False
    assert "UDP is blocked on this computer" in f["network.udp_ok"].detail
    assert "EPERM (Operation not permitted) x10" in f["network.udp_ok"].detail
    assert "EPERM" in f["network.loss_pct"].reason


@pytest.mark.parametrize(("log", "words", "udp_ok"), [
    ({"late_ms": [1480.2, 1530.9]}, "only after the 1000 ms timeout: 2 replies, 1480-1531 ms",
     True),
    ({"not_stun": 4, "not_stun_sample": "80 00 68 65"}, "4 replies came back that were not STUN "
     "(first bytes 80 00 68 65)", None),
    ({"wrong_txid": 7}, "7 STUN responses came back for transaction ids that were never sent",
     None),
    ({"refused": "ECONNREFUSED (Connection refused)"}, "an ICMP unreachable came back "
     "(ECONNREFUSED (Connection refused)): no STUN server listens on that port", None),
    ({"send_errors": {"ENETUNREACH (Network is unreachable)": 3}},
     "3 of them failed to send (ENETUNREACH (Network is unreachable) x3)", None),
])
def test_every_cause_is_named(log: dict[str, Any], words: str, udp_ok: bool | None) -> None:
    f = by_key(_no_stream(stream(), 10, **log), {"mode": "off"})
    fact = f["network.udp_ok"]
    assert words in (fact.detail if udp_ok is not None else fact.reason)
    assert fact.value is udp_ok
    assert words in f["network.rtt_ms"].reason and words in f["network.loss_pct"].reason


def test_nothing_answers_at_all_is_unknown_not_false() -> None:
    raw = stream()
    raw.update(server=None, preflight={"sends": [[0, 0.0]], "replies": [], "refused": [0],
                                       "chosen": None},
               tcp_fallback={"target": None, "samples_ms": [], "errors": ["x:443: timed out"]})
    f = by_key(raw, {"mode": "off"})
    assert not f["network.udp_ok"].is_known
    assert "no TCP fallback answered either" in f["network.udp_ok"].reason
    assert "x:443: timed out" in f["network.rtt_ms"].reason


def test_error_responses_count_but_are_named() -> None:
    raw = stream(count=50, extra=0)
    raw.update(error_responses=50, error_codes={"401": 50})
    f = by_key(raw, None)
    assert f["network.rtt_ms"].is_known and f["network.loss_pct"].value == 0.0
    for key in ("network.udp_ok", "network.rtt_ms", "network.loss_pct"):
        assert "all the replies were Binding error responses (401 Unauthorized x50)" in \
            f[key].detail, key


def test_late_replies_in_the_stream_name_their_delay() -> None:
    raw = stream(count=50, extra=0)
    # Probe 7's only reply came 1.4 s after it was sent, past the 1 s timeout.
    raw["replies"] = [r for r in raw["replies"] if r[0] != 7] + [[7, raw["sent"][7] + 1.4]]
    f = by_key(raw, None)
    assert f["network.loss_pct"].value == 2.0
    assert "1 replies came after the 1000 ms timeout (1400 ms after sending)" in \
        f["network.loss_pct"].detail


def test_no_dns_and_no_servers() -> None:
    raw = stream()
    raw.update(server=None, preflight=None, servers=[
        {"server": "stun.example.net:3478", "address": None,
         "error": "DNS lookup failed: Name or service not known"}])
    f = by_key(raw, None)
    assert "no STUN server name resolved" in f["network.rtt_ms"].reason
    assert not f["network.udp_ok"].is_known
    raw.update(servers=[])
    assert "names no STUN servers" in by_key(raw, None)["network.udp_ok"].reason


def test_everything_lost_in_the_stream() -> None:
    raw = stream(count=50, extra=0, lost=frozenset(range(50)))
    f = by_key(raw, None)
    assert f["network.loss_pct"].value == 100.0
    assert not f["network.rtt_ms"].is_known and not f["network.jitter_ms"].is_known
    assert f["network.udp_ok"].value is True


@pytest.mark.parametrize("damage", [{"sent": "nope"}, {"replies": [[1]]}, {"listen_end": None},
                                    {"replies": [["a", 1.0]]}])
def test_malformed_recording_is_unknown(damage: dict[str, Any]) -> None:
    raw = stream()
    raw.update(damage)
    f = by_key(raw, None)
    for key in ("network.rtt_ms", "network.jitter_ms", "network.jitter_oneway_ms",
                "network.loss_pct", "network.udp_ok"):
        assert "malformed" in f[key].reason


def test_not_recorded() -> None:
    f = by_key(None, None)
    assert f["network.rtt_ms"].reason == "no STUN measurement was recorded"
    assert len(f) == 9
