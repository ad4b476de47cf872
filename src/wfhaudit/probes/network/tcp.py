"""TCP connect round-trip times: the latency fallback when UDP gets no STUN reply."""

from __future__ import annotations

import contextlib
import errno
import socket
import time
from typing import Any

from wfhaudit.probes.network.resolve import Resolved

SAMPLES = 5
GAP_S = 0.05


def _connect_ms(server: Resolved, timeout_s: float) -> tuple[float | None, str | None]:
    if server.address is None or server.family is None:
        return None, server.error or "not resolved"
    sock = socket.socket(server.family, socket.SOCK_STREAM)
    sock.settimeout(timeout_s)
    try:
        start = time.perf_counter()
        sock.connect((server.address, server.endpoint.port))
        # SYN -> SYN/ACK is one round trip; the handshake's last ACK costs us nothing.
        return (time.perf_counter() - start) * 1000.0, None
    except TimeoutError:
        return None, f"no answer within {timeout_s:g} s"
    except OSError as exc:
        return None, exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
    finally:
        with contextlib.suppress(OSError):
            sock.close()


def run_tcp(servers: list[Resolved], hard_stop: float, samples: int = SAMPLES) -> dict[str, Any]:
    """Connect to the first fallback that accepts, `samples` times; raw times in ms."""
    raw: dict[str, Any] = {"servers": [s.to_dict() for s in servers], "target": None,
                           "samples_ms": [], "errors": []}
    for server in servers:
        if server.address is None:
            continue
        times: list[float] = []
        errors: list[str] = []
        for _ in range(samples):
            left = hard_stop - time.monotonic()
            if left <= 0.05:
                errors.append("deadline reached")
                break
            ms, err = _connect_ms(server, min(1.0, left))
            if ms is not None:
                times.append(round(ms, 3))
            else:
                errors.append(err or "failed")
                if not times:
                    break  # a refused or silent first connect: try the next fallback
            time.sleep(GAP_S)
        raw["errors"].extend(f"{server.endpoint}: {e}" for e in errors)
        if times:
            raw["target"] = str(server.endpoint)
            raw["samples_ms"] = times
            break
    return raw
