"""HTTPS transfers against the company's own throughput endpoint: connect, download, upload.

Connections go to an address resolved beforehand (http.client's own lookup has no timeout)
with the URL's host name for SNI, the certificate check and the Host header. Download: GET
the blob, again on the same connection if it ends early, until the phase time or byte cap.
Upload: PUT (or POST) requests that grow until each lasts about a quarter second or ten round
trips; a request counts only once the server has answered it, so bytes still in buffers at
the end are never counted, and a request cut off by the deadline is dropped. A response or a
send that makes no progress for STALL_S is a stall.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from threading import Event
from typing import Any

from wfhaudit.probes.network.clock import Clock

STALL_S = 1.5
CONNECT_TIMEOUT_S = 4.0
READ_CHUNK = 65536
SEND_BLOCK = 8192          # small blocks: a slow uplink still shows progress within STALL_S
FIRST_UPLOAD = 16384
MAX_UPLOAD_REQUEST = 16 * 1024 * 1024
DEADLINE_GRACE_S = 0.25
BODY = bytes(range(256)) * (SEND_BLOCK // 256)
USER_AGENT = "wfhaudit-network-probe"


class HttpStatus(Exception):
    """The endpoint answered with a status other than 2xx."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(f"HTTP {status} {reason}".strip())
        self.status = status


class Stall(Exception):
    """No progress for STALL_S."""


def tls_context(ca_pem: str | None) -> ssl.SSLContext:
    """Certificate and host name checked; only the pinned CA is trusted when one is given."""
    ctx = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class PinnedConnection(http.client.HTTPSConnection):
    """An HTTPS connection to a given address, timing the TCP and TLS handshakes."""

    def __init__(self, host: str, port: int, address: str, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=CONNECT_TIMEOUT_S, context=context)
        self.address = address
        self._tls = context
        self.tcp_ms: float | None = None
        self.tls_ms: float | None = None

    def connect(self) -> None:
        """TCP to the pinned address, then TLS with the URL's host name."""
        start = time.perf_counter()
        sock = socket.create_connection((self.address, self.port), CONNECT_TIMEOUT_S)
        self.tcp_ms = (time.perf_counter() - start) * 1000.0
        start = time.perf_counter()
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.tls_ms = (time.perf_counter() - start) * 1000.0

    def set_timeout(self, seconds: float) -> None:
        """Timeout for the next socket operation."""
        if self.sock is not None:
            self.sock.settimeout(max(0.05, seconds))


def connect_info(conn: PinnedConnection) -> dict[str, Any]:
    """Handshake times and the negotiated TLS for the evidence."""
    sock = conn.sock
    tls = sock if isinstance(sock, ssl.SSLSocket) else None
    cipher = tls.cipher() if tls else None
    return {"tcp_ms": None if conn.tcp_ms is None else round(conn.tcp_ms, 3),
            "tls_ms": None if conn.tls_ms is None else round(conn.tls_ms, 3),
            "tls_version": tls.version() if tls else None,
            "cipher": cipher[0] if cipher else None}


def _check(resp: http.client.HTTPResponse) -> None:
    if not 200 <= resp.status < 300:
        raise HttpStatus(resp.status, resp.reason)


def download(conn: PinnedConnection, path: str, length_s: float, max_bytes: int, clock: Clock,
             stop: Event) -> dict[str, Any]:
    """GET the blob on a connected conn until length_s or max_bytes.

    Raises HttpStatus, or Stall(record so far, idle seconds).
    """
    rec: dict[str, Any] = {"start": round(clock.now(), 6), "end": None, "bytes": 0,
                           "requests": 0, "status": None, "stopped": None}
    deadline = time.monotonic() + length_s
    last = time.monotonic()
    stopped: str | None = None
    try:
        while stopped is None:
            conn.request("GET", path, headers={"Cache-Control": "no-cache",
                                               "Accept-Encoding": "identity",
                                               "User-Agent": USER_AGENT})
            conn.set_timeout(min(STALL_S, deadline - time.monotonic() + DEADLINE_GRACE_S))
            resp = conn.getresponse()
            rec["requests"] += 1
            rec["status"] = resp.status
            _check(resp)
            stopped = _read_body(conn, resp, rec, deadline, max_bytes, clock, stop)
            if stopped is None and resp.will_close:
                conn.close()
                conn.connect()
            last = time.monotonic()
    except TimeoutError:
        if time.monotonic() < deadline:
            raise Stall(rec, time.monotonic() - last) from None
        stopped = "time"
    finally:
        conn.close()
    rec["stopped"] = stopped
    return rec


def _read_body(conn: PinnedConnection, resp: http.client.HTTPResponse, rec: dict[str, Any],
               deadline: float, max_bytes: int, clock: Clock, stop: Event) -> str | None:
    """Read one response; why the download stopped, or None at the end of the blob."""
    last = time.monotonic()
    while True:
        now = time.monotonic()
        if stop.is_set():
            return "stop"
        if now >= deadline:
            return "time"
        if rec["bytes"] >= max_bytes:
            return "bytes"
        conn.set_timeout(min(STALL_S, deadline - now + DEADLINE_GRACE_S))
        try:
            chunk = resp.read1(READ_CHUNK)
        except TimeoutError:
            if time.monotonic() - last >= STALL_S:
                raise Stall(rec, time.monotonic() - last) from None
            return "time"
        if not chunk:
            return None
        last = time.monotonic()
        rec["bytes"] += len(chunk)
        rec["end"] = round(clock.now(), 6)


def next_upload_size(size: int, took_s: float, target_s: float, left_s: float) -> int:
    """The next request: about target_s long at the rate just seen, fitting in what is left."""
    rate = size / max(took_s, 1e-3)
    want = min(size * 4, rate * target_s, rate * left_s * 0.8)
    return int(max(FIRST_UPLOAD, min(MAX_UPLOAD_REQUEST, want)))


def upload(conn: PinnedConnection, path: str, method: str, length_s: float, max_bytes: int,
           target_s: float, clock: Clock, stop: Event) -> dict[str, Any]:
    """Upload requests on a connected conn until length_s or max_bytes.

    Raises HttpStatus, or Stall(record so far, idle seconds).
    """
    rec: dict[str, Any] = {"start": round(clock.now(), 6), "end": None, "bytes": 0,
                           "requests": 0, "request_bytes": [], "status": None, "stopped": None,
                           "target_s": round(target_s, 3)}
    deadline = time.monotonic() + length_s
    size = FIRST_UPLOAD
    stopped: str | None = None
    try:
        while stopped is None:
            left = deadline - time.monotonic()
            stopped = ("stop" if stop.is_set() else "time" if left <= 0 else
                       "bytes" if rec["bytes"] >= max_bytes else None)
            if stopped is not None:
                break
            n = min(size, max_bytes - rec["bytes"])
            began = time.monotonic()
            if not _one_upload(conn, path, method, n, deadline, rec, stop):
                stopped = "time"
                break
            rec["bytes"] += n
            rec["requests"] += 1
            rec["request_bytes"].append(n)
            rec["end"] = round(clock.now(), 6)
            size = next_upload_size(n, time.monotonic() - began, target_s,
                                    deadline - time.monotonic())
    finally:
        conn.close()
    rec["stopped"] = stopped
    return rec


def _one_upload(conn: PinnedConnection, path: str, method: str, n: int, deadline: float,
                rec: dict[str, Any], stop: Event) -> bool:
    """Send one body and read the answer; False when the deadline cut it off (not counted)."""
    conn.set_timeout(STALL_S)
    conn.putrequest(method, path, skip_accept_encoding=True)
    conn.putheader("Content-Type", "application/octet-stream")
    conn.putheader("Content-Length", str(n))
    conn.putheader("User-Agent", USER_AGENT)
    conn.endheaders()
    sent = 0
    while sent < n:
        if time.monotonic() >= deadline or stop.is_set():
            return False
        block = BODY[:min(SEND_BLOCK, n - sent)]
        try:
            conn.send(block)
        except TimeoutError:
            raise Stall(rec, STALL_S) from None
        sent += len(block)
    # The answer comes once the server has read the whole body, which on a slow uplink can
    # take a while after the last send: wait until the deadline, not STALL_S.
    conn.set_timeout(deadline - time.monotonic() + DEADLINE_GRACE_S)
    try:
        resp = conn.getresponse()
        resp.read()
    except TimeoutError:
        return False
    rec["status"] = resp.status
    _check(resp)
    if resp.will_close:
        conn.close()
        conn.connect()
    return True
