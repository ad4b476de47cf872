"""Evidence: every command, file, snapshot and measurement a run saw, recorded or replayed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.errors import EvidenceError
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.host.session import SessionUser

EVIDENCE_FORMAT = "wfhaudit-evidence/1"


@dataclass(frozen=True)
class CommandResult:
    """What one command did: exit status and output, or why it could not run."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str = ""
    stderr: str = ""
    duration_ms: int = 0
    # not_found | timeout | permission_denied | not_recorded | os_error | output_limit | interrupted
    error: str | None = None
    user: str | None = None  # set when run as the invoking desktop user, e.g. 'alice (uid 1000)'
    output_cap: int | None = None  # bytes per stream; set when the output was cut there

    @property
    def ok(self) -> bool:
        """True when the command ran and exited 0."""
        return self.error is None and self.returncode == 0

    @property
    def source(self) -> str:
        """The argv as one string, used as a fact's evidence source."""
        return " ".join(self.argv)

    def failure(self) -> str:
        """One-line reason this command gave no usable output (for an UNKNOWN fact)."""
        name = self.argv[0] if self.argv else "?"
        if self.error == "not_found":
            return f"{name} is not installed"
        if self.error == "timeout":
            return f"{name} did not answer in time"
        if self.error == "permission_denied":
            return f"{name} could not be run (permission denied)"
        if self.error == "not_recorded":
            return f"`{self.source}` is not in the recorded evidence"
        if self.error == "output_limit":
            return (f"`{self.source}` printed more than {self.output_cap or 0:,} bytes; "
                    "wfhaudit stopped reading and ended it")
        if self.error == "interrupted":
            return f"{name} was stopped (wfhaudit was interrupted or the probe ran out of time)"
        if self.error:
            return f"{name} could not be run ({self.error})"
        excerpt = (self.stderr or self.stdout).strip().splitlines()
        tail = f": {excerpt[0][:160]}" if excerpt else ""
        return f"`{self.source}` exited with status {self.returncode}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """Serialise for the evidence bundle."""
        out = {"argv": list(self.argv), "returncode": self.returncode, "stdout": self.stdout,
               "stderr": self.stderr, "duration_ms": self.duration_ms, "error": self.error}
        if self.user is not None:
            out["user"] = self.user
        if self.output_cap is not None:
            out["output_cap"] = self.output_cap
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CommandResult:
        """Rebuild from the evidence bundle; raises EvidenceError on malformed entries."""
        try:
            argv = tuple(str(a) for a in d["argv"])
            rc = d.get("returncode")
            if rc is not None and not isinstance(rc, int):
                raise TypeError("returncode")
            user = d.get("user")
            cap = d.get("output_cap")
            if cap is not None and type(cap) is not int:
                raise TypeError("output_cap")
            return cls(argv, rc, str(d.get("stdout") or ""), str(d.get("stderr") or ""),
                       int(d.get("duration_ms") or 0), d.get("error"),
                       None if user is None else str(user), cap)
        except (KeyError, TypeError, ValueError) as exc:
            raise EvidenceError(f"malformed command entry in evidence: {exc}") from exc


@dataclass
class Evidence:
    """The evidence bundle: every command, file, snapshot and measurement a run touched."""

    os: OsInfo
    commands: list[CommandResult] = field(default_factory=list)
    files: dict[str, str | None] = field(default_factory=dict)
    dirs: dict[str, list[str] | None] = field(default_factory=dict)
    snapshots: dict[str, Any] = field(default_factory=dict)
    measurements: dict[str, Any] = field(default_factory=dict)
    session: SessionUser | None = None

    def to_dict(self) -> dict[str, Any]:
        """Serialise in the wfhaudit-evidence/1 format."""
        out = {"format": EVIDENCE_FORMAT, "os": self.os.to_dict(),
               "commands": [c.to_dict() for c in self.commands],
               "files": dict(sorted(self.files.items())),
               "dirs": dict(sorted(self.dirs.items())),
               "snapshots": dict(sorted(self.snapshots.items())),
               "measurements": dict(sorted(self.measurements.items()))}
        return out if self.session is None else {**out, "session": self.session.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> Evidence:
        """Parse a bundle; raises EvidenceError with the problem on bad input."""
        if not isinstance(data, dict) or data.get("format") != EVIDENCE_FORMAT:
            raise EvidenceError(f"not an evidence bundle (format must be {EVIDENCE_FORMAT!r})")
        try:
            os_info = OsInfo.from_dict(data["os"])
            commands = [CommandResult.from_dict(c) for c in data.get("commands", [])]
            files = {str(k): (None if v is None else str(v))
                     for k, v in dict(data.get("files", {})).items()}
            dirs = {str(k): (None if v is None else [str(x) for x in v])
                    for k, v in dict(data.get("dirs", {})).items()}
            snaps = dict(data.get("snapshots", {}))
            meas = dict(data.get("measurements", {}))
            session = SessionUser.from_dict(data["session"]) if data.get("session") else None
        except (KeyError, TypeError, ValueError) as exc:
            raise EvidenceError(f"malformed evidence bundle: {exc}") from exc
        return cls(os_info, commands, files, dirs, snaps, meas, session)
