"""Run one command so that it cannot hold wfhaudit up, flood its memory or outlive it.

Every command starts in its own process group (`start_new_session`). Its output is read by
two threads, at most `MAX_OUTPUT_BYTES` per stream: past that, reading stops and the group is
killed. When its time is up, when the probe that started it runs out of budget
(`stop_commands_of`) or when wfhaudit is stopped (`kill_all`, run on SIGINT/SIGTERM and at
exit), its whole group is killed. Stragglers a command leaves in its group are killed when it
exits. On POSIX a small reaper process (`wfhaudit.host.reaper`) also kills the groups still
running if wfhaudit dies without any chance to clean up (SIGKILL).
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from wfhaudit.host import reaper
from wfhaudit.util import signals

MAX_OUTPUT_BYTES = 2_000_000
_CHUNK = 65536
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a command did: exit status (None when killed), output bytes, and why it was cut."""

    returncode: int | None
    stdout: bytes
    stderr: bytes
    error: str | None = None  # timeout | output_limit | interrupted
    over_stdout: bool = False
    over_stderr: bool = False


class _Registry:
    """The running commands of this process, and the reaper that outlives none of them."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.procs: dict[int, tuple[subprocess.Popen[bytes], threading.Thread]] = {}
        self.stopped_threads: set[threading.Thread] = set()
        self.stopped: set[int] = set()  # commands killed by kill_all or stop_thread
        self.closing = False
        self.reaper: subprocess.Popen[bytes] | None = None
        self.reaper_pid_owner = 0
        self.hooks_installed = False

    def start(self, argv: Sequence[str], how: Mapping[str, Any]) -> subprocess.Popen[bytes] | None:
        """Start argv in a new session and register it; None when commands may not start.

        `how` holds the Popen keywords that set the environment (and, for a command run as the
        desktop user, the user, groups and working folder).
        """
        thread = threading.current_thread()
        with self.lock:
            if self.closing or thread in self.stopped_threads:
                return None
            self._install_hooks()
            proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, start_new_session=True, **how)
            self.procs[proc.pid] = (proc, thread)
            self._tell_reaper(f"+{proc.pid}\n")
            return proc

    def forget(self, proc: subprocess.Popen[bytes]) -> bool:
        """The command and its group are gone; True when wfhaudit stopped it."""
        with self.lock:
            if self.procs.pop(proc.pid, None) is not None:
                self._tell_reaper(f"-{proc.pid}\n")
            stopped = proc.pid in self.stopped
            self.stopped.discard(proc.pid)
            return stopped

    def kill_all(self) -> None:
        """Kill every running command's group; no new command starts afterwards."""
        with self.lock:
            self.closing = True
            for proc, _ in list(self.procs.values()):
                self.stopped.add(proc.pid)
                _kill_group(proc)

    def stop_thread(self, thread: threading.Thread) -> None:
        """Kill the groups started by a thread (a probe past its budget) and refuse new ones."""
        with self.lock:
            self.stopped_threads.add(thread)
            for proc, owner in list(self.procs.values()):
                if owner == thread:
                    self.stopped.add(proc.pid)
                    _kill_group(proc)

    def _install_hooks(self) -> None:
        if not self.hooks_installed:
            atexit.register(self.kill_all)
            signals.on_interrupt(self.kill_all)
            self.hooks_installed = True
        if os.name == "posix" and self.reaper_pid_owner != os.getpid():
            self.reaper_pid_owner = os.getpid()
            self.reaper = _start_reaper()

    def _tell_reaper(self, line: str) -> None:
        if self.reaper is None or self.reaper.stdin is None:
            return
        try:
            self.reaper.stdin.write(line.encode("ascii"))
            self.reaper.stdin.flush()
        except OSError:  # the reaper is gone: the in-process kills still apply
            self.reaper = None


def _start_reaper() -> subprocess.Popen[bytes] | None:
    if not sys.executable or not os.path.exists(reaper.__file__):
        return None
    try:
        return subprocess.Popen([sys.executable, "-I", "-S", reaper.__file__],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError as exc:
        log.debug("no reaper process (%s): commands are still killed at exit and on signals", exc)
        return None


_REGISTRY = _Registry()


def kill_all() -> None:
    """Kill every command this process started that is still running."""
    _REGISTRY.kill_all()


def stop_commands_of(thread: threading.Thread) -> None:
    """Kill the commands a thread started and refuse it new ones (its budget has ended)."""
    _REGISTRY.stop_thread(thread)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        proc.kill()


class _Reader(threading.Thread):
    """Reads one pipe up to the cap, then stops (and says so); closes the pipe when done."""

    def __init__(self, pipe: IO[bytes], cap: int, over: threading.Event) -> None:
        super().__init__(daemon=True, name="command-output")
        self.pipe, self.cap, self.over = pipe, cap, over
        self.data = bytearray()
        self.exceeded = False
        self.start()

    def run(self) -> None:
        fd = self.pipe.fileno()
        try:
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    return
                room = self.cap - len(self.data)
                self.data += chunk[:room]
                if len(chunk) > room:
                    self.exceeded = True
                    self.over.set()
                    return
        except OSError:
            return
        finally:
            self.pipe.close()


def _exited(proc: subprocess.Popen[bytes]) -> bool:
    """True once the command has exited.

    Where the OS allows it the exit is not collected yet, so the process group id cannot be
    reused before the stragglers are killed.
    """
    waitid = getattr(os, "waitid", None)
    if waitid is None:
        return proc.poll() is not None
    try:
        return waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None
    except ChildProcessError:
        return True


def _wait(proc: subprocess.Popen[bytes], deadline: float, over: threading.Event) -> bool:
    """Wait for the command to exit by the deadline; False when it timed out or printed too much."""
    delay = 0.0005
    while not _exited(proc):
        remaining = deadline - time.monotonic()
        if over.is_set() or remaining <= 0:
            return False
        over.wait(min(delay, remaining))
        delay = min(delay * 2, 0.05)
    return True


def run_bounded(argv: Sequence[str], how: Mapping[str, Any], timeout: float,
                cap: int = MAX_OUTPUT_BYTES) -> Outcome:
    """Run argv (argv[0] an absolute path) as described in the module docstring.

    Raises OSError (PermissionError included) when the program cannot be started.
    """
    proc = _REGISTRY.start(argv, how)
    if proc is None:
        return Outcome(None, b"", b"", "interrupted")
    assert proc.stdout is not None and proc.stderr is not None  # noqa: S101 - PIPE above
    over = threading.Event()
    readers = (_Reader(proc.stdout, cap, over), _Reader(proc.stderr, cap, over))
    deadline = time.monotonic() + timeout
    try:
        finished = _wait(proc, deadline, over)
        _kill_group(proc)  # a timed-out command, or what a finished one left in its group
        proc.wait()
        for reader in readers:
            reader.join(max(0.2, min(2.0, deadline - time.monotonic())))
    finally:
        stopped = _REGISTRY.forget(proc)
    out, err = readers
    error = None
    if out.exceeded or err.exceeded:
        error = "output_limit"
    elif stopped:
        error = "interrupted"
    elif not finished:
        error = "timeout"
    return Outcome(None if error else proc.returncode, bytes(out.data), bytes(err.data), error,
                   out.exceeded, err.exceeded)
