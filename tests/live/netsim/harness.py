"""Start and stop the loopback test servers for the network probe: coturn, relay, fake speedtest.

Shared by tests/live/test_network_live.py and bench/network_bench.py. Everything binds to
127.0.0.1, every temp dir is prefixed wfh-network-, every wait is bounded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import itertools
import json
import os
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COTURN = "turnserver"


def _first_line(proc: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    assert proc.stdout is not None
    ready, _w, _x = select.select([proc.stdout], [], [], timeout)
    if not ready:
        raise RuntimeError(f"{proc.args!r} printed nothing within {timeout} s")
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{proc.args!r} exited: {proc.poll()}")
    data: dict[str, Any] = json.loads(line)
    return data


def _stop(proc: subprocess.Popen[str], timeout: float = 3.0) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1 right now."""
    for _ in range(20):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        other = socket.SOCK_STREAM if kind == socket.SOCK_DGRAM else socket.SOCK_DGRAM
        with socket.socket(socket.AF_INET, other) as t:
            try:
                t.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port pair found")


def stun_ping(port: int, timeout: float = 0.2) -> bool:
    """True when a STUN Binding request to 127.0.0.1:port gets a success response."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        txid = os.urandom(12)
        s.sendto(struct.pack("!HHI", 1, 0, 0x2112A442) + txid, ("127.0.0.1", port))
        try:
            data = s.recv(2048)
        except OSError:
            return False
        return data[:2] == b"\x01\x01" and data[8:20] == txid


@dataclass
class Coturn:
    """A running STUN-only turnserver."""

    port: int
    proc: subprocess.Popen[str]
    workdir: Path


@contextlib.contextmanager
def coturn() -> Iterator[Coturn]:
    """coturn as a STUN-only server on a free loopback port, its own config/log dir."""
    if shutil.which(COTURN) is None:
        raise RuntimeError("turnserver not installed (apt-get install -y coturn)")
    workdir = Path(tempfile.mkdtemp(prefix="wfh-network-coturn-"))
    proc = None
    try:
        for _attempt in range(3):
            port = free_port()
            argv = [COTURN, "-n", "--stun-only", "--listening-ip", "127.0.0.1",
                    "--listening-port", str(port), "--no-tls", "--no-dtls", "--no-cli",
                    "--log-file", str(workdir / "turn.log"), "--simple-log", "--no-stdout-log",
                    "--pidfile", str(workdir / "turn.pid"), "--userdb", str(workdir / "turndb"),
                    "--no-software-attribute"]
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, text=True, cwd=workdir)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and proc.poll() is None:
                if stun_ping(port):
                    break
            if proc.poll() is None and stun_ping(port):
                yield Coturn(port, proc, workdir)
                return
            _stop(proc)
            proc = None
        raise RuntimeError(f"coturn did not answer STUN; log: {workdir / 'turn.log'}")
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Relay:
    """A running udp_relay.py; stats() is available after close."""

    port: int
    proc: subprocess.Popen[str]
    stats_path: Path

    def close(self) -> dict[str, Any]:
        """Stop the relay and return what it did to every request."""
        _stop(self.proc)
        deadline = time.monotonic() + 3
        while not self.stats_path.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        data: dict[str, Any] = json.loads(self.stats_path.read_text())
        return data


@contextlib.contextmanager
def relay(upstream_port: int, **opts: Any) -> Iterator[Relay]:
    """udp_relay.py in front of 127.0.0.1:upstream_port; opts become --flags."""
    workdir = Path(tempfile.mkdtemp(prefix="wfh-network-relay-"))
    stats = workdir / "stats.json"
    argv = [sys.executable, str(HERE / "udp_relay.py"), "--upstream",
            f"127.0.0.1:{upstream_port}", "--stats", str(stats)]
    for key, value in opts.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            argv.append(flag)
        elif value not in (None, False):
            argv += [flag, str(value)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        port = int(_first_line(proc, 10)["port"])
        yield Relay(port, proc, stats)
    finally:
        _stop(proc)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class FakeSpeedtest:
    """A running fake_speedtest.py."""

    port: int
    proc: subprocess.Popen[str]

    @property
    def url(self) -> str:
        """Base URL (http)."""
        return f"http://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def fake_speedtest(mode: str = "ok", rate_mbps: float = 0.0, upload_rate_mbps: float = 0.0,
                   certs: Certs | None = None, https: bool = False,
                   busy_file: Path | None = None) -> Iterator[FakeSpeedtest]:
    """The fake speedtest server in its own process."""
    argv = [sys.executable, str(HERE / "fake_speedtest.py"), "--mode", mode,
            "--rate-mbps", str(rate_mbps), "--upload-rate-mbps", str(upload_rate_mbps)]
    if certs is not None:
        argv += ["--cert", str(certs.cert), "--key", str(certs.key)]
    if https:
        argv.append("--https")
    if busy_file is not None:
        argv += ["--busy-file", str(busy_file)]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        yield FakeSpeedtest(int(_first_line(proc, 10)["port"]), proc)
    finally:
        _stop(proc)


@dataclass
class Certs:
    """A throwaway CA and a leaf for www.speedtest.net, localhost and 127.0.0.1."""

    ca: Path
    cert: Path
    key: Path


def make_certs(workdir: Path) -> Certs:
    """Create the CA (trusted through SSL_CERT_FILE) and the server certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "wfh-network test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "www.speedtest.net")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("www.speedtest.net"), x509.DNSName("localhost"),
                x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = Certs(workdir / "ca.pem", workdir / "server.pem", workdir / "server.key")
    paths.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
    return paths


def speedtest_env(fake: FakeSpeedtest, certs: Certs) -> dict[str, str]:
    """Environment that routes speedtest-cli's config request to the fake (speedtest-cli's first request).

    https_proxy makes urllib tunnel https://www.speedtest.net through CONNECT to the fake,
    which answers TLS with a certificate from our CA; SSL_CERT_FILE makes the real code trust
    that CA. Loopback URLs bypass the proxy.
    """
    proxy = f"http://127.0.0.1:{fake.port}"
    return {"https_proxy": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy,
            "HTTP_PROXY": proxy, "no_proxy": "127.0.0.1,localhost", "NO_PROXY": "127.0.0.1,localhost",
            "SSL_CERT_FILE": str(certs.ca)}


@contextlib.contextmanager
def tcp_listener() -> Iterator[int]:
    """A TCP listener on loopback (the fallback target); the kernel completes handshakes."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    try:
        yield int(sock.getsockname()[1])
    finally:
        sock.close()


def rfc3550(values: list[float]) -> float:
    """Independent RFC 3550 recursion for expected values (kept apart from the product code)."""
    j = 0.0
    for a, b in itertools.pairwise(values):
        j += (abs(b - a) - j) / 16
    return j


def injected_jitter_ms(stats: dict[str, Any], base_rtt_ms: float = 0.0) -> float:
    """RFC 3550 jitter of the delays the relay really applied, in forwarding order."""
    forwarded = [(r["arrived"] + r["applied_ms"] / 1000, r["applied_ms"] + base_rtt_ms)
                 for r in stats["requests"] if not r["dropped"] and "applied_ms" in r]
    forwarded.sort()
    return rfc3550([d for _t, d in forwarded])
