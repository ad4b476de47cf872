"""A generated fleet of a few hundred signed reports with every kind of bad input, built once."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tests.fleet.fleetgen import (
    FLEET_POLICY,
    GOOD,
    UTC,
    Org,
    make_org,
    policy_from,
    predicate,
    signed,
    with_upload_min,
    write,
)

from wfhaudit.crypto.statement import sign_report

REGULAR = [f"dev-{i:02d}" for i in range(30)]
EXPECTED_IDS = [f"dev-{i:02d}" for i in range(40)]


def latest_values(i: int) -> dict[str, Any]:
    """Facts of regular device i's newest report."""
    if 20 <= i <= 24:
        return {**GOOD, "network.upload_mbps": 0.5}
    if 25 <= i <= 27:
        return {**GOOD, "disk.system_encrypted": False}
    if i >= 28:
        return {**GOOD, "audio.headset_present": False}
    return dict(GOOD)


def tamper(envelope: bytes, old: bytes, new: bytes) -> bytes:
    """Change the signed payload and re-encode it, keeping the signature."""
    env = json.loads(envelope)
    payload = base64.b64decode(env["payload"])
    assert old in payload, old
    env["payload"] = base64.b64encode(payload.replace(old, new, 1)).decode()
    return json.dumps(env).encode()


@dataclass
class Fleet:
    """Where the generated fleet lives and what every count must be."""

    org: Org
    reports: Path
    now: dt.datetime
    expected: dict[str, Any] = field(default_factory=dict)


def build_fleet(root: Path, now: dt.datetime) -> Fleet:
    """Write the fleet described in EXPECTED below; return its paths."""
    pol = policy_from(FLEET_POLICY)
    org = make_org(root / "org", [*EXPECTED_IDS, "dev-revoked"], [pol], now)
    org.revoke("dev-revoked", "key-compromise", now - dt.timedelta(days=1))
    org.sign_trust(now)
    rep = root / "reports"
    hours = dt.timedelta(hours=1)
    for i, dev in enumerate(REGULAR):
        for seq in range(3, 13):
            values = latest_values(i) if seq == 12 else dict(GOOD)
            pred = predicate(pol, dev, seq, now - (13 - seq) * hours, values, name=f"host-{i}")
            if dev == "dev-21" and seq == 12:
                pred["summary"]["verdict"] = "READY"  # the device lies about its verdict
            write(rep / dev, f"{dev}.{seq:03d}.wfh.json", signed(org, pred))
    # Older, never-seen report of a now-failing device: superseded, cannot win.
    write(rep / "dev-20", "dev-20.002.wfh.json",
          signed(org, predicate(pol, "dev-20", 2, now - 11 * hours, GOOD)))
    # Stale: two devices with only old reports, and two old ones of a healthy device.
    old = now - dt.timedelta(days=10)
    for dev in ("dev-30", "dev-31", "dev-04"):
        for seq in (1, 2):
            write(rep / "stale", f"{dev}.{seq:03d}.wfh.json",
                  signed(org, predicate(pol, dev, seq, old + seq * hours, GOOD)))
    # Duplicates: byte copies of a genuine report under other names.
    genuine = (rep / "dev-00" / "dev-00.012.wfh.json").read_bytes()
    write(rep / "copies", "copy-1.wfh.json", genuine)
    write(rep / "copies", "copy-2.wfh.json", genuine)
    # Tampered: payload edited after signing.
    disk = b'"disk.system_encrypted":{"sources":["test-probe"],"status":"observed","value":false}'
    for n, dev in enumerate(("dev-25", "dev-26", "dev-27")):
        env = (rep / dev / f"{dev}.012.wfh.json").read_bytes()
        write(rep / "tampered", f"t{n}.wfh.json",
              tamper(env, disk, disk.replace(b"false", b"true")))
    env = (rep / "dev-20" / "dev-20.012.wfh.json").read_bytes()
    write(rep / "tampered", "t3.wfh.json", tamper(env, b'"value":0.5', b'"value":9.5'))
    write(rep / "tampered", "t4.wfh.json", tamper(env, b'"sequence":12', b'"sequence":99'))
    # Unsigned plain reports.
    for n in range(3):
        pred = predicate(pol, f"dev-3{5 + n}", 1, now - hours, GOOD)
        write(rep / "unsigned", f"u{n}.wfh.json", json.dumps(pred))
    # Signed under a policy the trust file does not accept.
    other = policy_from(with_upload_min(FLEET_POLICY, 2.0))
    for dev in ("dev-32", "dev-33", "dev-34"):
        write(rep / "wrong-policy", f"{dev}.wfh.json",
              signed(org, predicate(other, dev, 1, now - hours, GOOD)))
    # A key nobody enrolled; a device signing for another; a revoked key.
    write(rep / "misc", "rogue.wfh.json", sign_report(
        predicate(pol, "dev-rogue", 1, now - hours, GOOD), Ed25519PrivateKey.generate()))
    write(rep / "misc", "impostor.wfh.json",
          signed(org, predicate(pol, "dev-01", 50, now - hours, GOOD), signer="dev-00"))
    for seq in (1, 2):
        write(rep / "misc", f"revoked-{seq}.wfh.json",
              signed(org, predicate(pol, "dev-revoked", seq, now - seq * hours, GOOD)))
    write(rep / "misc", "junk.wfh.json", "this is not JSON")
    os.symlink(rep / "dev-00" / "dev-00.012.wfh.json", rep / "misc" / "link.wfh.json")
    write(rep / "misc", "notes.txt", "not a report: ignored by the folder walk")
    return Fleet(org, rep, now, dict(EXPECTED))


EXPECTED: dict[str, Any] = {
    "inputs": 326, "accepted": 301, "superseded": 271, "stale_inputs": 6, "rejected": 19,
    "rejected_by_reason": {"BAD_SIGNATURE": 5, "DUPLICATE": 2, "ENVELOPE_MALFORMED": 2,
                           "KEY_REVOKED": 2, "POLICY_MISMATCH": 3, "SUBJECT_KEY_MISMATCH": 1,
                           "UNKNOWN_KEY": 1, "UNSIGNED": 3},
    "devices_expected": 40, "devices_ready": 22, "devices_not_ready": 8, "devices_stale": 2,
    "devices_missing": 8, "verdict_mismatches": 1, "ready_pct": 55.0,
    "failing": {"net-upload": 5, "disk-encrypted": 3, "headset-present": 2,
                "firewall-enabled": 0},
}


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """The generated fleet (built once per test session)."""
    now = dt.datetime.now(UTC).replace(microsecond=0)
    yield build_fleet(tmp_path_factory.mktemp("fleet"), now)
