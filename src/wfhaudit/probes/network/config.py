"""Network probe settings (policy `settings.network`) merged over defaults that match contact-center."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.probes.network.mos import DEFAULT_CODEC, Codec, codec_from_setting
from wfhaudit.util.jsonshape import deep_merge

# Same values as the bundled contact-center policy (a unit test keeps them equal), so
# `wfhaudit probe network` without a policy measures what a check would.
DEFAULTS: dict[str, Any] = {
    "stun_servers": ["stun.l.google.com:19302", "stun.cloudflare.com:3478"],
    "tcp_fallback": ["www.google.com:443"],
    "udp_probe": {"count": 300, "interval_ms": 20, "timeout_ms": 1000},
    "speedtest": {"mode": "public", "secure": True, "max_seconds": 8},
    "codec": "g711",
    "deadline_s": 12,
}
ENDPOINT_MAX_BYTES = 200_000_000
# Time kept back from the probe budget for link detection and turning samples into facts.
BUDGET_MARGIN_S = 2.5


@dataclass(frozen=True)
class Endpoint:
    """A host name or IP literal and a port, as written in the policy."""

    host: str
    port: int

    def __str__(self) -> str:
        """host:port, with brackets around IPv6 literals."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def is_literal(self) -> bool:
        """True when host is an IP address (no DNS lookup needed)."""
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True


def parse_endpoint(text: str) -> Endpoint:
    """Parse 'host:port' or '[v6]:port'; ValueError when malformed."""
    text = text.strip()
    if text.startswith("["):
        host, sep, port = text[1:].partition("]:")
    else:
        host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdecimal() or not 0 < int(port) < 65536:
        raise ValueError(f"{text!r} is not host:port")
    return Endpoint(host, int(port))


@dataclass(frozen=True)
class SpeedSettings:
    """How to run speedtest-cli: mode public|server|mini|off and its limits."""

    mode: str = "public"
    server_id: int | None = None
    mini_url: str | None = None
    secure: bool = True
    max_seconds: float = 8.0


@dataclass(frozen=True)
class EndpointSettings:
    """The company's own HTTPS throughput endpoint (replaces speedtest-cli when set)."""

    download_url: str
    upload_url: str
    upload_method: str = "PUT"
    ca_file: str | None = None
    max_seconds: float = 8.0
    max_bytes: int = ENDPOINT_MAX_BYTES     # per direction


def _endpoint(raw: Any) -> EndpointSettings | None:
    if not raw:
        return None
    if not isinstance(raw, Mapping):
        raise ValueError("throughput_endpoint must be an object")
    urls = [str(raw.get(k) or "") for k in ("download_url", "upload_url")]
    if not all(u.startswith("https://") for u in urls):
        raise ValueError("throughput_endpoint needs https:// download_url and upload_url")
    method = str(raw.get("upload_method", "PUT"))
    if method not in ("PUT", "POST"):
        raise ValueError(f"throughput_endpoint.upload_method {method!r} is not PUT or POST")
    return EndpointSettings(urls[0], urls[1], method,
                            str(raw["ca_file"]) if raw.get("ca_file") else None,
                            float(raw.get("max_seconds", 8)),
                            int(raw.get("max_bytes", ENDPOINT_MAX_BYTES)))


@dataclass(frozen=True)
class NetworkSettings:
    """Everything the network probe needs from the policy, already validated."""

    stun_servers: tuple[Endpoint, ...]
    tcp_fallback: tuple[Endpoint, ...]
    count: int
    interval_ms: int
    timeout_ms: int
    speed: SpeedSettings
    deadline_s: float
    codec: Codec = DEFAULT_CODEC
    endpoint: EndpointSettings | None = None

    @property
    def stream_seconds(self) -> float:
        """How long the idle UDP stream lasts (count x interval)."""
        return self.count * self.interval_ms / 1000.0


def network_settings(raw: Any, budget_s: float | None = None) -> NetworkSettings:
    """Merge policy settings over DEFAULTS; the deadline never exceeds the probe budget.

    Raises ValueError with the offending key when a value is unusable (policies are
    schema-checked, so this only fires for hand-built settings).
    """
    merged = deep_merge(DEFAULTS, raw if isinstance(raw, Mapping) else {})
    udp = merged.get("udp_probe") or {}
    speed = merged.get("speedtest") or {}
    mode = str(speed.get("mode", "public"))
    if mode not in ("public", "server", "mini", "off"):
        raise ValueError(f"speedtest.mode {mode!r} is not public, server, mini or off")
    if mode == "mini" and not speed.get("mini_url"):
        raise ValueError("speedtest.mode is mini but speedtest.mini_url is missing")
    if mode == "server" and not speed.get("server_id"):
        raise ValueError("speedtest.mode is server but speedtest.server_id is missing")
    deadline = float(merged.get("deadline_s", 12))
    if budget_s is not None:
        deadline = max(1.0, min(deadline, budget_s - BUDGET_MARGIN_S))
    return NetworkSettings(
        stun_servers=tuple(parse_endpoint(s) for s in merged.get("stun_servers") or ()),
        tcp_fallback=tuple(parse_endpoint(s) for s in merged.get("tcp_fallback") or ()),
        count=int(udp.get("count", 300)),
        interval_ms=int(udp.get("interval_ms", 20)),
        timeout_ms=int(udp.get("timeout_ms", 1000)),
        speed=SpeedSettings(mode=mode,
                            server_id=int(speed["server_id"]) if speed.get("server_id") else None,
                            mini_url=str(speed["mini_url"]) if speed.get("mini_url") else None,
                            secure=bool(speed.get("secure", True)),
                            max_seconds=float(speed.get("max_seconds", 8))),
        deadline_s=deadline,
        codec=codec_from_setting(merged.get("codec")),
        endpoint=_endpoint(merged.get("throughput_endpoint")),
    )
