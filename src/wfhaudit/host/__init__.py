"""The one door to the machine: LiveHost runs and records, RecordedHost replays an evidence bundle."""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from wfhaudit.errors import EvidenceError
from wfhaudit.host.platform_info import OsInfo, current_os_info
from wfhaudit.host.runner import MAX_OUTPUT_BYTES, run_bounded
from wfhaudit.host.session import SessionUser
from wfhaudit.host.snapshots import take_snapshot

EVIDENCE_FORMAT = "wfhaudit-evidence/1"
MAX_FILE_CHARS = 1_000_000

# Commands are looked up only here, never on the user's PATH, so a planted `ufw` in ~/bin
# cannot answer for the real one.
TRUSTED_PATH = {
    "linux": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "macos": "/usr/sbin:/usr/bin:/sbin:/bin:/usr/libexec",
    "windows": r"C:\Windows\System32;C:\Windows;C:\Windows\System32\WindowsPowerShell\v1.0",
}
# Variables a child may need to find its session (audio server, D-Bus, Windows system dirs).
ENV_PASSTHROUGH = ("HOME", "USER", "XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_RUNTIME_PATH",
                   "DBUS_SESSION_BUS_ADDRESS", "SYSTEMROOT", "WINDIR", "USERPROFILE", "TEMP",
                   "TMP", "PIPEWIRE_RUNTIME_DIR")


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


def decode_output(raw: bytes, fallback: str | None = None) -> str:
    """Command output as text: UTF-8, else (Windows) the console's OEM code page.

    Windows tools such as manage-bde and netsh write piped output in the OEM code page
    (850 for German, 932 for Japanese, 936 for Chinese); read as UTF-8 it would lose every
    non-ASCII letter, and with them the localized labels the probes parse.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        codec = fallback or ("oem" if os.name == "nt" else None)
        return raw.decode(codec or "utf-8", "replace")


def _text(raw: bytes, cap: int | None) -> str:
    text = decode_output(raw)
    return text + "\n[truncated by wfhaudit]" if cap is not None and len(raw) >= cap else text


class LiveHost:
    """Talks to this machine and records every call into an Evidence bundle."""

    is_live = True

    def __init__(self, os_info: OsInfo | None = None,
                 env: Mapping[str, str] | None = None,
                 session: SessionUser | None = None) -> None:
        self.os = os_info or current_os_info()
        self.session = session
        self.evidence = Evidence(self.os, session=session)
        self._lock = threading.Lock()
        base = os.environ if env is None else env
        self._env = {k: v for k, v in base.items() if k in ENV_PASSTHROUGH}
        self._env.update({"PATH": TRUSTED_PATH.get(self.os.family, TRUSTED_PATH["linux"]),
                          "LC_ALL": "C", "LANG": "C", "LANGUAGE": "C"})

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None,
            as_user: int | None = None) -> CommandResult:
        """Run argv with a fixed locale and trusted PATH; record the (scrubbed) result."""
        argv_t = tuple(argv)
        session = self.session
        user = session if session is not None and as_user == session.uid else None
        result = self._execute(argv_t, timeout, user)
        if user is not None:
            result = dataclasses.replace(result, user=user.describe())
        if scrub is not None:
            result = dataclasses.replace(result, stdout=scrub(result.stdout),
                                         stderr=scrub(result.stderr))
        with self._lock:
            self.evidence.commands.append(result)
        return result

    def _execute(self, argv: tuple[str, ...], timeout: float,
                 user: SessionUser | None = None) -> CommandResult:
        start = time.monotonic()

        def done(rc: int | None, error: str | None = None, out: bytes = b"", err: bytes = b"",
                 cap: int | None = None) -> CommandResult:
            ms = int((time.monotonic() - start) * 1000)
            return CommandResult(argv, rc, _text(out, cap), _text(err, cap), ms, error,
                                 output_cap=cap)

        exe = argv[0] if os.path.isabs(argv[0]) else shutil.which(argv[0], path=self._env["PATH"])
        if exe is None or not os.path.exists(exe):
            return done(None, "not_found")
        how: dict[str, Any] = {"env": self._env} if user is None else user.popen_options(self._env)
        try:
            outcome = run_bounded([exe, *argv[1:]], how, timeout)
        except PermissionError:
            return done(None, "permission_denied")
        except OSError as exc:
            return done(None, f"os_error: {exc.strerror or exc}")
        return done(outcome.returncode, outcome.error, outcome.stdout, outcome.stderr,
                    MAX_OUTPUT_BYTES if outcome.over_stdout or outcome.over_stderr else None)

    def read_file(self, path: str) -> str | None:
        """Read a text file (bounded); record its content or None."""
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                content: str | None = fh.read(MAX_FILE_CHARS)
        except OSError:
            content = None
        with self._lock:
            self.evidence.files[path] = content
        return content

    def list_dir(self, path: str) -> list[str] | None:
        """List a directory; record the names or None."""
        try:
            names: list[str] | None = sorted(os.listdir(path))
        except OSError:
            names = None
        with self._lock:
            self.evidence.dirs[path] = names
        return names

    def snapshot(self, name: str) -> Any:
        """Take a psutil snapshot by name and record it."""
        value = take_snapshot(name)
        with self._lock:
            self.evidence.snapshots[name] = value
        return value

    def measure(self, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """Run a measurement function and record its raw result."""
        value = fn()
        with self._lock:
            self.evidence.measurements[name] = value
        return value


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
