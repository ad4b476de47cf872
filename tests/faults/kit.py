"""Shared tools of the fault suite: run wfhaudit as a real process, kill it, check what is left.

Processes are tagged with an environment variable (WFH_FAULT_TAG) that their pool workers,
resource tracker and reaper inherit, so `leftovers(tag)` finds anything they left running
even after it was re-parented. Probe commands get a scrubbed environment; the hostile
commands of that test record their own process ids instead.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
from tests.fleet.fleetgen import Org, make_org, policy_from

import wfhaudit
from wfhaudit.crypto.keyutil import load_public_keys
from wfhaudit.trust.draft import accept_policy, add_device
from wfhaudit.trust.file import load_trust
from wfhaudit.verify.verifier import Verifier

SRC = Path(wfhaudit.__file__).resolve().parents[1]
TEMP_FILE = re.compile(r"^\..+\.tmp$")
SIGNALS = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
HANDLED = {signal.SIGTERM: 143, signal.SIGINT: 130}
UTC = dt.timezone.utc
_STARTED = time.time() - 1

# A small policy that replays fast: one rule the recorded OS passes, and one "≥" rule on a fact
# the recording lacks (UNKNOWN, not required), so reports carry non-ASCII text.
REPLAY_POLICY: dict[str, Any] = {
    "id": "faults", "version": "1.0.0", "title": "Fault suite ≥ policy",
    "rules": [
        {"id": "os-linux", "title": "Runs Linux", "fact": "os.family",
         "expect": {"equals": "linux"}, "severity": "high"},
        {"id": "upload", "title": "Upload ≥ 1 Mbit/s", "fact": "network.upload_mbps",
         "expect": {"min": 1.0}, "severity": "low", "required": False},
    ],
}


def seeded(name: str) -> random.Random:
    """A Random for one test, seeded from WFH_FAULT_SEED or fresh; the seed is printed."""
    seed = int(os.environ.get("WFH_FAULT_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"\n[{name}] seed {seed} (rerun with WFH_FAULT_SEED={seed})", file=sys.stderr)
    return random.Random(f"{seed}:{name}")


def env_for(home: Path, tag: str = "", **extra: str) -> dict[str, str]:
    """The environment of a wfhaudit process under test."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("WFHAUDIT_DB_TIMEOUT", "PYTHONIOENCODING", "PYTHONUTF8")}
    env.update(WFHAUDIT_HOME=str(home), WFH_FAULT_TAG=tag or uuid.uuid4().hex,
               PYTHONPATH=os.pathsep.join([str(SRC), *filter(None, [env.get("PYTHONPATH")])]))
    env.update(extra)
    return env


def spawn(args: Sequence[str], env: dict[str, str], cwd: Path | None = None,
          stdout: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """Start `python -m wfhaudit ARGS`; stderr is captured."""
    return subprocess.Popen([sys.executable, "-m", "wfhaudit", *args], env=env, cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE)


def run(args: Sequence[str], env: dict[str, str], timeout: float = 120) -> tuple[int, str, str]:
    """Run wfhaudit to the end; (exit code, stdout, stderr)."""
    proc = subprocess.run([sys.executable, "-m", "wfhaudit", *args], env=env,
                          capture_output=True, timeout=timeout, check=False)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(
        errors="replace")


@dataclass
class Killed:
    """One run stopped by a signal at a chosen moment."""

    signum: int
    delay: float
    returncode: int
    stderr: str
    pid: int = 0

    @property
    def handled(self) -> bool:
        """The process saw the signal and ended cleanly (it was not too early or SIGKILL)."""
        return self.returncode == HANDLED.get(self.signum)

    @property
    def abrupt(self) -> bool:
        """Ended without running any cleanup (SIGKILL, or a signal before wfhaudit started)."""
        return self.returncode < 0 or self.before_start

    @property
    def before_start(self) -> bool:
        """SIGINT landed while the Python interpreter itself was starting (site, runpy), before
        any wfhaudit code ran: CPython prints the KeyboardInterrupt and exits 1 (or aborts)."""
        return (self.signum == signal.SIGINT and "KeyboardInterrupt" in self.stderr
                and "/wfhaudit/" not in self.stderr)

    def check_code(self, normal: int) -> None:
        """The exit code is the signal's, or the normal one when the run finished first."""
        allowed = {normal, -self.signum}
        if self.signum in HANDLED:
            allowed.add(HANDLED[self.signum])
        if self.before_start:
            allowed |= {1, -signal.SIGABRT}
        assert self.returncode in allowed, (
            f"{signal.Signals(self.signum).name} after {self.delay:.3f} s: exit "
            f"{self.returncode}, expected one of {sorted(allowed)}\n{self.stderr}")


OUTCOMES: dict[str, list[int]] = {}


def kill_at(args: Sequence[str], env: dict[str, str], signum: int, delay: float,
            timeout: float = 60) -> Killed:
    """Run wfhaudit and send it signum after delay seconds (unless it ended before)."""
    proc = spawn(args, env)
    try:
        try:
            proc.wait(delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signum)
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    OUTCOMES.setdefault(str(args[0]), []).append(proc.returncode)
    return Killed(signum, delay, proc.returncode, err.decode(errors="replace"), proc.pid)


def calibrate(args: Sequence[str], env: dict[str, str], expect: int) -> float:
    """Seconds one uninterrupted run takes here and now (the window kill points fall in)."""
    start = time.monotonic()
    code, _, err = run(args, env)
    assert code == expect, err
    return time.monotonic() - start


def kill_delays(rng: random.Random, window: float, n: int) -> list[tuple[int, float]]:
    """n (signal, delay) pairs: every signal equally often; most delays in the last part of
    the window, where the writes happen (the first part is mostly interpreter start-up)."""
    out = []
    for i in range(n):
        u = rng.random() if i % 3 == 0 else rng.uniform(0.5, 1.05)
        out.append((SIGNALS[i % 3], u * window))
    rng.shuffle(out)
    return out


def temp_files(*folders: Path) -> list[Path]:
    """wfhaudit temp files (`.<name>.<pid>.wfh<random>.tmp`) under the folders."""
    found = []
    for folder in folders:
        if folder.exists():
            found += [p for p in folder.rglob("*") if TEMP_FILE.match(p.name)]
    return found


def leftovers(tag: str) -> tuple[list[psutil.Process], int]:
    """Live processes (not zombies) whose environment carries the tag, and how many processes
    could not be read just now (starting or exiting: worth another look)."""
    found, unread = [], 0
    for proc in psutil.process_iter():
        try:
            if proc.pid == os.getpid() or proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if proc.environ().get("WFH_FAULT_TAG") == tag:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
        except psutil.AccessDenied:
            with contextlib.suppress(psutil.Error):
                unread += proc.create_time() >= _STARTED  # (init and older ones never can be)
    return found, unread


def assert_no_leftovers(tag: str, grace: float = 10.0) -> None:
    """Nothing the tagged run started is still running (after a short grace period)."""
    deadline = time.monotonic() + grace
    left, unread = leftovers(tag)
    while (left or unread) and time.monotonic() < deadline:
        time.sleep(0.05)
        left, unread = leftovers(tag)
    names = [" ".join(p.cmdline())[:120] for p in left]
    for proc in left:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    assert not left, f"processes left running: {names}"


def pids_alive(pids: Sequence[int]) -> list[int]:
    """Those of pids that are running (not zombies)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def envelope_payload(data: bytes) -> dict[str, Any]:
    """The statement inside a DSSE envelope (raises if the file is not a whole envelope)."""
    env = json.loads(data)
    statement: dict[str, Any] = json.loads(base64.b64decode(env["payload"], validate=True))
    assert env["signatures"] and statement["predicate"]["device"]["id"]
    return statement


def enrol(folder: Path, home: Path, policy_doc: dict[str, Any], now: dt.datetime) -> Org:
    """An org trusting this home's device key and the policy: a verifier for its reports."""
    policy = policy_from(policy_doc)
    org = make_org(folder, [], [policy], now)
    pub = (home / "device-key.pub").read_bytes()
    device = (home / "device-id").read_text().strip()
    add_device(org.draft, load_public_keys(pub)[0], device, now - dt.timedelta(days=1),
               now + dt.timedelta(days=30))
    accept_policy(org.draft, policy.digest)
    org.sign_trust(now)
    return org


def verify_folder(org: Org, folder: Path, now: dt.datetime) -> list[str]:
    """Reasons `wfhaudit verify` gives for each report in folder, in name order."""
    trust = load_trust(org.trust_path.read_bytes(), [org.admin.public_key()], now)
    verifier = Verifier(trust, now=now)
    return [verifier.verify_file(p).reason for p in sorted(folder.glob("*.wfh.json"))]


@contextlib.contextmanager
def tmpfs(path: Path, size: int) -> Iterator[Path]:
    """A tmpfs of size bytes mounted at path for the block (needs root)."""
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                    str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill folder's file system to the byte, then free `leave` bytes (whole pages on tmpfs)."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 20, 4096, 1):
            block = b"\0" * size
            with contextlib.suppress(OSError):
                while os.write(fd, block):
                    pass
    finally:
        os.close(fd)
    kept = max(0, filler.stat().st_size - leave)
    os.truncate(filler, kept)
    return filler


def free_bytes(folder: Path) -> int:
    """Bytes an unprivileged writer could still use."""
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize
