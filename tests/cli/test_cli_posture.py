"""The updates, malware and wifi probes through the CLI: catalogue, command lists, replay, live run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli
from wfhaudit.facts import CATALOGUE
from wfhaudit.probes import load_probe

CASES = Path(__file__).parent.parent / "fixtures" / "cases"
NEW_PROBES = ("updates", "malware", "wifi")
NEW_KEYS = [k for k in CATALOGUE if CATALOGUE[k].probe in NEW_PROBES]


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_every_new_fact_is_listed() -> None:
    res = run("probe", "--list-facts")
    assert res.exit_code == 0
    listed = {line.split("\t")[0] for line in res.stdout.splitlines()}
    assert len(NEW_KEYS) == 9 and set(NEW_KEYS) <= listed
    assert "wifi.security\tstring\t" in res.stdout
    assert "updates.days_since_last\tnumber [days]\t" in res.stdout


@pytest.mark.parametrize("family", ["linux", "macos", "windows"])
def test_commands_for_every_os(family: str) -> None:
    res = run("probe", "--commands", "--os", family, "--json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    for name in NEW_PROBES:
        want = [list(argv) for argv in load_probe(name).commands(family)]
        assert data["commands"][name] == want and want, name
    text = run("probe", "--commands", "--os", family).stdout
    assert all(f"{name}\t" in text for name in NEW_PROBES)


def _policy(tmp_path: Path, rules: list[dict[str, Any]]) -> str:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"id": "t", "version": "1", "title": "T", "rules": rules}))
    return str(path)


def _bundle(tmp_path: Path, case: str) -> str:
    data = json.loads((CASES / case).read_text(encoding="utf-8"))
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data["evidence"]))
    return str(path)


WIFI_RULE = {"id": "wifi", "title": "Wi-Fi protected", "fact": "wifi.security",
             "expect": {"not_in": ["open", "wep"]}, "severity": "high"}
UPDATE_RULES = [
    {"id": "pending", "title": "No pending", "fact": "updates.security_pending",
     "expect": {"max": 0}, "severity": "high"},
    {"id": "recent", "title": "Recent", "fact": "updates.days_since_last", "expect": {"max": 30},
     "severity": "high"},
    {"id": "build", "title": "Build", "fact": "updates.os_build", "expect": {"min": 26100},
     "severity": "high"}]


def test_a_german_open_network_fails_on_replay(tmp_path: Path) -> None:
    res = run("evaluate", _bundle(tmp_path, "wifi/windows/german-open.json"), "--policy",
              _policy(tmp_path, [WIFI_RULE]), "--json")
    assert res.exit_code == 1, res.stderr
    finding = json.loads(res.stdout)["findings"][0]
    assert finding["status"] == "FAIL" and finding["measured"] == "open"


def test_a_current_windows_passes_on_replay(tmp_path: Path) -> None:
    res = run("evaluate", _bundle(tmp_path, "updates/windows/win11-24h2-current.json"),
              "--policy", _policy(tmp_path, UPDATE_RULES), "--json")
    assert res.exit_code == 0, res.stdout
    assert json.loads(res.stdout)["summary"]["verdict"] == "READY"


def test_live_probe_run_on_this_machine() -> None:
    res = run("probe", "updates", "malware", "wifi", "--json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(NEW_KEYS) <= set(data["facts"])
    wifi = data["facts"]["wifi.security"]
    assert wifi.get("value") in (CATALOGUE["wifi.security"].choices or ()) or wifi.get("reason")
    assert "clock" in data["evidence"]["measurements"]
