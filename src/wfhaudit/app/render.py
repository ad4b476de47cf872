"""Verify a report envelope with the signing package's verifier before rendering it.

The bytes are read once; a verified page is rendered from the predicate the verifier parsed
out of those same verified bytes (known fields only), never from a second read of the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wfhaudit.policy.model import Policy
from wfhaudit.report.html.render import LoadedReport, SignatureStatus
from wfhaudit.report.model import Report
from wfhaudit.util.files import read_bytes
from wfhaudit.verify.verifier import Verifier

# Rendering judges authenticity; freshness is the verify/aggregate pipeline's question unless
# --max-age is given.
NO_AGE_LIMIT = dt.timedelta(days=365 * 100)


def verify_for_render(report: Path, trust: Path, admin_pubkeys: Sequence[Path] = (),
                      max_age: dt.timedelta | None = None) -> tuple[LoadedReport, SignatureStatus]:
    """The report as verified (or rejected) against the trust file, and what the page says."""
    verifier = Verifier.from_files(trust, tuple(admin_pubkeys), max_age=max_age or NO_AGE_LIMIT)
    data = read_bytes(report, "report")
    result = verifier.verify(data, str(report))
    file_digest = hashlib.sha256(data).hexdigest()
    if not result.accepted or result.predicate is None:
        status = SignatureStatus(rejected=True, reason=result.reason,
                                 detail=result.detail or "the verifier rejected this report",
                                 trust_file=trust.name, trust_version=result.trust_version)
        return LoadedReport(report.name, file_digest, "DSSE envelope", {}), status
    age = "" if max_age else "; freshness was not judged (no --max-age)"
    detail = (f"Signed by the key enrolled for {result.device_id} in the trust file (custody "
              f"{result.custody}); payload SHA-256 {result.payload_sha256}{age}")
    key = verifier.trust.keys.get(result.keyid_hint or "")
    status = SignatureStatus(verified=True, key=result.keyid_hint, device=result.device_id,
                             owner=key.owner if key is not None else None, trust_file=trust.name,
                             trust_version=result.trust_version, detail=detail,
                             verifier_verdict=result.verdict, warnings=tuple(result.warnings),
                             warning_detail=result.detail)
    predicate = dict(result.predicate)
    policy = verifier.policy(result.policy_digest or "")
    if policy is not None:
        predicate = accepted_texts(predicate, policy)
    # Through the typed model: members the format does not define are dropped at every level.
    shown = Report.from_dict(predicate).to_dict()
    return LoadedReport(report.name, file_digest, "DSSE envelope", shown), status


def accepted_texts(predicate: dict[str, Any], policy: Policy) -> dict[str, Any]:
    """The predicate with every policy text taken from the accepted policy document.

    The verifier already refused reports whose copies differ (POLICY_MISMATCH); the page still
    reads id, title, version and rule texts from the accepted document, not from the report.
    """
    rules = {r.id: r for r in policy.rules}
    os_family = str((predicate.get("os") or {}).get("family", ""))
    findings = []
    for finding in predicate.get("findings") or ():
        rule = rules[finding["rule"]]
        findings.append({**finding, "title": rule.title, "rationale": rule.rationale,
                         "references": list(rule.references),
                         "remediation": rule.remediation_for(os_family)
                         if finding.get("remediation") else ""})
    return {**predicate, "findings": findings,
            "policy": {**predicate["policy"], "id": policy.id, "title": policy.title,
                       "version": policy.version}}
