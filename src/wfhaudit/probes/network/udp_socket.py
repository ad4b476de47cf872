"""UDP sockets for STUN: connected, non-blocking, with kernel receive timestamps on Linux."""

from __future__ import annotations

import errno
import os
import socket
import struct
import sys
from dataclasses import dataclass

from wfhaudit.probes.network.clock import Clock
from wfhaudit.probes.network.resolve import Resolved

# Linux asm-generic value of SO_TIMESTAMPNS (Python does not export it); its control message
# carries a struct timespec (two C longs).
_SO_TIMESTAMPNS = 35
_TIMESPEC = struct.Struct("@ll")
MAX_DATAGRAM = 2048


@dataclass
class StunSocket:
    """One connected socket per STUN server."""

    index: int
    server: Resolved
    sock: socket.socket
    kernel_ts: bool
    refused: str = ""   # why the kernel reported the server unreachable, once it did


def open_socket(index: int, server: Resolved) -> StunSocket | str:
    """A connected non-blocking socket for one server, or why there is none."""
    if server.address is None or server.family is None:
        return server.error or "not resolved"
    try:
        sock = socket.socket(server.family, socket.SOCK_DGRAM)
    except OSError as exc:
        return f"socket: {exc.strerror or exc}"
    kernel_ts = False
    if sys.platform.startswith("linux"):
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)
            kernel_ts = True
        except OSError:
            kernel_ts = False
    try:
        # connect() makes the kernel drop datagrams from anyone else and report ICMP
        # port-unreachable as ECONNREFUSED.
        sock.connect((server.address, server.endpoint.port))
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        return f"connect: {exc.strerror or exc}"
    return StunSocket(index, server, sock, kernel_ts)


def receive(s: StunSocket, clock: Clock) -> list[tuple[bytes, float]] | None:
    """Drain one socket: (datagram, arrival) pairs; None when the kernel reported refusal."""
    out: list[tuple[bytes, float]] = []
    while True:
        try:
            if s.kernel_ts:
                data, ancdata, _flags, _addr = s.sock.recvmsg(
                    MAX_DATAGRAM, socket.CMSG_SPACE(_TIMESPEC.size))
                user = clock.now()
                arrival = user
                for level, kind, payload in ancdata:
                    if level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS \
                            and len(payload) >= _TIMESPEC.size:
                        sec, nsec = _TIMESPEC.unpack_from(payload)
                        when = clock.from_wall(sec + nsec / 1e9)
                        # A wall-clock step (NTP) would make the kernel stamp nonsense: it
                        # must lie shortly before the moment we read the datagram.
                        if user - 2.0 <= when <= user + 0.002:
                            arrival = when
            else:
                data = s.sock.recv(MAX_DATAGRAM)
                arrival = clock.now()
        except (BlockingIOError, InterruptedError):
            return out
        except OSError as exc:
            if exc.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH):
                s.refused = errno_text(exc)
                return out or None
            return out
        out.append((data, arrival))


def errno_text(exc: OSError) -> str:
    """'EPERM (Operation not permitted)': the symbol and the system's text of an OSError."""
    if exc.errno is None:
        return str(exc)
    name = errno.errorcode.get(exc.errno, f"errno {exc.errno}")
    return f"{name} ({os.strerror(exc.errno)})"


def send(s: StunSocket, packet: bytes, clock: Clock) -> tuple[float, str | None]:
    """Send one datagram: (send time, error text such as 'EPERM (...)' or None)."""
    when = clock.now()
    try:
        s.sock.send(packet)
    except OSError as exc:
        text = errno_text(exc)
        if exc.errno == errno.ECONNREFUSED:
            s.refused = text
        return when, text
    return when, None
