"""Relay profiles against coturn: each checks the fact the probe reports AND the reason it gives.

The impairment relay (tests/live/netsim/udp_relay.py) sits in front of coturn and logs what
it did to every request, so expectations come from the relay's own record, not from the
probe: bursty loss (burst ratio and a G.107 MOS computed here from the relay's drop pattern),
Binding error responses, replies that are not STUN, replies for foreign transaction ids,
replies that all come late, a dead server (silent, or a closed port) with a TCP fallback that
connects, and sends refused by a local nftables rule (EPERM) in a namespace of the test's own.
"""

from __future__ import annotations

import itertools
import re
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from tests.conftest import require_root_tool
from tests.live.netsim import harness
from tests.live.netsim.probe_run import collect, in_netns, stream_offset, udp, value

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def turn() -> Iterator[harness.Coturn]:
    if shutil.which("turnserver") is None:
        pytest.skip("coturn's turnserver is not installed: apt-get install -y coturn")
    with harness.coturn() as server:
        yield server


def g107_mos(rtt_ms: float, jitter_oneway_ms: float, loss_pct: float, burst: float) -> float:
    """G.711 with PLC, written out here: Ta = RTT/2 + 2 x jitter + 20 ms."""
    ta = rtt_ms / 2 + 2 * jitter_oneway_ms + 20
    r = 93.2 - (0.024 * ta + 0.11 * max(0.0, ta - 177.3)) \
        - 95 * loss_pct / (loss_pct / max(1.0, burst) + 25.1)
    return 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)


def test_burst_loss_sets_the_burst_ratio_and_the_mos(turn: harness.Coturn) -> None:
    count = 300
    with harness.relay(turn.port, delay_ms=20, loss_pct=10, burst_len=4, seed=17) as rl:
        facts, host, _wall = collect(udp(rl.port, count, interval=10))
        injected = rl.close()
    first = stream_offset(host)
    dropped = [bool(r["dropped"]) for r in injected["requests"][first:first + count]]
    runs = [len(list(g)) for lost, g in itertools.groupby(dropped) if lost]
    loss = 100.0 * sum(dropped) / count
    burst = (sum(runs) / len(runs)) * (1 - loss / 100)
    assert burst > 1.8                                   # the relay's loss really is bursty
    assert value(facts, "network.loss_pct") == pytest.approx(loss, abs=1e-3)
    assert f"{len(runs)} loss bursts, burst ratio {burst:.2f}" in facts["network.loss_pct"].detail
    expected = g107_mos(value(facts, "network.rtt_ms"), value(facts, "network.jitter_oneway_ms"),
                        loss, burst)
    assert value(facts, "network.mos") == pytest.approx(expected, abs=2e-3)
    assert f"burst ratio {burst:.2f}" in facts["network.mos"].detail


def test_binding_error_responses_count_but_are_named(turn: harness.Coturn) -> None:
    with harness.relay(turn.port, delay_ms=5, error_code=401, seed=4) as rl:
        facts, host, _wall = collect(udp(rl.port, 50))
    assert value(facts, "network.udp_ok") is True
    assert value(facts, "network.rtt_ms") == pytest.approx(5.0, rel=0.5)
    assert value(facts, "network.loss_pct") == 0.0
    words = "all the replies were Binding error responses (401 Unauthorized x"
    for key in ("network.udp_ok", "network.rtt_ms", "network.loss_pct"):
        assert words in (facts[key].detail or ""), key
    assert host.evidence.measurements["stun"]["error_codes"] == {"401": 50}


@pytest.mark.parametrize(("relay_opts", "timeout", "words", "udp_ok"), [
    ({"garbage": True}, 1000, "replies came back that were not STUN (first bytes 80 00", None),
    ({"wrong_txid": True}, 1000, "STUN responses came back for transaction ids that were never "
                                 "sent", None),
    ({"late_pct": 100, "late_ms": 1500}, 1000, "it answered only after the 1000 ms timeout",
     True),
], ids=["not-stun", "wrong-txid", "late"])
def test_replies_that_cannot_be_used_are_named(turn: harness.Coturn, relay_opts: dict[str, Any],
                                               timeout: int, words: str,
                                               udp_ok: bool | None) -> None:
    with harness.relay(turn.port, seed=8, **relay_opts) as rl:
        facts, host, wall = collect(udp(rl.port, 50, timeout=timeout))
    assert wall < 4.0
    fact = facts["network.udp_ok"]
    assert fact.value is udp_ok
    assert words in ((fact.detail if udp_ok else fact.reason) or "")
    for key in ("network.rtt_ms", "network.jitter_oneway_ms", "network.loss_pct"):
        assert not facts[key].is_known and words in (facts[key].reason or ""), key
    if "late_ms" in relay_opts:
        late = host.evidence.measurements["stun"]["servers"][0]["preflight"]["late_ms"]
        assert late and all(1490 <= ms <= 1800 for ms in late), late
        assert re.search(r"\d+ replies, 1[5-7]\d\d(-1[5-8]\d\d)? ms after the request",
                         facts["network.rtt_ms"].reason or "")


@pytest.mark.parametrize("dead", ["silent", "closed-port"])
def test_dead_stun_server_with_tcp_fallback_is_unknown(turn: harness.Coturn, dead: str) -> None:
    with harness.relay(turn.port, blackout=True) as rl, harness.tcp_listener() as tcp_port:
        port = rl.port
        if dead == "closed-port":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        settings = udp(port, 100)
        settings["tcp_fallback"] = [f"127.0.0.1:{tcp_port}"]
        facts, host, wall = collect(settings)
    assert wall < 3.0
    fact = facts["network.udp_ok"]
    assert not fact.is_known                        # not "UDP blocked": nothing proves that
    cause = ("the STUN server did not answer 10 Binding requests in" if dead == "silent" else
             "an ICMP unreachable came back (ECONNREFUSED")
    assert cause in (fact.reason or "")
    assert f"TCP to 127.0.0.1:{tcp_port} connects" in (fact.reason or "")
    assert 0 < value(facts, "network.rtt_ms") < 5.0
    assert "TCP connect" in (facts["network.rtt_ms"].detail or "")
    assert cause in (facts["network.rtt_ms"].detail or "")
    for key in ("network.jitter_ms", "network.loss_pct", "network.mos"):
        assert not facts[key].is_known
    assert cause in (facts["network.loss_pct"].reason or "")
    assert len(host.evidence.measurements["stun"]["tcp_fallback"]["samples_ms"]) == 5


def test_eperm_on_send_is_blocked_udp_with_the_errno() -> None:
    """An nftables output drop in a namespace of our own: every send fails with EPERM."""
    require_root_tool("unshare", "ip", "nft")
    rules = ("nft add table inet wfh && nft add chain inet wfh out "
             "'{ type filter hook output priority 0; policy accept; }' && "
             "nft add rule inet wfh out udp dport 3478 drop")
    settings = udp(3478, 100)
    settings["tcp_fallback"] = ["127.0.0.1:{tcp}"]
    result = in_netns(settings, [rules])
    facts = result["facts"]
    assert result["wall"] < 3.0
    assert facts["network.udp_ok"]["value"] is False
    detail = facts["network.udp_ok"]["detail"]
    assert "UDP is blocked on this computer" in detail
    assert re.search(r"all (\d+) Binding requests failed to send \(EPERM \(Operation not "
                     r"permitted\) x\1\)", detail), detail
    assert "a firewall on this computer drops outgoing UDP" in detail
    pre = result["measurements"]["stun"]["servers"][0]["preflight"]
    assert pre["sends"] == pre["send_errors"]["EPERM (Operation not permitted)"] > 0
    assert facts["network.rtt_ms"]["status"] == "observed"      # TCP still connects
    assert "EPERM" in facts["network.loss_pct"]["reason"]
