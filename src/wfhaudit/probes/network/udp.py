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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.probes.network import stun
from wfhaudit.probes.network.clock import Clock, LiveRtt
from wfhaudit.probes.network.resolve import Resolved
from wfhaudit.probes.network.udp_socket import StunSocket, open_socket, receive, send

__all__ = ["Clock", "LiveRtt", "run_udp"]

PREFLIGHT_EVERY_S = 0.1
# After the preflight's send window, listen this long for replies that come late, so the
# reason can say "answered only after N ms" instead of "did not answer".
LATE_LISTEN_S = 1.0
NOT_STUN_SAMPLE = 12   # bytes of a foreign reply shown (hex) in the evidence
DUPLICATE_LINGER_S = 0.05


KeepGoing = Callable[[int, float], bool]   # (probes sent so far, monotonic now) -> send another?
Progress = Callable[[str], None]


@dataclass
class _Recorder:
    clock: Clock
    live: LiveRtt
    ignored: dict[str, int] = field(default_factory=lambda: {
        "not_stun": 0, "unknown_transaction": 0, "not_a_response": 0, "preflight_late": 0})
    error_responses: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    mapped: str | None = None


@dataclass
class _ServerLog:
    """What one server did during the preflight, for the reason when none is chosen."""

    sends: int = 0
    send_errors: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    late_ms: list[float] = field(default_factory=list)
    not_stun: int = 0
    not_stun_sample: str | None = None
    wrong_txid: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)

    def to_dict(self, refused: str) -> dict[str, Any]:
        return {"sends": self.sends, "send_errors": self.send_errors, "answered": self.answered,
                "late_ms": [round(x, 3) for x in self.late_ms], "not_stun": self.not_stun,
                "not_stun_sample": self.not_stun_sample, "wrong_txid": self.wrong_txid,
                "error_codes": self.error_codes, "refused": refused or None}


def _classify(data: bytes, wanted: Mapping[bytes, Any]) -> tuple[str, stun.StunMessage | None]:
    """not_stun | unknown_transaction | not_a_response | error | ok."""
    msg = stun.parse_message(data)
    if msg is None:
        return "not_stun", None
    if msg.transaction_id not in wanted:
        return "unknown_transaction", msg
    if msg.is_error:
        # A Binding error (e.g. 401 from a server that wants credentials) still proves the
        # round trip: it is timed like a success, counted, and named in the facts.
        return "error", msg
    return ("ok" if msg.is_success else "not_a_response"), msg


def _code(msg: stun.StunMessage | None) -> str:
    code = stun.error_code(msg) if msg is not None else None
    return str(code) if code is not None else "no ERROR-CODE"


def _map_address(rec: _Recorder, msg: stun.StunMessage) -> None:
    if rec.mapped is None:
        found = stun.mapped_address(msg)
        if found:
            rec.mapped = f"[{found[0]}]:{found[1]}" if ":" in found[0] else f"{found[0]}:{found[1]}"


def _preflight_reply(s: StunSocket, data: bytes, arrival: float, ids: dict[bytes, tuple[int, float]],
                     logs: list[_ServerLog], rec: _Recorder, timeout_s: float) -> bool:
    """Log one preflight datagram; True when it is an answer in time (the server qualifies)."""
    log = logs[s.index]
    kind, msg = _classify(data, ids)
    if kind == "not_stun":
        log.not_stun += 1
        log.not_stun_sample = log.not_stun_sample or data[:NOT_STUN_SAMPLE].hex(" ")
        return False
    if kind == "unknown_transaction" or msg is None:
        log.wrong_txid += 1
        return False
    if kind == "not_a_response":
        return False
    delay = arrival - ids[msg.transaction_id][1]
    if delay > timeout_s:
        log.late_ms.append(delay * 1000.0)
        return False
    log.answered += 1
    if kind == "error":
        log.error_codes[_code(msg)] = log.error_codes.get(_code(msg), 0) + 1
    else:
        _map_address(rec, msg)
    return True


def _preflight(socks: list[StunSocket], rec: _Recorder, timeout_s: float, hard_stop: float,
               logs: list[_ServerLog]) -> tuple[StunSocket | None, dict[str, Any], set[bytes]]:
    """Ask every server until one answers in time; the first to answer carries the stream."""
    clock = rec.clock
    ids: dict[bytes, tuple[int, float]] = {}
    sends: list[list[float]] = []
    replies: list[list[float]] = []
    started = time.monotonic()
    send_end = min(started + max(1.0, timeout_s), hard_stop)
    end = send_end
    next_round = time.monotonic()
    chosen: StunSocket | None = None
    while chosen is None and time.monotonic() < end:
        live = [s for s in socks if not s.refused]
        if not live:
            break
        now = time.monotonic()
        if now >= next_round and now < send_end:
            for s in live:
                txid = os.urandom(12)
                when, err = send(s, stun.binding_request(txid), clock)
                ids[txid] = (s.index, when)
                sends.append([s.index, round(when, 6)])
                logs[s.index].sends += 1
                if err:
                    errs = logs[s.index].send_errors
                    errs[err] = errs.get(err, 0) + 1
            next_round += PREFLIGHT_EVERY_S
        elif now >= send_end and end == send_end and any(
                logs[s.index].sends > sum(logs[s.index].send_errors.values()) for s in live):
            # Nothing in time: listen a little longer, if a request actually left, for late
            # replies (their delay is the reason then).
            end = min(send_end + LATE_LISTEN_S, hard_stop)
        wait = max(0.0, min(next_round if now < send_end else end, end) - time.monotonic())
        ready, _w, _x = select.select([s.sock for s in live], [], [], wait)
        for s in live:
            if s.sock not in ready:
                continue
            for data, arrival in receive(s, clock) or []:
                if _preflight_reply(s, data, arrival, ids, logs, rec, timeout_s):
                    replies.append([s.index, round(arrival, 6)])
                    chosen = chosen or s
    info = {"sends": sends, "replies": replies,
            "refused": [s.index for s in socks if s.refused],
            "chosen": chosen.index if chosen else None,
            "listened_s": round(time.monotonic() - started, 3)}
    return chosen, info, set(ids)


def _stream(s: StunSocket, rec: _Recorder, interval_s: float, timeout_s: float,
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


def _collect(s: StunSocket, rec: _Recorder, wanted: dict[bytes, int], preflight_ids: set[bytes],
             replies: list[list[float]], answered: set[int], sent: list[float]) -> None:
    for data, arrival in receive(s, rec.clock) or []:
        kind, msg = _classify(data, wanted)
        if kind == "unknown_transaction" and msg is not None \
                and msg.transaction_id in preflight_ids:
            kind = "preflight_late"
        if kind in rec.ignored or msg is None:
            rec.ignored[kind] = rec.ignored.get(kind, 0) + 1
            continue
        if kind == "error":
            rec.error_responses += 1
            rec.error_codes[_code(msg)] = rec.error_codes.get(_code(msg), 0) + 1
        else:
            _map_address(rec, msg)
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
        logs = [_ServerLog() for _ in servers]
        chosen, pre, pre_ids = _preflight(socks, rec, timeout_s, hard_stop, logs)
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
