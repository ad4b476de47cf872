"""LiveHost: runs commands (argv, timeout, C locale, trusted PATH) and records every call."""

from __future__ import annotations

import dataclasses
import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wfhaudit.host.evidence import CommandResult, Evidence
from wfhaudit.host.platform_info import OsInfo, current_os_info
from wfhaudit.host.runner import MAX_OUTPUT_BYTES, run_bounded
from wfhaudit.host.session import SessionUser
from wfhaudit.host.snapshots import take_snapshot

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
