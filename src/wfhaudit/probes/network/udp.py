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
from typing import Any

from wfhaudit.probes.network import stun
from wfhaudit.probes.network.clock import Clock, LiveRtt
from wfhaudit.probes.network.preflight import ServerLog, preflight
from wfhaudit.probes.network.resolve import Resolved
from wfhaudit.probes.network.udp_replies import Recorder, classify, error_code_text, map_address
from wfhaudit.probes.network.udp_socket import StunSocket, open_socket, receive, send

__all__ = ["Clock", "LiveRtt", "run_udp"]

DUPLICATE_LINGER_S = 0.05


KeepGoing = Callable[[int, float], bool]   # (probes sent so far, monotonic now) -> send another?
Progress = Callable[[str], None]


def _stream(s: StunSocket, rec: Recorder, interval_s: float, timeout_s: float,
            keep_going: KeepGoing, hard_stop: float, progress: Progress,
            preflight_ids: set[bytes]) -> dict[str, Any]:
    """Paced Binding requests to one server, then listen out the last timeout."""
    clock = rec.clock
    wanted: dict[bytes, int] = {}
    sent: list[float] = []
    replies: list[list[float]] = []
    send_errors: dict[str, Any] = {"count": 0, "first": None, "kinds": {}}
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
                send_errors["kinds"][err] = send_errors["kinds"].get(err, 0) + 1
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
    # Listen out the timeout of the last probes, or until every probe is answered (and a
    # moment longer, so a duplicate of the last reply is counted too).
    tail_end = min(time.monotonic() + timeout_s, hard_stop + timeout_s)
    while time.monotonic() < tail_end:
        if len(answered) == len(sent):
            tail_end = min(tail_end, time.monotonic() + DUPLICATE_LINGER_S)
        ready, _w, _x = select.select([s.sock], [], [], max(0.0, tail_end - time.monotonic()))
        if ready:
            _collect(s, rec, wanted, preflight_ids, replies, answered, sent)
    return {"sent": sent, "replies": replies, "send_errors": send_errors,
            "pacing_slips": slips, "listen_end": round(clock.now(), 6), "stopped": stopped}


def _collect(s: StunSocket, rec: Recorder, wanted: dict[bytes, int], preflight_ids: set[bytes],
             replies: list[list[float]], answered: set[int], sent: list[float]) -> None:
    for data, arrival in receive(s, rec.clock) or []:
        kind, msg = classify(data, wanted)
        if kind == "unknown_transaction" and msg is not None \
                and msg.transaction_id in preflight_ids:
            kind = "preflight_late"
        if kind in rec.ignored or msg is None:
            rec.ignored[kind] = rec.ignored.get(kind, 0) + 1
            continue
        if kind == "error":
            rec.error_responses += 1
            rec.error_codes[error_code_text(msg)] = rec.error_codes.get(error_code_text(msg), 0) + 1
        else:
            map_address(rec, msg)
        seq = wanted[msg.transaction_id]
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
    rec = Recorder(clock, live or LiveRtt())
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
        logs = [ServerLog() for _ in servers]
        chosen, pre, pre_ids = preflight(socks, rec, timeout_s, hard_stop, logs)
        raw["preflight"] = pre
        for sock in socks:
            raw["servers"][sock.index]["preflight"] = logs[sock.index].to_dict(sock.refused)
        if chosen is None:
            raw["listen_end"] = round(clock.now(), 6)
            return raw
        raw["server"] = str(chosen.server.endpoint)
        raw.update(_stream(chosen, rec, interval_ms / 1000.0, timeout_s, keep_going, hard_stop,
                           progress, pre_ids))
        raw["mapped_address"] = rec.mapped
        raw["ignored"] = rec.ignored
        raw["error_responses"] = rec.error_responses
        raw["error_codes"] = rec.error_codes
        return raw
    finally:
        for s in socks:
            with contextlib.suppress(OSError):
                s.sock.close()
