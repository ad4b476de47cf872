"""Strict JSON wherever people or devices write it: duplicates and deep nesting exit 3 with where."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli
from wfhaudit.util import jsonstrict

DEEP = "[" * 200_000 + "]" * 200_000


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize("argv", [
    ("evaluate", "{f}", "--policy", "baseline"),
    ("check", "--replay", "{f}", "--out", "{d}"),
    ("probe", "--replay", "{f}"),
    ("policy", "validate", "{f}"),
    ("render", "{f}", "-o", "-"),
])
def test_200000_deep_array_exits_3_not_70(tmp_path: Path, argv: tuple[str, ...]) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text(DEEP)
    res = run(*(a.format(f=deep, d=tmp_path / "out") for a in argv))
    assert res.exit_code == 3, res.output
    assert str(deep) in res.stderr and "nested deeper than" in res.stderr


def _policy_with_duplicate() -> str:
    return ('{"id": "t", "version": "1", "title": "T", "rules": [{"id": "fw", "title": "FW", '
            '"fact": "firewall.enabled", "expect": {"equals": true, "equals": false}, '
            '"severity": "high"}]}')


def test_policy_with_duplicate_member_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(_policy_with_duplicate())
    res = run("policy", "validate", path)
    assert res.exit_code == 3
    assert "$.rules[0].expect: duplicate member name 'equals'" in res.stderr


def test_trust_draft_with_duplicate_member_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "admin.pem"
    draft = tmp_path / "trust.draft.json"
    assert run("trust", "init", "--admin-key", key, "--create-admin-key", "--draft",
               draft).exit_code == 0
    text = draft.read_text()
    draft.write_text(text.replace('"version": 0', '"version": 0, "version": 7', 1))
    res = run("trust", "sign", "--admin-key", key, "--out", tmp_path / "t.json", "--draft", draft)
    assert res.exit_code == 3
    assert "duplicate member name 'version'" in res.stderr


def test_evidence_bundle_with_duplicate_member_is_refused(tmp_path: Path) -> None:
    bundle = tmp_path / "ev.json"
    bundle.write_text('{"format": "wfhaudit-evidence/1", "os": {"family": "linux", "release": '
                      '"6", "machine": "x86_64"}, "files": {"/etc/os-release": "ID=a", '
                      '"/etc/os-release": "ID=b"}, "commands": []}')
    res = run("probe", "--replay", bundle, "os")
    assert res.exit_code == 3
    assert "$.files: duplicate member name '/etc/os-release'" in res.stderr


def test_campaign_payload_with_duplicate_member_is_refused(tmp_path: Path) -> None:
    payload = (b'{"_type": "https://wfhaudit.dev/campaign/v1", "campaignId": "c", "nonce": "n",'
               b' "nonce": "m", "notBefore": "2026-01-01T00:00:00Z", '
               b'"notAfter": "2099-01-01T00:00:00Z"}')
    camp = tmp_path / "c.json"
    camp.write_text(json.dumps({"payload": base64.b64encode(payload).decode(),
                                "payloadType": "application/vnd.wfhaudit.campaign+json",
                                "signatures": [{"keyid": "k", "sig": "AAAA"}]}))
    res = run("check", "--campaign", camp, "--only", "os", "--out", tmp_path / "r")
    assert res.exit_code == 3
    assert "duplicate member name 'nonce'" in res.stderr


def test_signed_report_payload_read_for_evaluate_is_strict(tmp_path: Path) -> None:
    payload = b'{"format": "wfhaudit-report/1", "facts": {}, "facts": {}}'
    report = tmp_path / "r.wfh.json"
    report.write_text(json.dumps({"payload": base64.b64encode(payload).decode(),
                                  "payloadType": "application/vnd.in-toto+json",
                                  "signatures": []}))
    res = run("evaluate", report, "--policy", "baseline")
    assert res.exit_code == 3
    assert "duplicate member name 'facts'" in res.stderr


def test_depth_cap_names_the_path() -> None:
    doc = '{"a": ' * 70 + "1" + "}" * 70
    with pytest.raises(jsonstrict.JSONProblem, match=r"\$\.a\.a.*nested deeper than 64"):
        jsonstrict.loads(doc)
    assert jsonstrict.loads('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
