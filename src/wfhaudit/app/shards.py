"""Sharded aggregate: N jobs verify disjoint slices into PostgreSQL, one step renders them.

`run_shard` walks the whole share (every job lists the same inputs in the same order), verifies
the inputs of its slice (chosen by a stable hash of each input's path as given, so jobs agree
without talking to each other) and stores the rows, each at its position in the listing.
`render_run` folds every stored row in listing order, exactly as a single run folds its
inputs, then gates, writes every output and commits history and verifier state in one
transaction, reading no report. The run's time is its first shard's start, so every job
judges freshness at the same instant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from wfhaudit import __version__
from wfhaudit.app.aggregate import (
    AggregateOptions,
    _context,
    _prepare,
    _Prior,
    _write_outputs,
    check_outputs,
    checked_rows,
    default_jobs,
    policy_ref,
)
from wfhaudit.errors import InvalidInputError, UsageError
from wfhaudit.fleet.context import PolicyRef, RunContext
from wfhaudit.fleet.summary import Accumulator, FleetSummary
from wfhaudit.judge.rows import STALE, Accepted
from wfhaudit.policy.loader import load_policy
from wfhaudit.store import PostgresStore, RunRecord, open_store
from wfhaudit.store.pg_shards import ShardRun, ShardTables
from wfhaudit.store.rowcodec import decode, encode, parse_rules, rules_of, rules_text
from wfhaudit.util.files import read_bytes
from wfhaudit.util.timefmt import now_utc, parse_stamp, stamp
from wfhaudit.verify.inputs import check_specs, iter_inputs


@dataclass(frozen=True)
class Shard:
    """Slice `index` (from 1) of `count`."""

    index: int
    count: int

    def takes(self, path: str) -> bool:
        """Whether this slice verifies the input (the same answer on every machine)."""
        return slice_of(path, self.count) == self.index - 1


def slice_of(path: str, count: int) -> int:
    """The slice (from 0) of an input: a stable hash of its path as given, modulo count."""
    digest = hashlib.sha256(path.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % count


@dataclass(frozen=True)
class ShardOutcome:
    """What one shard job did."""

    run_key: str
    shard: Shard
    listed: int  # inputs in the whole share
    stored: int  # this slice's rows
    accepted: int
    rejected: int
    stale: int


def _postgres(opts: AggregateOptions, flag: str) -> PostgresStore:
    store = open_store(opts.db) if isinstance(opts.db, str) else None
    if not isinstance(store, PostgresStore):
        if store is not None:
            store.close()
        raise UsageError(f"{flag} needs --db postgresql://… (the shared database every job "
                         "of the run writes to)")
    return store


def _params(opts: AggregateOptions, ref: PolicyRef | None) -> dict[str, object]:
    """What every job of a run must agree on."""
    return {"tool": __version__,
            "trust_sha256": hashlib.sha256(read_bytes(opts.trust, "trust file")).hexdigest(),
            "whatif": ref.digest if ref else None,
            "whatif_ref": dataclasses.asdict(ref) if ref else None,  # shown, not compared
            "max_age_s": int(opts.max_age.total_seconds()) if opts.max_age else None,
            "require_custody": opts.require_custody}


_SAID = {"tool": "wfhaudit version", "trust_sha256": "trust file", "whatif": "--policy",
         "max_age_s": "--max-age", "require_custody": "--require-custody"}


def _agree(key: str, recorded: Mapping[str, object], given: Mapping[str, object],
           keys: Iterable[str] = tuple(_SAID)) -> None:
    """Refuse a job whose settings differ from those the run's first job recorded."""
    differ = [k for k in keys if recorded.get(k) != given.get(k)]
    if differ:
        error = InvalidInputError if {"tool", "trust_sha256"} & set(differ) else UsageError
        raise error(f"run {key!r} was started with another "
                    f"{', '.join(_SAID[k] for k in differ)}; every job of a run takes the "
                    "same (or give this pipeline run a new --run-id)")


def run_shard(opts: AggregateOptions, shard: Shard, run_key: str) -> ShardOutcome:
    """Verify this job's slice of the inputs and store its rows under the run."""
    check_specs(opts.inputs)
    whatif = load_policy(opts.policy) if opts.policy else None
    store = _postgres(opts, "--shard")
    index_holder = tempfile.TemporaryDirectory(prefix="wfhaudit-trust-", ignore_cleanup_errors=True)
    index_dir = Path(index_holder.name)
    try:
        tables = ShardTables(store)
        params = _params(opts, policy_ref(whatif, opts.policy))
        run = tables.open_run(run_key, shard.count, stamp(opts.now or now_utc()), params)
        if run.shards != shard.count:
            raise UsageError(f"run {run_key!r} has {run.shards} shards; this job says "
                             f"--shard {shard.index}/{shard.count}")
        _agree(run_key, run.params, params)
        if run.rendered_run is not None:
            raise InvalidInputError(f"run {run_key!r} was already rendered; give this "
                                    "pipeline run a new --run-id")
        now = parse_stamp(run.started_at)
        config = _prepare(opts, now, whatif, store, index_dir / "trust.sqlite")[0]
        listing = hashlib.sha256()
        positions: deque[int] = deque()
        listed = 0

        def mine() -> Iterator[str]:
            nonlocal listed
            for position, path in enumerate(iter_inputs(opts.inputs)):
                listing.update(path.encode("utf-8", "surrogateescape") + b"\0")
                listed += 1
                if shard.takes(path):
                    positions.append(position)
                    yield path

        policies: dict[str, str] = {}
        counts = {"accepted": 0, "rejected": 0, "stale": 0}
        for rows in checked_rows(mine(), config, opts.jobs or default_jobs(),
                                 opts.chunk_size, _Prior(store)):
            for row in rows:
                tables.stash(positions.popleft(), encode(row))
                for digest, meta in rules_of(row).items():
                    if digest not in policies:
                        policies[digest] = rules_text(meta)
                kind = "accepted" if isinstance(row, Accepted) else \
                    "stale" if row.reason == STALE else "rejected"
                counts[kind] += 1
            if opts.progress is not None:
                opts.progress(sum(counts.values()))
        stored = tables.save(run_key, shard.index, listed, listing.hexdigest(), policies)
        return ShardOutcome(run_key, shard, listed, stored, **counts)
    finally:
        store.close()
        index_holder.cleanup()


def _complete(run: ShardRun, tables: ShardTables) -> int:
    """The number of inputs, once every shard is stored and they all saw the same listing."""
    parts = tables.parts(run.key)
    missing = sorted(set(range(1, run.shards + 1)) - {p.shard for p in parts})
    if missing:
        shown = ", ".join(f"{i}/{run.shards}" for i in missing[:10])
        raise InvalidInputError(f"run {run.key!r}: shard {shown} not stored yet "
                                f"({len(parts)} of {run.shards} done); the final step runs "
                                "after every shard job has succeeded")
    if len({(p.inputs, p.listing) for p in parts}) > 1:
        seen = ", ".join(f"shard {p.shard}: {p.inputs}" for p in parts[:10])
        raise InvalidInputError(f"run {run.key!r}: the shard jobs listed different inputs "
                                f"({seen}); give every job the same PATH arguments over the "
                                "same share")
    if sum(p.rows for p in parts) != parts[0].inputs:
        raise InvalidInputError(f"run {run.key!r}: the shards stored "
                                f"{sum(p.rows for p in parts)} rows for {parts[0].inputs} "
                                "inputs; run the shard jobs again")
    return parts[0].inputs


def _render_options(opts: AggregateOptions, run: ShardRun) -> AggregateOptions:
    """The run's own settings; any given again to the final step must be the same."""
    recorded = run.params
    if opts.policy is not None and recorded.get("whatif") != load_policy(opts.policy).digest:
        raise UsageError(f"--policy {opts.policy}: run {run.key!r} was not judged under "
                             "this policy; the final step takes the shards' --policy or none")
    asked = ["tool", "trust_sha256"] + ["max_age_s"] * (opts.max_age is not None) + \
        ["require_custody"] * (opts.require_custody is not None)
    _agree(run.key, recorded, _params(opts, None), asked)
    age, custody = recorded.get("max_age_s"), recorded.get("require_custody")
    custody = custody if isinstance(custody, str) else None
    if not isinstance(age, int):  # verified within the default freshness window: no age gate
        return dataclasses.replace(opts, max_age=None, require_custody=custody)
    return dataclasses.replace(opts, gates=dataclasses.replace(opts.gates, max_age_s=age),
                               max_age=dt.timedelta(seconds=age), require_custody=custody)


def _fold_stored(tables: ShardTables, run_key: str, expected: list[str], store: PostgresStore,
                 now: dt.datetime, progress: Callable[[int], None] | None) -> FleetSummary:
    """Fold the stored rows in listing order, as a single run folds its inputs."""
    rules = {d: parse_rules(t) for d, t in tables.policies(run_key).items()}

    def sink(row: Accepted, received: str, new: bool) -> None:
        store.add_report(row, received)

    acc = Accumulator(expected, _Prior(store), sink, now)
    for text in tables.rows(run_key):
        acc.add(decode(text, rules))
        if progress is not None and acc.inputs % 5000 == 0:
            progress(acc.inputs)
    return acc.finish()


def render_run(opts: AggregateOptions, run_key: str) -> RunContext:
    """Fold every stored row of the run, gate, write the outputs and commit the run."""
    started = time.monotonic()
    check_outputs(opts.outputs)
    store = _postgres(opts, "--from-db")
    index_holder = tempfile.TemporaryDirectory(prefix="wfhaudit-trust-", ignore_cleanup_errors=True)
    index_dir = Path(index_holder.name)
    try:
        tables = ShardTables(store)
        run = tables.find_run(run_key)
        if run is None:
            raise InvalidInputError(f"no sharded run {run_key!r} in this database; run the "
                                    f"shard jobs first (aggregate --shard I/N --run-id "
                                    f"{run_key})")
        if run.rendered_run is not None:
            raise InvalidInputError(f"run {run_key!r} was already rendered (history run "
                                    f"{run.rendered_run}); a run is rendered once")
        opts = _render_options(opts, run)
        _complete(run, tables)
        now = parse_stamp(run.started_at)
        _, expected, trust_version, owners = _prepare(opts, now, None, store,
                                                      index_dir / "trust.sqlite")
        summary = _fold_stored(tables, run_key, expected, store, now, opts.progress)
        shown = run.params.get("whatif_ref")
        ref = PolicyRef(**shown) if isinstance(shown, dict) else None
        ctx = _context(opts, summary, store, ref, trust_version, now, started)
        ctx = dataclasses.replace(ctx, owners=owners, min_ready=opts.gates.min_ready)
        record = RunRecord(stamp(now), "what-if" if ref else "own", ref.digest if ref else None,
                           trust_version, summary, ctx.decision.decided_by,
                           int(ctx.decision.exit_code))
        store.render_key = run_key
        _write_outputs(opts.outputs, ctx, store, record, opts.stdout)
        return ctx
    finally:
        store.close()
        index_holder.cleanup()

