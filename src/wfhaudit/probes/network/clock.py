"""The probe's clocks and the running RTT estimate shared between the stream and speedtest."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """Probe start on three clocks, all taken at the same instant.

    Samples use perf_counter (high resolution everywhere; time.time() ticks in 15.6 ms steps
    on some Windows builds), deadlines the monotonic clock, and kernel receive timestamps
    (CLOCK_REALTIME) are mapped onto the sample scale through wall0.
    """

    wall0: float
    mono0: float
    perf0: float

    @classmethod
    def start(cls) -> Clock:
        """Now."""
        return cls(time.time(), time.monotonic(), time.perf_counter())

    def now(self) -> float:
        """Seconds since the probe started, for samples."""
        return time.perf_counter() - self.perf0

    def from_wall(self, wall: float) -> float:
        """A wall-clock instant (e.g. a kernel timestamp) on the sample scale."""
        return wall - self.wall0

    def elapsed(self) -> float:
        """Seconds since the probe started (monotonic, for deadlines)."""
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
