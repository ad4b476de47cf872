"""The network probe: VoIP readiness of the line (STUN at voice pacing, throughput, link).

Throughput comes from speedtest-cli by default, or from the company's own HTTPS endpoint
when the policy names one (settings.network.throughput_endpoint, docs/throughput-endpoint.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from wfhaudit.facts import Fact, keys_of
from wfhaudit.probes.base import Probe, ProbeContext, os_backends
from wfhaudit.probes.network.config import NetworkSettings, network_settings
from wfhaudit.probes.network.endpoint_facts import endpoint_facts
from wfhaudit.probes.network.measure import live_measure
from wfhaudit.probes.network.mos import DEFAULT_CODEC, Codec
from wfhaudit.probes.network.speed_facts import download_window, throughput_facts
from wfhaudit.probes.network.udp_facts import loaded_rtt_fact, mos_fact, udp_facts

KEYS = keys_of("network")
LINK_MARGIN_S = 0.5
LinkBackend = Callable[[ProbeContext], list[Fact]]


def facts_from_measurements(stun: dict[str, Any] | None, transfer: dict[str, Any] | None,
                            codec: Codec = DEFAULT_CODEC, endpoint: bool = False) -> list[Fact]:
    """Every measured network fact from the raw records; pure, the same live and on replay.

    transfer is the speedtest-cli record, or the throughput endpoint's when endpoint is set.
    """
    facts, analysis, idle = udp_facts(stun)
    download, upload = endpoint_facts(transfer) if endpoint else throughput_facts(transfer)
    facts += [download, upload]
    # Latency under load only counts when the download itself is a measurement.
    window = download_window(transfer) if download.is_known else None
    facts.append(loaded_rtt_fact(analysis, window, download.reason))
    facts.append(mos_fact(facts, idle, codec))
    return facts


def _measure(ctx: ProbeContext, cfg: NetworkSettings) -> list[Fact]:

    name = "throughput" if cfg.endpoint else "speedtest"
    ca_file = cfg.endpoint.ca_file if cfg.endpoint else None
    ca_pem = ctx.host.read_file(ca_file) if ca_file else None
    held: dict[str, dict[str, Any]] = {}

    def run_stun() -> dict[str, Any]:
        stun, transfer = live_measure(cfg, ctx.progress, ca_pem)
        held[name] = transfer
        return stun

    stun = ctx.host.measure("stun", run_stun)
    transfer = ctx.host.measure(name, lambda: held.get(name) or {
        "mode": "endpoint" if cfg.endpoint else cfg.speed.mode,
        "error": {"stage": "import", "type": "_NotRun", "message": "the measurement did not run"}})
    return facts_from_measurements(stun, transfer, cfg.codec, cfg.endpoint is not None)


def _link_safely(link: LinkBackend, ctx: ProbeContext, out: list[Fact]) -> None:
    try:
        out.extend(link(ctx))
    except Exception as exc:  # a parser bug must cost two UNKNOWNs, not the measurement
        reason = f"link detection failed: {type(exc).__name__}: {exc}"
        out.extend(Fact.unknown(k, reason) for k in ("network.link", "network.wifi_signal_dbm"))


def measure_with_link(ctx: ProbeContext, link: LinkBackend) -> list[Fact]:
    """Every network fact: the measurement, with the OS's link detection alongside in a thread."""
    started = time.monotonic()
    try:
        cfg = network_settings(ctx.setting("network", default={}), ctx.budget_s)
    except ValueError as exc:
        reason = f"bad settings.network in the policy: {exc}"
        return [Fact.unknown(k, reason, ["policy"]) for k in KEYS]
    link_facts: list[Fact] = []
    thread = threading.Thread(target=_link_safely, args=(link, ctx, link_facts),
                              name="wfh-network-link", daemon=True)
    thread.start()
    facts = _measure(ctx, cfg)
    thread.join(max(0.1, started + ctx.budget_s - LINK_MARGIN_S - time.monotonic()))
    if thread.is_alive():
        reason = "link detection did not finish within the probe's time budget"
        return facts + [Fact.unknown(k, reason) for k in ("network.link",
                                                          "network.wifi_signal_dbm")]
    return facts + list(link_facts)


PROBE = Probe(
    name="network",
    description="Line quality for voice: UDP RTT/jitter/loss, throughput, loaded RTT, MOS, link",
    backends=os_backends(__name__),
    # deadline_s (12 s by default) plus link detection and margin; the probe shortens its
    # deadline to fit when a policy lowers settings.probes.network.budget_s.
    budget_s=15.0,
)
