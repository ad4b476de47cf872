"""speedtest-cli's HTTP traffic, watched: status codes, errors and stalls per transfer phase.

speedtest-cli swallows every download and upload error and then reports 0 bit/s. Wrapping
the opener it uses for its requests records what each one got (HTTP status, the error, bytes
read and when the last byte came), so the facts can name the cause instead of guessing.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
import urllib.error
from typing import Any

STALL_S = 1.5   # a response that delivers nothing for this long has stalled


def describe(exc: BaseException) -> str:
    """One line for a failed request: HTTP status, TLS failure, timeout or the OS error."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    if isinstance(exc, ssl.SSLError):
        # Attributes the ssl module sets on errors it raises (absent on hand-made ones).
        why = getattr(exc, "verify_message", None) or getattr(exc, "reason", None) or exc
        return f"TLS failure: {why}"
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class HttpLog:
    """Thread-safe tally of requests by phase; open requests are tracked for stalls."""

    def __init__(self) -> None:
        self.phase = "setup"
        self._lock = threading.Lock()
        self._phases: dict[str, dict[str, Any]] = {}
        # token -> [phase, started, last progress, bytes, reading the response]
        self._open: dict[int, list[Any]] = {}
        self._next = 0

    def _bucket(self, phase: str) -> dict[str, Any]:
        return self._phases.setdefault(phase, {"requests": 0, "status": {}, "errors": {},
                                               "bytes": 0})

    def begin(self) -> int:
        """A request starts in the current phase; returns its token."""
        with self._lock:
            self._next += 1
            now = time.monotonic()
            self._open[self._next] = [self.phase, now, now, 0, False]
            self._bucket(self.phase)["requests"] += 1
            return self._next

    def status(self, token: int, code: int | None) -> None:
        """Response headers arrived with this status."""
        with self._lock:
            entry = self._open.get(token)
            if entry is None:
                return
            entry[2], entry[4] = time.monotonic(), True
            counts = self._bucket(entry[0])["status"]
            counts[str(code)] = counts.get(str(code), 0) + 1

    def progress(self, token: int, nbytes: int) -> None:
        """Count nbytes of the response body as arrived."""
        with self._lock:
            entry = self._open.get(token)
            if entry is not None:
                entry[2] = time.monotonic()
                entry[3] += nbytes
                self._bucket(entry[0])["bytes"] += nbytes

    def fail(self, token: int, text: str) -> None:
        """The request ended with an error."""
        with self._lock:
            entry = self._open.pop(token, None)
            if entry is not None:
                errors = self._bucket(entry[0])["errors"]
                errors[text] = errors.get(text, 0) + 1

    def end(self, token: int) -> None:
        """The request finished (or was closed)."""
        with self._lock:
            self._open.pop(token, None)

    def snapshot(self) -> dict[str, Any]:
        """Per phase: requests, status counts, errors, bytes and requests stalled right now."""
        now = time.monotonic()
        with self._lock:
            out = {p: {**b, "status": dict(b["status"]), "errors": dict(b["errors"])}
                   for p, b in self._phases.items()}
            for phase, _start, last, nbytes, reading in self._open.values():
                # An upload waits for its response while the body is still going out, so
                # only a response being read (or a download awaiting one) can stall.
                idle = now - last
                if idle < STALL_S or not (reading or phase == "download"):
                    continue
                stalled = out[phase].setdefault("stalled", {"count": 0, "idle_s": 0.0,
                                                            "bytes": 0})
                stalled["count"] += 1
                stalled["idle_s"] = round(max(stalled["idle_s"], idle), 3)
                stalled["bytes"] += nbytes
            return out


class _Response:
    """A response whose reads are logged; everything else is the real response."""

    def __init__(self, inner: Any, log: HttpLog, token: int) -> None:
        self._inner = inner
        self._log = log
        self._token = token

    def read(self, *args: Any) -> Any:
        """Read and log the bytes (or the error)."""
        try:
            data = self._inner.read(*args)
        except Exception as exc:
            self._log.fail(self._token, describe(exc))
            raise
        self._log.progress(self._token, len(data))
        return data

    def close(self) -> None:
        """Close the response; the request is over."""
        self._log.end(self._token)
        self._inner.close()

    def __getattr__(self, name: str) -> Any:
        """Everything else is the real response's."""
        return getattr(self._inner, name)


class RecordingOpener:
    """Stands in for speedtest-cli's urllib opener and logs every request through it."""

    def __init__(self, inner: Any, log: HttpLog) -> None:
        self._inner = inner
        self._log = log

    def open(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        """Open like the real opener, logging status or error."""
        token = self._log.begin()
        try:
            response = self._inner.open(request, *args, **kwargs)
        except urllib.error.HTTPError as exc:
            self._log.status(token, exc.code)
            self._log.fail(token, describe(exc))
            raise
        except Exception as exc:
            self._log.fail(token, describe(exc))
            raise
        self._log.status(token, getattr(response, "status", None))
        return _Response(response, self._log, token)

    def __getattr__(self, name: str) -> Any:
        """Everything else is the real opener's."""
        return getattr(self._inner, name)
