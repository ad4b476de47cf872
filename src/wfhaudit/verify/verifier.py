"""The verifier: one reason code per envelope, in the order docs/signing.md lists.

Usage (aggregation, CI):

    trust = load_trust_file(Path("trust.json"), store=store)
    verifier = Verifier(trust, store=store, max_age=dt.timedelta(days=7))
    result = verifier.verify(data, source="reports/x.wfh.json")

`check()` is the stateless part (safe in worker processes); `admit()` applies the sequence and
duplicate rules against the store and records accepted reports; `verify()` does both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
from pathlib import Path
from typing import Any

from wfhaudit.crypto import fastjson, strictjson
from wfhaudit.crypto.dsse import (
    REPORT_PAYLOAD_TYPE,
    EnvelopeError,
    b64decode_strict,
    parse_envelope,
    single_signature,
)
from wfhaudit.crypto.keyutil import verify_signature
from wfhaudit.crypto.statement import PREDICATE_TYPE, STATEMENT_TYPE, SUBJECT_PREFIX
from wfhaudit.judge.policies import JudgeError, PolicyCache, PolicyEntry, PolicyProblem
from wfhaudit.judge.rows import Judgement
from wfhaudit.policy.model import Policy
from wfhaudit.reasons import Reason
from wfhaudit.report.validate import KNOWN_FIELDS, PredicateView, SchemaProblem, check_predicate
from wfhaudit.trust.file import Trust, load_trust_file, nonce_digest, version_tuple
from wfhaudit.trust.keys import TrustedKey
from wfhaudit.util.text import printable_path
from wfhaudit.util.timefmt import now_utc, stamp
from wfhaudit.verify import hints
from wfhaudit.verify.claims import ClaimChecks, Refusal, check_replayed
from wfhaudit.verify.cpulimit import DEFAULT_CPU_LIMIT_S, CpuLimitExceeded, cpu_limit
from wfhaudit.verify.inputs import try_read
from wfhaudit.verify.result import VerifyResult, demote, mismatch_detail, rejected
from wfhaudit.verify.state import Accepted, MemoryStore, VerifierStore

DEFAULT_MAX_BYTES = 1 << 20
DEFAULT_MAX_AGE = dt.timedelta(days=7)
DEFAULT_SKEW = dt.timedelta(minutes=5)
CAMPAIGN_GRACE = dt.timedelta(days=1)
_PAE_PREFIX = b"DSSEv1 %d %b " % (len(REPORT_PAYLOAD_TYPE), REPORT_PAYLOAD_TYPE.encode("ascii"))
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KNOWN = frozenset(KNOWN_FIELDS)


class _Reject(Exception):
    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason = reason
        self.detail = detail


class Verifier:
    """Verifies report envelopes against one loaded trust file, with caches for speed."""

    def __init__(self, trust: Trust, *, now: dt.datetime | None = None,
                 max_age: dt.timedelta = DEFAULT_MAX_AGE, skew: dt.timedelta = DEFAULT_SKEW,
                 store: VerifierStore | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                 campaign_grace: dt.timedelta = CAMPAIGN_GRACE,
                 require_custody: str | None = None, rederive: bool = True,
                 cpu_limit_s: float | None = DEFAULT_CPU_LIMIT_S) -> None:
        self.trust = trust
        self.claims = ClaimChecks(require_custody, rederive)
        self.cpu_limit_s = cpu_limit_s
        self.now = now or now_utc()
        self.store: VerifierStore = store if store is not None else MemoryStore()
        self.max_bytes = max_bytes
        self._now = self.now.timestamp()
        self._max_age = max_age.total_seconds()
        self._skew = skew.total_seconds()
        self._grace = campaign_grace.total_seconds()
        self.policies = PolicyCache(trust.accepted_policies)
        # A per-process random placeholder: no payload can contain it (see _parse_payload).
        self._sentinel = "\x00wfhaudit-policy-" + secrets.token_hex(16)
        self._sentinel_json = json.dumps(self._sentinel).encode("ascii")

    @classmethod
    def from_files(cls, trust_path: Path, admin_pubkeys: tuple[Path, ...] = (), *,
                   store: VerifierStore | None = None, now: dt.datetime | None = None,
                   **options: Any) -> Verifier:
        """Load the trust file (pinned admin keys, rollback check against the store) and build."""
        when = now or now_utc()
        store = store if store is not None else MemoryStore()
        trust = load_trust_file(trust_path, admin_pubkeys, when, store)
        return cls(trust, now=when, store=store, **options)

    def policy(self, digest: str) -> Policy | None:
        """The accepted policy for a digest once a report under it verified (else None)."""
        entry = self.policies.entries.get(digest)
        return entry.policy if entry is not None else None

    def verify(self, data: bytes, source: str = "<bytes>",
               received_at: dt.datetime | None = None) -> VerifyResult:
        """Full verification of one envelope; accepted reports are recorded in the store."""
        result = self.check(data, source, received_at)
        return self.admit(result) if result.accepted else result

    def verify_file(self, path: str | Path, received_at: dt.datetime | None = None
                    ) -> VerifyResult:
        """Read a regular file once (no symlink, at most max_bytes + 1 bytes), then verify it."""
        source = printable_path(str(path))
        data, why = try_read(str(path), self.max_bytes)
        if data is None:
            return rejected(source, Reason.ENVELOPE_MALFORMED, why,
                            trust_version=self.trust.version)
        return self.verify(data, source, received_at)

    def check(self, data: bytes, source: str = "<bytes>",
              received_at: dt.datetime | None = None) -> VerifyResult:
        """Steps 1-9 (without sequence/duplicate) and the re-evaluation; no store writes."""
        try:
            with cpu_limit(self.cpu_limit_s):
                return self._check(data, source, received_at)
        except CpuLimitExceeded:
            return rejected(source, Reason.CPU_LIMIT, f"verifying used more than "
                            f"{self.cpu_limit_s:g} s of CPU time", trust_version=self.trust.version)

    def _check(self, data: bytes, source: str, received_at: dt.datetime | None) -> VerifyResult:
        tv = self.trust.version
        if len(data) > self.max_bytes:
            return rejected(source, Reason.TOO_LARGE, hints.html_page(data)
                            or f"larger than {self.max_bytes} bytes", trust_version=tv)
        kid: str | None = None
        try:
            env = parse_envelope(data)
            kid, sig_b64 = single_signature(env.signatures)
            if env.payload_type != REPORT_PAYLOAD_TYPE:
                raise EnvelopeError(Reason.PAYLOAD_TYPE_UNSUPPORTED,
                                    f"payloadType must be {REPORT_PAYLOAD_TYPE}")
            payload = b64decode_strict(env.payload_b64)
            sig = b64decode_strict(sig_b64)
        except EnvelopeError as exc:
            return rejected(source, exc.reason, hints.html_page(data) or exc.detail,
                            keyid_hint=kid, trust_version=tv)
        except ValueError as exc:
            return rejected(source, Reason.ENVELOPE_MALFORMED, f"payload or sig: {exc}",
                            keyid_hint=kid, trust_version=tv)
        key = self.trust.keys.get(kid) if kid is not None else None
        if key is None:
            return rejected(source, Reason.UNKNOWN_KEY,
                            hints.unknown_key(kid, hints.claimed_device(payload), tv),
                            keyid_hint=kid, trust_version=tv)
        if not verify_signature(key.alg, key.public_key, sig,
                                b"".join((_PAE_PREFIX, b"%d " % len(payload), payload))):
            return rejected(source, Reason.BAD_SIGNATURE,
                            f"signature does not verify with the key of {key.device_id}",
                            keyid_hint=kid, trust_version=tv)
        digest = hashlib.sha256(payload).hexdigest()
        fields: dict[str, Any] = {"keyid_hint": kid, "trust_version": tv,
                                  "payload_sha256": digest, "device_id": key.device_id,
                                  "custody": key.custody}
        try:
            predicate, view, entry = self._statement(payload, key)
            fields.update(sequence=view.sequence, report_id=view.report_id,
                          finished_at=view.finished_at, policy_digest=view.policy_digest)
            self._claims(key, predicate, None, view)
            entry, receipt = self._semantics(key, view, predicate, entry, digest, received_at)
            self._claims(key, predicate, entry, view)
            judgement = self._judge(entry, view)
        except _Reject as exc:
            return rejected(source, exc.reason, exc.detail, **fields)
        warnings: tuple[str, ...] = ()
        detail = ""
        if judgement.verdict != view.reported_verdict or judgement.codes != view.reported_codes \
                or entry.rule_ids != view.reported_rules:
            warnings = (Reason.VERDICT_MISMATCH.value,)
            detail = mismatch_detail(view.reported_verdict, view.reported, judgement.verdict,
                                     tuple(judgement.statuses))
        return VerifyResult(source, True, Reason.VERIFIED.value, detail,
                            verdict=judgement.verdict, warnings=warnings, received_at=receipt,
                            predicate=predicate if predicate.keys() <= _KNOWN else
                            {k: predicate[k] for k in KNOWN_FIELDS if k in predicate},
                            view=view, judgement=judgement, **fields)

    def admit(self, result: VerifyResult) -> VerifyResult:
        """Sequence and duplicate rules for a checked report; records it when accepted."""
        if not result.accepted:
            return result
        assert result.device_id and result.payload_sha256 and result.sequence is not None  # noqa: S101
        last = self.store.last_sequence(result.device_id)
        seen = self.store.received_at(result.payload_sha256)
        if last is not None and (result.sequence < last or (result.sequence == last and seen is None)):
            return demote(result, Reason.SEQUENCE_ROLLBACK,
                           f"sequence {result.sequence} is not after {last}, the last accepted "
                           f"from {result.device_id}")
        if seen is not None:
            return demote(result, Reason.DUPLICATE, f"same payload first accepted {stamp(seen)}")
        received = result.received_at or self.now
        self.store.record_accepted(Accepted(result.device_id, result.sequence,
                                            result.payload_sha256, result.report_id or "",
                                            result.finished_at or "", received))
        result.received_at = received
        return result

    def _parse_payload(self, payload: bytes) -> tuple[Any, PolicyEntry | None]:
        # Fast path: the embedded policy is usually byte-identical to an accepted one. Replace
        # it by a secret placeholder and parse the rest. The bytes before the placeholder are
        # unchanged, so if the placeholder lands at predicate.policy.document, the original
        # bytes there were exactly the accepted document (a complete JSON object).
        j = payload.rfind(b'"document":') + 11
        for entry in self.policies.entries.values() if j > 10 else ():
            if not payload.startswith(entry.canonical, j):
                continue
            ok, stmt = fastjson.loads_exact(b"".join((
                payload[:j], self._sentinel_json, payload[j + len(entry.canonical):])))
            try:
                policy = stmt["predicate"]["policy"] if ok else None
                if policy is not None and policy["document"] == self._sentinel:
                    policy["document"] = entry.document
                    return stmt, entry
            except (KeyError, TypeError):
                pass
            break
        return fastjson.loads(payload), None

    def _statement(self, payload: bytes, key: TrustedKey
                   ) -> tuple[dict[str, Any], PredicateView, PolicyEntry | None]:
        """Steps 6 and 7: strict parse, Statement, predicate shape, subject binding."""
        try:
            stmt, entry = self._parse_payload(payload)
        except strictjson.StrictJSONError as exc:
            raise _Reject(Reason.PAYLOAD_MALFORMED, str(exc)) from None
        if type(stmt) is not dict or stmt.get("_type") != STATEMENT_TYPE:
            raise _Reject(Reason.STATEMENT_INVALID, f"_type must be {STATEMENT_TYPE}")
        subjects = stmt.get("subject")
        subject = subjects[0] if type(subjects) is list and len(subjects) == 1 else None
        sha = subject.get("digest") if type(subject) is dict else None
        sha = sha.get("sha256") if type(sha) is dict else None
        if type(sha) is not str or _HEX64.fullmatch(sha) is None:
            raise _Reject(Reason.STATEMENT_INVALID, "need exactly one subject with a sha256 digest")
        if stmt.get("predicateType") != PREDICATE_TYPE:
            raise _Reject(Reason.PREDICATE_TYPE_UNSUPPORTED, f"predicateType must be {PREDICATE_TYPE}")
        predicate = stmt.get("predicate")
        try:
            view = check_predicate(predicate)
        except SchemaProblem as exc:
            raise _Reject(Reason.SCHEMA_INVALID, str(exc)) from None
        if sha != key.spki_sha256:
            raise _Reject(Reason.SUBJECT_KEY_MISMATCH, "subject digest is not the signing key")
        if subject.get("name") != SUBJECT_PREFIX + key.device_id or view.device_id != key.device_id:  # type: ignore[union-attr]
            raise _Reject(Reason.SUBJECT_KEY_MISMATCH,
                          f"report names another device than the key's owner {key.device_id}")
        return predicate, view, entry  # type: ignore[return-value]

    def _receipt(self, digest: str, received_at: dt.datetime | None) -> dt.datetime:
        return self.store.received_at(digest) or received_at or self.now

    def _semantics(self, key: TrustedKey, view: PredicateView, predicate: dict[str, Any],
                   entry: PolicyEntry | None, digest: str, received_at: dt.datetime | None
                   ) -> tuple[PolicyEntry, dt.datetime | None]:
        """Steps 8 and 9 up to the time window: the accepted policy and the receipt time."""
        fin, now, receipt = view.finished, self._now, None
        if fin < key.not_before:
            raise _Reject(Reason.KEY_NOT_YET_VALID, f"report finished before the key's notBefore "
                                                    f"{stamp(key.not_before)}")
        if fin > key.not_after or now > key.not_after + self._max_age:
            raise _Reject(Reason.KEY_EXPIRED, f"key valid until {stamp(key.not_after)}")
        if key.revoked_at is not None:
            if key.revoke_reason == "key-compromise":
                raise _Reject(Reason.KEY_REVOKED, "key revoked for compromise: every report "
                                                  "from it is rejected")
            receipt = self._receipt(digest, received_at)
            if receipt.timestamp() > key.revoked_at:
                raise _Reject(Reason.KEY_REVOKED, f"key {key.revoke_reason} at "
                                                  f"{stamp(key.revoked_at)}; received after")
        accepted = self.trust.accepted_policies
        if view.policy_digest not in accepted:
            raise _Reject(Reason.POLICY_MISMATCH,
                          hints.policy_not_accepted(predicate.get("policy"), view.policy_digest))
        until = accepted[view.policy_digest]
        if until is not None and fin > until:
            raise _Reject(Reason.POLICY_MISMATCH, f"policy accepted only until {stamp(until)}")
        if entry is None or entry.digest != view.policy_digest:
            entry = self._policy(view, predicate)
        if self.trust.min_tool_version is not None:
            have = version_tuple(view.tool_version)
            if have is None or have < self.trust.min_tool_version:
                raise _Reject(Reason.TOOL_VERSION_REJECTED, "tool version is below the minimum")
        receipt = self._campaign(view, digest, received_at) or receipt
        if fin > now + self._skew:
            raise _Reject(Reason.FROM_FUTURE, "finished_at is ahead of the verifier's clock")
        if now - fin > self._max_age:
            raise _Reject(Reason.STALE, f"finished more than {int(self._max_age)} s ago")
        return entry, receipt

    def _campaign(self, view: PredicateView, digest: str,
                  received_at: dt.datetime | None) -> dt.datetime | None:
        campaign = view.campaign
        if campaign is None:
            for c in self.trust.campaigns:
                if c.not_before <= self._now <= c.not_after and c.device_id in (None, view.device_id):
                    raise _Reject(Reason.NONCE_MISSING, f"campaign {c.id} is open; the report "
                                                        "carries no campaign nonce")
            return None
        nonce = nonce_digest(campaign["nonce"])
        for c in self.trust.campaigns_by_id.get(campaign["id"], ()):
            if c.nonce_sha256 != nonce:
                continue
            if c.device_id not in (None, view.device_id):
                raise _Reject(Reason.NONCE_UNKNOWN, "campaign nonce was issued to another device")
            if c.policy_digest not in (None, view.policy_digest):
                raise _Reject(Reason.POLICY_MISMATCH, "campaign requires another policy")
            receipt = self._receipt(digest, received_at)
            if not (c.not_before - self._skew <= view.finished <= c.not_after + self._skew) \
                    or receipt.timestamp() > c.not_after + self._grace:
                raise _Reject(Reason.NONCE_UNKNOWN, f"campaign {c.id} is closed "
                                                    f"(open {stamp(c.not_before)} to {stamp(c.not_after)})")
            return receipt
        raise _Reject(Reason.NONCE_UNKNOWN, "no campaign with this id and nonce in the trust file")

    def _policy(self, view: PredicateView, predicate: dict[str, Any]) -> PolicyEntry:
        block = predicate["policy"]
        try:
            entry = self.policies.resolve(view.policy_digest, block["document"])
        except PolicyProblem as exc:
            raise _Reject(Reason.POLICY_MISMATCH, str(exc)) from None
        # Byte for byte the accepted document: keep one shared copy, not one per report.
        predicate["policy"] = {**block, "document": entry.document}
        return entry

    def _claims(self, key: TrustedKey, predicate: dict[str, Any], entry: PolicyEntry | None,
                view: PredicateView) -> None:
        """Checks of verify/claims.py: replay when entry is None, else the others."""
        try:
            if entry is None:
                check_replayed(predicate)
            else:
                self.claims.check(key, predicate, entry.policy, view.os_family)
        except Refusal as exc:
            raise _Reject(exc.reason, exc.detail) from None

    @staticmethod
    def _judge(entry: PolicyEntry, view: PredicateView) -> Judgement:
        try:
            return entry.judge(view.facts, view.os_family, view.device_id, view.finished)
        except JudgeError as exc:
            raise _Reject(Reason.SCHEMA_INVALID, f"$.predicate.{exc}") from None

