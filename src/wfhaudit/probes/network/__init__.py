"""The network probe: VoIP readiness of the line (STUN at voice pacing, speedtest-cli, link)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from wfhaudit.facts import Fact, keys_of
from wfhaudit.probes.base import Probe, ProbeContext, os_backends
from wfhaudit.probes.network.config import NetworkSettings, network_settings
from wfhaudit.probes.network.measure import live_measure
from wfhaudit.probes.network.speed_facts import download_window, throughput_facts
from wfhaudit.probes.network.udp_facts import loaded_rtt_fact, mos_fact, udp_facts

KEYS = keys_of("network")
LINK_MARGIN_S = 0.5
LinkBackend = Callable[[ProbeContext], list[Fact]]


def facts_from_measurements(stun: dict[str, Any] | None,
                            speedtest: dict[str, Any] | None) -> list[Fact]:
    """Every measured network fact from the raw records; pure, the same live and on replay."""
    facts, analysis, _idle = udp_facts(stun)
    download, upload = throughput_facts(speedtest)
    facts += [download, upload]
    # Latency under load only counts when the download itself is a measurement.
    window = download_window(speedtest) if download.is_known else None
    facts.append(loaded_rtt_fact(analysis, window, download.reason))
    facts.append(mos_fact(facts))
    return facts


def _measure(ctx: ProbeContext, cfg: NetworkSettings) -> list[Fact]:

    held: dict[str, dict[str, Any]] = {}

    def run_stun() -> dict[str, Any]:
        stun, speedtest = live_measure(cfg, ctx.progress)
        held["speedtest"] = speedtest
        return stun

    stun = ctx.host.measure("stun", run_stun)
    speedtest = ctx.host.measure("speedtest", lambda: held.get("speedtest") or {
        "mode": cfg.speed.mode, "error": {"stage": "import", "type": "_NotRun",
                                          "message": "the measurement did not run"}})
    return facts_from_measurements(stun, speedtest)


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
