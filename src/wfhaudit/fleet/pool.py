"""Parallel verification: worker processes read, verify and judge chunks of inputs.

Each worker opens the trust index the parent compiled (trust/index.py: keys are looked up,
never loaded all at once), runs the verifier's stateless `check()` on every input of a chunk
and returns compact rows; the verifier's judgement is the row's, and a what-if policy is
judged by the same engine. The parent applies the stateful rules (duplicates, sequence) in
input order. At most a few chunks are in flight, so memory stays flat however many inputs
stream in.
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
from pathlib import Path

from wfhaudit.judge.findings import fleet_row
from wfhaudit.judge.policies import JudgeError, PolicyEntry
from wfhaudit.judge.rows import Judgement, Rejected, Row
from wfhaudit.policy.model import Policy
from wfhaudit.trust.index import open_index
from wfhaudit.util.gctune import tune_for_throughput
from wfhaudit.util.text import printable_path
from wfhaudit.util.timefmt import parse_stamp
from wfhaudit.verify.inputs import chunks, try_read
from wfhaudit.verify.verifier import Verifier

ENVELOPE_MALFORMED = "ENVELOPE_MALFORMED"
SCHEMA_INVALID = "SCHEMA_INVALID"


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker needs, picklable and small: where the checked trust index is."""

    trust_index: Path
    now: dt.datetime
    max_age: dt.timedelta
    whatif: Policy | None = None
    require_custody: str | None = None


class Worker:
    """A verifier over the trust index, and the what-if policy's entry in the one judge."""

    def __init__(self, config: WorkerConfig) -> None:
        trust = open_index(config.trust_index)
        self.verifier = Verifier(trust, now=config.now, max_age=config.max_age,
                                 require_custody=config.require_custody)
        self.whatif = PolicyEntry.of(config.whatif) if config.whatif is not None else None

    def row(self, path: str, data: bytes | None = None,
            received_at: dt.datetime | None = None) -> Row:
        """Verify and judge one input."""
        source = printable_path(path)
        if data is None:
            data, why = try_read(path, self.verifier.max_bytes)
            if data is None:
                return Rejected(source, ENVELOPE_MALFORMED, why)
        result = self.verifier.check(data, source, received_at)
        view, own = result.view, result.judgement
        if not result.accepted or view is None or own is None:
            finished = _epoch(result.finished_at)
            return Rejected(source, result.reason, result.detail, result.payload_sha256,
                            result.device_id, finished)
        assert result.payload_sha256  # noqa: S101 - set on every accepted result
        whatif: Judgement | None = None
        if self.whatif is not None:
            try:
                whatif = self.whatif.judge(view.facts, view.os_family, view.device_id,
                                           view.finished)
            except JudgeError as exc:
                return Rejected(source, SCHEMA_INVALID, f"$.predicate.{exc} (under the what-if "
                                f"policy {self.whatif.policy.id})", result.payload_sha256,
                                result.device_id)
        return fleet_row(view, own, whatif, source=source, payload_sha256=result.payload_sha256,
                         warnings=result.warnings, custody=result.custody or "user")

    def chunk(self, paths: list[str]) -> list[Row]:
        """Rows for a chunk of paths, in order."""
        read = [try_read(p, self.verifier.max_bytes) for p in paths]
        # The chunk's keys in one index query, not one per report in between the checks.
        self.verifier.trust.keys.prefetch([_keyid_hint(d) for d, _ in read if d is not None])
        return [self.row(p, d) if d is not None else Rejected(printable_path(p),
                                                              ENVELOPE_MALFORMED, why)
                for p, (d, why) in zip(paths, read, strict=True)]


def _keyid_hint(data: bytes) -> str:
    """The key id an envelope names, found by a byte search (only a hint for prefetching)."""
    start = data.rfind(b'"keyid":"') + 9
    return data[start:data.find(b'"', start)].decode("ascii", "replace") if start > 8 else ""


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
    tune_for_throughput()


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
