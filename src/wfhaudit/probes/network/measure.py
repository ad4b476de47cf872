"""The live measurement plan: resolve, UDP stream (idle then loaded), throughput, TCP fallback.

Timeline with the defaults (deadline 12 s): the throughput worker (speedtest-cli, or the
policy's own HTTPS endpoint) gets ready (configuration and server, or DNS and TLS) while ~300 STUN probes measure the idle line (6 s); then it downloads and
uploads while the stream keeps going (latency under load); sending stops one reply-timeout
before the deadline so the last replies can arrive. With no DNS at all every lookup fails at
once and the probe ends within about 2.5 s.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from wfhaudit.probes.network.clock import Clock, LiveRtt
from wfhaudit.probes.network.config import NetworkSettings
from wfhaudit.probes.network.endpoint import EndpointRun
from wfhaudit.probes.network.resolve import resolve_all
from wfhaudit.probes.network.speed import SpeedRun
from wfhaudit.probes.network.tcp import run_tcp
from wfhaudit.probes.network.udp import run_udp
from wfhaudit.probes.network.worker import StagedWorker

DNS_TIMEOUT_S = 2.0
FACTS_MARGIN_S = 0.3           # kept at the end for turning samples into facts
WORKER_OVERHEAD_S = 0.5        # thread start/join around each speedtest-cli transfer
NO_NETWORK_CAP_S = 2.5         # how long to wait for speedtest-cli when nothing resolved

Report = Callable[[str, float], None]


def phase(speed: StagedWorker | None, udp_done: bool) -> str:
    """What the line is doing now, for the progress line: the idle UDP probe, then the tests."""
    stage = speed.stage if speed is not None else ""
    if stage in ("download", "upload"):
        return f"{stage} test"
    return "speed test" if udp_done else "UDP probe"


def live_measure(cfg: NetworkSettings, report: Report, ca_pem: str | None = None
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run the whole live measurement; returns the raw (stun, throughput) records.

    The throughput record comes from the policy's own endpoint when it names one
    (ca_pem is its pinned CA, already read), else from speedtest-cli.
    """
    clock = Clock.start()
    deadline = clock.mono0 + cfg.deadline_s
    end = deadline - FACTS_MARGIN_S
    timeout_s = cfg.timeout_ms / 1000.0
    stop_sending = end - min(timeout_s, max(0.2, cfg.deadline_s / 10))

    live = LiveRtt()
    speed: StagedWorker | None = None
    udp_done = False

    def budget() -> float:
        return stop_sending - time.monotonic() - 2 * WORKER_OVERHEAD_S

    def say(message: str) -> None:
        elapsed = clock.elapsed()
        report(f"{phase(speed, udp_done)}, {max(0.0, cfg.deadline_s - elapsed):.0f} s left: "
               f"{message}", min(1.0, elapsed / cfg.deadline_s))

    if cfg.endpoint is not None:
        speed = EndpointRun(cfg.endpoint, ca_pem, clock, budget, live.median_ms)
    elif cfg.speed.mode != "off":
        speed = SpeedRun(cfg.speed, clock, budget, live.median_ms)
    if speed is not None:
        speed.start()
    say("resolving STUN and fallback servers")
    names = resolve_all([*cfg.stun_servers, *cfg.tcp_fallback], min(DNS_TIMEOUT_S, cfg.deadline_s),
                        socket.SOCK_DGRAM)
    stun_servers = names[:len(cfg.stun_servers)]
    tcp_servers = names[len(cfg.stun_servers):]

    def keep_going(sent: int, now: float) -> bool:
        if sent < cfg.count:
            return True
        if speed is None:
            return False
        speed.go.set()
        if sent == cfg.count:
            say(f"idle probes done; throughput test {speed.stage}")
        # Keep sampling while the throughput test still has transfers to do: the loaded RTT.
        return not speed.finished

    stun = run_udp(stun_servers, cfg.count, cfg.interval_ms, cfg.timeout_ms, clock, keep_going,
                   stop_sending, say, live)
    udp_done = True
    if speed is not None:
        speed.go.set()   # UDP failed or ended early: let the transfers run now
    if not stun.get("server"):
        if any(s.address for s in tcp_servers):
            say("UDP got no STUN reply; timing TCP connects instead")
        stun["tcp_fallback"] = run_tcp(tcp_servers, end)
    speed_raw: dict[str, Any] = {"mode": "off"}
    if speed is not None:
        # Only names that failed say the network is down; a policy may name none at all.
        nothing_resolved = bool(names) and not any(r.address for r in names)
        speed_raw = _finish_throughput(speed, nothing_resolved, end, clock, say)
    say("done")
    return stun, speed_raw


def _finish_throughput(speed: StagedWorker, nothing_resolved: bool, end: float, clock: Clock,
                       say: Callable[[str], None]) -> dict[str, Any]:
    """Wait for the throughput test until the deadline (sooner with no network); its record."""
    wait_until = min(end, clock.mono0 + NO_NETWORK_CAP_S) if nothing_resolved else end
    while not speed.finished and time.monotonic() < wait_until:
        say(f"throughput test: {speed.stage}")
        speed.join(min(0.5, wait_until - time.monotonic()))
    if not speed.finished:
        speed.stop.set()
        speed.join(0.2)
    raw = speed.snapshot(deadline_hit=not speed.finished)
    if nothing_resolved and not speed.finished:
        raw["error"] = raw.get("error") or {
            "stage": speed.stage, "type": "_DnsFailure",
            "message": f"no STUN or fallback name resolved and {speed.label} was still "
                       f"{speed.stage} after {NO_NETWORK_CAP_S:g} s, so the network is down"}
    return raw
