"""The generated fleet end to end: every count, per-device outcome and rejection reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.fleet.conftest import EXPECTED, Fleet

from wfhaudit.cli import cli


def aggregate(fleet: Fleet, out: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    """Run `wfhaudit aggregate` over the fleet; exit code, JSON summary, stderr."""
    out.mkdir(parents=True, exist_ok=True)
    result = CliRunner().invoke(cli, [
        "aggregate", str(fleet.reports), "--trust", str(fleet.org.trust_path),
        "--json", str(out / "fleet.json"), *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    doc = json.loads((out / "fleet.json").read_text()) if (out / "fleet.json").exists() else {}
    return result.exit_code, doc, result.output


def test_every_count(fleet: Fleet, tmp_path: Path) -> None:
    code, doc, _ = aggregate(fleet, tmp_path, "--jobs", "2")
    assert code == 4
    assert doc["gate"]["decided_by"] == "rejected-inputs"
    c = doc["counts"]
    for key in ("inputs", "accepted", "superseded", "stale_inputs", "rejected",
                "rejected_by_reason", "devices_expected", "devices_ready", "devices_not_ready",
                "devices_stale", "devices_missing", "verdict_mismatches"):
        assert c[key] == EXPECTED[key], key
    assert doc["ready_pct"] == EXPECTED["ready_pct"]
    assert {r["rule"]: r["failing"] for r in doc["rules"]} == EXPECTED["failing"]
    assert len(doc["rejected"]) == EXPECTED["rejected"]
    assert sorted(doc["missing"]) == [f"dev-{i}" for i in range(32, 40)]
    assert [s["device"] for s in doc["stale"]] == ["dev-30", "dev-31"]


def test_latest_verified_report_wins(fleet: Fleet, tmp_path: Path) -> None:
    _, doc, _ = aggregate(fleet, tmp_path, "--jobs", "1")
    devices = {d["device"]: d for d in doc["devices"]}
    assert all(devices[f"dev-{i:02d}"]["report"]["sequence"] == 12 for i in range(30))
    # The older passing report of a failing device was superseded, never counted.
    assert devices["dev-20"]["status"] == "NOT_READY"
    assert devices["dev-20"]["failing_rules"] == ["net-upload"]
    assert devices["dev-20"]["reports_accepted"] == 11
    # Tampered "fixed" copies were rejected: the devices stay failing.
    assert all(devices[d]["failing_rules"] == ["disk-encrypted"]
               for d in ("dev-25", "dev-26", "dev-27"))
    # A non-required low rule fails but the device is READY.
    assert devices["dev-28"]["status"] == "READY"
    assert devices["dev-28"]["failing_rules"] == ["headset-present"]
    # The device that claimed READY is judged NOT_READY from its facts.
    liar = devices["dev-21"]
    assert liar["status"] == "NOT_READY"
    assert liar["report"]["claimed_verdict"] == "READY"
    assert liar["report"]["warnings"] == ["VERDICT_MISMATCH"]
    # Nothing rejected ever appears as a device row.
    assert "dev-revoked" not in devices and "dev-rogue" not in devices
    # Stale device rows say when their newest genuine report finished.
    assert devices["dev-30"]["status"] == "STALE"
    assert devices["dev-30"]["newest_stale_finished_at"]


def test_rejections_name_the_input_and_reason(fleet: Fleet, tmp_path: Path) -> None:
    _, doc, _ = aggregate(fleet, tmp_path, "--jobs", "1")
    by_name = {Path(r["input"]).name: r for r in doc["rejected"]}
    assert by_name["t0.wfh.json"]["reason"] == "BAD_SIGNATURE"
    assert by_name["t4.wfh.json"]["reason"] == "BAD_SIGNATURE"
    assert by_name["u0.wfh.json"]["reason"] == "UNSIGNED"
    assert by_name["dev-33.wfh.json"]["reason"] == "POLICY_MISMATCH"
    assert by_name["rogue.wfh.json"]["reason"] == "UNKNOWN_KEY"
    assert by_name["impostor.wfh.json"]["reason"] == "SUBJECT_KEY_MISMATCH"
    assert by_name["revoked-1.wfh.json"]["reason"] == "KEY_REVOKED"
    assert by_name["junk.wfh.json"]["reason"] == "ENVELOPE_MALFORMED"
    assert by_name["link.wfh.json"]["reason"] == "ENVELOPE_MALFORMED"
    assert "symbolic link" in by_name["link.wfh.json"]["detail"]
    # The first copy in input order (folders sorted: copies/ before dev-00/) is kept; the
    # later byte-identical ones, including the original file, are duplicates.
    dups = sorted(n for n, r in by_name.items() if r["reason"] == "DUPLICATE")
    assert dups == ["copy-2.wfh.json", "dev-00.012.wfh.json"]
    assert by_name["copy-2.wfh.json"]["detail"].endswith("copies/copy-1.wfh.json")
    devices = {d["device"]: d for d in doc["devices"]}
    assert devices["dev-00"]["report"]["input"].endswith("copy-1.wfh.json")
    assert "notes.txt" not in by_name


def test_parallel_and_serial_agree(fleet: Fleet, tmp_path: Path) -> None:
    _, one, _ = aggregate(fleet, tmp_path / "one", "--jobs", "1")
    _, two, _ = aggregate(fleet, tmp_path / "two", "--jobs", "2")
    for doc in (one, two):
        doc.pop("elapsed_s")
        doc.pop("generated_at")
        doc["gate"].pop("reason")
        for device in doc["devices"]:
            device.pop("received_at", None)  # the time of each run
    assert one == two


def test_allow_rejected_lets_gates_decide(fleet: Fleet, tmp_path: Path) -> None:
    code, doc, out = aggregate(fleet, tmp_path, "--allow-rejected", "--min-ready", "55")
    assert code == 0, out
    assert doc["gate"]["decided_by"] == "all-gates-held"
    assert doc["counts"]["rejected"] == EXPECTED["rejected"]  # still listed
    code, doc, _ = aggregate(fleet, tmp_path, "--allow-rejected", "--min-ready", "55.5")
    assert code == 1 and doc["gate"]["decided_by"] == "min-ready"
    code, doc, _ = aggregate(fleet, tmp_path, "--allow-rejected", "--fail-on", "critical")
    assert code == 1 and doc["gate"]["decided_by"] == "fail-on"
    failing = doc["gate"]["results"][0]["devices"]
    assert sorted(failing) == ["dev-25", "dev-26", "dev-27"]
    code, doc, _ = aggregate(fleet, tmp_path, "--allow-rejected", "--fail-on", "low")
    assert len(doc["gate"]["results"][0]["devices"]) == 10
    code, doc, _ = aggregate(fleet, tmp_path, "--allow-rejected", "--max-age", "7d")
    assert code == 1 and doc["gate"]["decided_by"] == "max-age"
    assert sorted(doc["gate"]["results"][0]["devices"]) == ["dev-30", "dev-31"]
    # Without --allow-rejected the rejections decide even when a gate also fails.
    code, doc, _ = aggregate(fleet, tmp_path, "--min-ready", "99")
    assert code == 4 and doc["gate"]["decided_by"] == "rejected-inputs"
    assert doc["gate"]["results"][0] == {"gate": "min-ready", "held": False, "devices": [],
                                         "detail": "55% of 40 expected devices ready "
                                                   "(minimum 99%)"}
