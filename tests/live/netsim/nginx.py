"""A real nginx (Debian package) as the company's throughput endpoint, on 127.0.0.1 over TLS.

Started in the foreground (daemon off) with its own prefix, pid, logs and temp paths under a
throwaway directory, so nothing of the system's nginx is touched. Locations follow
docs/throughput-endpoint.md: a static blob, a PUT location (WebDAV module) that answers once
it has stored the whole body, plus test-only ones: the blob under limit_rate, refusals (403,
500) and a stall (a proxied upstream that goes quiet after 64 KiB). The access log records
every upload's body size, status and time, so a test can compare the probe with the server.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.live.netsim.harness import Certs, free_port

NGINX = "nginx"
BLOB_BYTES = 64 * 1024 * 1024
STALL_AFTER = 65536

CONFIG = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    log_format wfh '$request_method $uri $status $content_length $request_length $bytes_sent '
                   '$request_time';
    access_log {prefix}/access.log wfh;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{ application/octet-stream bin; }}
    sendfile on;
    keepalive_timeout 30s;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        root {root};
        location = /wfhaudit/blob.bin {{ }}
        location /wfhaudit/upload/ {{
            limit_except PUT {{ deny all; }}
            dav_methods PUT;
            client_max_body_size 64m;
            client_body_buffer_size 1m;
        }}
{rates}
        location = /wfhaudit/forbidden.bin {{ return 403; }}
        location = /wfhaudit/broken-upload {{ return 500; }}
        location = /wfhaudit/stall.bin {{
            proxy_pass http://127.0.0.1:{stall_port};
            proxy_buffering off;
            proxy_read_timeout 60s;
        }}
    }}
}}
"""
RATE = """        location = /wfhaudit/rate-{name}.bin {{
            alias {root}/wfhaudit/blob.bin;
            limit_rate {bytes_per_s};
        }}
"""


@dataclass
class Nginx:
    """A running nginx; url() builds addresses on it, uploads() reads its access log."""

    port: int
    prefix: Path

    def url(self, path: str, host: str = "localhost") -> str:
        """https://localhost:port/path (the certificate names localhost and 127.0.0.1)."""
        return f"https://{host}:{self.port}{path}"

    def uploads(self) -> list[dict[str, float]]:
        """Every PUT nginx logged: status, body bytes, time."""
        out = []
        for line in (self.prefix / "access.log").read_text().splitlines():
            method, _uri, status, length, _req, _sent, took = line.split()
            if method == "PUT":
                out.append({"status": int(status),
                            "bytes": 0 if length == "-" else int(length), "time": float(took)})
        return out


@contextlib.contextmanager
def _stall_upstream() -> Iterator[int]:
    """An HTTP upstream that sends headers and 64 KiB of a 100 MB body, then goes quiet."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    done = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _addr = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(2)
            with contextlib.suppress(OSError):
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                             b"Content-Length: 104857600\r\n\r\n" + b"\x5a" * STALL_AFTER)
            held.append(conn)

    th = threading.Thread(target=serve, name="wfh-stall-upstream", daemon=True)
    th.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        done.set()
        th.join(2)
        for conn in held:
            conn.close()
        listener.close()


def _wait_listening(port: int, proc: subprocess.Popen[bytes], timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port} (exit {proc.poll()})")


@dataclass
class Prepared:
    """A written nginx configuration: its prefix, port and the argv that starts it."""

    prefix: Path
    port: int
    argv: list[str]


def prepare(prefix: Path, certs: Certs, rates_mbps: tuple[float, ...], stall_port: int
            ) -> Prepared:
    """Write the site (blob, upload folder) and the configuration under prefix."""
    root = prefix / "root"
    (root / "wfhaudit" / "upload").mkdir(parents=True)
    with open(root / "wfhaudit" / "blob.bin", "wb") as fh:
        fh.truncate(BLOB_BYTES)   # a sparse file: sendfile serves zeros without using disk
    for path in (prefix, root, root / "wfhaudit"):
        path.chmod(0o755)
    (root / "wfhaudit" / "upload").chmod(0o777)   # the worker process stores uploads here
    port = free_port(socket.SOCK_STREAM)
    rates = "".join(RATE.format(name=f"{r:g}", root=root, bytes_per_s=int(r * 125000))
                    for r in rates_mbps)
    user = "user root root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(CONFIG.format(prefix=prefix, port=port, cert=certs.cert, key=certs.key,
                                  root=root, rates=rates, stall_port=stall_port, user=user))
    return Prepared(prefix, port, [NGINX, "-p", str(prefix), "-c", str(conf), "-e",
                                   str(prefix / "error.log")])


@contextlib.contextmanager
def prepared(certs: Certs) -> Iterator[Prepared]:
    """A configuration in a throwaway prefix, for starting nginx elsewhere (a namespace)."""
    prefix = Path(tempfile.mkdtemp(prefix="wfh-network-nginx-"))
    try:
        yield prepare(prefix, certs, (), free_port(socket.SOCK_STREAM))
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextlib.contextmanager
def nginx(certs: Certs, rates_mbps: tuple[float, ...] = ()) -> Iterator[Nginx]:
    """nginx on a free loopback port with the endpoint locations (and one per download rate)."""
    if shutil.which(NGINX) is None:
        raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="wfh-network-nginx-"))
    proc = None
    try:
        with _stall_upstream() as stall_port:
            site = prepare(prefix, certs, rates_mbps, stall_port)
            proc = subprocess.Popen(site.argv, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait_listening(site.port, proc, 5.0)
            yield Nginx(site.port, prefix)
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(prefix, ignore_errors=True)
