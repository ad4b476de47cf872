"""Verification reason codes (meanings and order in docs/signing.md) and the trust-file error."""

from __future__ import annotations

from enum import Enum

from wfhaudit.errors import TrustFileError


class Reason(str, Enum):
    """One machine-readable outcome per verified input; VERIFIED is the only acceptance."""

    VERIFIED = "VERIFIED"
    TOO_LARGE = "TOO_LARGE"
    ENVELOPE_MALFORMED = "ENVELOPE_MALFORMED"
    SIGNATURE_COUNT = "SIGNATURE_COUNT"
    PAYLOAD_TYPE_UNSUPPORTED = "PAYLOAD_TYPE_UNSUPPORTED"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    PAYLOAD_MALFORMED = "PAYLOAD_MALFORMED"
    STATEMENT_INVALID = "STATEMENT_INVALID"
    PREDICATE_TYPE_UNSUPPORTED = "PREDICATE_TYPE_UNSUPPORTED"
    SCHEMA_INVALID = "SCHEMA_INVALID"
    SUBJECT_KEY_MISMATCH = "SUBJECT_KEY_MISMATCH"
    KEY_NOT_YET_VALID = "KEY_NOT_YET_VALID"
    KEY_EXPIRED = "KEY_EXPIRED"
    KEY_REVOKED = "KEY_REVOKED"
    POLICY_MISMATCH = "POLICY_MISMATCH"
    TOOL_VERSION_REJECTED = "TOOL_VERSION_REJECTED"
    NONCE_MISSING = "NONCE_MISSING"
    NONCE_UNKNOWN = "NONCE_UNKNOWN"
    STALE = "STALE"
    FROM_FUTURE = "FROM_FUTURE"
    SEQUENCE_ROLLBACK = "SEQUENCE_ROLLBACK"
    DUPLICATE = "DUPLICATE"
    UNSIGNED = "UNSIGNED"
    # What the signature alone cannot vouch for (docs/signing.md, "What a signature proves").
    REPLAYED = "REPLAYED"
    CUSTODY_INSUFFICIENT = "CUSTODY_INSUFFICIENT"
    EVIDENCE_MISSING = "EVIDENCE_MISSING"
    EVIDENCE_MISMATCH = "EVIDENCE_MISMATCH"
    CPU_LIMIT = "CPU_LIMIT"
    # Fatal: the trust file cannot be used, so nothing is verified.
    TRUST_UNTRUSTED = "TRUST_UNTRUSTED"
    TRUST_EXPIRED = "TRUST_EXPIRED"
    TRUST_ROLLBACK = "TRUST_ROLLBACK"
    TRUST_INVALID = "TRUST_INVALID"
    # Non-fatal warning on an accepted report: the device's own verdict disagrees with ours.
    VERDICT_MISMATCH = "VERDICT_MISMATCH"


class TrustError(TrustFileError):
    """The trust file is unusable; carries the TRUST_* reason code (exit code 3)."""

    def __init__(self, reason: Reason, message: str) -> None:
        self.reason = reason
        super().__init__(f"{reason.value}: {message}")
