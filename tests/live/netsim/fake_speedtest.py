"""A fake speedtest.net + Speedtest Mini server on 127.0.0.1 for the real speedtest-cli code.

Follows the contract in speedtest-cli's server protocol: the configuration request (A, reached as a
proxy: absolute-URI GET for http, CONNECT + TLS for https), the mini index page (B), the
latency file (C), the random*.jpg downloads (D) and upload POSTs (E). Run as a subprocess:

    python fake_speedtest.py --mode ok --rate-mbps 40 [--cert C --key K] [--https]

It prints {"port": N} on its first stdout line and serves until killed. Modes:
ok, config403 (configuration refused), files403 (downloads and uploads refused: speedtest-cli
then reports 0 bit/s), broken-xml (configuration is not XML), hang-config / hang-latency
(accept the request, never answer), stall-files (downloads send 64 KiB, then nothing).
"""

from __future__ import annotations

import argparse
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CONFIG_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<settings>
<client ip="127.0.0.1" lat="50.0" lon="8.0" isp="Loopback ISP" isprating="3.7" rating="0"
 ispdlavg="0" ispulavg="0" loggedin="0" country="DE"/>
<server-config threadcount="4" ignoreids="" notonmap="" forcepingid="" preferredserverid=""/>
<download testlength="10" initialtest="250K" mintestsize="250K" threadsperurl="4"/>
<upload testlength="10" ratio="5" initialtest="0" mintestsize="32K" threads="2"
 maxchunksize="512K" maxchunkcount="50" threadsperurl="4"/>
</settings>
"""
BROKEN_XML = b"<settings><client lat='50' lon='8'><server-config threadcount=\"4\""
MINI_INDEX = b'<html><script>var flashvars = { upload_extension: "php" };</script></html>'
CHUNK = 16384


class Bucket:
    """Paces bytes to a rate shared by every connection (a virtual clock, no bursts)."""

    def __init__(self, mbps: float) -> None:
        self.rate = mbps * 1e6 / 8 if mbps > 0 else 0.0
        self.next_free = time.monotonic()
        self.lock = threading.Lock()

    def take(self, nbytes: int) -> None:
        """Block until nbytes may pass."""
        if not self.rate:
            return
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_free)
            self.next_free = start + nbytes / self.rate
            wait = self.next_free - now
        if wait > 0:
            time.sleep(wait)


class State:
    """Server-wide settings and counters."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.mode: str = args.mode
        self.down = Bucket(args.rate_mbps)
        self.up = Bucket(args.upload_rate_mbps or args.rate_mbps)
        self.busy_file = Path(args.busy_file) if args.busy_file else None
        self.in_flight = 0
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.tls: ssl.SSLContext | None = None
        if args.cert:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls.load_cert_chain(args.cert, args.key)

    def busy(self, delta: int) -> None:
        """Track downloads in flight; the busy file exists while any runs (for the relay)."""
        with self.lock:
            self.in_flight += delta
            if self.busy_file is None:
                return
            if self.in_flight > 0:
                self.busy_file.touch()
            else:
                self.busy_file.unlink(missing_ok=True)


STATE: State


class Handler(BaseHTTPRequestHandler):
    """Routes on the path only, so proxied absolute-URI requests work too."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, body: bytes, ctype: str = "text/plain") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _hang(self) -> None:
        STATE.stop.wait(60)
        self.close_connection = True

    def do_CONNECT(self) -> None:
        if STATE.tls is None:
            self._send(502, b"no TLS configured")
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls_sock = STATE.tls.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True
            return
        Handler(tls_sock, self.client_address, self.server)
        self.close_connection = True

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        mode = STATE.mode
        if path.endswith("speedtest-config.php"):
            if mode == "hang-config":
                self._hang()
            elif mode == "config403":
                self._send(403, b"Forbidden")
            elif mode == "broken-xml":
                self._send(200, BROKEN_XML, "text/xml")
            else:
                self._send(200, CONFIG_XML, "text/xml")
        elif path.endswith("/latency.txt"):
            if mode == "hang-latency":
                self._hang()
            else:
                self._send(200, b"test=test\n")
        elif "/random" in path and path.endswith(".jpg"):
            self._download(path)
        elif path.endswith("/upload.php"):
            self._send(200, b"size=0")
        else:
            self._send(200, MINI_INDEX, "text/html")

    def _download(self, path: str) -> None:
        if STATE.mode == "files403":
            self._send(403, b"Forbidden")
            return
        side = int(path.rsplit("random", 1)[1].split("x", 1)[0])
        size = side * side * 2
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"\xa5" * CHUNK
        STATE.busy(+1)
        try:
            if STATE.mode == "stall-files":
                self.wfile.write(block * 4)
                self.wfile.flush()
                STATE.stop.wait(60)
            left = size
            while left > 0 and not STATE.stop.is_set():
                n = min(CHUNK, left)
                STATE.down.take(n)
                self.wfile.write(block[:n])
                left -= n
        except OSError:
            self.close_connection = True
        finally:
            STATE.busy(-1)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if STATE.mode == "files403":
            self.close_connection = True
            self._send(403, b"Forbidden")
            return
        got = 0
        try:
            while got < length:
                data = self.rfile.read(min(CHUNK, length - got))
                if not data:
                    break
                STATE.up.take(len(data))
                got += len(data)
        except OSError:
            self.close_connection = True
            return
        self._send(200, f"size={got}".encode())


class Server(ThreadingHTTPServer):
    """Small receive buffers so uploads are paced by us, not absorbed by the kernel."""

    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        super().server_bind()


def main() -> None:
    """Parse arguments, serve forever."""
    global STATE
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="ok", choices=["ok", "config403", "files403",
                                                         "broken-xml", "hang-config",
                                                         "hang-latency", "stall-files"])
    parser.add_argument("--rate-mbps", type=float, default=0.0)
    parser.add_argument("--upload-rate-mbps", type=float, default=0.0)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--https", action="store_true", help="speak TLS on the port itself")
    parser.add_argument("--busy-file")
    args = parser.parse_args()
    STATE = State(args)
    server = Server(("127.0.0.1", 0), Handler)
    if args.https and STATE.tls is not None:
        server.socket = STATE.tls.wrap_socket(server.socket, server_side=True)
    print(json.dumps({"port": server.server_address[1]}), flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        STATE.stop.set()
        sys.exit(0)


if __name__ == "__main__":
    main()
