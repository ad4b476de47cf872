"""Network probe benchmark on loopback: wall time with defaults, and error per injected impairment.

    .venv/bin/python bench/network_bench.py [--runs 3] [--quick] [--skip-speedtest-cli]
                                            [--json out.json]

Servers (all 127.0.0.1): coturn (STUN only) behind tests/live/netsim/udp_relay.py, and
tests/live/netsim/fake_speedtest.py throttled for speedtest-cli. Reports:

1. probe wall time with default settings (300 x 20 ms, 12 s deadline, speedtest-cli in mini
   mode against a 40 Mbit/s fake) over --runs runs;
2. speedtest-cli's own CLI (`speedtest --secure --mini URL --json`) against the same fake
   with its default configuration (10 s per direction), for comparison;
3. for each injected level (delay, jitter, loss, reordering, throttle): what was injected,
   what the probe measured, and the error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.live.netsim import harness  # noqa: E402

from wfhaudit.host import LiveHost  # noqa: E402
from wfhaudit.probes.base import ProbeContext  # noqa: E402
from wfhaudit.probes.network import PROBE  # noqa: E402
from wfhaudit.probes.network.udp_facts import idle_stats, stream_analysis  # noqa: E402


def run_probe(settings: dict[str, Any]) -> tuple[dict[str, Any], LiveHost, float]:
    host = LiveHost()
    start = time.monotonic()
    facts = PROBE.collect(ProbeContext(host=host, settings={"network": settings},
                                       budget_s=PROBE.budget_s))
    return {f.key: f.value for f in facts}, host, time.monotonic() - start


def udp_settings(port: int, count: int) -> dict[str, Any]:
    return {"stun_servers": [f"127.0.0.1:{port}"], "tcp_fallback": [],
            "udp_probe": {"count": count, "interval_ms": 20, "timeout_ms": 1000},
            "speedtest": {"mode": "off"}}


def pct_err(measured: float | None, truth: float) -> float | None:
    if measured is None or not truth:
        return None
    return round(100.0 * (measured - truth) / truth, 1)


def wall_time(turn: harness.Coturn, certs: harness.Certs, runs: int) -> dict[str, Any]:
    walls = []
    for _ in range(runs):
        with harness.fake_speedtest("ok", rate_mbps=40, certs=certs) as fake, \
                harness.relay(turn.port, delay_ms=20, jitter_ms=2, seed=1) as rl:
            os.environ.update(harness.speedtest_env(fake, certs))
            facts, _host, wall = run_probe({"stun_servers": [f"127.0.0.1:{rl.port}"],
                                            "tcp_fallback": [],
                                            "speedtest": {"mode": "mini", "mini_url": fake.url}})
        walls.append(round(wall, 2))
        print(f"  default run: {wall:.2f} s  download {facts['network.download_mbps']} "
              f"upload {facts['network.upload_mbps']} rtt {facts['network.rtt_ms']} "
              f"loaded {facts['network.loaded_rtt_ms']}")
    return {"runs": walls, "median_s": statistics.median(walls), "max_s": max(walls)}


def speedtest_cli_wall(certs: harness.Certs) -> dict[str, Any]:
    exe = shutil.which("speedtest-cli", path=str(Path(sys.executable).parent)) or \
        shutil.which("speedtest-cli")
    if exe is None:
        return {"skipped": "speedtest-cli not installed"}
    with harness.fake_speedtest("ok", rate_mbps=40, certs=certs) as fake:
        env = {**os.environ, **harness.speedtest_env(fake, certs)}
        start = time.monotonic()
        done = subprocess.run([exe, "--secure", "--mini", fake.url, "--json"], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        wall = time.monotonic() - start
    result: dict[str, Any] = {"wall_s": round(wall, 2), "exit": done.returncode}
    try:
        data = json.loads(done.stdout)
        result.update(download_mbps=round(data["download"] / 1e6, 2),
                      upload_mbps=round(data["upload"] / 1e6, 2), ping_ms=data["ping"])
    except (ValueError, KeyError):
        result["stderr"] = done.stderr[-300:]
    print(f"  speedtest-cli CLI: {wall:.2f} s {result}")
    return result


def sweep(turn: harness.Coturn, certs: harness.Certs, count: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def udp_case(label: str, truth: dict[str, float], **relay_opts: Any) -> None:
        with harness.relay(turn.port, seed=4, **relay_opts) as rl:
            facts, host, _wall = run_probe(udp_settings(rl.port, count))
            injected = rl.close()
        stun = host.evidence.measurements["stun"]
        analysis = stream_analysis(stun)
        idle = idle_stats(stun, analysis) if analysis else None
        first = len(stun["preflight"]["sends"])
        reqs = injected["requests"][first:first + count]
        real_loss = 100.0 * sum(r["dropped"] for r in reqs) / count
        real_jitter = harness.injected_jitter_ms({"requests": reqs})
        row = {"case": label, "rtt_ms": facts["network.rtt_ms"],
               "rtt_err_pct": pct_err(facts["network.rtt_ms"], truth["rtt"]),
               "jitter_ms": facts["network.jitter_ms"],
               "jitter_injected_ms": round(real_jitter, 3),
               "jitter_nominal_ms": round(truth.get("jitter", 0.0), 3),
               "jitter_err_ms": None if facts["network.jitter_ms"] is None
               else round(facts["network.jitter_ms"] - real_jitter, 3),
               "loss_pct": facts["network.loss_pct"], "loss_injected_pct": round(real_loss, 2),
               "loss_nominal_pct": truth.get("loss", 0.0),
               "loss_err_pp": None if facts["network.loss_pct"] is None
               else round(facts["network.loss_pct"] - real_loss, 2),
               "reordered": idle.reordered if idle else None,
               "mos": facts["network.mos"]}
        rows.append(row)
        print(f"  {label:<24} rtt {row['rtt_ms']} ({row['rtt_err_pct']} %)  jitter "
              f"{row['jitter_ms']} vs {row['jitter_injected_ms']} (nominal "
              f"{row['jitter_nominal_ms']})  loss {row['loss_pct']} vs {row['loss_injected_pct']}")

    for delay in (10, 40, 100):
        udp_case(f"delay {delay} ms", {"rtt": delay}, delay_ms=delay)
    for jit in (2, 5, 10, 20):
        # uniform +-a on one direction: E|D| of two draws is 2a/3
        udp_case(f"40 ms +-{jit} ms", {"rtt": 40, "jitter": 2 * jit / 3}, delay_ms=40,
                 jitter_ms=jit)
    for loss in (1, 5, 10, 30):
        udp_case(f"loss {loss} %", {"rtt": 20, "loss": loss}, delay_ms=20, loss_pct=loss)
    udp_case("reorder 10 % (+30 ms)", {"rtt": 20}, delay_ms=20, reorder_pct=10)
    for rate in (10, 40, 100):
        with harness.fake_speedtest("ok", rate_mbps=rate, certs=certs) as fake:
            os.environ.update(harness.speedtest_env(fake, certs))
            settings = udp_settings(turn.port, 50)
            settings.update(speedtest={"mode": "mini", "mini_url": fake.url}, deadline_s=8)
            facts, _host, _wall = run_probe(settings)
        row = {"case": f"throttle {rate} Mbit/s", "download_mbps": facts["network.download_mbps"],
               "download_err_pct": pct_err(facts["network.download_mbps"], rate),
               "upload_mbps": facts["network.upload_mbps"],
               "upload_err_pct": pct_err(facts["network.upload_mbps"], rate)}
        rows.append(row)
        print(f"  {row['case']:<24} download {row['download_mbps']} ({row['download_err_pct']} %)"
              f"  upload {row['upload_mbps']} ({row['upload_err_pct']} %)")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100 probes per sweep level")
    parser.add_argument("--skip-speedtest-cli", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    machine = {"nproc": os.cpu_count(), "kernel": platform.release(),
               "python": platform.python_version(),
               "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
               "command": " ".join([Path(sys.executable).name, *sys.argv])}
    print("machine:", machine)
    work = Path(tempfile.mkdtemp(prefix="wfh-network-bench-"))
    try:
        certs = harness.make_certs(work)
        with harness.coturn() as turn:
            print("probe wall time, default settings:")
            walls = wall_time(turn, certs, args.runs)
            cli = {"skipped": "--skip-speedtest-cli"} if args.skip_speedtest_cli else \
                speedtest_cli_wall(certs)
            print("measurement error per injected level:")
            rows = sweep(turn, certs, 100 if args.quick else 300)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report = {"machine": machine, "probe_default_wall": walls, "speedtest_cli": cli,
              "sweep": rows}
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
