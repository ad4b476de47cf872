"""A throughput measurement in a daemon thread: stages on the probe's clock, state readable any time.

Shared by speedtest-cli (speed.py) and the company's own endpoint (endpoint.py). The
orchestrator sets `go` when the idle UDP probes are done and `stop` at the deadline; every
failure is kept as data (stage, type, message) for an UNKNOWN's reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from wfhaudit.probes.network.clock import Clock

MIN_PHASE_S = 0.5


class StopEvent(threading.Event):
    """A threading.Event that also answers speedtest-cli's deprecated isSet() quietly."""

    def isSet(self) -> bool:
        """Same as is_set(), without the DeprecationWarning of threading.Event.isSet."""
        return self.is_set()


class Stopped(Exception):
    """The orchestrator set the stop event."""


class NoTime(Exception):
    """Not enough time left for a transfer phase."""


class StagedWorker:
    """Runs _steps() in a thread; subclasses record their results with _set()."""

    thread_name = "wfh-network-worker"
    label = "the throughput test"

    def __init__(self, clock: Clock, transfer_budget: Callable[[], float],
                 rtt_hint: Callable[[], float | None], raw: dict[str, Any]) -> None:
        self.clock = clock
        self.go = threading.Event()
        self.stop = StopEvent()
        self._budget = transfer_budget
        self._rtt_hint = rtt_hint
        self._lock = threading.Lock()
        self._raw: dict[str, Any] = {**raw, "stages": [], "download": None, "upload": None,
                                     "error": None, "deadline_hit": False}
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    @property
    def finished(self) -> bool:
        """True once the worker has stopped (success or error)."""
        return not self._thread.is_alive()

    @property
    def stage(self) -> str:
        """The stage the worker is in (or ended in)."""
        with self._lock:
            stages = self._raw["stages"]
            return str(stages[-1][0]) if stages else "import"

    def join(self, timeout: float) -> None:
        """Wait for the worker at most timeout seconds."""
        self._thread.join(max(0.0, timeout))

    def snapshot(self, deadline_hit: bool = False) -> dict[str, Any]:
        """The raw record so far (a deep-enough copy to serialise while the thread runs)."""
        with self._lock:
            out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self._raw.items()}
            out["stages"] = [list(s) for s in self._raw["stages"]]
            if deadline_hit and not self.finished:
                out["deadline_hit"] = True
            return out

    def _enter(self, stage: str) -> None:
        now = round(self.clock.now(), 6)
        with self._lock:
            if self._raw["stages"] and self._raw["stages"][-1][2] is None:
                self._raw["stages"][-1][2] = now
            self._raw["stages"].append([stage, now, None if stage != "done" else now])

    def _set(self, key: str, value: Any) -> None:
        with self._lock:
            self._raw[key] = value

    def _get(self, key: str) -> Any:
        with self._lock:
            return self._raw.get(key)

    def _run(self) -> None:
        try:
            self._steps()
            self._enter("done")
        except Stopped:
            pass
        except Exception as exc:  # every failure is data: it becomes an UNKNOWN's reason
            self._set("error", {"stage": self.stage, "type": type(exc).__name__,
                                "message": self.describe(exc)[:300]})

    def _steps(self) -> None:
        raise NotImplementedError

    def describe(self, exc: BaseException) -> str:
        """The exception as one readable line."""
        return str(exc).strip() or type(exc).__name__

    def _wait_for_go(self) -> None:
        self._enter("waiting")
        while not self.go.wait(0.05):
            if self.stop.is_set():
                raise Stopped

    def _phase_length(self, phase: str, max_seconds: float) -> float:
        """Seconds for this phase: half the allowance, within what the deadline leaves."""
        budget = self._budget()
        share = budget if phase == "upload" else budget / 2
        length = min(max_seconds / 2, share)
        if self.stop.is_set() or length < MIN_PHASE_S:
            raise NoTime(f"only {max(budget, 0):.1f} s were left before the deadline for the "
                         f"{phase}")
        return length
