"""Verify a report envelope with the signing package's verifier before rendering it.

The bytes are read once; a verified page is rendered from the predicate the verifier parsed
out of those same verified bytes (known fields only), never from a second read of the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path

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
    detail = (f"Signed by the key enrolled for {result.device_id} in the trust file; "
              f"payload SHA-256 {result.payload_sha256}{age}")
    status = SignatureStatus(verified=True, key=result.keyid_hint, trust_file=trust.name,
                             trust_version=result.trust_version, detail=detail,
                             verifier_verdict=result.verdict, warnings=tuple(result.warnings),
                             warning_detail=result.detail)
    # Through the typed model: members the format does not define are dropped at every level.
    shown = Report.from_dict(result.predicate).to_dict()
    return LoadedReport(report.name, file_digest, "DSSE envelope", shown), status
