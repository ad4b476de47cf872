"""`aggregate --shard I/N` and `aggregate --from-db`: their flags, and a shard job's one line."""

from __future__ import annotations

import re
from collections.abc import Mapping

import click

from wfhaudit.app.aggregate import AggregateOptions
from wfhaudit.app.shards import Shard, run_shard
from wfhaudit.errors import UsageError
from wfhaudit.store import is_postgres_url
from wfhaudit.util.display import plural

MAX_SHARDS = 1024
_SHARD = re.compile(r"^\s*(\d{1,5})\s*/\s*(\d{1,5})\s*$")
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}$")


def parse_shard(ctx: click.Context, param: click.Parameter, value: str | None) -> Shard | None:
    """--shard I/N: slice I (from 1) of N."""
    if value is None:
        return None
    found = _SHARD.match(value)
    if not found:
        raise click.BadParameter(f"{value!r} is not I/N (e.g. 2/3: the second of three jobs)")
    index, count = int(found[1]), int(found[2])
    if not 1 <= count <= MAX_SHARDS or not 1 <= index <= count:
        raise click.BadParameter(f"{value!r}: need 1 <= I <= N <= {MAX_SHARDS}")
    return Shard(index, count)


def parse_run_id(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--run-id: letters, digits and . _ : @ + - (at most 128), starting with a letter or digit."""
    if value is not None and not _RUN_ID.match(value):
        raise click.BadParameter(f"{value!r}: use letters, digits and . _ : @ + - (at most "
                                 "128, e.g. the CI run number and attempt: 1234-1)")
    return value


def check_modes(paths: tuple[str, ...], shard: Shard | None, run_id: str | None,
                from_db: bool, db: str | None, outputs: Mapping[str, object],
                shard_only: Mapping[str, bool], render_only: Mapping[str, bool]) -> None:
    """Refuse combinations that cannot work: a usage error (exit 2) saying which and why."""
    if shard is not None and from_db:
        raise UsageError("--shard and --from-db are separate steps: the shard jobs verify, "
                         "the final step renders")
    flag = "--shard" if shard is not None else "--from-db" if from_db else None
    if flag is None:
        if run_id is not None:
            raise UsageError("--run-id names a sharded run: use it with --shard or --from-db")
        if not paths:
            raise UsageError("missing PATH...: the report files, folders or globs to aggregate")
        return
    if db is None or not is_postgres_url(db):
        raise UsageError(f"{flag} needs --db postgresql://… (a PostgreSQL database every job "
                         "of the run reaches); a SQLite file cannot be shared between machines")
    if run_id is None:
        raise UsageError(f"{flag} needs --run-id ID, the same for every job of the pipeline "
                         "run (e.g. the CI run number and attempt)")
    if shard is not None:
        if not paths:
            raise UsageError("missing PATH...: every shard job takes the same PATH arguments")
        wrong = [f"--{k}" for k in outputs] + [k for k, given in shard_only.items() if given]
        if wrong:
            raise UsageError(f"{', '.join(wrong)}: a shard job only stores verified rows; "
                             "outputs and gates belong to the final --from-db step")
    else:
        if paths:
            raise UsageError("--from-db renders from the database alone: give no PATH")
        wrong = [k for k, given in render_only.items() if given]
        if wrong:
            raise UsageError(f"{', '.join(wrong)}: only the shard jobs verify; give it to them")


def run_shard_job(opts: AggregateOptions, shard: Shard, run_id: str) -> None:
    """Verify and store this job's slice; one line on stderr says what was stored."""
    done = run_shard(opts, shard, run_id)
    click.echo(f"shard {shard.index}/{shard.count} of run {run_id}: "
               f"{done.stored} of {plural(done.listed, 'input')} verified and stored "
               f"({done.accepted} accepted, {done.rejected} rejected, {done.stale} stale); "
               f"the final step renders them: aggregate --from-db --run-id {run_id}", err=True)
