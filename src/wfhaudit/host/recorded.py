"""RecordedHost: replays an evidence bundle; anything not in it is 'not recorded'."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from typing import Any

from wfhaudit.host.evidence import CommandResult, Evidence


class RecordedHost:
    """Replays an evidence bundle; anything not in it is 'not recorded', never invented."""

    is_live = False

    def __init__(self, evidence: Evidence) -> None:
        self.os = evidence.os
        self.session = evidence.session
        self.evidence = evidence
        self._queues: dict[tuple[str, ...], deque[CommandResult]] = defaultdict(deque)
        self._last: dict[tuple[str, ...], CommandResult] = {}
        self._lock = threading.Lock()
        for cmd in evidence.commands:
            self._queues[cmd.argv].append(cmd)

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None,
            as_user: int | None = None) -> CommandResult:
        """Return the recorded result for this exact argv (recorded output is already scrubbed)."""
        key = tuple(argv)
        with self._lock:
            queue = self._queues.get(key)
            if queue:
                self._last[key] = queue.popleft()
            result = self._last.get(key)
        return result or CommandResult(key, None, error="not_recorded")

    def read_file(self, path: str) -> str | None:
        """Return the recorded file content (None when absent or not recorded)."""
        return self.evidence.files.get(path)

    def list_dir(self, path: str) -> list[str] | None:
        """Return the recorded directory listing."""
        return self.evidence.dirs.get(path)

    def snapshot(self, name: str) -> Any:
        """Return the recorded snapshot, or None."""
        return self.evidence.snapshots.get(name)

    def measure(self, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """Return the recorded measurement; never runs fn."""
        value = self.evidence.measurements.get(name)
        return value if isinstance(value, dict) else None
