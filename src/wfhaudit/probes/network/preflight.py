"""The preflight: ask every STUN server until one answers in time, and log what each one did.

The log per server (sends and their errors, answers, late replies with their delay, datagrams
that were not STUN, foreign transaction ids, error codes, ICMP refusal) is what the reason
names when no server qualifies (udp_reasons.py).
"""

from __future__ import annotations

import os
import select
import time
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.probes.network import stun
from wfhaudit.probes.network.clock import Clock
from wfhaudit.probes.network.udp_replies import Recorder, classify, error_code_text, map_address
from wfhaudit.probes.network.udp_socket import StunSocket, receive, send

PREFLIGHT_EVERY_S = 0.1
# After the send window, listen this long for replies that come late, so the reason can say
# "answered only after N ms" instead of "did not answer".
LATE_LISTEN_S = 1.0
NOT_STUN_SAMPLE = 12   # bytes of a foreign reply shown (hex) in the evidence


@dataclass
class ServerLog:
    """What one server did during the preflight, for the reason when none is chosen."""

    sends: int = 0
    send_errors: dict[str, int] = field(default_factory=dict)
    answered: int = 0
    late_ms: list[float] = field(default_factory=list)
    not_stun: int = 0
    not_stun_sample: str | None = None
    wrong_txid: int = 0
    error_codes: dict[str, int] = field(default_factory=dict)
    listened_s: float = 0.0

    def to_dict(self, refused: str) -> dict[str, Any]:
        """JSON-safe form for the evidence (refused: the socket's ICMP error, if any)."""
        return {"sends": self.sends, "listened_s": self.listened_s, "send_errors": self.send_errors, "answered": self.answered,
                "late_ms": [round(x, 3) for x in self.late_ms], "not_stun": self.not_stun,
                "not_stun_sample": self.not_stun_sample, "wrong_txid": self.wrong_txid,
                "error_codes": self.error_codes, "refused": refused or None}


def _preflight_reply(s: StunSocket, data: bytes, arrival: float, ids: dict[bytes, tuple[int, float]],
                     logs: list[ServerLog], rec: Recorder, timeout_s: float) -> bool:
    """Log one preflight datagram; True when it is an answer in time (the server qualifies)."""
    log = logs[s.index]
    kind, msg = classify(data, ids)
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
        log.error_codes[error_code_text(msg)] = log.error_codes.get(error_code_text(msg), 0) + 1
    else:
        map_address(rec, msg)
    return True


def _send_round(live: list[StunSocket], ids: dict[bytes, tuple[int, float]],
                sends: list[list[float]], logs: list[ServerLog], clock: Clock) -> None:
    for s in live:
        txid = os.urandom(12)
        when, err = send(s, stun.binding_request(txid), clock)
        ids[txid] = (s.index, when)
        sends.append([s.index, round(when, 6)])
        logs[s.index].sends += 1
        if err:
            errs = logs[s.index].send_errors
            errs[err] = errs.get(err, 0) + 1


def preflight(socks: list[StunSocket], rec: Recorder, timeout_s: float, hard_stop: float,
               logs: list[ServerLog]) -> tuple[StunSocket | None, dict[str, Any], set[bytes]]:
    """Ask every server until one answers in time; the first to answer carries the stream.

    Returns (chosen socket or None, the preflight record, every transaction id sent).
    """
    clock = rec.clock
    ids: dict[bytes, tuple[int, float]] = {}
    sends: list[list[float]] = []
    replies: list[list[float]] = []
    started = time.monotonic()
    send_end = end = min(started + max(1.0, timeout_s), hard_stop)
    next_round = started
    extended = False
    chosen: StunSocket | None = None
    while chosen is None:
        now = time.monotonic()
        live = [s for s in socks if not s.refused]
        if now >= send_end and not extended:
            extended = True
            # Nothing in time: if a request actually left, listen a little longer for late
            # replies (their delay is the reason then).
            if any(logs[s.index].sends > sum(logs[s.index].send_errors.values()) for s in live):
                end = min(send_end + LATE_LISTEN_S, hard_stop)
        if now >= end or not live:
            break
        if now < send_end and now >= next_round:
            _send_round(live, ids, sends, logs, clock)
            next_round += PREFLIGHT_EVERY_S
        wait = max(0.0, min(next_round if now < send_end else end, end) - time.monotonic())
        ready, _w, _x = select.select([s.sock for s in live], [], [], wait)
        for s in live:
            if s.sock not in ready:
                continue
            for data, arrival in receive(s, clock) or []:
                if _preflight_reply(s, data, arrival, ids, logs, rec, timeout_s):
                    replies.append([s.index, round(arrival, 6)])
                    chosen = chosen or s
    listened = round(time.monotonic() - started, 3)
    for log in logs:
        log.listened_s = listened
    info = {"sends": sends, "replies": replies,
            "refused": [s.index for s in socks if s.refused],
            "chosen": chosen.index if chosen else None, "listened_s": listened}
    return chosen, info, set(ids)
