"""The aggregate use case: stream inputs through the workers, fold, gate, keep history, write.

Outputs are streamed into temp files beside their targets and renamed over them only after
everything succeeded (history committed first), so an interrupted or failed run leaves no
partial output and no history row.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from wfhaudit.errors import InvalidInputError
from wfhaudit.fleet.context import PolicyRef, RunContext, TrendPoint
from wfhaudit.fleet.gates import GateSpec, decide
from wfhaudit.fleet.pool import Worker, WorkerConfig, verify_stream
from wfhaudit.fleet.staging import StagedOutputs
from wfhaudit.fleet.summary import Accumulator, FleetSummary
from wfhaudit.fleet.writers import writers as fleet_writers
from wfhaudit.judge.rows import Accepted, Rejected, Row
from wfhaudit.policy.loader import load_policy
from wfhaudit.policy.model import Policy
from wfhaudit.store.history import HistoryStore, SqliteHistoryStore
from wfhaudit.store.verifier_state import SQLiteStore
from wfhaudit.trust.file import read_admin_pins
from wfhaudit.trust.index import compile_trust
from wfhaudit.util.files import read_bytes
from wfhaudit.util.timefmt import parse_stamp, stamp
from wfhaudit.verify.inputs import check_specs, iter_inputs
from wfhaudit.verify.state import Accepted as StoreAccepted
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
    db: Path | None = None
    gates: GateSpec = field(default_factory=GateSpec)
    max_age: dt.timedelta | None = None
    jobs: int = 0
    chunk_size: int = 200
    now: dt.datetime | None = None
    progress: Callable[[int], None] | None = None


class _Prior:
    """Earlier runs' state: the history tables and the verifier's own state, whichever knows."""

    def __init__(self, history: HistoryStore | None, store: VerifierStore) -> None:
        self.history = history
        self.store = store
        self._last: dict[str, int | None] = {}

    def received_at(self, payload_sha256: str) -> str | None:
        """First receipt (the earlier of both stores)."""
        found = []
        if self.history is not None:
            found.append(self.history.received_at(payload_sha256))
        when = self.store.received_at(payload_sha256)
        if when is not None:
            found.append(stamp(when))
        known = [f for f in found if f]
        return min(known) if known else None

    def last_sequence(self, device_id: str) -> int | None:
        """Highest accepted sequence (the larger of both stores), cached per device."""
        if device_id not in self._last:
            seqs = [self.store.last_sequence(device_id)]
            if self.history is not None:
                seqs.append(self.history.last_sequence(device_id))
            known = [s for s in seqs if s is not None]
            self._last[device_id] = max(known) if known else None
        return self._last[device_id]


def check_outputs(outputs: dict[str, Path]) -> None:
    """Fail before any work when an output cannot be written where asked."""
    for fmt, path in outputs.items():
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
    history = SqliteHistoryStore(opts.db) if opts.db else None
    store: VerifierStore = SQLiteStore(opts.db) if opts.db else MemoryStore()
    index_dir = tempfile.TemporaryDirectory(prefix="wfhaudit-trust-", ignore_cleanup_errors=True)
    try:
        config, expected, trust_version = _prepare(opts, now, whatif, store,
                                                    Path(index_dir.name) / "trust.sqlite")
        log.debug("trust file checked and indexed in %.2f s (%d devices expected; peak RSS %s)",
                  time.monotonic() - started, len(expected), _peak_rss())
        prior = _Prior(history, store)
        if history is not None:
            history.begin_run(stamp(now), "what-if" if whatif else "own",
                              whatif.digest if whatif else None, trust_version)
        summary = _fold(opts, config, expected, prior, history, now)
        log.debug("verified and judged %d inputs in %.2f s (peak RSS %s)", summary.inputs,
                  time.monotonic() - started, _peak_rss())
        ctx = _context(opts, summary, history, whatif, trust_version, now, started)
        _write_outputs(opts.outputs, ctx, history, store)
        cpu = os.times()
        log.debug("done in %.2f s (this process: %.2f s CPU; workers: %.2f s CPU)",
                  time.monotonic() - started, cpu.user + cpu.system,
                  cpu.children_user + cpu.children_system)
        return ctx
    finally:
        if history is not None:
            history.close()
        store.close()
        index_dir.cleanup()


def _prepare(opts: AggregateOptions, now: dt.datetime, whatif: Policy | None,
             store: VerifierStore, index: Path) -> tuple[WorkerConfig, list[str], int]:
    """Check the trust file once here and compile its index, which the workers look keys up in."""
    pins = read_admin_pins(opts.admin_pubkeys, opts.trust)
    trust = compile_trust(read_bytes(opts.trust, "trust file"), pins, now, store,
                          str(opts.trust), index)
    store.commit()
    expected = trust.keys.active_devices()
    # The parsed trust document is garbage now: give its memory back before the workers start.
    gc.collect()
    config = WorkerConfig(index, now, opts.max_age or DEFAULT_MAX_AGE, whatif)
    return config, expected, trust.version


def _fold(opts: AggregateOptions, config: WorkerConfig, expected: list[str], prior: _Prior,
          history: SqliteHistoryStore | None, now: dt.datetime) -> FleetSummary:
    """Stream every input through the workers and fold the rows into the fleet summary."""
    sink = None
    if history is not None:
        hist = history

        def sink(row: Accepted, received: str, new: bool) -> None:
            hist.add_report(row, received)

    acc = Accumulator(expected, prior, sink, now)
    local: Worker | None = None
    jobs = opts.jobs or default_jobs()
    for rows in verify_stream(iter_inputs(opts.inputs), config, jobs, opts.chunk_size):
        for row in rows:
            if isinstance(row, Rejected) and row.reason in _RECEIPT_DEPENDENT \
                    and row.payload_sha256:
                first = prior.received_at(row.payload_sha256)
                if first is not None:
                    local = local or Worker(config)
                    row = _recheck(local, row, first)
            acc.add(row)
        if opts.progress is not None:
            opts.progress(acc.inputs)
    return acc.finish()


def _context(opts: AggregateOptions, summary: FleetSummary, history: SqliteHistoryStore | None,
             whatif: Policy | None, trust_version: int, now: dt.datetime,
             started: float) -> RunContext:
    """The gate decision, the trend and what the writers need to know about this run."""
    decision = decide(summary, opts.gates)
    trend: tuple[TrendPoint, ...] = ()
    if history is not None:
        points = history.trend()
        if whatif is None:
            points.append(TrendPoint(stamp(now), summary.ready_pct,
                                     summary.ready_expected, summary.expected_devices))
        trend = tuple(points)
    ref = PolicyRef(whatif.id, whatif.version, whatif.digest, opts.policy or "") \
        if whatif else None
    return RunContext(summary, decision, trust_version, str(opts.trust), ref, trend,
                      time.monotonic() - started)


def _write_outputs(outputs: dict[str, Path], ctx: RunContext,
                   history: SqliteHistoryStore | None, store: VerifierStore) -> None:
    """Stage every output, commit history, then rename the outputs into place together."""
    writers = fleet_writers()
    staged = StagedOutputs()
    try:
        for fmt, path in outputs.items():
            mark = time.monotonic()
            writers[fmt](ctx, staged.open(path))
            log.debug("wrote %s in %.2f s (peak RSS %s)", fmt, time.monotonic() - mark,
                      _peak_rss())
        if history is not None:
            _commit_history(history, store, ctx.summary, ctx.decision.decided_by,
                            int(ctx.decision.exit_code))
        staged.commit()
    except BaseException:
        staged.discard()
        raise


def _commit_history(history: SqliteHistoryStore, store: VerifierStore, summary: FleetSummary,
                    decided_by: str, exit_code: int) -> None:
    """Commit the run's history, then tell the verifier state about its new reports."""
    history.finish_run(summary, decided_by, exit_code)
    assert history.run_id is not None  # noqa: S101
    for device, seq, digest, report_id, finished, received in history.new_reports(history.run_id):
        store.record_accepted(StoreAccepted(
            device, seq, digest, report_id, finished,
            parse_stamp(received)))
    store.commit()


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
