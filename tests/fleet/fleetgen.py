"""Build signed fleets for tests and the benchmark with the real signing code.

An org = an admin key, device keys, a signed trust file (with the admin public key pinned
beside it) and helpers that build report predicates from plain fact values and sign them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto.statement import sign_report
from wfhaudit.evaluate import evaluate
from wfhaudit.facts import Fact, FactSet
from wfhaudit.policy.loader import load_policy_document
from wfhaudit.policy.model import Policy
from wfhaudit.report.model import build_report
from wfhaudit.trust.draft import (
    accept_policy,
    add_device,
    new_draft,
    public_pem,
    revoke,
    sign_draft,
)

UTC = dt.timezone.utc

# A small policy whose outcomes are easy to compute by hand.
FLEET_POLICY: dict[str, Any] = {
    "id": "fleet-test", "version": "1.0.0", "title": "Fleet test policy",
    "settings": {"report": {"evidence": "none"}},
    "rules": [
        {"id": "firewall-enabled", "title": "Host firewall is on", "fact": "firewall.enabled",
         "expect": {"equals": True}, "severity": "high"},
        {"id": "disk-encrypted", "title": "System disk is encrypted",
         "fact": "disk.system_encrypted", "expect": {"equals": True}, "severity": "critical"},
        {"id": "net-upload", "title": "Upload is fast enough for calls",
         "fact": "network.upload_mbps", "expect": {"min": 1.0}, "severity": "medium",
         "required": True},
        {"id": "headset-present", "title": "A headset is connected",
         "fact": "audio.headset_present", "expect": {"equals": True}, "severity": "low",
         "required": False},
    ],
}


def policy_from(doc: Mapping[str, Any]) -> Policy:
    """Load a policy document (schema-checked, like the loader does for files)."""
    return load_policy_document(dict(doc), "test policy")


def with_upload_min(doc: Mapping[str, Any], minimum: float, version: str = "2.0.0"
                    ) -> dict[str, Any]:
    """The same policy with another upload minimum (the what-if question)."""
    out = json.loads(json.dumps(doc))
    out["version"] = version
    for rule in out["rules"]:
        if rule["id"] == "net-upload":
            rule["expect"] = {"min": minimum}
    return out


GOOD = {"firewall.enabled": True, "disk.system_encrypted": True, "network.upload_mbps": 10.0,
        "audio.headset_present": True}


def facts_of(values: Mapping[str, Any], os_family: str = "linux") -> FactSet:
    """A FactSet from plain values; a value of None makes the fact unknown."""
    facts = FactSet()
    facts.add(Fact.observed("os.family", os_family, ["platform"]))
    facts.add(Fact.observed("os.version", "Debian 12", ["/etc/os-release"]))
    for key, value in values.items():
        if value is None:
            facts.add(Fact.unknown(key, f"{key} could not be read (test)", ["test"]))
        else:
            facts.add(Fact.observed(key, value, ["test-probe"]))
    return facts


@dataclass
class Org:
    """Keys and trust file of a test organisation."""

    folder: Path
    admin: Ed25519PrivateKey
    draft: dict[str, Any]
    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    trust_path: Path = Path()
    admin_pub: Path = Path()

    def sign_trust(self, now: dt.datetime, days: int = 30, name: str = "trust.json") -> Path:
        """Sign the draft (version bumps) and write it with the pinned admin key beside it."""
        self.trust_path = self.folder / name
        self.trust_path.write_bytes(sign_draft(self.draft, self.admin, now, days))
        self.admin_pub = self.folder / "wfhaudit-admin.pub"
        self.admin_pub.write_text(public_pem(self.admin))
        return self.trust_path

    def keyid(self, device_id: str) -> str:
        """The enrolled key id of a device."""
        from wfhaudit.crypto.keyutil import keyid

        return keyid(self.keys[device_id].public_key())

    def revoke(self, device_id: str, reason: str, at: dt.datetime) -> None:
        """Revoke the device's key in the draft (sign again to take effect)."""
        revoke(self.draft, [self.keyid(device_id)], reason, at)


def make_org(folder: Path, device_ids: Iterable[str], policies: Iterable[Policy],
             now: dt.datetime, key_days: int = 365) -> Org:
    """An org with one fresh key per device, every given policy accepted, trust signed."""
    folder.mkdir(parents=True, exist_ok=True)
    org = Org(folder, Ed25519PrivateKey.generate(), new_draft())
    for device_id in device_ids:
        key = Ed25519PrivateKey.generate()
        org.keys[device_id] = key
        add_device(org.draft, key.public_key(), device_id, now - dt.timedelta(days=key_days),
                   now + dt.timedelta(days=key_days))
    for policy in policies:
        accept_policy(org.draft, policy.digest)
    org.sign_trust(now)
    return org


def predicate(policy: Policy, device_id: str, sequence: int, finished: dt.datetime,
              values: Mapping[str, Any], name: str = "host", os_family: str = "linux",
              evidence: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A report predicate exactly as `wfhaudit check` builds it (judged on the device)."""
    facts = facts_of(values, os_family)
    evaluation = evaluate(policy, facts, os_family, device_id, finished.date())
    report = build_report(
        policy=policy, facts=facts, evaluation=evaluation,
        device={"id": device_id, "name": name},
        os_block={"family": os_family, "version": "Debian 12", "release": "6.1",
                  "machine": "x86_64"},
        started=finished - dt.timedelta(seconds=40), finished=finished,
        evidence=evidence, evidence_level="full" if evidence is not None else "none",
        sequence=sequence, probes_run=sorted({k.split(".")[0] for k in values}))
    return report


def signed(org: Org, pred: Mapping[str, Any], signer: str | None = None) -> bytes:
    """The DSSE envelope bytes of a predicate, signed with the device's key (or signer's)."""
    return sign_report(pred, org.keys[signer or pred["device"]["id"]])


def write(folder: Path, name: str, data: bytes | str) -> Path:
    """Write a report file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path
