"""A realistic fleet for the fleet page's print and screenshot tests, built with the real code.

Devices (with owners) are ready, failing a rule, blocked by an unknown, stale, missing, or
have a newer report rejected (made under a policy IT never accepted); the history holds
several runs as more devices report, so the trend has points and a gate line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.fleet.fleetgen import (
    FLEET_POLICY,
    GOOD,
    UTC,
    Org,
    policy_from,
    predicate,
    signed,
    with_upload_min,
    write,
)

from wfhaudit.app.aggregate import AggregateOptions, run_aggregate
from wfhaudit.fleet.gates import GateSpec
from wfhaudit.trust.draft import accept_policy, add_device, new_draft

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
RUNS = 6
FIXES = {"firewall-enabled": "Turn the firewall on: run `sudo ufw enable`, or ask IT.",
         "disk-encrypted": "Ask IT to reinstall this machine with disk encryption turned on.",
         "net-upload": "Stop cloud backups during work hours, or ask your provider for more "
                       "upload speed.",
         "headset-present": "Plug in your headset (or pair your Bluetooth headset)."}
# The fleet policy with fixes, plus a rule every device passes (never a "worst rule").
POLICY = {**FLEET_POLICY, "id": "contact-center-fleet",
          "rules": [*({**r, "remediation": {"default": FIXES[r["id"]]}}
                      for r in FLEET_POLICY["rules"]),
                    {"id": "os-supported", "title": "A supported operating system",
                     "fact": "os.family", "expect": {"in": ["linux", "macos", "windows"]},
                     "severity": "high"}]}


@dataclass(frozen=True)
class Showcase:
    """Where the fleet's page went and how many devices of each kind it has."""

    html: Path
    devices: int
    missing: int
    rejected_newest: int


def _values(i: int) -> dict[str, Any] | None:
    """Facts of device i's report by its place in every 100 (None: the device never reports)."""
    slot = i % 100
    if slot < 62:
        return dict(GOOD)
    if slot < 72:
        return {**GOOD, "disk.system_encrypted": False}
    if slot < 80:
        return {**GOOD, "network.upload_mbps": 0.4, "audio.headset_present": False}
    if slot < 88:
        return {**GOOD, "firewall.enabled": None}
    if slot < 92:
        return dict(GOOD)  # stale: its report is older than --max-age
    if slot < 97:
        return None  # missing
    return dict(GOOD)  # ready, but its newest report is rejected


def _at(run: int) -> dt.datetime:
    """When aggregate run number `run` happens (27 hours apart, so the times differ)."""
    return NOW + dt.timedelta(hours=27 * run)


def _org(folder: Path, count: int) -> Org:
    folder.mkdir(parents=True, exist_ok=True)
    org = Org(folder, Ed25519PrivateKey.generate(), new_draft())
    for i in range(count):
        device = f"dev-{i:04d}"
        org.keys[device] = Ed25519PrivateKey.generate()
        add_device(org.draft, org.keys[device].public_key(), device, NOW - dt.timedelta(days=365),
                   NOW + dt.timedelta(days=365), f"agent{i:04d}@example.com")
    accept_policy(org.draft, policy_from(POLICY).digest)
    org.sign_trust(NOW)
    return org


def build(folder: Path, count: int = 1000) -> Showcase:
    """Sign every report, run the aggregate RUNS times (more devices each run), keep the page."""
    org = _org(folder / "it", count)
    policy, unaccepted = policy_from(POLICY), policy_from(with_upload_min(POLICY, 2))
    reports = folder / "reports"
    missing = rejected_newest = 0
    for i in range(count):
        device, values = f"dev-{i:04d}", _values(i)
        if values is None:
            missing += 1
            continue
        run = i * RUNS // count  # devices report over the runs: the trend rises
        age = dt.timedelta(days=9) if 88 <= i % 100 < 92 else dt.timedelta(hours=2 + i % 20)
        batch = reports / f"run{run}"
        write(batch, f"{device}.wfh.json", signed(org, predicate(
            policy, device, 10, _at(run) - age, values, name=f"laptop-{i:04d}")))
        if i % 100 >= 97:
            rejected_newest += 1
            write(batch, f"{device}.new.wfh.json", signed(org, predicate(
                unaccepted, device, 11, _at(run) - dt.timedelta(minutes=30), values)))
    html = folder / "fleet.html"
    for run in range(RUNS):
        inputs = [str(reports / f"run{k}") for k in range(run + 1)]
        run_aggregate(AggregateOptions(
            inputs=inputs, trust=org.trust_path, db=folder / "history.sqlite",
            outputs={"html": html} if run == RUNS - 1 else {}, now=_at(run),
            gates=GateSpec(min_ready=80.0, max_age_s=7 * 86400, allow_rejected=True),
            max_age=dt.timedelta(days=7), jobs=2))
    return Showcase(html, count, missing, rejected_newest)
