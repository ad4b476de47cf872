"""The probe's clocks and the running RTT estimate shared between the stream and speedtest."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Probe start on both clocks: samples use wall-clock offsets, deadlines the monotonic one."""

    wall0: float
    mono0: float

    @classmethod
    def start(cls) -> Clock:
        """Now."""
        return cls(time.time(), time.monotonic())

    def now(self) -> float:
        """Seconds since the probe started (wall clock, same base as kernel timestamps)."""
        return time.time() - self.wall0

    def elapsed(self) -> float:
        """Seconds since the probe started (monotonic)."""
        return time.monotonic() - self.mono0


class LiveRtt:
    """Recent round trips while the stream runs, for sizing the uploads (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._recent: list[float] = []

    def add(self, ms: float) -> None:
        """Record one round trip in ms (keeps the last 100)."""
        with self._lock:
            self._recent = [*self._recent[-99:], ms]

    def median_ms(self) -> float | None:
        """Median of the recent round trips, None before the first reply."""
        with self._lock:
            ordered = sorted(self._recent)
        return ordered[len(ordered) // 2] if ordered else None
