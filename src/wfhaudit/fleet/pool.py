"""Parallel verification: worker processes read, verify and judge chunks of inputs.

Each worker loads the trust file and policies once (initializer), runs the verifier's stateless
`check()` on every input of a chunk and returns compact rows; the parent applies the stateful
rules (duplicates, sequence) in input order. At most a few chunks are in flight, so memory
stays flat however many inputs stream in.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from itertools import islice

from wfhaudit.crypto.keyutil import load_public_keys
from wfhaudit.judge.findings import Judge, JudgeError
from wfhaudit.judge.rows import Rejected, Row
from wfhaudit.policy.model import Policy
from wfhaudit.trust.file import load_trust
from wfhaudit.util.text import printable_path
from wfhaudit.util.timefmt import parse_stamp
from wfhaudit.verify.inputs import chunks, try_read
from wfhaudit.verify.verifier import Verifier

ENVELOPE_MALFORMED = "ENVELOPE_MALFORMED"
SCHEMA_INVALID = "SCHEMA_INVALID"


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs, picklable: the trust file bytes and pinned admin keys (PEM)."""

    trust_bytes: bytes
    trust_source: str
    admin_pems: tuple[bytes, ...]
    now: dt.datetime
    max_age: dt.timedelta
    whatif: Policy | None = None
    require_custody: str | None = None


class Worker:
    """A verifier and a judge bound to one trust file."""

    def __init__(self, config: WorkerConfig) -> None:

        pins = [k for pem in config.admin_pems for k in load_public_keys(pem)]
        trust = load_trust(config.trust_bytes, pins, config.now, None, config.trust_source)
        self.verifier = Verifier(trust, now=config.now, max_age=config.max_age,
                                 require_custody=config.require_custody)
        self.judge = Judge(config.whatif)

    def row(self, path: str, data: bytes | None = None,
            received_at: dt.datetime | None = None) -> Row:
        """Verify and judge one input."""
        source = printable_path(path)
        if data is None:
            data, why = try_read(path, self.verifier.max_bytes)
            if data is None:
                return Rejected(source, ENVELOPE_MALFORMED, why)
        result = self.verifier.check(data, source, received_at)
        if not result.accepted or result.predicate is None:
            finished = _epoch(result.finished_at)
            return Rejected(source, result.reason, result.detail, result.payload_sha256,
                            result.device_id, finished)
        assert result.device_id and result.payload_sha256 and result.policy_digest  # noqa: S101
        policy = self.verifier.policy(result.policy_digest)
        assert policy is not None  # noqa: S101 - a verified report's policy is loaded
        try:
            return self.judge.judge(result.predicate, policy, result.policy_digest, source=source,
                                    payload_sha256=result.payload_sha256,
                                    device_id=result.device_id, sequence=result.sequence or 0,
                                    warnings=result.warnings, custody=result.custody or "user")
        except JudgeError as exc:
            return Rejected(source, SCHEMA_INVALID, str(exc), result.payload_sha256,
                            result.device_id)

    def chunk(self, paths: list[str]) -> list[Row]:
        """Rows for a chunk of paths, in order."""
        return [self.row(p) for p in paths]


def _epoch(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(parse_stamp(text).timestamp())
    except ValueError:
        return None


_WORKER: Worker | None = None
_PR_SET_PDEATHSIG = 1


def _watch_parent(parent: int) -> None:
    # A worker of a parent killed with SIGKILL would otherwise wait for work forever.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """End this worker when its parent ends, even by SIGKILL, even if that already happened.

    Linux: the kernel sends SIGKILL at the parent's death (PR_SET_PDEATHSIG). Elsewhere a
    thread polls the parent id. Either way, a parent already gone (it died while this worker
    was starting) is noticed here, before the worker does any work.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def _init(config: WorkerConfig, parent: int) -> None:
    global _WORKER
    die_with_parent(parent)
    # Ctrl-C reaches the whole foreground process group: the parent alone decides what to do.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    _WORKER = Worker(config)


def _run_chunk(paths: list[str]) -> list[Row]:
    assert _WORKER is not None  # noqa: S101
    return _WORKER.chunk(paths)


def verify_stream(paths: Iterable[str], config: WorkerConfig, jobs: int,
                  chunk_size: int = 200) -> Iterator[list[Row]]:
    """Rows for every path, chunk by chunk in input order, using `jobs` processes."""
    if jobs <= 1:
        worker = Worker(config)
        for batch in chunks(paths, chunk_size):
            yield worker.chunk(batch)
        return
    # spawn: workers must not inherit the parent's open SQLite handles (fork would). A worker
    # that dies (killed, out of memory) makes the executor raise BrokenProcessPool instead of
    # waiting forever, so the run fails closed with no output.
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_init,
                             initargs=(config, os.getpid())) as pool:
        pending: deque[Future[list[Row]]] = deque()
        try:
            batches = iter(chunks(paths, chunk_size))
            with _sigint_held():  # workers start with SIGINT blocked (they then ignore it)
                pending.extend(pool.submit(_run_chunk, b) for b in islice(batches, jobs))
            for batch in batches:
                pending.append(pool.submit(_run_chunk, batch))
                while len(pending) > 2 * jobs + 2:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Block SIGINT while workers are started; a Ctrl-C meanwhile is delivered afterwards."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)
