"""A UDP relay between the probe and a STUN server that injects known delay, jitter and loss.

Run as a subprocess (its own interpreter, so its timing does not share a GIL with the probe):

    python udp_relay.py --upstream 127.0.0.1:3478 --delay-ms 40 --jitter-ms 5 --loss-pct 5 \
        --seed 7 --stats /tmp/x.json

It prints {"port": N} on its first stdout line. Requests (probe -> server) are delayed by
delay +- uniform jitter, dropped, held back (reorder) or made late; replies go straight back
(optionally twice, or rewritten: a Binding error response, a non-STUN datagram, a foreign
transaction id). Random loss is exact per block of 20 requests (seeded positions, fractional
remainders carried over), so the injected rate holds over any few hundred probes; with
--burst-len the loss comes in bursts instead (a seeded two-state Gilbert chain whose mean
burst is that long and whose long-run rate is --loss-pct). On SIGTERM
it writes every request's fate to --stats as JSON and exits: planned delay_ms and the
applied_ms really applied (kernel arrival timestamp to forwarding), so a test can compare the
probe with what the path actually did even when this process was scheduled late.
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

BLOCK = 20
SO_TIMESTAMPNS = 35  # Linux asm-generic; arrival times from the kernel, not from this loop


def kernel_time(ancdata: list[tuple[int, int, bytes]]) -> float:
    """Arrival time (wall clock) from the SO_TIMESTAMPNS control message, else now."""
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
            sec, nsec = struct.unpack_from("@ll", payload)
            return float(sec + nsec / 1e9)
    return time.time()


class LossPlan:
    """Which request indexes to drop: round(pct% of each block of 20), seeded positions."""

    def __init__(self, pct: float, rng: random.Random) -> None:
        self.per_block = pct / 100.0 * BLOCK
        self.rng = rng
        self.carry = 0.0
        self.block_start = 0
        self.drops: set[int] = set()

    def dropped(self, index: int) -> bool:
        """True when request number `index` (0-based) must be dropped."""
        if index >= self.block_start + BLOCK or index == 0:
            if index:
                self.block_start += BLOCK
            want = self.per_block + self.carry
            n = int(want)
            self.carry = want - n
            self.drops = {self.block_start + i for i in self.rng.sample(range(BLOCK), min(n, BLOCK))}
        return index in self.drops


class BurstLoss:
    """Gilbert chain: leave a burst with chance 1/L, enter one so the long-run rate is pct."""

    def __init__(self, pct: float, mean_burst: float, rng: random.Random) -> None:
        loss = pct / 100.0
        self.leave = 1.0 / mean_burst
        self.enter = self.leave * loss / (1.0 - loss)
        self.rng = rng
        self.bad = False

    def dropped(self, _index: int) -> bool:
        """Advance the chain by one request."""
        self.bad = self.rng.random() >= self.leave if self.bad else self.rng.random() < self.enter
        return self.bad


def error_response(request_reply: bytes, code: int) -> bytes:
    """A Binding error response (class 0x0111) with ERROR-CODE `code` and the same txid."""
    phrase = b"Unauthorized" if code == 401 else b"Server Error"
    value = b"\0\0" + bytes([code // 100, code % 100]) + phrase
    value += b"\0" * (-len(value) % 4)
    attr = struct.pack("!HH", 0x0009, 4 + len(phrase)) + value
    return struct.pack("!HHI", 0x0111, len(attr), 0x2112A442) + request_reply[8:20] + attr


def rewrite(data: bytes, args: argparse.Namespace) -> bytes:
    """What the relay sends back instead of the server's reply (if anything)."""
    if args.garbage:
        return b"\x80\x00" + data[2:20]           # an RTP-looking datagram, not STUN
    if args.wrong_txid:
        return data[:8] + bytes(b ^ 0x5A for b in data[8:20]) + data[20:]
    if args.error_code:
        return error_response(data, args.error_code)
    return data


def main() -> None:
    """Relay until SIGTERM."""
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--delay-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0, help="uniform +- this much")
    p.add_argument("--loss-pct", type=float, default=0.0)
    p.add_argument("--reorder-pct", type=float, default=0.0)
    p.add_argument("--reorder-extra-ms", type=float, default=30.0)
    p.add_argument("--late-pct", type=float, default=0.0)
    p.add_argument("--late-ms", type=float, default=0.0)
    p.add_argument("--dup-pct", type=float, default=0.0, help="replies sent twice")
    p.add_argument("--burst-len", type=float, default=0.0, help="mean loss burst (requests)")
    p.add_argument("--error-code", type=int, default=0, help="answer with this STUN error")
    p.add_argument("--garbage", action="store_true", help="answer with non-STUN datagrams")
    p.add_argument("--wrong-txid", action="store_true", help="answer for another transaction")
    p.add_argument("--blackout", action="store_true", help="drop everything")
    p.add_argument("--busy-file", help="add --busy-delay-ms while this file exists")
    p.add_argument("--busy-delay-ms", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--stats")
    args = p.parse_args()
    host, _, port = args.upstream.rpartition(":")
    rng = random.Random(args.seed)
    loss: LossPlan | BurstLoss = (BurstLoss(args.loss_pct, args.burst_len,
                                            random.Random(args.seed + 1))
                                  if args.burst_len else LossPlan(args.loss_pct,
                                                                  random.Random(args.seed + 1)))
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.connect((host, int(port)))
    front.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    front.setblocking(False)
    back.setblocking(False)
    client: Any = None
    queue: list[tuple[float, int, bytes, dict[str, Any]]] = []
    requests: list[dict[str, Any]] = []
    replies = {"count": 0, "duplicated": 0}
    busy = Path(args.busy_file) if args.busy_file else None
    running = True

    def stop(_sig: int, _frame: Any) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    print(json.dumps({"port": front.getsockname()[1]}), flush=True)
    counter = 0
    while running:
        timeout = max(0.0, queue[0][0] - time.monotonic()) if queue else 0.05
        try:
            ready, _w, _x = select.select([front, back], [], [], min(timeout, 0.05))
        except InterruptedError:
            continue
        if front in ready:
            while True:
                try:
                    data, anc, _flags, addr = front.recvmsg(4096, socket.CMSG_SPACE(16))
                except (BlockingIOError, InterruptedError):
                    break
                client = addr
                now = time.monotonic()
                arrived = kernel_time(anc)
                index = len(requests)
                fate: dict[str, Any] = {"t": now, "arrived": arrived, "dropped": False,
                                        "delay_ms": 0.0, "reordered": False, "late": False}
                requests.append(fate)
                if args.blackout or loss.dropped(index):
                    fate["dropped"] = True
                    continue
                delay = args.delay_ms + rng.uniform(-args.jitter_ms, args.jitter_ms)
                if args.reorder_pct and rng.random() < args.reorder_pct / 100:
                    delay += args.reorder_extra_ms
                    fate["reordered"] = True
                if args.late_pct and rng.random() < args.late_pct / 100:
                    delay += args.late_ms
                    fate["late"] = True
                if busy is not None and busy.exists():
                    delay += args.busy_delay_ms
                    fate["busy"] = True
                delay = max(0.0, delay)
                fate["delay_ms"] = delay
                counter += 1
                heapq.heappush(queue, (now + delay / 1000.0, counter, data, fate))
        if back in ready:
            while True:
                try:
                    data = back.recv(4096)
                except (BlockingIOError, InterruptedError, ConnectionRefusedError):
                    break
                if client is None:
                    continue
                replies["count"] += 1
                data = rewrite(data, args)
                front.sendto(data, client)
                if args.dup_pct and rng.random() < args.dup_pct / 100:
                    front.sendto(data, client)
                    replies["duplicated"] += 1
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _due, _n, data, fate = heapq.heappop(queue)
            with contextlib.suppress(OSError):
                back.send(data)
            # What was really applied, scheduling delays of this process included.
            fate["applied_ms"] = (time.time() - fate["arrived"]) * 1000.0
    if args.stats:
        tmp = args.stats + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"requests": requests, "replies": replies}, fh)
        os.replace(tmp, args.stats)
    sys.exit(0)


if __name__ == "__main__":
    main()
