"""The live UDP measurement: pick a STUN server, then send Binding requests at voice pacing.

Only I/O lives here: it returns raw samples (send times, reply arrivals by seq) and the maths
happens in stats.py, identically for live runs and replays. Times are seconds since the
probe started on the wall clock, because Linux kernel receive timestamps (SO_TIMESTAMPNS) use
it; a reply stamped by the kernel is not delayed by Python threads busy with the download.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.probes.network import stun
from wfhaudit.probes.network.clock import Clock, LiveRtt
from wfhaudit.probes.network.resolve import Resolved
from wfhaudit.probes.network.udp_socket import StunSocket, open_socket, receive, send

__all__ = ["Clock", "LiveRtt", "run_udp"]

PREFLIGHT_EVERY_S = 0.1


KeepGoing = Callable[[int, float], bool]   # (probes sent so far, monotonic now) -> send another?
Progress = Callable[[str], None]


@dataclass
class _Recorder:
    clock: Clock
    live: LiveRtt
    ignored: dict[str, int] = field(default_factory=lambda: {
        "not_stun": 0, "unknown_transaction": 0, "not_a_response": 0, "preflight_late": 0})
    error_responses: int = 0
    mapped: str | None = None


def _classify(data: bytes, rec: _Recorder, wanted: dict[bytes, int],
              preflight_ids: set[bytes]) -> int | None:
    msg = stun.parse_message(data)
    if msg is None:
        rec.ignored["not_stun"] += 1
        return None
    if msg.transaction_id not in wanted:
        key = "preflight_late" if msg.transaction_id in preflight_ids else "unknown_transaction"
        rec.ignored[key] += 1
        return None
    if msg.is_error:
        # A Binding error (e.g. 401 from a server that wants credentials) still proves the
        # round trip: time it like a success, count it, take no address from it.
        rec.error_responses += 1
        return wanted[msg.transaction_id]
    if not msg.is_success:
        rec.ignored["not_a_response"] += 1
        return None
    if rec.mapped is None:
        found = stun.mapped_address(msg)
        if found:
            rec.mapped = f"[{found[0]}]:{found[1]}" if ":" in found[0] else f"{found[0]}:{found[1]}"
    return wanted[msg.transaction_id]


def _preflight(socks: list[StunSocket], rec: _Recorder, window_s: float, hard_stop: float
               ) -> tuple[StunSocket | None, dict[str, Any], set[bytes]]:
    """Ask every server until one answers; the first to answer carries the stream."""
    clock = rec.clock
    ids: dict[bytes, int] = {}
    sends: list[list[float]] = []
    replies: list[list[float]] = []
    end = min(time.monotonic() + window_s, hard_stop)
    next_round = time.monotonic()
    chosen: StunSocket | None = None
    while chosen is None and time.monotonic() < end:
        live = [s for s in socks if not s.refused]
        if not live:
            break
        if time.monotonic() >= next_round:
            for s in live:
                txid = os.urandom(12)
                ids[txid] = s.index
                when, _err = send(s, stun.binding_request(txid), clock)
                sends.append([s.index, round(when, 6)])
            next_round += PREFLIGHT_EVERY_S
        wait = max(0.0, min(next_round, end) - time.monotonic())
        ready, _w, _x = select.select([s.sock for s in live], [], [], wait)
        for s in live:
            if s.sock not in ready:
                continue
            for data, arrival in receive(s, clock) or []:
                idx = _classify(data, rec, ids, set())
                if idx is not None:
                    replies.append([idx, round(arrival, 6)])
                    chosen = chosen or s
    info = {"sends": sends, "replies": replies,
            "refused": [s.index for s in socks if s.refused],
            "chosen": chosen.index if chosen else None}
    return chosen, info, set(ids)


def _stream(s: StunSocket, rec: _Recorder, interval_s: float, timeout_s: float,
            keep_going: KeepGoing, hard_stop: float, progress: Progress,
            preflight_ids: set[bytes]) -> dict[str, Any]:
    """Paced Binding requests to one server, then listen out the last timeout."""
    clock = rec.clock
    wanted: dict[bytes, int] = {}
    sent: list[float] = []
    replies: list[list[float]] = []
    send_errors: dict[str, Any] = {"count": 0, "first": None}
    answered: set[int] = set()
    slips = 0
    # Pacing runs on perf_counter (fine-grained everywhere), deadlines on monotonic.
    next_send = time.perf_counter()
    last_note = 0.0
    stopped = "deadline"
    while True:
        now = time.perf_counter()
        if now >= next_send:
            mono = time.monotonic()
            if mono >= hard_stop:
                break
            if not keep_going(len(sent), mono):
                stopped = "done"
                break
            txid = os.urandom(12)
            wanted[txid] = len(sent)
            when, err = send(s, stun.binding_request(txid), clock)
            sent.append(round(when, 6))
            if err:
                send_errors["count"] += 1
                send_errors["first"] = send_errors["first"] or err
            if now - next_send > interval_s:
                slips += 1
                next_send = now
            next_send += interval_s
            if now - last_note >= 0.5:
                last_note = now
                progress(f"UDP probe {len(sent)} to {s.server.endpoint}, "
                         f"{len(answered)} answered")
        ready, _w, _x = select.select([s.sock], [], [], max(0.0, next_send - time.perf_counter()))
        if ready:
            _collect(s, rec, wanted, preflight_ids, replies, answered, sent)
    # Listen out the timeout of the last probes, or stop once every probe is answered.
    tail_end = min(time.monotonic() + timeout_s, hard_stop + timeout_s)
    while len(answered) < len(sent) and time.monotonic() < tail_end:
        ready, _w, _x = select.select([s.sock], [], [], max(0.0, tail_end - time.monotonic()))
        if ready:
            _collect(s, rec, wanted, preflight_ids, replies, answered, sent)
    return {"sent": sent, "replies": replies, "send_errors": send_errors,
            "pacing_slips": slips, "listen_end": round(clock.now(), 6), "stopped": stopped}


def _collect(s: StunSocket, rec: _Recorder, wanted: dict[bytes, int], preflight_ids: set[bytes],
             replies: list[list[float]], answered: set[int], sent: list[float]) -> None:
    for data, arrival in receive(s, rec.clock) or []:
        seq = _classify(data, rec, wanted, preflight_ids)
        if seq is not None:
            replies.append([seq, round(arrival, 6)])
            if seq not in answered:
                rec.live.add((arrival - sent[seq]) * 1000.0)
            answered.add(seq)


def run_udp(servers: list[Resolved], count: int, interval_ms: int, timeout_ms: int,
            clock: Clock, keep_going: KeepGoing, hard_stop: float, progress: Progress,
            live: LiveRtt | None = None) -> dict[str, Any]:
    """Preflight every resolved server, then stream to the first that answered.

    hard_stop (monotonic) is when sending must end; the tail may listen one timeout longer,
    so callers pass their deadline minus the timeout.
    """
    timeout_s = timeout_ms / 1000.0
    raw: dict[str, Any] = {"count": count, "interval_ms": interval_ms, "timeout_ms": timeout_ms,
                           "servers": [r.to_dict() for r in servers], "clock": "user",
                           "server": None, "preflight": None}
    rec = _Recorder(clock, live or LiveRtt())
    socks: list[StunSocket] = []
    for i, server in enumerate(servers):
        if server.address is None:
            continue
        opened = open_socket(i, server)
        if isinstance(opened, str):
            raw["servers"][i]["error"] = opened
        else:
            socks.append(opened)
    try:
        if not socks:
            raw["listen_end"] = round(clock.now(), 6)
            return raw
        raw["clock"] = "kernel" if all(s.kernel_ts for s in socks) else "user"
        progress("looking for a STUN server that answers")
        chosen, pre, pre_ids = _preflight(socks, rec, max(1.0, timeout_s), hard_stop)
        raw["preflight"] = pre
        if chosen is None:
            raw["listen_end"] = round(clock.now(), 6)
            return raw
        raw["server"] = str(chosen.server.endpoint)
        raw.update(_stream(chosen, rec, interval_ms / 1000.0, timeout_s, keep_going, hard_stop,
                           progress, pre_ids))
        raw["mapped_address"] = rec.mapped
        raw["ignored"] = rec.ignored
        raw["error_responses"] = rec.error_responses
        return raw
    finally:
        for s in socks:
            with contextlib.suppress(OSError):
                s.sock.close()
