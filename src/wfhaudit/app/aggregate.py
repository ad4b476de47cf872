"""The aggregate use case: stream inputs through the workers, fold, gate, keep history, write.

Outputs are streamed into temp files beside their targets. Only when all of them are complete
on disk is the run's database transaction written (history and verifier state together), the
outputs renamed into place, and the transaction committed, so a failed or interrupted run
leaves neither a partial output nor a trace in the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.context import PolicyRef, RunContext, TrendPoint
from wfhaudit.fleet.gates import GateSpec, decide
from wfhaudit.fleet.pool import Worker, WorkerConfig, verify_stream
from wfhaudit.fleet.staging import STDOUT, StagedOutputs
from wfhaudit.fleet.summary import Accumulator, FleetSummary
from wfhaudit.fleet.writers import writers as fleet_writers
from wfhaudit.judge.rows import Accepted, Rejected, Row
from wfhaudit.policy.loader import load_policy
from wfhaudit.policy.model import Policy
from wfhaudit.store import RunRecord, Store, open_store
from wfhaudit.trust.file import read_admin_pins
from wfhaudit.trust.index import compile_trust
from wfhaudit.util import signals
from wfhaudit.util.files import read_bytes, storage_error
from wfhaudit.util.timefmt import parse_stamp, stamp
from wfhaudit.verify.inputs import check_specs, iter_inputs
from wfhaudit.verify.state import MemoryStore, VerifierStore
from wfhaudit.verify.verifier import DEFAULT_MAX_AGE

# Rejections that depend on the trusted receipt time: re-checked with the first receipt.
_RECEIPT_DEPENDENT = ("KEY_REVOKED", "NONCE_UNKNOWN")
log = logging.getLogger(__name__)


@dataclass
class AggregateOptions:
    """What `wfhaudit aggregate` was asked to do."""

    inputs: Sequence[str]
    trust: Path
    admin_pubkeys: tuple[Path, ...] = ()
    policy: str | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    db: Path | str | None = None  # a SQLite file or a postgresql:// URL
    gates: GateSpec = field(default_factory=GateSpec)
    max_age: dt.timedelta | None = None
    jobs: int = 0
    chunk_size: int = 200
    now: dt.datetime | None = None
    progress: Callable[[int], None] | None = None
    stdout: TextIO | None = None  # where an output named '-' goes
    require_custody: str | None = None


class _Prior:
    """What earlier runs committed, as the fold asks for it (sequences cached per device)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._last: dict[str, int | None] = {}

    def received_at(self, payload_sha256: str) -> str | None:
        """First receipt in an earlier run."""
        return self.store.earlier_received_at(payload_sha256)

    def last_sequence(self, device_id: str) -> int | None:
        """Highest sequence accepted in an earlier run."""
        if device_id not in self._last:
            self._last[device_id] = self.store.earlier_last_sequence(device_id)
        return self._last[device_id]


def check_outputs(outputs: dict[str, Path]) -> None:
    """Fail before any work when an output cannot be written where asked."""
    for fmt, path in outputs.items():
        if path == STDOUT:
            continue
        if path.is_dir():
            raise InvalidInputError(f"--{fmt} {path}: is a folder, expected a file name")
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        if not os.access(folder, os.W_OK | os.X_OK):
            raise InvalidInputError(f"--{fmt} {path}: folder {folder} is not writable")


def default_jobs() -> int:
    """Cores this process may run on (the affinity mask, where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


def run_aggregate(opts: AggregateOptions) -> RunContext:
    """Verify, judge, summarise and gate the inputs; write the outputs; return the context."""
    started = time.monotonic()
    now = opts.now or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    check_specs(opts.inputs)
    check_outputs(opts.outputs)
    whatif = load_policy(opts.policy) if opts.policy else None
    db = open_store(opts.db) if opts.db else None
    index_dir = tempfile.TemporaryDirectory(prefix="wfhaudit-trust-", ignore_cleanup_errors=True)
    try:
        config, expected, trust_version, owners = _prepare(
            opts, now, whatif, db or MemoryStore(), Path(index_dir.name) / "trust.sqlite")
        log.debug("trust file checked and indexed in %.2f s (%d devices expected; peak RSS %s)",
                  time.monotonic() - started, len(expected), _peak_rss())
        summary = _fold(opts, config, expected, db, now)
        log.debug("verified and judged %d inputs in %.2f s (peak RSS %s)", summary.inputs,
                  time.monotonic() - started, _peak_rss())
        ctx = _context(opts, summary, db, policy_ref(whatif, opts.policy), trust_version, now,
                       started)
        ctx = dataclasses.replace(ctx, owners=owners, min_ready=opts.gates.min_ready)
        run = RunRecord(stamp(now), "what-if" if whatif else "own",
                        whatif.digest if whatif else None, trust_version, summary,
                        ctx.decision.decided_by, int(ctx.decision.exit_code))
        _write_outputs(opts.outputs, ctx, db, run, opts.stdout)
        cpu = os.times()
        log.debug("done in %.2f s (this process: %.2f s CPU; workers: %.2f s CPU)",
                  time.monotonic() - started, cpu.user + cpu.system,
                  cpu.children_user + cpu.children_system)
        return ctx
    finally:
        if db is not None:
            db.close()
        index_dir.cleanup()


def _prepare(opts: AggregateOptions, now: dt.datetime, whatif: Policy | None,
             store: VerifierStore, index: Path
             ) -> tuple[WorkerConfig, list[str], int, dict[str, str]]:
    """Check the trust file once here and compile its index, which the workers look keys up in."""
    pins = read_admin_pins(opts.admin_pubkeys, opts.trust)
    trust = compile_trust(read_bytes(opts.trust, "trust file"), pins, now, store,
                          str(opts.trust), index)
    # A device counts until its key actually stops: a revocation dated in the future keeps it.
    expected = trust.keys.active_devices(now.timestamp())
    owners = trust.keys.owners()
    # The parsed trust document is garbage now: give its memory back before the workers start.
    gc.collect()
    config = WorkerConfig(index, now, opts.max_age or DEFAULT_MAX_AGE, whatif,
                          opts.require_custody)
    return config, expected, trust.version, owners


def checked_rows(paths: Iterable[str], config: WorkerConfig, jobs: int, chunk_size: int,
                 prior: _Prior | None) -> Iterator[list[Row]]:
    """Rows chunk by chunk in input order, receipt-dependent rejections checked again.

    Such a rejection (retired key, closed campaign) is checked again with the first receipt
    time an earlier run recorded, when there is one.
    """
    local: Worker | None = None
    for rows in verify_stream(paths, config, jobs, chunk_size):
        for i, row in enumerate(rows):
            if isinstance(row, Rejected) and row.reason in _RECEIPT_DEPENDENT \
                    and row.payload_sha256 and prior is not None:
                first = prior.received_at(row.payload_sha256)
                if first is not None:
                    local = local or Worker(config)
                    rows[i] = _recheck(local, row, first)
        yield rows


def _fold(opts: AggregateOptions, config: WorkerConfig, expected: list[str], db: Store | None,
          now: dt.datetime) -> FleetSummary:
    """Stream every input through the workers and fold the rows into the fleet summary."""
    sink = None
    prior = _Prior(db) if db is not None else None
    if db is not None:
        store = db

        def sink(row: Accepted, received: str, new: bool) -> None:
            store.add_report(row, received)

    acc = Accumulator(expected, prior, sink, now)
    jobs = opts.jobs or default_jobs()
    for rows in checked_rows(iter_inputs(opts.inputs), config, jobs, opts.chunk_size, prior):
        for row in rows:
            acc.add(row)
        if opts.progress is not None:
            opts.progress(acc.inputs)
    return acc.finish()


def policy_ref(whatif: Policy | None, source: str | None) -> PolicyRef | None:
    """What the outputs say about the what-if policy."""
    return PolicyRef(whatif.id, whatif.version, whatif.digest, source or "") if whatif else None


def _context(opts: AggregateOptions, summary: FleetSummary, db: Store | None,
             ref: PolicyRef | None, trust_version: int, now: dt.datetime,
             started: float) -> RunContext:
    """The gate decision, the trend and what the writers need to know about this run."""
    decision = decide(summary, opts.gates)
    trend: tuple[TrendPoint, ...] = ()
    if db is not None:
        points = db.trend()
        if ref is None:
            points.append(TrendPoint(stamp(now), summary.ready_pct,
                                     summary.ready_expected, summary.expected_devices))
        trend = tuple(points)
    return RunContext(summary, decision, trust_version, str(opts.trust), ref, trend,
                      time.monotonic() - started)


def _write_outputs(outputs: dict[str, Path], ctx: RunContext, db: Store | None,
                   run: RunRecord, stdout: TextIO | None = None) -> None:
    """Write every output to a temp file, then database and outputs together, or nothing.

    Order: outputs complete and fsynced (a full disk shows here); the run written into the
    database under its lock (a lock wait or full disk shows here); outputs renamed into place;
    commit. A failed commit puts the previous outputs back. Stop signals wait during the last
    three steps, which take milliseconds.
    """
    writers = fleet_writers()
    staged = StagedOutputs(stdout)
    try:
        for fmt, path in outputs.items():
            mark = time.monotonic()
            try:
                writers[fmt](ctx, staged.open(path))
            except OSError as exc:  # a full disk, as the writer fills its temp file
                raise storage_error(exc, path) from None
            log.debug("wrote %s in %.2f s (peak RSS %s)", fmt, time.monotonic() - mark,
                      _peak_rss())
        staged.prepare()
        if db is not None:
            db.stage_run(run)
            db.flush()
        with signals.deferred():
            staged.publish()
            if db is not None:
                try:
                    db.commit()
                except BaseException:
                    staged.undo()
                    raise
            staged.finish()
    except BaseException:
        staged.discard()
        raise


def _peak_rss() -> str:
    try:
        import resource
    except ImportError:  # Windows
        return "unknown"
    scale = 1 if os.uname().sysname == "Darwin" else 1024  # macOS reports bytes, Linux KiB
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20:.0f} MiB"


def _recheck(worker: Worker, row: Rejected, first_receipt: str) -> Row:
    """Verify again with the trusted first receipt time (retired keys, closed campaigns)."""
    received = parse_stamp(first_receipt)
    return worker.row(row.input, received_at=received)
