"""IT and one worker's laptop, as in the field: real reports made by `check` over recorded evidence.

The worker's report is what `wfhaudit check` builds on a machine whose commands answered as the
recorded cases (tests/fixtures/cases) did; IT has an admin key, a signed trust file with the
worker's device key enrolled, the policy accepted and a campaign open.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.app.check import CheckOptions, run_check
from wfhaudit.cli import cli
from wfhaudit.crypto.device_key import ensure_device_key
from wfhaudit.crypto.statement import sign_report
from wfhaudit.report.html.render import load_report
from wfhaudit.trust.campaign import make_challenge, new_nonce, trust_entry
from wfhaudit.trust.draft import accept_policy, add_device, new_draft, public_pem, sign_draft

FIXTURES = Path(__file__).parent.parent / "fixtures"
RENDER_POLICY = FIXTURES / "reports" / "render-policy.json"
# A laptop with the firewall open, a plain disk, no VPN and headphones without a microphone.
EXPOSED = {"os": "debian12", "firewall": "nft-accept-policy-no-rules",
           "disk": "r-debian12-vm-plain-root", "vpn": "no-tunnel",
           "audio": "pipewire-text-headphones-only", "network": "loopback-clean-wired"}


def run(*args: Any) -> Any:
    """The CLI, as a person types it."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def merged_evidence(os_family: str, cases: dict[str, str]) -> dict[str, Any]:
    """One evidence bundle from recorded cases of several probes on one OS."""
    bundle: dict[str, Any] = {"format": "wfhaudit-evidence/1", "os": None, "commands": [],
                              "files": {}, "dirs": {}, "snapshots": {}, "measurements": {}}
    for probe, case in cases.items():
        evidence = json.loads((FIXTURES / "cases" / probe / os_family / f"{case}.json")
                              .read_text(encoding="utf-8"))["evidence"]
        bundle["os"] = bundle["os"] or evidence["os"]
        bundle["commands"].extend(evidence.get("commands", []))
        for part in ("files", "dirs", "snapshots", "measurements"):
            bundle[part].update(evidence.get(part, {}))
    return bundle


class Office:
    """IT's folder and a worker's laptop (this test's WFHAUDIT_HOME)."""

    def __init__(self, root: Path, evidence: str = "redacted", cases: dict[str, str] | None = None,
                 os_family: str = "linux", settings: dict[str, Any] | None = None) -> None:
        self.root = root
        self.now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        self.policy = root / "policy.json"
        self.policy.write_text(json.dumps({
            "id": "field", "version": "2.0.0", "title": "Field policy",
            "extends": [str(RENDER_POLICY)],
            "settings": {"report": {"evidence": evidence, **(settings or {})}}}))
        self.bundle = root / "evidence.json"
        self.bundle.write_text(json.dumps(merged_evidence(os_family, cases or EXPOSED)))
        self.key = ensure_device_key().private
        self.admin = Ed25519PrivateKey.generate()
        self.trust = root / "trust.json"
        (root / "wfhaudit-admin.pub").write_text(public_pem(self.admin))
        self.predicate = self.live_check()
        self.device_id = self.predicate["device"]["id"]
        self.draft = new_draft()
        add_device(self.draft, self.key.public_key(), self.device_id,
                   self.now - dt.timedelta(days=30), self.now + dt.timedelta(days=300))
        accept_policy(self.draft, self.predicate["policy"]["digest"])
        nonce = new_nonce()
        start, end = self.now - dt.timedelta(hours=1), self.now + dt.timedelta(days=6)
        self.draft["campaigns"].append(trust_entry("2026-W47", nonce, start, end))
        self.campaign = {"id": "2026-W47", "nonce": nonce}
        self.campaign_file = root / "campaign.json"
        self.campaign_file.write_bytes(make_challenge("2026-W47", nonce, start, end, self.admin))
        self.sign_trust()

    def live_check(self, **options: Any) -> dict[str, Any]:
        """The predicate `check` builds on a machine answering as the evidence bundle does."""
        result = run_check(CheckOptions(policy=str(self.policy), out_dir=self.root / "made",
                                        replay=self.bundle, sign=False, **options))
        assert result.report_path is not None
        predicate = load_report(result.report_path).predicate
        predicate.pop("replayed_from")  # what the same check run live would have written
        predicate["campaign"] = None
        return predicate

    def sign_trust(self) -> None:
        """Sign the current draft into trust.json."""
        self.trust.write_bytes(sign_draft(json.loads(json.dumps(self.draft)), self.admin,
                                          self.now, 14))

    def report(self, predicate: dict[str, Any], name: str = "r.wfh.json",
               key: Any = None) -> Path:
        """The predicate signed into a report file (by the worker's own device key)."""
        path = self.root / "reports" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(sign_report(predicate, key or self.key))
        return path

    def verify(self, *reports: Path, extra: tuple[str, ...] = ()) -> tuple[int, list[Any]]:
        """`wfhaudit verify --json`: exit code and one record per input."""
        res = run("verify", *reports, "--trust", self.trust, "--json", *extra)
        return res.exit_code, [json.loads(line) for line in res.stdout.splitlines() if line]


def payload_of(path: Path) -> dict[str, Any]:
    """The Statement inside a report envelope (unverified)."""
    env = json.loads(path.read_text())
    return json.loads(base64.b64decode(env["payload"]))  # type: ignore[no-any-return]
