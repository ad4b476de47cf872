"""What-if mode: judge every report under another policy; results computed by hand."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
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

from wfhaudit.cli import cli

# Upload per device; None = the speed test could not run (UNKNOWN).
UPLOADS = {"dev-a": 0.5, "dev-b": 3.0, "dev-c": 6.0, "dev-d": 12.0, "dev-e": None}


@pytest.fixture(scope="module")
def small_fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[Org, Path]:
    now = dt.datetime.now(UTC).replace(microsecond=0)
    root = tmp_path_factory.mktemp("whatif")
    pol = policy_from(FLEET_POLICY)
    org = make_org(root / "org", list(UPLOADS), [pol], now)
    for dev, up in UPLOADS.items():
        values = {**GOOD, "network.upload_mbps": up}
        write(root / "reports", f"{dev}.wfh.json",
              signed(org, predicate(pol, dev, 1, now - dt.timedelta(hours=1), values)))
    return org, root


def run(org: Org, root: Path, tmp: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    out = tmp / "fleet.json"
    result = CliRunner().invoke(cli, ["aggregate", str(root / "reports"), "--trust",
                                      str(org.trust_path), "--json", str(out), "--jobs", "1",
                                      *extra])
    assert out.exists(), result.output
    return result.exit_code, json.loads(out.read_text())


def policy_file(tmp: Path, minimum: float) -> Path:
    path = tmp / f"upload-{minimum}.json"
    path.write_text(json.dumps(with_upload_min(FLEET_POLICY, minimum)))
    return path


def test_own_policy_baseline(small_fleet: tuple[Org, Path], tmp_path: Path) -> None:
    # min 1.0: a fails (0.5), e is UNKNOWN on a required rule -> NOT_READY; b, c, d READY.
    code, doc = run(*small_fleet, tmp_path, "--min-ready", "60")
    assert code == 0
    assert doc["policy"]["mode"] == "own"
    assert doc["counts"]["devices_ready"] == 3 and doc["ready_pct"] == 60.0
    assert "whatif" not in doc


def test_raising_the_upload_minimum(small_fleet: tuple[Org, Path], tmp_path: Path) -> None:
    # min 5.0: b (3.0) newly fails; a still fails; c, d pass; e still UNKNOWN.
    code, doc = run(*small_fleet, tmp_path, "--policy", str(policy_file(tmp_path, 5.0)),
                    "--min-ready", "60")
    assert code == 1 and doc["gate"]["decided_by"] == "min-ready"
    assert doc["policy"]["mode"] == "what-if"
    assert doc["policy"]["whatif"]["version"] == "2.0.0"
    assert doc["counts"]["devices_ready"] == 2 and doc["ready_pct"] == 40.0
    assert doc["whatif"]["changed"] == [{"device": "dev-b", "own": "READY",
                                         "whatif": "NOT_READY"}]
    assert doc["whatif"]["newly_failing"] == {"net-upload": 1}
    assert doc["whatif"]["newly_passing"] == {}
    rows = {d["device"]: d for d in doc["devices"]}
    b = rows["dev-b"]["report"]
    assert b["own"]["verdict"] == "READY" and b["whatif"]["verdict"] == "NOT_READY"
    issue = b["whatif"]["issues"][0]
    assert (issue["rule"], issue["measured"], issue["expected"]) == \
        ("net-upload", 3.0, "≥ 5.0 Mbit/s")
    upload = next(r for r in doc["rules"] if r["rule"] == "net-upload")
    assert upload["failing"] == 3  # a, b and the blocking UNKNOWN of e
    assert upload["counts"] == {"FAIL": 2, "PASS": 2, "UNKNOWN": 1}


def test_lowering_the_upload_minimum(small_fleet: tuple[Org, Path], tmp_path: Path) -> None:
    # min 0.4: a (0.5) newly passes; e stays UNKNOWN (unknown is never a pass).
    code, doc = run(*small_fleet, tmp_path, "--policy", str(policy_file(tmp_path, 0.4)))
    assert code == 0 and doc["gate"]["decided_by"] == "none"
    assert doc["whatif"]["changed"] == [{"device": "dev-a", "own": "NOT_READY",
                                         "whatif": "READY"}]
    assert doc["whatif"]["newly_passing"] == {"net-upload": 1}
    assert doc["counts"]["devices_ready"] == 4
    assert {d["device"]: d["status"] for d in doc["devices"]}["dev-e"] == "NOT_READY"


def test_whatif_with_another_bundled_policy(small_fleet: tuple[Org, Path],
                                            tmp_path: Path) -> None:
    # baseline judges firewall, disk and VPN; our facts carry no VPN/location facts, so
    # vpn-when-remote is UNKNOWN for everyone (fail closed) and every device newly fails.
    code, doc = run(*small_fleet, tmp_path, "--policy", "baseline", "--fail-on", "high")
    assert code == 1 and doc["gate"]["decided_by"] == "fail-on"
    assert doc["counts"]["devices_ready"] == 0
    assert doc["whatif"]["newly_failing"]["vpn-when-remote"] == 5
    assert len(doc["whatif"]["changed"]) == 3  # b, c, d were READY


def test_unusable_whatif_policy_is_exit_3(small_fleet: tuple[Org, Path],
                                          tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", "rules": []}')
    result = CliRunner().invoke(cli, ["aggregate", str(small_fleet[1] / "reports"), "--trust",
                                      str(small_fleet[0].trust_path), "--policy", str(bad),
                                      "--json", str(tmp_path / "f.json")])
    assert result.exit_code == 3
    assert "bad.json" in result.output
    assert not (tmp_path / "f.json").exists()


def test_every_report_is_judged_once_per_policy(small_fleet: tuple[Org, Path], tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # One judge: the verifier's judgement is the row's; only a what-if policy adds a second.
    from wfhaudit.judge.policies import PolicyEntry

    calls: list[str] = []
    real = PolicyEntry.judge

    def counting(self: PolicyEntry, *args: Any) -> Any:
        calls.append(self.policy.version)
        return real(self, *args)

    monkeypatch.setattr(PolicyEntry, "judge", counting)
    run(*small_fleet, tmp_path)
    assert len(calls) == len(UPLOADS)
    calls.clear()
    run(*small_fleet, tmp_path, "--policy", str(policy_file(tmp_path, 5.0)))
    assert sorted(calls) == sorted(["1.0.0"] * len(UPLOADS) + ["2.0.0"] * len(UPLOADS))
