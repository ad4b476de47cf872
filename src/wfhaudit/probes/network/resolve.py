"""Name resolution with a time bound: getaddrinfo has no timeout, so each lookup runs in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from wfhaudit.probes.network.config import Endpoint

GetAddrInfo = Callable[..., list[Any]]


@dataclass(frozen=True)
class Resolved:
    """One endpoint's lookup: the address chosen, or why there is none."""

    endpoint: Endpoint
    address: str | None
    family: int | None
    error: str | None
    ms: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form for the evidence."""
        return {"server": str(self.endpoint), "address": self.address, "error": self.error,
                "ms": round(self.ms, 3)}


def _pick(infos: list[Any]) -> tuple[str, int] | None:
    # Prefer IPv4: voice platforms' media edges are IPv4 first, and a broken v6 path
    # would otherwise read as "UDP blocked".
    for wanted in (socket.AF_INET, socket.AF_INET6):
        for family, _type, _proto, _name, sockaddr in infos:
            if family == wanted:
                return str(sockaddr[0]), int(family)
    return None


def resolve_all(endpoints: Sequence[Endpoint], timeout_s: float, socktype: int,
                getaddrinfo: GetAddrInfo = socket.getaddrinfo) -> list[Resolved]:
    """Resolve every endpoint in parallel; a lookup still running at timeout_s is reported."""
    results: dict[int, Resolved] = {}
    lock = threading.Lock()
    start = time.monotonic()

    def work(i: int, ep: Endpoint) -> None:
        t = time.monotonic()
        try:
            picked = _pick(getaddrinfo(ep.host, ep.port, 0, socktype))
            res = (Resolved(ep, picked[0], picked[1], None, (time.monotonic() - t) * 1000)
                   if picked else Resolved(ep, None, None, "no IPv4/IPv6 address",
                                           (time.monotonic() - t) * 1000))
        except (OSError, UnicodeError) as exc:
            res = Resolved(ep, None, None, _gai_text(exc), (time.monotonic() - t) * 1000)
        with lock:
            results[i] = res

    threads = []
    for i, ep in enumerate(endpoints):
        # A daemon thread: a resolver that never answers must not keep wfhaudit alive.
        th = threading.Thread(target=work, args=(i, ep), name=f"wfh-network-dns-{i}", daemon=True)
        th.start()
        threads.append(th)
    for th in threads:
        th.join(max(0.0, start + timeout_s - time.monotonic()))
    out = []
    with lock:
        for i, ep in enumerate(endpoints):
            out.append(results.get(i) or Resolved(
                ep, None, None, f"DNS lookup did not answer within {timeout_s:g} s",
                timeout_s * 1000))
    return out


def _gai_text(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return f"DNS lookup failed: {exc.strerror or exc}"
    if isinstance(exc, UnicodeError):
        return "host name is not valid IDNA"
    return f"lookup failed: {exc}"
