"""A CPU-time limit per report, so one input can never stall a verify or aggregate run.

A profiling timer (CPU time of this process) raises `CpuLimitExceeded` in the main thread once
the budget is spent. It derives from BaseException so that no `except Exception` in a probe or
parser swallows it. Python code is interrupted at once; a long call inside C (a regular
expression match) is interrupted when it returns, which is why policy patterns are checked when
the policy loads (policy/regex_guard.py) and fact strings are capped at 4 KiB. Where there is
no such timer (Windows) or outside the main thread, the time is checked after the report.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

DEFAULT_CPU_LIMIT_S = 2.0


class CpuLimitExceeded(BaseException):
    """The report used up its CPU time."""


def _expired(signum: int, frame: FrameType | None) -> None:
    raise CpuLimitExceeded


def _can_time() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def cpu_limit(seconds: float | None) -> Iterator[None]:
    """Raise CpuLimitExceeded inside the block once it used `seconds` of CPU time."""
    if not seconds:
        yield
        return
    if not _can_time():
        start = time.process_time()
        yield
        if time.process_time() - start > seconds:
            raise CpuLimitExceeded
        return
    previous = signal.signal(signal.SIGPROF, _expired)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)
