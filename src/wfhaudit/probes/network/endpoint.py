"""The company's own throughput endpoint (settings.network.throughput_endpoint) in a worker thread.

Replaces speedtest-cli when a policy names one. Stages: ca (the pinned CA, read through the
Host beforehand), dns, connect (TCP and TLS right away, so a certificate problem is known
before the idle UDP probes end), waiting, download, upload. Raw results only; what they
prove is decided in endpoint_facts.py.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.parse
from collections.abc import Callable
from typing import Any

from wfhaudit.probes.network.clock import Clock
from wfhaudit.probes.network.config import Endpoint, EndpointSettings
from wfhaudit.probes.network.endpoint_io import (
    HttpStatus,
    PinnedConnection,
    Stall,
    connect_info,
    download,
    tls_context,
    upload,
)
from wfhaudit.probes.network.resolve import resolve_all
from wfhaudit.probes.network.udp_socket import errno_text
from wfhaudit.probes.network.worker import StagedWorker

DNS_TIMEOUT_S = 2.0


def describe(exc: BaseException) -> str:
    """One line naming what went wrong: TLS, timeout, errno, HTTP protocol, or the message."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return f"TLS failure: the certificate was rejected ({why})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failure: {getattr(exc, 'reason', None) or exc}"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    if isinstance(exc, http.client.IncompleteRead):
        return (f"the server closed the connection {exc.expected} bytes before the end it "
                "announced")
    if isinstance(exc, OSError) and exc.errno:
        return errno_text(exc)
    if isinstance(exc, http.client.HTTPException):
        return f"the server did not speak HTTP as expected ({type(exc).__name__}: {exc})"
    return str(exc).strip() or type(exc).__name__


class CaUnreadable(Exception):
    """The pinned CA file could not be read."""


class DnsFailure(Exception):
    """The endpoint's host name did not resolve."""


class EndpointRun(StagedWorker):
    """One bounded download and upload against the policy's HTTPS endpoint."""

    thread_name = "wfh-network-endpoint"
    label = "the throughput endpoint"

    def __init__(self, settings: EndpointSettings, ca_pem: str | None, clock: Clock,
                 transfer_budget: Callable[[], float],
                 rtt_hint: Callable[[], float | None] = lambda: None) -> None:
        self.settings = settings
        self._ca_pem = ca_pem
        self._addresses: dict[tuple[str, int], str] = {}
        super().__init__(clock, transfer_budget, rtt_hint, {
            "mode": "endpoint", "download_url": settings.download_url,
            "upload_url": settings.upload_url, "upload_method": settings.upload_method,
            "ca_file": settings.ca_file, "max_bytes": settings.max_bytes, "connect": None})

    def describe(self, exc: BaseException) -> str:
        """The exception as one line naming its cause."""
        return describe(exc)

    def _steps(self) -> None:
        self._enter("ca")
        if self.settings.ca_file and not self._ca_pem:
            raise CaUnreadable(f"{self.settings.ca_file} could not be read")
        try:
            tls = tls_context(self._ca_pem)
        except ssl.SSLError as exc:
            raise CaUnreadable(f"{self.settings.ca_file} holds no usable PEM certificate "
                               f"({getattr(exc, 'reason', None) or exc})") from None
        self._enter("dns")
        self._resolve()
        self._enter("connect")
        down = self._connection(self.settings.download_url, tls)
        try:
            down.connect()
            self._set("connect", {"address": down.address, **connect_info(down)})
            self._wait_for_go()
            length = self._phase_length("download", self.settings.max_seconds)
            self._enter("download")
            path = self._path(self.settings.download_url)
            self._phase("download", length, lambda: download(
                down, path, length, self.settings.max_bytes, self.clock, self.stop))
        finally:
            down.close()   # when the download never ran (stopped, no time) too
        length = self._phase_length("upload", self.settings.max_seconds)
        self._enter("upload")
        up = self._connection(self.settings.upload_url, tls)
        rtt = self._rtt_hint()
        target = min(1.0, max(0.25, 10 * (rtt or 25.0) / 1000.0))
        path = self._path(self.settings.upload_url)

        def run_upload() -> dict[str, Any]:
            up.connect()
            return upload(up, path, self.settings.upload_method, length,
                          self.settings.max_bytes, target, self.clock, self.stop)

        self._phase("upload", length, run_upload)

    @staticmethod
    def _target(url: str) -> tuple[str, int]:
        parts = urllib.parse.urlsplit(url)
        return parts.hostname or "", parts.port or 443

    @staticmethod
    def _path(url: str) -> str:
        parts = urllib.parse.urlsplit(url)
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def _resolve(self) -> None:
        targets = sorted({self._target(self.settings.download_url),
                          self._target(self.settings.upload_url)})
        found = resolve_all([Endpoint(h, p) for h, p in targets], DNS_TIMEOUT_S,
                            socket.SOCK_STREAM)
        for res in found:
            if res.address is None:
                raise DnsFailure(f"{res.endpoint.host}: {res.error}")
            self._addresses[(res.endpoint.host, res.endpoint.port)] = res.address

    def _connection(self, url: str, tls: ssl.SSLContext) -> PinnedConnection:
        host, port = self._target(url)
        return PinnedConnection(host, port, self._addresses[(host, port)], tls)

    def _phase(self, phase: str, length: float, run: Callable[[], dict[str, Any]]) -> None:
        """Run one direction; its failure is recorded in its own record, not raised."""
        try:
            rec = run()
        except Stall as exc:
            rec, idle = exc.args[0], float(exc.args[1])
            rec["error"] = {"type": "Stall", "idle_s": round(idle, 3),
                            "message": f"no progress for {idle:.1f} s after {rec['bytes']} "
                                       "bytes"}
        except HttpStatus as exc:
            rec = {"error": {"type": "HttpStatus", "status": exc.status, "message": str(exc)}}
        except (OSError, http.client.HTTPException, ValueError) as exc:
            rec = {"error": {"type": type(exc).__name__, "message": describe(exc)[:300]}}
        rec["length_s"] = round(length, 3)
        rec["interrupted"] = self.stop.is_set()
        start, end, nbytes = rec.get("start"), rec.get("end"), rec.get("bytes") or 0
        if isinstance(start, float) and isinstance(end, float) and end > start and nbytes:
            rec["bits_per_s"] = nbytes * 8 / (end - start)
        self._set(phase, rec)
