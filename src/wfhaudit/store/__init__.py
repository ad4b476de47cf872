"""Persistent state in one database: verifier state and fleet history, one transaction per run.

`open_store(target)` is the one way in; `Store` (in `base`) is the interface a backend
implements: SQLite (a file path, the embedded default) or PostgreSQL (a postgresql:// URL).
"""

from __future__ import annotations

import re
from pathlib import Path

from wfhaudit.errors import InvalidInputError
from wfhaudit.store.base import RunRecord, Store
from wfhaudit.store.pg_errors import is_postgres_url, redact
from wfhaudit.store.postgres import PostgresStore
from wfhaudit.store.sqlite import SQLiteStore

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def open_store(target: str | Path) -> Store:
    """The store at target: a postgresql:// URL, else a SQLite file (created when new)."""
    if isinstance(target, str):
        if is_postgres_url(target):
            return PostgresStore(target)
        if _URL.match(target):
            raise InvalidInputError(f"--db {redact(target)}: unsupported database URL; give "
                                    "a SQLite file path or a postgresql:// URL")
    return SQLiteStore(target)


__all__ = ["PostgresStore", "RunRecord", "SQLiteStore", "Store", "is_postgres_url",
           "open_store"]
