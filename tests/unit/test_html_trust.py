"""`wfhaudit render --trust`: the page's signature status comes from the signing package's
verifier, never from the report (adversarial cases A2, A11, A30, A31, A36, A37)."""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.cli import cli
from wfhaudit.crypto.keyutil import keyid
from wfhaudit.crypto.statement import sign_report
from wfhaudit.report.html.render import load_report
from wfhaudit.trust.draft import (
    accept_policy,
    add_device,
    new_draft,
    public_pem,
    sign_draft,
)

REPORTS = Path(__file__).parent.parent / "fixtures" / "reports"
_spec = importlib.util.spec_from_file_location("make_samples", REPORTS / "make_samples.py")
assert _spec and _spec.loader
samples = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(samples)

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
STAMP = "%Y-%m-%dT%H:%M:%SZ"


class Setup:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.admin = Ed25519PrivateKey.generate()
        self.device = Ed25519PrivateKey.generate()
        self.predicate = load_report(samples.make_sample("linux", tmp / "made", sign=False)).predicate
        # The sample is made from recorded evidence; here it stands for a live check.
        self.predicate.pop("replayed_from")
        finished = NOW - dt.timedelta(days=30)
        self.predicate["started_at"] = (finished - dt.timedelta(seconds=40)).strftime(STAMP)
        self.predicate["finished_at"] = finished.strftime(STAMP)
        doc = new_draft()
        add_device(doc, self.device.public_key(), self.predicate["device"]["id"],
                   NOW - dt.timedelta(days=365), NOW + dt.timedelta(days=365))
        accept_policy(doc, self.predicate["policy"]["digest"])
        self.trust = tmp / "trust.json"
        self.trust.write_bytes(sign_draft(doc, self.admin, NOW, days=30))
        (tmp / "wfhaudit-admin.pub").write_text(public_pem(self.admin))
        self.keyid = keyid(self.device.public_key())

    def report(self, predicate: dict[str, Any] | None = None, key: Ed25519PrivateKey | None = None,
               name: str = "r.wfh.json") -> Path:
        path = self.tmp / name
        path.write_bytes(sign_report(predicate or self.predicate, key or self.device))
        return path

    def render(self, report: Path, *extra: str) -> tuple[Any, str]:
        out = self.tmp / (report.name + ".html")
        res = CliRunner().invoke(cli, ["render", str(report), "--trust", str(self.trust),
                                       "-o", str(out), *extra])
        return res, out.read_text() if out.exists() else ""


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    return Setup(tmp_path)


def test_verified_report_names_the_key_and_trust_file(setup: Setup) -> None:
    res, page = setup.render(setup.report())
    assert res.exit_code == 0, res.stderr
    device = setup.predicate["device"]["id"]
    assert f"Verified: signed by device {device}</p>" in page  # no owner enrolled: none named
    assert f"key {setup.keyid} in trust file trust.json v1" in page
    assert "NOT VERIFIED" not in page and "freshness was not judged" in page
    assert f"Verified: signed by device {device}" in res.stderr


def test_verified_box_names_the_owner_from_the_trust_file(setup: Setup) -> None:
    doc = new_draft()
    add_device(doc, setup.device.public_key(), setup.predicate["device"]["id"],
               NOW - dt.timedelta(days=365), NOW + dt.timedelta(days=365), "jdoe@example.com")
    accept_policy(doc, setup.predicate["policy"]["digest"])
    setup.trust.write_bytes(sign_draft(doc, setup.admin, NOW, days=30))
    res, page = setup.render(setup.report())
    assert res.exit_code == 0, res.stderr
    device = setup.predicate["device"]["id"]
    assert (f'<p class="headline">Verified: signed by device {device} (owner '
            'jdoe@example.com)</p>') in page
    assert f'<p class="note-small mono">key {setup.keyid} in trust file trust.json v1</p>' in page


def test_tampered_payload_is_rejected_and_not_shown(setup: Setup) -> None:
    """A2: one byte of the decoded payload changed."""
    path = setup.report()
    env = json.loads(path.read_text())
    payload = base64.b64decode(env["payload"]).replace(b'"NOT_READY"', b'"READY"', 1)
    env["payload"] = base64.b64encode(payload).decode()
    path.write_text(json.dumps(env))
    res, page = setup.render(path)
    assert res.exit_code == 4
    assert "REJECTED: BAD_SIGNATURE" in page
    # Only the trust file's name for the key owner may appear, nothing from the payload.
    assert setup.predicate["device"]["name"] not in page and "<article" not in page
    assert setup.predicate["os"]["version"] not in page
    assert "Verdict" not in page


def test_unknown_key_is_rejected(setup: Setup) -> None:
    """A11: a key the trust file does not list."""
    res, page = setup.render(setup.report(key=Ed25519PrivateKey.generate()))
    assert res.exit_code == 4 and "REJECTED: UNKNOWN_KEY" in page


def test_claims_inside_a_rejected_report_change_nothing(setup: Setup) -> None:
    """A37: `signatureVerified: true` in a report signed by an unknown key."""
    forged = {**setup.predicate, "signatureVerified": True, "verdict": "verified"}
    res, page = setup.render(setup.report(forged, key=Ed25519PrivateKey.generate()))
    assert res.exit_code == 4 and "Verified:" not in page and "REJECTED" in page


def test_verifier_verdict_wins_over_the_device_claim(setup: Setup) -> None:
    """A36: the device says READY; its own evidence says otherwise."""
    lying = json.loads(json.dumps(setup.predicate))
    lying["summary"]["verdict"] = "READY"
    res, page = setup.render(setup.report(lying))
    assert res.exit_code == 0, res.stderr
    assert "Verdict: NOT READY" in page and "Verdict: READY" not in page
    assert "The device reported READY" in page and "VERDICT_MISMATCH" in page


def test_max_age_makes_an_old_report_stale(setup: Setup) -> None:
    """A31: freshness is judged only when asked."""
    res, page = setup.render(setup.report(), "--max-age", "7d")
    assert res.exit_code == 4 and "REJECTED: STALE" in page
    res, _ = setup.render(setup.report(name="b.wfh.json"), "--max-age", "60d")
    assert res.exit_code == 0, res.stderr


def test_untrusted_trust_file_is_an_input_error_and_writes_nothing(setup: Setup) -> None:
    """A30: a trust file signed by a key that is not pinned."""
    (setup.tmp / "wfhaudit-admin.pub").write_text(public_pem(Ed25519PrivateKey.generate()))
    res, page = setup.render(setup.report())
    assert res.exit_code == 3 and page == ""
    assert res.stderr.startswith("wfhaudit: error: ") and "Traceback" not in res.stderr


def test_trust_options_need_trust(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["render", str(REPORTS / "linux.wfh.json"), "--max-age", "7d"])
    assert res.exit_code == 2
