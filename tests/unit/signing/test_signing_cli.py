"""keys / trust / verify through click: the whole IT workflow, exit codes 0, 3, 4 and --json."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli

OS_IS_LINUX = [{"id": "os", "title": "Runs Linux", "fact": "os.family",
                "expect": {"equals": "linux"}, "severity": "high"}]


def run(*args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def lines(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


class It:
    """IT's folder: admin key, draft, pin, signed trust file, campaign file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = root / "it" / "admin.pem"
        self.draft = root / "it" / "trust.draft.json"
        self.trust = root / "it" / "trust.json"
        self.policy = root / "policy.json"
        self.policy.write_text(json.dumps({"id": "t", "version": "1", "title": "T",
                                           "rules": OS_IS_LINUX}))

    def __call__(self, *args: Any) -> Any:
        res = run("trust", *args, "--draft", self.draft)
        assert res.exit_code == 0, res.output
        return res

    def sign(self) -> None:
        res = run("trust", "sign", "--admin-key", self.key, "--out", self.trust, "--draft",
                  self.draft)
        assert res.exit_code == 0, res.output


@pytest.fixture
def it(tmp_path: Path) -> It:
    it = It(tmp_path)
    assert run("keys", "init").exit_code == 0
    assert run("keys", "export", "-o", tmp_path / "dev.pub").exit_code == 0
    res = run("trust", "init", "--admin-key", it.key, "--create-admin-key", "--draft", it.draft)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(it.key.stat().st_mode) == 0o600
    assert (it.draft.parent / "wfhaudit-admin.pub").is_file()
    again = run("trust", "init", "--admin-key", it.key, "--create-admin-key", "--force",
                "--draft", it.draft)
    assert again.exit_code == 2 and "already exists" in again.stderr
    it("add-device", "--key", tmp_path / "dev.pub", "--owner", "jdoe@example.com")
    it("accept-policy", it.policy)
    it.sign()
    return it


def check(it: It, *extra: Any) -> Path:
    """Run `check`; the report is moved into reports/ under a unique name (several per second)."""
    scratch = it.root / "scratch"
    res = run("check", "--policy", it.policy, "--out", scratch, "--quiet", *extra)
    assert res.exit_code == 0, res.output
    (made,) = scratch.glob("*.json")
    out = it.root / "reports"
    out.mkdir(exist_ok=True)
    target = out / f"{len(list(out.iterdir())):03d}.{made.name}"
    made.rename(target)
    return target


def test_keys_show_json_and_refusing_a_second_init(tmp_path: Path) -> None:
    assert run("keys", "show").exit_code == 3  # no key yet: invalid input with the fix
    assert run("keys", "init").exit_code == 0
    res = run("keys", "show", "--json")
    info = json.loads(res.stdout)
    assert info["keyid"].startswith("sha256:") and info["deviceId"].startswith("dev-")
    again = run("keys", "init")
    assert again.exit_code == 3 and "--force" in again.stderr
    assert run("keys", "init", "--force").exit_code == 0
    assert json.loads(run("keys", "show", "--json").stdout)["keyid"] != info["keyid"]
    ssh = run("keys", "export", "--format", "ssh").stdout
    assert ssh.startswith("ssh-ed25519 ") and f"wfhaudit:{info['deviceId']}" in ssh


def test_signed_check_verifies_and_json_lines_parse(it: It) -> None:
    report = check(it)
    res = run("verify", report, "--trust", it.trust, "--json")
    assert res.exit_code == 0, res.output
    (record,) = lines(res.stdout)
    assert record["verdict"] == "verified" and record["reason"] == "VERIFIED"
    assert record["verifierVerdict"] == "READY" and record["trustVersion"] == 1
    assert "1 verified, 0 rejected" in res.stderr


def test_unsigned_report_fails_with_exit_4_even_in_ci(it: It) -> None:
    signed, plain = check(it), check(it, "--no-sign")
    assert plain.name.endswith(".wfh.unsigned.json")  # never mistaken for a signed report
    res = run("verify", signed, plain, "--trust", it.trust, "--json", env={"CI": "true"})
    assert res.exit_code == 4
    by_input = {Path(r["input"]).name: r for r in lines(res.stdout)}
    assert by_input[signed.name]["verdict"] == "verified"
    assert by_input[plain.name]["reason"] == "UNSIGNED"
    assert run("verify", plain, "--trust", it.trust, "--allow-unsigned").exit_code == 2


def test_campaign_file_is_echoed_and_enforced(it: It) -> None:
    campaign = it.root / "campaign.json"
    res = run("trust", "campaign", "--id", "2026-W47", "--days", "7", "--admin-key", it.key,
              "-o", campaign, "--draft", it.draft)
    assert res.exit_code == 0, res.output
    without = check(it)  # made before the campaign was published: still fine
    it.sign()
    with_nonce = check(it, "--campaign", campaign)
    late = check(it)
    res = run("verify", with_nonce, late, without, "--trust", it.trust, "--json")
    assert res.exit_code == 4
    assert [r["reason"] for r in lines(res.stdout)] == ["VERIFIED", "NONCE_MISSING",
                                                        "NONCE_MISSING"]


def test_unusable_trust_file_exits_3_and_verifies_nothing(it: It) -> None:
    report = check(it)
    tampered = it.root / "it" / "tampered.json"
    data = bytearray(it.trust.read_bytes())
    data[40] ^= 0x01
    tampered.write_bytes(bytes(data))
    res = run("verify", report, "--trust", tampered, "--json")
    assert res.exit_code == 3
    (record,) = lines(res.stdout)
    assert record["reason"].startswith("TRUST_") and record["verdict"] == "rejected"
    other = it.root / "other-admin.pem"
    assert run("trust", "init", "--admin-key", other, "--create-admin-key", "--draft",
               it.root / "x" / "draft.json").exit_code == 0
    res = run("verify", report, "--trust", it.trust, "--admin-pubkey",
              it.root / "x" / "wfhaudit-admin.pub")
    assert res.exit_code == 3 and "TRUST_UNTRUSTED" in res.stderr
    lonely = it.root / "lonely"
    lonely.mkdir()
    shutil.copy(it.trust, lonely / "trust.json")
    res = run("verify", report, "--trust", lonely / "trust.json")
    assert res.exit_code == 3 and "wfhaudit-admin.pub" in res.stderr
    res = run("verify", report, "--trust", lonely / "missing.json")
    assert res.exit_code == 3 and "not found" in res.stderr


def test_db_keeps_state_between_runs(it: It) -> None:
    db = it.root / "state.sqlite"
    report = check(it)
    old_trust = it.root / "it" / "trust-v1.json"
    shutil.copy(it.trust, old_trust)
    it.sign()  # version 2
    assert run("verify", report, "--trust", it.trust, "--db", db).exit_code == 0
    res = run("verify", report, "--trust", it.trust, "--db", db, "--json")
    assert res.exit_code == 4 and lines(res.stdout)[0]["reason"] == "DUPLICATE"
    res = run("verify", report, "--trust", old_trust, "--db", db, "--admin-pubkey",
              it.root / "it" / "wfhaudit-admin.pub")
    assert res.exit_code == 3 and "TRUST_ROLLBACK" in res.stderr


def test_revoked_device_and_trust_show(it: It) -> None:
    report = check(it)
    device = json.loads(run("keys", "show", "--json").stdout)["deviceId"]
    it("revoke", "--device", device, "--reason", "key-compromise")
    it.sign()
    res = run("verify", report, "--trust", it.trust, "--json")
    assert res.exit_code == 4 and lines(res.stdout)[0]["reason"] == "KEY_REVOKED"
    shown = json.loads(run("trust", "show", it.trust, "--json").stdout)
    assert shown["status"] == "signed, signature verified"
    assert shown["document"]["version"] == 2 and shown["document"]["revoked"][0]["reason"] == \
        "key-compromise"
    human = run("trust", "show", it.trust)
    assert human.exit_code == 0 and "REVOKED key-compromise" in human.stdout
    draft = json.loads(run("trust", "show", it.draft, "--json").stdout)
    assert draft["status"] == "draft (not signed)"


def test_terminal_output_neutralises_control_and_bidi_characters(it: It) -> None:
    if os.name != "posix":
        pytest.skip("file names with control characters")
    report = check(it)
    evil = it.root / "reports" / "\x1b[31mx\u202egnp.wfh.json"
    report.rename(evil)
    res = run("verify", it.root / "reports", "--trust", it.trust)
    assert res.exit_code == 0
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr
    assert "\ufffd" in res.stderr


def test_symlinks_in_a_report_folder_are_not_followed(it: It) -> None:
    report = check(it)
    secret = it.root / "secret.txt"
    secret.write_text("root:x:0:0")
    (it.root / "reports" / "evil.wfh.json").symlink_to(secret)
    res = run("verify", it.root / "reports", "--trust", it.trust, "--json")
    assert res.exit_code == 4
    reasons = {Path(r["input"]).name: (r["reason"], r["detail"]) for r in lines(res.stdout)}
    assert reasons["evil.wfh.json"] == ("ENVELOPE_MALFORMED", "symbolic link not followed")
    assert reasons[report.name][0] == "VERIFIED"
    assert "root:x" not in res.output


def test_report_made_before_enrolment_verifies(tmp_path: Path) -> None:
    it = It(tmp_path)
    report = check(it)  # first run: creates the key; IT enrols it afterwards
    assert run("keys", "export", "-o", tmp_path / "dev.pub").exit_code == 0
    assert run("trust", "init", "--admin-key", it.key, "--create-admin-key", "--draft",
               it.draft).exit_code == 0
    it("add-device", "--key", tmp_path / "dev.pub")
    it("accept-policy", it.policy)
    it.sign()
    res = run("verify", report, "--trust", it.trust)
    assert res.exit_code == 0, res.stderr
