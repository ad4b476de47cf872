"""Screen lock, automatic sign-in and Secure Boot through the CLI: catalogue, commands, policies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli

CASES = Path(__file__).parent.parent / "fixtures" / "cases"
NEW_FACTS = {"screenlock.enabled": "boolean", "screenlock.idle_minutes": "number [min]",
             "screenlock.password_required": "boolean", "signin.autologin_enabled": "boolean",
             "secureboot.enabled": "boolean"}
NEW_PROBES = ("screenlock", "signin", "secureboot")


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, list(args))


def test_every_new_fact_is_in_the_catalogue_listing() -> None:
    lines = {line.split("\t")[0]: line.split("\t")[1] for line in
             run("probe", "--list-facts").stdout.splitlines()}
    for key, kind in NEW_FACTS.items():
        assert lines.get(key) == kind


@pytest.mark.parametrize("family", ["linux", "macos", "windows"])
def test_every_new_probe_lists_its_commands_per_os(family: str) -> None:
    data = json.loads(run("probe", "--commands", "--os", family, "--json").stdout)
    text = run("probe", "--commands", "--os", family).stdout
    for name in NEW_PROBES:
        assert name in data["commands"]
        if family == "linux" and name == "signin":
            assert data["commands"][name] == []  # reads display-manager files, runs nothing
            continue
        assert data["commands"][name], f"{name} lists no {family} command"
        assert f"{name}\t{' '.join(data['commands'][name][0])}" in text
    if family == "windows":
        assert all(argv[0] == "powershell.exe" for n in NEW_PROBES for argv in data["commands"][n])


def test_probe_on_this_machine_reports_every_new_fact() -> None:
    raw = json.loads(run("probe", *NEW_PROBES, "--json").stdout)
    assert set(NEW_FACTS) <= set(raw["facts"])
    for key in NEW_FACTS:
        fact = raw["facts"][key]
        assert fact["status"] == "observed" or fact["reason"]


def _findings(case: str, policy: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(json.loads((CASES / case).read_text())["evidence"]))
    res = run("evaluate", str(bundle), "--policy", policy, "--json")
    assert res.exit_code in (0, 1), res.stderr
    return {f["rule"]: f for f in json.loads(res.stdout)["findings"]}


def test_screen_lock_limit_is_15_minutes_in_baseline_and_5_in_contact_center(tmp_path: Path) -> None:
    case = "screenlock/linux/gnome-ten-and-a-half-minutes.json"
    baseline = _findings(case, "baseline", tmp_path)
    contact = _findings(case, "contact-center", tmp_path)
    assert baseline["screen-lock"]["status"] == "PASS"
    assert baseline["screen-lock-idle"]["status"] == "PASS"
    assert baseline["screen-lock-idle"]["expected"] == "≤ 15 min"
    assert contact["screen-lock-idle"]["status"] == "FAIL"
    assert contact["screen-lock-idle"]["expected"] == "≤ 5 min"
    assert contact["screen-lock-idle"]["blocking"] is True
    assert "Blank Screen Delay" in contact["screen-lock-idle"]["remediation"]


def test_a_screen_that_never_locks_fails_once_and_the_limit_does_not_apply(tmp_path: Path) -> None:
    findings = _findings("screenlock/macos/screenlock-off.json", "baseline", tmp_path)
    assert findings["screen-lock"]["status"] == "FAIL"
    assert findings["screen-lock-idle"]["status"] == "NOT_APPLICABLE"
    assert findings["screen-lock-password"]["status"] == "FAIL"
    assert "System Settings > Lock Screen" in findings["screen-lock-password"]["remediation"]


def test_autologin_and_secure_boot_rules(tmp_path: Path) -> None:
    findings = _findings("signin/windows/autoadminlogon-plain-password.json", "baseline", tmp_path)
    assert findings["autologin-off"]["status"] == "FAIL" and findings["autologin-off"]["blocking"]
    assert "netplwiz" in findings["autologin-off"]["remediation"]
    legacy = "secureboot/linux/debian12-vm-legacy-bios.json"
    baseline = _findings(legacy, "baseline", tmp_path)
    assert baseline["secure-boot"]["status"] == "FAIL"
    assert baseline["secure-boot"]["blocking"] is False  # advisory in baseline
    assert _findings(legacy, "strict", tmp_path)["secure-boot"]["blocking"] is True


def test_unknown_screen_lock_blocks_with_its_reason(tmp_path: Path) -> None:
    findings = _findings("screenlock/linux/no-desktop.json", "baseline", tmp_path)
    assert findings["screen-lock"]["status"] == "UNKNOWN"
    assert "no desktop session" in findings["screen-lock"]["reason"]
    assert findings["screen-lock"]["blocking"] is True


def test_new_facts_and_rules_reach_the_html_page(tmp_path: Path) -> None:
    evidence: dict[str, Any] = {}
    for case in ("screenlock/macos/macbook-air-26-delay-300-real.json",
                 "signin/macos/autologin-on.json",
                 "secureboot/macos/apple-silicon-full-security-real.json"):
        bundle = json.loads((CASES / case).read_text())["evidence"]
        if evidence:
            evidence["commands"] += bundle["commands"]
        else:
            evidence = bundle
    (tmp_path / "ev.json").write_text(json.dumps(evidence))
    res = run("check", "--replay", str(tmp_path / "ev.json"), "--policy", "baseline", "--skip",
              "network", "--out", str(tmp_path), "--no-sign", "--quiet")
    assert res.exit_code == 1, res.stderr  # autologin on, screen locks after 35 min
    [report] = tmp_path.glob("*.wfh.unsigned.json")
    assert run("render", str(report), "-o", str(tmp_path / "r.html")).exit_code == 0
    html = (tmp_path / "r.html").read_text()
    for text in (*NEW_FACTS, "screen-lock-idle", "autologin-off", "secure-boot"):
        assert text in html
