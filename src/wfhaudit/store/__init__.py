"""Persistent state in one database: verifier state and fleet history, one transaction per run.

`open_store(path)` is the one way in; `Store` (in `base`) is the interface a backend implements.
"""

from __future__ import annotations

from pathlib import Path

from wfhaudit.store.base import RunRecord, Store
from wfhaudit.store.sqlite import SQLiteStore


def open_store(path: str | Path) -> Store:
    """The store kept at path (a SQLite file; created and marked as wfhaudit's when new)."""
    return SQLiteStore(path)


__all__ = ["RunRecord", "SQLiteStore", "Store", "open_store"]
