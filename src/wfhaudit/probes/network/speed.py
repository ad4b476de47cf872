"""speedtest-cli's Speedtest class in a worker thread, bounded by our deadline; raw results only.

speedtest-cli has per-socket timeouts but no overall deadline, its latency probes use a fixed
10 s timeout, and it reports failures as results (ping 1800000 ms, 0 bit/s). So the worker
records what happened stage by stage, the orchestrator stops waiting at the deadline (and
sets the shutdown event so the transfer threads end), and speed_facts.py decides what the
recording proves.
"""

from __future__ import annotations

import contextlib
import io
import math
import socket
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from wfhaudit.probes.network.clock import Clock
from wfhaudit.probes.network.config import Endpoint, SpeedSettings
from wfhaudit.probes.network.resolve import resolve_all
from wfhaudit.probes.network.speed_http import HttpLog, RecordingOpener
from wfhaudit.probes.network.worker import StagedWorker

CONFIG_HOST = "www.speedtest.net"
# Bounded transfers: at most 2 GETs per image size (<= ~205 MB over all ten sizes, more than
# a 12 s run reads below 600 Mbit/s); uploads sized from the download rate (below), at most
# 200 requests of <= 1 MiB, built lazily (speedtest-cli's default pre-allocates ~151 MB).
MAX_DOWNLOADS_PER_SIZE = 2
MAX_THREADS = 8
# No 65536: speedtest-cli builds that body 7 bytes short of its Content-Length (it repeats a
# 36-byte pattern round(65536 / 36) times), so the server waits for bytes that never come.
UPLOAD_SIZES = (32768, 131072, 262144, 524288, 1048576)
MAX_UPLOADS = 200
OP_TIMEOUT_S = 4.0
DNS_TIMEOUT_S = 2.0


def plan_upload(download_bits: float, length_s: float, rtt_ms: float | None
                ) -> tuple[int, int, int]:
    """(request size, threads, requests) for the upload, from the download rate and RTT.

    speedtest-cli counts a body as sent once the kernel takes it and then waits for the
    server's reply, so everything in flight when the time is up still drains through the
    uplink afterwards: on a 10 Mbit/s line, 8 threads x 1 MiB overrun by seconds. In flight
    is kept to T = 10 RTT (0.2..1 s) of the rate, which bounds the overrun by T, while each
    request (a new connection, two round trips of overhead) still lasts 10 RTT, so the
    overhead stays near 20 %. Enough requests for 1.5 x the phase; the download rate stands
    in for the unknown upload rate (it is rarely lower).
    """
    rate = download_bits / 8 if download_bits > 0 else 1_250_000.0
    threads = 2 if rate < 5e6 else 4 if rate < 12.5e6 else MAX_THREADS
    spread = min(1.0, max(0.2, 10 * (rtt_ms or 30.0) / 1000.0))
    target = rate * spread / threads
    size = max((s for s in UPLOAD_SIZES if s <= target), default=UPLOAD_SIZES[0])
    count = min(MAX_UPLOADS, max(threads, math.ceil(rate * length_s * 1.5 / size)))
    return size, threads, count


class _NoFileno:
    """Forwards everything to a stream except fileno(), which it refuses."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def fileno(self) -> int:
        """Refuse, so speedtest-cli keeps using the stream instead of grabbing the fd."""
        raise io.UnsupportedOperation("fileno")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


_IMPORT_LOCK = threading.Lock()


@contextlib.contextmanager
def _quiet_stdio() -> Iterator[None]:
    # Importing speedtest-cli wraps fds 1 and 2 in FileIO objects that close those fds when
    # collected; a stream without fileno() makes it fall back to the stream itself.
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _NoFileno(saved[0]), _NoFileno(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def import_speedtest() -> ModuleType:
    """Import speedtest-cli lazily (it is slow and has import-time side effects)."""
    with _IMPORT_LOCK:
        if "speedtest" not in sys.modules:
            with _quiet_stdio():
                import speedtest  # noqa: F401 - imported for sys.modules
        module: ModuleType = sys.modules["speedtest"]
        return module


def describe_error(exc: BaseException) -> str:
    """speedtest-cli's exception as one readable line (unwrapping urllib's reprs)."""
    text = str(exc).strip()
    if text.startswith("<urlopen error") and text.endswith(">"):
        text = text[len("<urlopen error"):-1].strip()
    return text or type(exc).__name__


def _proxied(url: str) -> bool:
    scheme = urllib.parse.urlsplit(url).scheme
    host = urllib.parse.urlsplit(url).hostname or ""
    return scheme in urllib.request.getproxies() and not urllib.request.proxy_bypass(host)


class SpeedRun(StagedWorker):
    """One speedtest-cli run in a daemon thread; state readable at any time."""

    thread_name = "wfh-network-speedtest"
    label = "speedtest-cli"

    def __init__(self, settings: SpeedSettings, clock: Clock,
                 transfer_budget: Callable[[], float],
                 rtt_hint: Callable[[], float | None] = lambda: None) -> None:
        self.settings = settings
        self._http = HttpLog()
        super().__init__(clock, transfer_budget, rtt_hint, {
            "mode": settings.mode, "secure": settings.secure, "target": self._target(),
            "server": None})

    def _target(self) -> str:
        s = self.settings
        if s.mode == "mini":
            return str(s.mini_url)
        if s.mode == "server":
            return f"speedtest.net server {s.server_id}"
        return "nearest speedtest.net server"

    def snapshot(self, deadline_hit: bool = False) -> dict[str, Any]:
        """The raw record so far, with what speedtest-cli's HTTP requests got."""
        return {**super().snapshot(deadline_hit), "http": self._http.snapshot()}

    def _enter(self, stage: str) -> None:
        self._http.phase = stage
        super()._enter(stage)

    def describe(self, exc: BaseException) -> str:
        """speedtest-cli's exception as one readable line."""
        return describe_error(exc)

    def _steps(self) -> None:
        self._enter("import")
        st_mod = import_speedtest()
        self._enter("dns")
        self._check_dns()
        self._enter("config")
        st = st_mod.Speedtest(secure=self.settings.secure, timeout=OP_TIMEOUT_S,
                              shutdown_event=self.stop)
        self._bound(st.config)
        # Every later request goes through this opener, so its failures are on record.
        st._opener = RecordingOpener(st._opener, self._http)
        self._enter("servers")
        if self.settings.mode == "mini":
            best = st.get_best_server(st.set_mini_server(self.settings.mini_url))
        elif self.settings.mode == "server":
            st.get_servers([self.settings.server_id])
            best = st.get_best_server()
        else:
            best = st.get_best_server()
        self._set("server", {k: best.get(k) for k in ("id", "sponsor", "name", "country", "host")}
                  | {"d_km": round(float(best.get("d") or 0), 1),
                     "latency_ms": float(best.get("latency") or 0)})
        self._wait_for_go()
        self._transfer(st, "download")
        self._transfer(st, "upload")

    def _transfer(self, st: Any, phase: str) -> None:
        length = self._phase_length(phase, self.settings.max_seconds)
        st.config["length"][phase] = length
        self._enter(phase)
        start = round(self.clock.now(), 6)
        plan: dict[str, Any] = {}
        if phase == "download":
            bits = st.download()
            nbytes = st.results.bytes_received
        else:
            down = self._get("download") or {}
            rtt = self._rtt_hint()
            size, threads, count = plan_upload(float(down.get("bits_per_s") or 0), length, rtt)
            plan = {"request_bytes": size, "threads": threads, "requests": count,
                    "planned_bytes": size * count,
                    "rtt_hint_ms": None if rtt is None else round(rtt, 3)}
            st.config["sizes"]["upload"] = [size]
            st.config["counts"]["upload"] = count
            st.config["upload_max"] = count
            bits = st.upload(pre_allocate=False, threads=threads)
            nbytes = st.results.bytes_sent
        self._set(phase, {"start": start, "end": round(self.clock.now(), 6),
                          "length_s": round(length, 3), "bits_per_s": float(bits),
                          "bytes": int(nbytes), "interrupted": self.stop.is_set(), **plan})

    def _bound(self, config: dict[str, Any]) -> None:
        counts, threads = config["counts"], config["threads"]
        counts["download"] = max(1, min(int(counts["download"]), MAX_DOWNLOADS_PER_SIZE))
        threads["download"] = max(1, min(int(threads["download"]), MAX_THREADS))
        threads["upload"] = max(1, min(int(threads["upload"]), MAX_THREADS))

    def _check_dns(self) -> None:
        """Fail fast when the names speedtest-cli needs do not resolve (no network, no DNS)."""
        scheme = "https" if self.settings.secure else "http"
        urls = [f"{scheme}://{CONFIG_HOST}/"]
        if self.settings.mode == "mini" and self.settings.mini_url:
            urls.append(self.settings.mini_url)
        endpoints = []
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            if not parts.hostname or _proxied(url):
                continue
            port = parts.port or (443 if parts.scheme == "https" else 80)
            endpoints.append(Endpoint(parts.hostname, port))
        for res in resolve_all(endpoints, DNS_TIMEOUT_S, socket.SOCK_STREAM):
            if res.address is None:
                raise _DnsFailure(f"{res.endpoint.host}: {res.error}")


class _DnsFailure(Exception):
    """A name speedtest-cli needs did not resolve."""
