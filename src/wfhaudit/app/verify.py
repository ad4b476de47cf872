"""The verify use case: check signed reports against IT's trust file, one result per input."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from wfhaudit.errors import ExitCode
from wfhaudit.reasons import Reason
from wfhaudit.store import open_store
from wfhaudit.trust.draft import DEFAULT_DRAFT, draft_enrolments
from wfhaudit.trust.file import describe
from wfhaudit.util import signals
from wfhaudit.verify import hints
from wfhaudit.verify.inputs import check_specs, iter_inputs
from wfhaudit.verify.result import VerifyResult
from wfhaudit.verify.state import MemoryStore, VerifierStore
from wfhaudit.verify.verifier import Verifier


@dataclass(frozen=True)
class VerifyOptions:
    """What `wfhaudit verify` was asked to do."""

    inputs: Sequence[str]
    trust: Path
    admin_pubkeys: tuple[Path, ...] = ()
    max_age: dt.timedelta = dt.timedelta(days=7)
    db: Path | str | None = None  # a SQLite file or a postgresql:// URL
    require_custody: str | None = None


@dataclass(frozen=True)
class VerifySummary:
    """Counts over every input and the exit code they give."""

    verified: int
    rejected: int
    mismatched: int
    trust: str

    @property
    def exit_code(self) -> ExitCode:
        """0 when every input verified, 4 when any was rejected."""
        return ExitCode.VERIFY_FAILED if self.rejected else ExitCode.OK


def run_verify(opts: VerifyOptions, on_result: Callable[[VerifyResult], None]) -> VerifySummary:
    """Verify every input (same expansion and reading as aggregate), reporting each result.

    A trust file that cannot be used raises TrustError before any input is read.
    """
    check_specs(opts.inputs)
    db = open_store(opts.db) if opts.db else None
    store: VerifierStore = db or MemoryStore()
    ok = bad = mismatched = 0
    try:
        verifier = Verifier.from_files(opts.trust, opts.admin_pubkeys, store=store,
                                       max_age=opts.max_age,
                                       require_custody=opts.require_custody)
        draft: dict[str, str] | None = None
        for path in iter_inputs(opts.inputs):
            result = verifier.verify_file(path)
            if result.reason == Reason.UNKNOWN_KEY.value and result.keyid_hint:
                draft = draft_enrolments(opts.trust) if draft is None else draft
                if result.keyid_hint in draft:
                    result = dataclasses.replace(
                        result, detail=hints.in_draft(result.detail, DEFAULT_DRAFT.name))
            if result.accepted:
                ok += 1
                mismatched += bool(result.warnings)
            else:
                bad += 1
            on_result(result)
        if db is not None:  # one transaction, only once every input was seen
            db.flush()  # waits for the lock; a stop signal still works here
            with signals.deferred():
                db.commit()
    finally:
        store.close()
    return VerifySummary(ok, bad, mismatched, describe(verifier.trust))
