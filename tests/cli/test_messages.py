"""Every message a new user met that did not help, pinned as it now reads (issue table).

Each test makes the mistake through the real command line and checks the message says what
happened and what to do: the device id and `trust sign` for a key only in the draft, the
draft or the public key passed where a signed file or private key belongs, the policy id to
accept, the HTML page given to verify, 95% for --min-ready, `-` for stdout, days not seconds,
singular nouns, the accepted policy's id, and the admin key to keep offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from wfhaudit.cli import cli

OS_IS_LINUX = [{"id": "os", "title": "Runs Linux", "fact": "os.family",
                "expect": {"equals": "linux"}, "severity": "high"}]


def run(*args: Any) -> Any:
    return CliRunner().invoke(cli, [str(a) for a in args])


def one_line(text: str) -> str:
    return " ".join(text.split())


class Desk:
    """One worker's device and IT's folder, set up step by step like a first-time user."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.key = root / "it" / "wfhaudit-admin.pem"
        self.draft = root / "it" / "trust.draft.json"
        self.trust = root / "it" / "trust.json"
        self.pin = root / "it" / "wfhaudit-admin.pub"
        self.policy = root / "team.json"
        self.policy.write_text(json.dumps({"id": "team-linux", "version": "1.2", "title": "T",
                                           "rules": OS_IS_LINUX}))
        self.reports = root / "reports"

    def trust_cmd(self, *args: Any) -> Any:
        return run("trust", *args, "--draft", self.draft)

    def check(self, policy: Path | None = None) -> Path:
        res = run("check", "--policy", policy or self.policy, "--out", self.reports, "--quiet")
        assert res.exit_code == 0, res.output
        return Path(res.stderr.splitlines()[-1].removeprefix("Report: "))


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    desk = Desk(tmp_path)
    res = run("trust", "init", "--admin-key", desk.key, "--create-admin-key", "--draft",
              desk.draft)
    assert res.exit_code == 0, res.output
    text = one_line(res.stderr)
    assert f"Admin key created: {desk.key} (private, mode 600)" in text
    assert "keep it offline and backed up, never in a repository or CI" in text
    assert run("keys", "export", "-o", tmp_path / "dev.pub").exit_code == 0
    return desk


def _device_id() -> str:
    return str(json.loads(run("keys", "show", "--json").stdout)["deviceId"])


def test_unknown_key_names_the_device_and_says_to_sign_the_draft(desk: Desk) -> None:
    res = desk.trust_cmd("accept-policy", desk.policy)
    digest = run("policy", "digest", desk.policy).stdout.strip()
    assert one_line(res.stderr) == (f"Accepted policy team-linux ({digest}); run `wfhaudit "
                                    "trust sign` to publish it")
    assert run("trust", "sign", "--admin-key", desk.key, "--out", desk.trust, "--draft",
               desk.draft).exit_code == 0
    report = desk.check()
    device = _device_id()
    before = run("verify", report, "--trust", desk.trust)
    assert before.exit_code == 4
    assert "UNKNOWN_KEY" in before.stderr and "is not in the trust file (version 1); the " \
           f"report says it comes from device {device} (unverified): IT must enrol the device's " \
           "key with `wfhaudit trust add-device` and then `wfhaudit trust sign`" \
           in one_line(before.stderr)
    enrolled = desk.trust_cmd("add-device", "--key", desk.root / "dev.pub")
    assert enrolled.exit_code == 0
    after = run("verify", report, "--trust", desk.trust)
    assert after.exit_code == 4
    text = one_line(after.stderr)
    assert f"says it comes from device {device} (unverified); the key is enrolled in the " \
           "draft trust.draft.json: run `wfhaudit trust sign` to publish it" in text


def test_accept_policy_prints_the_policy_id_with_its_digest(desk: Desk) -> None:
    res = desk.trust_cmd("accept-policy", "contact-center")
    assert res.exit_code == 0
    line = one_line(res.stderr)
    assert line.startswith("Accepted policy contact-center (sha256:")
    assert line.endswith("); run `wfhaudit trust sign` to publish it")


def test_the_draft_given_as_trust_file_says_so(desk: Desk) -> None:
    desk.trust_cmd("accept-policy", desk.policy)
    report = desk.check()
    res = run("verify", report, "--trust", desk.draft, "--admin-pubkey", desk.pin)
    assert res.exit_code == 3
    assert one_line(res.stderr) == (
        f"wfhaudit: error: TRUST_INVALID: {desk.draft}: this is the unsigned trust draft, not a "
        "signed trust file: sign it with `wfhaudit trust sign --admin-key KEY` and pass the "
        "trust.json it writes")


def test_signing_with_the_public_admin_key_says_it_is_the_public_key(desk: Desk) -> None:
    res = run("trust", "sign", "--admin-key", desk.pin, "--draft", desk.draft, "--out",
              desk.trust)
    assert res.exit_code == 3
    assert one_line(res.stderr) == (
        f"wfhaudit: error: {desk.pin}: this is a public key (the pin verifiers use); pass the "
        "private admin key, the file `wfhaudit trust init --admin-key` created (keep it offline)")
    assert not desk.trust.exists()


def test_enrolling_a_private_key_says_to_export_the_public_one(desk: Desk) -> None:
    res = desk.trust_cmd("add-device", "--key", desk.key)
    assert res.exit_code == 3
    assert one_line(res.stderr) == (
        f"wfhaudit: error: {desk.key}: this is a private key, which must never leave its owner; "
        "on the device, export its public key with `wfhaudit keys export > dev.pub` and enrol "
        "dev.pub")


def test_policy_mismatch_names_the_policy_and_how_to_accept_it(desk: Desk) -> None:
    desk.trust_cmd("add-device", "--key", desk.root / "dev.pub")
    desk.trust_cmd("accept-policy", "baseline")
    assert run("trust", "sign", "--admin-key", desk.key, "--out", desk.trust, "--draft",
               desk.draft).exit_code == 0
    report = desk.check()
    res = run("verify", report, "--trust", desk.trust, "--json")
    assert res.exit_code == 4
    record = json.loads(res.stdout)
    assert record["reason"] == "POLICY_MISMATCH"
    assert record["detail"] == (
        f"policy team-linux 1.2 (digest {record['policyDigest']}) is not accepted by the trust "
        "file: to accept it, run `wfhaudit trust accept-policy team-linux`, then `wfhaudit trust "
        "sign`")


def test_verifying_the_html_page_says_to_verify_the_json(desk: Desk) -> None:
    desk.trust_cmd("add-device", "--key", desk.root / "dev.pub")
    desk.trust_cmd("accept-policy", desk.policy)
    assert run("trust", "sign", "--admin-key", desk.key, "--out", desk.trust, "--draft",
               desk.draft).exit_code == 0
    report = desk.check()
    assert run("render", report).exit_code == 0
    page = report.with_name(report.name.removesuffix(".json") + ".html")
    res = run("verify", page, "--trust", desk.trust, "--json")
    assert res.exit_code == 4
    record = json.loads(res.stdout)
    assert record["reason"] == "ENVELOPE_MALFORMED"
    assert record["detail"] == ("this is the HTML rendering of a report (.wfh.html), which "
                                "carries no signature: verify the signed .wfh.json beside it")


def _fleet(desk: Desk) -> None:
    desk.trust_cmd("add-device", "--key", desk.root / "dev.pub")
    desk.trust_cmd("accept-policy", desk.policy)
    assert run("trust", "sign", "--admin-key", desk.key, "--out", desk.trust, "--draft",
               desk.draft).exit_code == 0
    desk.check()


def test_min_ready_accepts_a_percent_sign_and_gates_speak_in_days(desk: Desk) -> None:
    _fleet(desk)
    res = run("aggregate", desk.reports, "--trust", desk.trust, "--min-ready", "95%",
              "--max-age", "7d")
    assert res.exit_code == 0, res.output
    text = one_line(res.stderr)
    # One input, one device: singular nouns.
    assert text.startswith("1 input: 1 accepted (0 superseded), 0 rejected, 0 stale; "
                           "1 device expected")
    assert "100% of 1 expected device ready (minimum 95%)" in text
    assert "0 devices have no report newer than 7 days" in text
    bad = run("aggregate", desk.reports, "--trust", desk.trust, "--min-ready", "95 percent")
    assert bad.exit_code == 2 and "is not a percentage (e.g. 95 or 95%)" in bad.stderr


def test_aggregate_dash_writes_to_stdout(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    _fleet(desk)
    monkeypatch.chdir(desk.root)
    res = run("aggregate", desk.reports, "--trust", desk.trust, "--json", "-")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["counts"]["devices_expected"] == 1
    assert not (desk.root / "-").exists()
