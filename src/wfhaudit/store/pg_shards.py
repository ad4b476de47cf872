"""A sharded run's records in PostgreSQL: the run, each shard's verified rows, their policies.

Every shard job verifies its slice of the share and stores its rows (in input order, by the
input's position in the whole listing) under the run's key, replacing what an earlier
attempt of the same shard stored. The final step reads them back in that order and claims
the run when it commits (see `PostgresStore.render_key`). A shard's save and the render's
claim lock the run's row, so neither can slip in while the other writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from wfhaudit.errors import InvalidInputError
from wfhaudit.store.postgres import PostgresStore
from wfhaudit.util.timefmt import now_utc, stamp

_BATCH = 2000
_PAGE = 5000


@dataclass(frozen=True)
class ShardRun:
    """A sharded run as recorded by its first shard."""

    key: str
    shards: int
    started_at: str
    params: dict[str, Any]
    rendered_run: int | None


@dataclass(frozen=True)
class ShardPart:
    """What one shard stored: how many inputs it saw in all, a digest of them, its rows."""

    shard: int
    inputs: int
    listing: str
    rows: int


class ShardTables:
    """Sharded-run records, through a PostgreSQL store's session."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store
        self._db = store.connection
        self._buffer: list[tuple[int, str]] = []

    def open_run(self, key: str, shards: int, started_at: str,
                 params: Mapping[str, Any]) -> ShardRun:
        """The run with this key: recorded now by the first shard to come, else as recorded."""
        with self.store.guard():
            self._db.execute(
                "INSERT INTO shard_runs (run_key, shards, started_at, params) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT (run_key) DO NOTHING",
                (key, shards, started_at, json.dumps(dict(params), sort_keys=True)))
        run = self.find_run(key)
        assert run is not None  # noqa: S101 - inserted or already there
        return run

    def find_run(self, key: str) -> ShardRun | None:
        """The recorded run, or None."""
        with self.store.guard():
            row = self._db.execute("SELECT shards, started_at, params, rendered_run "
                                   "FROM shard_runs WHERE run_key = %s", (key,)).fetchone()
        if row is None:
            return None
        return ShardRun(key, int(row[0]), str(row[1]), json.loads(str(row[2])),
                        None if row[3] is None else int(row[3]))

    def stash(self, ordinal: int, text: str) -> None:
        """Keep one verified row (its position in the whole listing, its encoding)."""
        self._buffer.append((ordinal, text))
        if len(self._buffer) >= _BATCH:
            self._spill()

    def _spill(self) -> None:
        if not self._buffer:
            return
        with self.store.guard(), self._db.cursor().copy(
                "COPY pg_temp.pending_rows (ordinal, row) FROM STDIN") as copy:
            for values in self._buffer:
                copy.write_row(values)
        self._buffer.clear()

    def save(self, key: str, shard: int, inputs: int, listing: str,
             policies: Mapping[str, str]) -> int:
        """Store the stashed rows as this shard's, in one transaction; returns their count."""
        self._spill()
        db = self._db
        with self.store.guard():
            db.execute("BEGIN")
            try:
                rendered = db.execute("SELECT rendered_run FROM shard_runs WHERE run_key = %s "
                                      "FOR UPDATE", (key,)).fetchone()
                if rendered is None or rendered[0] is not None:
                    raise InvalidInputError(f"run {key!r} was already rendered; give this "
                                            "pipeline run a new --run-id")
                others = db.execute("SELECT shard, inputs FROM shard_parts WHERE run_key = %s "
                                    "AND shard <> %s AND (inputs <> %s OR listing <> %s) "
                                    "ORDER BY shard LIMIT 1",
                                    (key, shard, inputs, listing)).fetchone()
                if others is not None:
                    raise InvalidInputError(
                        f"run {key!r}: this job listed {inputs} inputs, shard {others[0]} "
                        f"listed {others[1]} (or other ones); the shard jobs listed different "
                        "inputs: give every job the same PATH arguments over the same share")
                for table in ("shard_rows", "shard_parts"):
                    db.execute(f"DELETE FROM {table} WHERE run_key = %s "  # noqa: S608
                               "AND shard = %s", (key, shard))
                count = db.execute("INSERT INTO shard_rows SELECT %s, ordinal, %s, row "
                                   "FROM pg_temp.pending_rows ORDER BY ordinal",
                                   (key, shard)).rowcount
                for digest in sorted(policies):
                    db.execute("INSERT INTO shard_policies VALUES (%s, %s, %s) "
                               "ON CONFLICT DO NOTHING", (key, digest, policies[digest]))
                db.execute("INSERT INTO shard_parts VALUES (%s, %s, %s, %s, %s, %s)",
                           (key, shard, inputs, listing, count, stamp(now_utc())))
                db.execute("COMMIT")
            except BaseException:
                self.store.rollback()
                raise
            finally:
                db.execute("TRUNCATE pg_temp.pending_rows")
        return count

    def parts(self, key: str) -> list[ShardPart]:
        """Every shard stored so far for the run, by shard number."""
        with self.store.guard():
            rows = self._db.execute("SELECT shard, inputs, listing, rows FROM shard_parts "
                                    "WHERE run_key = %s ORDER BY shard", (key,)).fetchall()
        return [ShardPart(int(a), int(b), str(c), int(d)) for a, b, c, d in rows]

    def policies(self, key: str) -> dict[str, str]:
        """The rule lists the run's rows refer to, by policy digest."""
        with self.store.guard():
            rows = self._db.execute("SELECT digest, rules FROM shard_policies "
                                    "WHERE run_key = %s", (key,)).fetchall()
        return {str(d): str(r) for d, r in rows}

    def rows(self, key: str) -> Iterator[str]:
        """Every stored row of the run in listing order.

        A page at a time, so the session stays free for other queries between pages.
        """
        after = -1
        while True:
            with self.store.guard():
                page = self._db.execute(
                    "SELECT ordinal, row FROM shard_rows WHERE run_key = %s AND ordinal > %s "
                    "ORDER BY ordinal LIMIT %s", (key, after, _PAGE)).fetchall()
            if not page:
                return
            for _, text in page:
                yield str(text)
            after = int(page[-1][0])
