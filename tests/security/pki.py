"""A test PKI: IT admin key, enrolled device keys, a signed trust file and report envelopes.

Everything is generated in the test (each adversarial case builds its inputs from
a test keyring/trust file generated in the test"); the clock is fixed at NOW.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wfhaudit.crypto.canonical import canonical_bytes
from wfhaudit.crypto.dsse import (
    REPORT_PAYLOAD_TYPE,
    TRUST_PAYLOAD_TYPE,
    envelope_bytes,
    pae,
    sign_envelope,
)
from wfhaudit.crypto.keyutil import keyid
from wfhaudit.crypto.statement import build_statement
from wfhaudit.evaluate import evaluate
from wfhaudit.facts import Fact, FactSet
from wfhaudit.policy.loader import load_policy
from wfhaudit.report.model import build_report
from wfhaudit.trust.campaign import new_nonce, trust_entry
from wfhaudit.trust.draft import accept_policy, add_device, new_draft, sign_draft
from wfhaudit.trust.file import Trust, load_trust
from wfhaudit.util.timefmt import stamp
from wfhaudit.verify.state import MemoryStore
from wfhaudit.verify.verifier import Verifier

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 9, 0, 0, tzinfo=UTC)
GOOD_FACTS: dict[str, Any] = {
    "os.family": "linux", "os.version": "Debian GNU/Linux 12", "firewall.enabled": True,
    "firewall.profiles_off": [], "disk.system_encrypted": True,
    "disk.encryption_in_progress": False, "vpn.active": True, "location.office_network": False,
    "screenlock.enabled": True, "screenlock.idle_minutes": 5, "screenlock.password_required": True,
    "signin.autologin_enabled": False, "secureboot.enabled": True,
    "updates.security_pending": 0, "updates.days_since_last": 3.5, "updates.reboot_pending": False,
    "malware.protection_on": True, "malware.signature_age_days": 0.4, "wifi.security": "wpa2",
}


def facts_from(values: dict[str, Any]) -> FactSet:
    """Observed facts from plain values."""
    fs = FactSet()
    for key, value in values.items():
        fs.add(Fact.observed(key, value, ["test"]))
    return fs


class Pki:
    """Keys, a trust draft and builders for reports; tweak the draft, then call verifier()."""

    def __init__(self, policy: str = "baseline", devices: tuple[str, ...] = ("dev-a", "dev-b"),
                 min_tool_version: str | None = None) -> None:
        self.admin = Ed25519PrivateKey.generate()
        self.policy = load_policy(policy)
        self.keys = {d: Ed25519PrivateKey.generate() for d in devices}
        self.draft = new_draft(min_tool_version)
        for device, key in self.keys.items():
            add_device(self.draft, key.public_key(), device, NOW - dt.timedelta(days=30),
                       NOW + dt.timedelta(days=300))
        accept_policy(self.draft, self.policy.digest, self.policy.id)
        self.sequence: dict[str, int] = {}

    def keyid(self, device: str) -> str:
        """Key id of a device key."""
        return keyid(self.keys[device].public_key())

    def open_campaign(self, campaign_id: str = "2026-W47", device: str | None = None,
                      start: dt.datetime = NOW - dt.timedelta(days=1),
                      end: dt.datetime = NOW + dt.timedelta(days=6)) -> dict[str, str]:
        """Add a campaign to the draft; returns the {"id", "nonce"} a report echoes."""
        nonce = new_nonce()
        self.draft["campaigns"].append(trust_entry(campaign_id, nonce, start, end, device))
        return {"id": campaign_id, "nonce": nonce}

    def trust_bytes(self, now: dt.datetime = NOW, days: int = 14, floor: int = 0,
                    signer: Ed25519PrivateKey | None = None) -> bytes:
        """The signed trust file for the current draft (the draft itself is not changed)."""
        return sign_draft(copy.deepcopy(self.draft), signer or self.admin, now, days, floor)

    def unchecked_trust_bytes(self, now: dt.datetime = NOW) -> bytes:
        """The draft signed WITHOUT validation (what a buggy or hostile tool might publish)."""
        doc = {**copy.deepcopy(self.draft), "version": 5, "issuedAt": stamp(now),
               "expires": stamp(now + dt.timedelta(days=14))}
        return envelope_bytes(sign_envelope(canonical_bytes(doc), TRUST_PAYLOAD_TYPE, self.admin))

    def trust(self, now: dt.datetime = NOW, store: Any = None) -> Trust:
        """The loaded trust file."""
        return load_trust(self.trust_bytes(), [self.admin.public_key()], now, store)

    def verifier(self, now: dt.datetime = NOW, store: Any = None, **options: Any) -> Verifier:
        """A verifier over the current draft, signed and loaded at `now`."""
        store = store if store is not None else MemoryStore()
        return Verifier(self.trust(now, store), now=now, store=store, **options)

    def predicate(self, device: str = "dev-a", *, finished: dt.datetime | None = None,
                  sequence: int | None = None, facts: dict[str, Any] | None = None,
                  campaign: dict[str, str] | None = None) -> dict[str, Any]:
        """A report predicate as `wfhaudit check` builds it (real evaluation of the facts)."""
        finished = finished or NOW - dt.timedelta(hours=1)
        if sequence is None:
            sequence = self.sequence.get(device, 0) + 1
        self.sequence[device] = max(sequence, self.sequence.get(device, 0))
        fs = facts_from(facts if facts is not None else GOOD_FACTS)
        ev = evaluate(self.policy, fs, "linux", device, finished.date())
        return build_report(
            policy=self.policy, facts=fs, evaluation=ev, device={"id": device, "name": "host"},
            os_block={"family": "linux", "version": "Debian GNU/Linux 12", "release": "6.1",
                      "machine": "x86_64"},
            started=finished - dt.timedelta(seconds=30), finished=finished,
            # These reports carry plain test facts, not facts a probe derived, so they carry
            # no evidence (re-derivation from evidence has its own tests).
            evidence=None, evidence_level="none", sequence=sequence, campaign=campaign,
            probes_run=["os"])

    def statement(self, device: str = "dev-a", predicate: dict[str, Any] | None = None,
                  signer: str | None = None) -> dict[str, Any]:
        """Statement whose subject is the signer's key (default: the device's own key)."""
        return build_statement(predicate or self.predicate(device),
                               self.keys[signer or device])

    def envelope(self, device: str = "dev-a", *, predicate: dict[str, Any] | None = None,
                 statement: dict[str, Any] | None = None, payload: bytes | None = None,
                 key: Any = None, kid: str | None = None,
                 payload_type: str = REPORT_PAYLOAD_TYPE) -> bytes:
        """Signed envelope bytes; every part can be replaced to build an attack."""
        if payload is None:
            payload = canonical_bytes(statement or self.statement(device, predicate))
        key = key or self.keys[device]
        sig = key.sign(pae(payload_type.encode("utf-8"), payload))
        return envelope_bytes(envelope_dict(payload, payload_type, kid or self.keyid(device), sig))


def envelope_dict(payload: bytes, payload_type: str, kid: str | None, sig: bytes
                  ) -> dict[str, Any]:
    """Envelope fields with standard base64."""
    entry: dict[str, Any] = {"sig": base64.b64encode(sig).decode()}
    if kid is not None:
        entry["keyid"] = kid
    return {"payload": base64.b64encode(payload).decode(), "payloadType": payload_type,
            "signatures": [entry]}
