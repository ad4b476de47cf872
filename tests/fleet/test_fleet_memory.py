"""The parent's per-device state is compact and equal to what the workers sent."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

from tests.fleet.fleetgen import FLEET_POLICY, GOOD, UTC, make_org, policy_from, predicate, signed

from wfhaudit.fleet.pool import Worker, WorkerConfig
from wfhaudit.fleet.summary import Accumulator
from wfhaudit.judge.rows import Accepted
from wfhaudit.trust.file import read_admin_pins
from wfhaudit.trust.index import compile_trust


def test_rows_kept_per_device_equal_the_rows_sent_and_share_equal_parts(tmp_path: Path) -> None:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    pol = policy_from(FLEET_POLICY)
    devices = [f"dev-{i:02d}" for i in range(6)]
    org = make_org(tmp_path / "org", devices, [pol], now)
    compile_trust(org.trust_path.read_bytes(), read_admin_pins([], org.trust_path), now, None,
                  "trust", tmp_path / "index.sqlite")
    worker = Worker(WorkerConfig(tmp_path / "index.sqlite", now, dt.timedelta(days=7)))
    failing = {**GOOD, "firewall.enabled": False}
    rows = []
    for device in devices:
        envelope = signed(org, predicate(pol, device, 1, now - dt.timedelta(hours=1), failing))
        rows.append(worker.row(f"{device}.wfh.json", envelope))
    # Each row in its own pickle, as if every one came back in a different chunk.
    received = [pickle.loads(pickle.dumps(row)) for row in rows]  # noqa: S301 - our own bytes
    assert all(isinstance(r, Accepted) for r in received)
    assert received[0].own is not received[1].own and received[0].own == received[1].own
    acc = Accumulator(devices, now=now)
    for row in received:
        acc.add(row)
    kept = [acc.best[d] for d in devices]
    assert kept == rows  # every field as the worker sent it
    assert all(k.own is kept[0].own and k.evidence is kept[0].evidence for k in kept)
    summary = acc.finish()
    assert [d.reports_seen for d in summary.devices] == [1] * len(devices)
    assert {d.received_at for d in summary.devices} == {acc.now_text}
