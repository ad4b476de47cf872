"""The UDP recorder against a scripted STUN responder on loopback (fast, no coturn needed)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from wfhaudit.probes.network.clock import Clock
from wfhaudit.probes.network.config import Endpoint
from wfhaudit.probes.network.resolve import Resolved, resolve_all
from wfhaudit.probes.network.udp import run_udp
from wfhaudit.probes.network.udp_facts import idle_stats, stream_analysis

COOKIE = 0x2112A442


def _response(txid: bytes, port: int, kind: int = 0x0101) -> bytes:
    attr = struct.pack("!HHBBH", 0x0020, 8, 0, 1, port ^ (COOKIE >> 16)) + \
        struct.pack("!I", 0x7F000001 ^ COOKIE)
    if kind == 0x0111:
        attr = struct.pack("!HH", 0x0009, 16) + b"\0\0\x04\x01Unauthorized"[:16].ljust(16)
    return struct.pack("!HHI", kind, len(attr), COOKIE) + txid + attr


@pytest.fixture
def responder() -> Iterator[tuple[int, dict[str, int]]]:
    """Answers Binding requests with scripted misbehaviour; counts what it did."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.05)
    done = threading.Event()
    did = {"requests": 0, "dropped": 0, "duplicated": 0, "garbage": 0, "foreign": 0,
           "errors": 0}

    def serve() -> None:
        while not done.is_set():
            try:
                data, addr = sock.recvfrom(2048)
            except TimeoutError:
                continue
            i = did["requests"]
            did["requests"] += 1
            txid = data[8:20]
            if i and i % 13 == 0:
                did["dropped"] += 1
                continue
            if i % 7 == 0:
                sock.sendto(b"\x80\x00hello RTP", addr)
                did["garbage"] += 1
            if i % 5 == 0:
                sock.sendto(_response(b"\x01" * 12, addr[1]), addr)
                did["foreign"] += 1
            if i % 11 == 0 and i:
                # a 401 error response still times the round trip
                sock.sendto(_response(txid, addr[1], 0x0111), addr)
                did["errors"] += 1
                continue
            sock.sendto(_response(txid, addr[1]), addr)
            if i % 10 == 3:
                sock.sendto(_response(txid, addr[1]), addr)
                did["duplicated"] += 1

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        yield int(sock.getsockname()[1]), did
    finally:
        done.set()
        th.join(2)
        sock.close()


def _server(port: int) -> Resolved:
    return Resolved(Endpoint("127.0.0.1", port), "127.0.0.1", socket.AF_INET, None, 0.0)


def test_recorder_counts_every_kind_of_reply(responder: tuple[int, dict[str, int]]) -> None:
    port, did = responder
    clock = Clock.start()
    raw = run_udp([_server(port)], 60, 5, 200, clock, lambda sent, _now: sent < 60,
                  time.monotonic() + 5, lambda _m: None)
    assert raw["server"] == f"127.0.0.1:{port}" and raw["mapped_address"].startswith("127.0.0.1:")
    assert len(raw["sent"]) == 60 and raw["stopped"] == "done"
    pre = raw["servers"][0]["preflight"]     # request 0 was the preflight's
    assert raw["ignored"]["not_stun"] + pre["not_stun"] == did["garbage"]
    assert pre["not_stun_sample"] == "80 00 68 65 6c 6c 6f 20 52 54 50"
    assert raw["ignored"]["unknown_transaction"] + pre["wrong_txid"] == did["foreign"]
    assert raw["error_responses"] == did["errors"] > 0
    assert raw["error_codes"] == {"401": did["errors"]}
    analysis = stream_analysis(raw)
    assert analysis is not None
    idle = idle_stats(raw, analysis)
    assert idle.lost == did["dropped"]        # request 0 is the preflight
    assert idle.duplicates == did["duplicated"]
    assert idle.received == 60 - did["dropped"]
    assert idle.rtt_median_ms is not None and idle.rtt_median_ms < 50


def test_closed_port_is_refused_quickly() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    start = time.monotonic()
    raw = run_udp([_server(port)], 50, 20, 1000, Clock.start(), lambda sent, _n: sent < 50,
                  time.monotonic() + 5, lambda _m: None)
    assert time.monotonic() - start < 0.8
    assert raw["server"] is None and raw["preflight"]["refused"] == [0]
    assert raw["servers"][0]["preflight"]["refused"].startswith("ECONNREFUSED")


def test_resolver_gives_up_on_a_silent_dns() -> None:
    def hang(*_args: object) -> list[object]:
        time.sleep(3)
        return []

    start = time.monotonic()
    res = resolve_all([Endpoint("stun.example.net", 3478)], 0.3, socket.SOCK_DGRAM, hang)
    assert time.monotonic() - start < 1.0
    assert res[0].address is None and "did not answer within 0.3 s" in str(res[0].error)


def test_resolver_reports_failures_and_prefers_ipv4() -> None:
    def fake(host: str, port: int, *_a: object) -> list[object]:
        if host == "bad.example":
            raise socket.gaierror(-2, "Name or service not known")
        return [(socket.AF_INET6, socket.SOCK_DGRAM, 17, "", ("2001:db8::1", port, 0, 0)),
                (socket.AF_INET, socket.SOCK_DGRAM, 17, "", ("192.0.2.1", port))]

    good, bad = resolve_all([Endpoint("good.example", 1), Endpoint("bad.example", 2)], 1.0,
                            socket.SOCK_DGRAM, fake)
    assert good.address == "192.0.2.1" and good.family == socket.AF_INET
    assert bad.address is None and bad.error == "DNS lookup failed: Name or service not known"


def test_preflight_picks_the_server_that_answers(responder: tuple[int, dict[str, int]]) -> None:
    port, _did = responder
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        dead = int(s.getsockname()[1])
    raw = run_udp([_server(dead), _server(port)], 10, 5, 200, Clock.start(),
                  lambda sent, _n: sent < 10, time.monotonic() + 5, lambda _m: None)
    assert raw["server"] == f"127.0.0.1:{port}"
    assert raw["preflight"]["chosen"] == 1
    assert len(raw["sent"]) == 10
