"""Checks past the signature: what a valid signature from an enrolled key still does not prove.

- REPLAYED: the report was made from recorded evidence (`check --replay`), not a live run.
- CUSTODY_INSUFFICIENT: the key's custody (fixed by IT in the trust file) is weaker than the
  verifier (`--require-custody`) or the accepted policy (`settings.report.custody`) asks for.
- POLICY_MISMATCH: the policy id/title/version or a rule's texts in the report are not those of
  the accepted policy document its digest names (a page must never show the device's copy).
- EVIDENCE_MISSING / EVIDENCE_MISMATCH: see verify/rederive.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.policy.model import Policy
from wfhaudit.reasons import Reason
from wfhaudit.trust.enrol import custody_rank
from wfhaudit.trust.keys import TrustedKey
from wfhaudit.util.text import clip
from wfhaudit.verify.rederive import EvidenceProblem, check_report
from wfhaudit.verify.replaymemo import ReplayMemo


class Refusal(Exception):
    """A report rejected by one of these checks."""

    def __init__(self, reason: Reason, detail: str) -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(detail)


def check_replayed(predicate: Mapping[str, Any]) -> None:
    """A report built from recorded evidence is never a live check."""
    source = predicate.get("replayed_from")
    if source is not None:
        raise Refusal(Reason.REPLAYED, f"made from recorded evidence ({clip(str(source), 60)}), "
                                       "not from a live check of the device")


def required_custody(policy: Policy, required: str | None) -> str | None:
    """The stronger of the verifier's and the accepted policy's custody requirement."""
    wanted = [c for c in (required, policy.setting("report", "custody")) if isinstance(c, str)]
    return max(wanted, key=custody_rank) if wanted else None


def check_custody(key: TrustedKey, policy: Policy, required: str | None) -> None:
    """The signing key's custody level must reach what is required."""
    wanted = required_custody(policy, required)
    if wanted is not None and custody_rank(key.custody) < custody_rank(wanted):
        raise Refusal(Reason.CUSTODY_INSUFFICIENT,
                      f"signed with a key in {key.custody} custody; {wanted} custody is required "
                      "(a key the user can read can sign anything)")


def _text_fields(rule: Any, os_family: str) -> dict[str, Any]:
    return {"title": rule.title, "rationale": rule.rationale,
            "references": list(rule.references),
            "remediation": ("", rule.remediation_for(os_family))}


def check_policy_copies(predicate: Mapping[str, Any], policy: Policy, os_family: str) -> None:
    """The report's copies of policy texts must be the accepted document's."""
    block = predicate.get("policy")
    block = block if isinstance(block, Mapping) else {}
    for field in ("id", "version", "title"):
        if block.get(field) != getattr(policy, field):
            raise Refusal(Reason.POLICY_MISMATCH,
                          f"policy.{field} {clip(repr(block.get(field)), 60)} is not the accepted "
                          f"policy's {clip(repr(getattr(policy, field)), 60)}")
    rules = {r.id: r for r in policy.rules}
    for i, finding in enumerate(predicate.get("findings") or ()):
        rule = rules.get(str(finding.get("rule"))) if isinstance(finding, Mapping) else None
        if rule is None:
            raise Refusal(Reason.POLICY_MISMATCH, f"findings[{i}]: no such rule in the "
                                                  "accepted policy")
        for field, want in _text_fields(rule, os_family).items():
            have = finding.get(field, [] if field == "references" else "")
            wrong = have not in want if field == "remediation" else have != want
            if wrong:
                raise Refusal(Reason.POLICY_MISMATCH,
                              f"findings[{i}].{field} of rule {rule.id} is not the accepted "
                              "policy's text")


class ClaimChecks:
    """The checks above with the verifier's options and a replay memo shared across reports."""

    def __init__(self, require_custody: str | None = None, rederive: bool = True,
                 memo_limit: int = 200_000) -> None:
        self.require_custody = require_custody
        self.rederive = rederive
        self.memo = ReplayMemo(memo_limit)

    def check(self, key: TrustedKey, predicate: Mapping[str, Any], policy: Policy,
              os_family: str) -> None:
        """Raise Refusal for the first check that fails (order as in docs/signing.md)."""
        check_custody(key, policy, self.require_custody)
        check_policy_copies(predicate, policy, os_family)
        required = policy.setting("report", "evidence_required", default=False) is True
        if not self.rederive and not required:
            return
        try:
            if self.rederive:
                check_report(predicate, policy.settings, required, self.memo)
            elif predicate.get("evidence") is None:
                raise EvidenceProblem(True, "the accepted policy requires evidence")
        except EvidenceProblem as exc:
            raise Refusal(Reason.EVIDENCE_MISSING if exc.missing else Reason.EVIDENCE_MISMATCH,
                          exc.detail) from None
