"""The company's own throughput endpoint against a real nginx (Debian package) over TLS.

nginx runs from a throwaway prefix on 127.0.0.1 with a certificate from a throwaway CA
(tests/live/netsim/nginx.py), configured as docs/throughput-endpoint.md describes: a static
blob and a PUT location. Tolerances: download within 15 % of nginx's limit_rate; the upload
figure counts exactly the bytes nginx logged as stored (2xx) and its rate agrees with nginx's
own timing of those requests within 25 %. Every failure is checked for the fact AND the reason.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_root_tool
from tests.live.netsim import harness
from tests.live.netsim import nginx as web
from tests.live.netsim.probe_run import collect, in_netns, retry_measurement, udp, value

pytestmark = pytest.mark.live
RATES = (16.0, 48.0)


@pytest.fixture(scope="module")
def certs() -> Iterator[tuple[harness.Certs, harness.Certs]]:
    """The CA nginx's certificate is from, and an unrelated one."""
    work = Path(tempfile.mkdtemp(prefix="wfh-network-certs-"))
    try:
        (work / "other").mkdir()
        yield harness.make_certs(work), harness.make_certs(work / "other")
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def server(certs: tuple[harness.Certs, harness.Certs]) -> Iterator[web.Nginx]:
    if shutil.which(web.NGINX) is None:
        pytest.skip("nginx is not installed: apt-get install -y nginx")
    with web.nginx(certs[0], RATES) as running:
        yield running


@pytest.fixture(scope="module")
def turn() -> Iterator[harness.Coturn]:
    if shutil.which("turnserver") is None:
        pytest.skip("coturn's turnserver is not installed: apt-get install -y coturn")
    with harness.coturn() as stun:
        yield stun


def settings(turn: harness.Coturn, server: web.Nginx, down: str, up: str,
             ca: Path | None, **more: Any) -> dict[str, Any]:
    endpoint = {"download_url": server.url(down), "upload_url": server.url(up),
                "max_seconds": 4, **more}
    if ca is not None:
        endpoint["ca_file"] = str(ca)
    return udp(turn.port, 50, deadline_s=7, throughput_endpoint=endpoint)


@pytest.mark.parametrize("rate", RATES)
def test_throughput_matches_the_server(turn: harness.Coturn, server: web.Nginx,
                                       certs: tuple[harness.Certs, harness.Certs],
                                       rate: float) -> None:
    def measure() -> tuple[Any, Any, float, int]:
        before = len(server.uploads())
        return (*collect(settings(turn, server, f"/wfhaudit/rate-{rate:g}.bin",
                                  f"/wfhaudit/upload/probe-{rate:g}.bin", certs[0].ca,
                                  max_bytes=40_000_000)), before)

    # A starved machine slows nginx's limit_rate timers too; the UDP stream's pacing shows
    # whether this process kept its schedule, and a run where it did not is measured again.
    facts, host, wall, before = retry_measurement(
        measure, lambda run: run[1].evidence.measurements["stun"]["pacing_slips"] == 0)
    assert wall <= 7.0
    assert value(facts, "network.download_mbps") == pytest.approx(rate, rel=0.15)
    assert "certificate checked against the pinned CA" in facts["network.download_mbps"].detail
    record = host.evidence.measurements["throughput"]
    assert "speedtest" not in host.evidence.measurements       # the endpoint replaced it
    stored = [u for u in server.uploads()[before:] if 200 <= u["status"] < 300]
    assert record["upload"]["bytes"] == sum(u["bytes"] for u in stored) > 0
    assert record["upload"]["requests"] == len(stored)
    server_mbps = sum(u["bytes"] for u in stored) * 8 / max(1e-3, sum(u["time"] for u in stored))
    # nginx times each request from its first byte, the probe from before it: the probe can
    # only be slower, and nginx's millisecond clock blurs the fastest requests.
    assert value(facts, "network.upload_mbps") <= server_mbps * 1.25
    assert value(facts, "network.loaded_rtt_ms") > 0


def test_system_trust_store_is_used_without_a_pin(turn: harness.Coturn, server: web.Nginx,
                                                  certs: tuple[harness.Certs, harness.Certs],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certs[0].ca))    # "this computer trusts" our CA
    facts, _host, _wall = collect(settings(turn, server, "/wfhaudit/rate-48.bin",
                                           "/wfhaudit/upload/probe-system.bin", None,
                                           max_seconds=2))
    assert value(facts, "network.download_mbps") > 0
    assert "certificate authorities this computer trusts" in \
        facts["network.download_mbps"].detail


@pytest.mark.parametrize("pin", ["other-ca", "no-pin"])
def test_an_unknown_ca_is_rejected(turn: harness.Coturn, server: web.Nginx,
                                   certs: tuple[harness.Certs, harness.Certs],
                                   monkeypatch: pytest.MonkeyPatch, pin: str) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    ca = certs[1].ca if pin == "other-ca" else None
    facts, host, wall = collect(settings(turn, server, "/wfhaudit/blob.bin",
                                         "/wfhaudit/upload/never.bin", ca))
    assert wall < 3.0
    trust = f"the pinned CA in {ca}" if ca else "the certificate authorities this computer trusts"
    for key in ("network.download_mbps", "network.upload_mbps"):
        reason = facts[key].reason or ""
        assert not facts[key].is_known
        assert "failed while connecting (TCP and TLS): TLS failure: the certificate was " \
               "rejected (unable to get local issuer certificate)" in reason, reason
        assert f"must chain to {trust}" in reason
    assert host.evidence.measurements["throughput"]["error"]["stage"] == "connect"
    assert "network.loaded_rtt_ms" in facts and not facts["network.loaded_rtt_ms"].is_known


def test_http_refusals_are_named(turn: harness.Coturn, server: web.Nginx,
                                 certs: tuple[harness.Certs, harness.Certs]) -> None:
    facts, _host, _wall = collect(settings(turn, server, "/wfhaudit/forbidden.bin",
                                           "/wfhaudit/broken-upload", certs[0].ca))
    down, up = facts["network.download_mbps"], facts["network.upload_mbps"]
    assert not down.is_known and not up.is_known
    assert f"answered the download with HTTP 403 Forbidden ({server.url('/wfhaudit/forbidden.bin')})" \
        in (down.reason or "")
    assert "answered the upload with HTTP 500 Internal Server Error" in (up.reason or "")
    assert "HTTP 403" in (facts["network.loaded_rtt_ms"].reason or "")


def test_a_stalled_download_is_named(turn: harness.Coturn, server: web.Nginx,
                                     certs: tuple[harness.Certs, harness.Certs]) -> None:
    facts, host, _wall = collect(settings(turn, server, "/wfhaudit/stall.bin",
                                          "/wfhaudit/upload/probe-stall.bin", certs[0].ca))
    down = facts["network.download_mbps"]
    assert not down.is_known
    assert f"the download stalled: no progress for 1.5 s after {web.STALL_AFTER} bytes" in \
        (down.reason or "")
    assert host.evidence.measurements["throughput"]["download"]["error"]["type"] == "Stall"
    assert value(facts, "network.upload_mbps") > 0       # the upload location still works


def test_an_unreadable_ca_file_is_named(turn: harness.Coturn, server: web.Nginx) -> None:
    missing = Path(tempfile.gettempdir()) / "wfh-network-no-such-ca.pem"
    facts, _host, _wall = collect(settings(turn, server, "/wfhaudit/blob.bin",
                                           "/wfhaudit/upload/x.bin", missing))
    assert f"failed while loading the pinned CA: {missing} could not be read" in \
        (facts["network.download_mbps"].reason or "")


def test_a_throttled_line_both_ways(certs: tuple[harness.Certs, harness.Certs]) -> None:
    """nginx and the probe in a namespace whose loopback a token bucket holds to 20 Mbit/s.

    Both directions cross the same limited link, so download and upload must both come out
    near 20 Mbit/s (minus TCP/TLS overhead): the upload figure is checked against a real
    limit here, not only against the server's log.
    """
    require_root_tool("unshare", "ip", "tc", web.NGINX)
    with web.prepared(certs[0]) as site:
        pidfile = site.prefix / "run.pid"
        setup = ["ip link set lo mtu 1500",   # whole-frame packets, so the bucket sees them
                 "tc qdisc add dev lo root tbf rate 20mbit burst 200kb latency 100ms",
                 f"{{ {shlex.join(site.argv)} & echo $! > {pidfile}; }}",
                 f"for i in $(seq 50); do [ -s {site.prefix}/nginx.pid ] && break; sleep 0.1;"
                 " done"]
        endpoint = {"download_url": f"https://localhost:{site.port}/wfhaudit/blob.bin",
                    "upload_url": f"https://localhost:{site.port}/wfhaudit/upload/t.bin",
                    "ca_file": str(certs[0].ca), "max_seconds": 3}
        result = in_netns({"stun_servers": [], "tcp_fallback": [], "deadline_s": 6,
                           "throughput_endpoint": endpoint}, setup,
                          [f"kill $(cat {pidfile})"])
    facts = result["facts"]
    print("throttled 20 Mbit/s:", facts["network.download_mbps"], facts["network.upload_mbps"])
    assert facts["network.download_mbps"]["value"] == pytest.approx(19.0, rel=0.15)
    assert facts["network.upload_mbps"]["value"] == pytest.approx(19.0, rel=0.2)
    assert "names no STUN servers" in facts["network.rtt_ms"]["reason"]
