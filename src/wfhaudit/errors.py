"""Error tree with user-facing diagnostics, and the one enum of exit codes."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes; each value is pinned by a test and documented in the README."""

    OK = 0
    NOT_READY = 1
    USAGE = 2
    INVALID_INPUT = 3
    VERIFY_FAILED = 4
    INTERNAL = 70
    INTERRUPTED = 130  # SIGINT (Ctrl-C): 128 + signal number, as shells report it
    TERMINATED = 143  # SIGTERM


class WfhauditError(Exception):
    """Base of every error the CLI shows as a one-line diagnostic instead of a traceback."""

    exit_code: ExitCode = ExitCode.INTERNAL

    def diagnostics(self) -> str:
        """Return the text shown to the user (one line unless several problems are listed)."""
        return str(self)


class InvalidInputError(WfhauditError):
    """A file the user gave us (policy, report, key, trust file, evidence) is unusable."""

    exit_code = ExitCode.INVALID_INPUT


class StorageError(InvalidInputError):
    """A file or folder wfhaudit must write cannot be (disk full, read-only, no permission)."""


class PolicyError(InvalidInputError):
    """A policy could not be read, parsed or validated; carries every problem found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class EvidenceError(InvalidInputError):
    """An evidence bundle or report given to --replay/evaluate is malformed."""


class ReportError(InvalidInputError):
    """A report file is malformed or schema-invalid."""


class KeyFileError(InvalidInputError):
    """A key file is missing, unreadable, unsafe or of the wrong type."""


class TrustFileError(InvalidInputError):
    """The trust file is unusable (bad signature, expired, malformed)."""


class VerificationFailed(WfhauditError):
    """At least one report was rejected by verification."""

    exit_code = ExitCode.VERIFY_FAILED


class UsageError(WfhauditError):
    """A combination of options that cannot work together, found after click parsing."""

    exit_code = ExitCode.USAGE
