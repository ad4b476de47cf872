"""SIGINT and SIGTERM end a command cleanly: children killed, temp files removed, exit 130/143.

`install()` (called once by the command line) turns the first SIGINT or SIGTERM into an
`Interrupted` exception raised in the main thread, so every `finally` and `except
BaseException` on the way out runs (temp files are removed, database transactions rolled
back). Before raising, the callbacks given to `on_interrupt` run: they kill the process groups
of running commands, which would otherwise keep their probe threads (and the exit) waiting.
Inside `deferred()` a signal only takes effect when the block ends, for steps that must finish
together (renaming outputs and committing the database). A second signal outside such a block
ends the process at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType

from wfhaudit.errors import ExitCode

_CODES = {signal.SIGINT: ExitCode.INTERRUPTED, signal.SIGTERM: ExitCode.TERMINATED}
_callbacks: list[Callable[[], None]] = []
_lock = threading.RLock()
_state = {"installed": False, "raised": False, "deferring": 0, "pending": 0}


class Interrupted(KeyboardInterrupt):
    """The command was asked to stop by SIGINT or SIGTERM; carries the exit code to use."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = _CODES.get(signal.Signals(signum), ExitCode.INTERRUPTED)
        super().__init__(signal.Signals(signum).name)


def on_interrupt(callback: Callable[[], None]) -> None:
    """Run callback (quick, no I/O waits) when a stop signal arrives, before unwinding."""
    with _lock:
        if callback not in _callbacks:
            _callbacks.append(callback)


def run_callbacks() -> None:
    """Run every registered callback now (also used at normal exit)."""
    with _lock:
        callbacks = list(_callbacks)
    for callback in callbacks:
        with contextlib.suppress(Exception):
            callback()


def _handler(signum: int, frame: FrameType | None) -> None:
    if _state["deferring"]:
        _state["pending"] = _state["pending"] or signum
        return
    run_callbacks()
    if _state["raised"]:
        # Already unwinding after a first signal: a second one means "stop now".
        os._exit(int(_CODES.get(signal.Signals(signum), ExitCode.INTERRUPTED)))
    _state["raised"] = True
    raise Interrupted(signum)


def install() -> None:
    """Handle SIGINT and SIGTERM as described above (main thread only; idempotent)."""
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return
    for signum in _CODES:
        signal.signal(signum, _handler)
    _state["installed"] = True


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM until the block ends (keep the block short)."""
    _state["deferring"] += 1
    try:
        yield
    finally:
        _state["deferring"] -= 1
        pending = _state["pending"]
        if pending and not _state["deferring"]:
            _state["pending"] = 0
            _handler(pending, None)
