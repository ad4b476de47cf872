"""The one door to the machine: LiveHost runs and records, RecordedHost replays an evidence bundle.

`Host` is what a probe may touch; `live.py` and `recorded.py` are its two implementations and
`evidence.py` the bundle both speak. Only this package starts processes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from wfhaudit.host.evidence import EVIDENCE_FORMAT, CommandResult, Evidence
from wfhaudit.host.live import TRUSTED_PATH, LiveHost, decode_output
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.host.recorded import RecordedHost
from wfhaudit.host.session import SessionUser

__all__ = ["EVIDENCE_FORMAT", "TRUSTED_PATH", "CommandResult", "Evidence", "Host", "LiveHost",
           "RecordedHost", "decode_output"]


class Host(Protocol):
    """Everything a probe may touch on a machine; every call is evidence."""

    os: OsInfo
    session: SessionUser | None  # the desktop user a root run acts for (sudo/pkexec)

    @property
    def is_live(self) -> bool:
        """True when talking to the real machine, False when replaying."""
        ...

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None,
            as_user: int | None = None) -> CommandResult:
        """Run argv (no shell) with a timeout; failures come back as data.

        `scrub` rewrites stdout and stderr before anything is recorded or returned (for output
        that names private things such as Wi-Fi networks). `as_user` (the session's uid) runs
        the command as that user, in its session environment.
        """
        ...

    def read_file(self, path: str) -> str | None:
        """Return a text file's content, or None when absent or unreadable."""
        ...

    def list_dir(self, path: str) -> list[str] | None:
        """Return sorted entry names of a directory, or None when absent."""
        ...

    def snapshot(self, name: str) -> Any:
        """Return a named psutil snapshot (see wfhaudit.host.snapshots), or None if unavailable."""
        ...

    def measure(self, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """Live: run a measurement and record its raw result. Replay: return the recording."""
        ...
