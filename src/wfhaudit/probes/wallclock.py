"""The machine's wall clock as evidence, so ages (days since an update) replay identically."""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from typing import Any

from wfhaudit.host import Host

CLOCK = "clock"
SOURCE = "measurement:clock"
DAY_S = 86400.0


def _read() -> dict[str, Any]:
    return {"unix": time.time()}


def host_now(host: Host) -> float | None:
    """Unix time of the check: read live and recorded, or taken from the evidence on replay."""
    value = host.measure(CLOCK, _read)
    unix = value.get("unix") if isinstance(value, dict) else None
    if isinstance(unix, (int, float)) and not isinstance(unix, bool) and math.isfinite(unix):
        return float(unix)
    return None


def age_days(now: float, then: float) -> float:
    """Days from `then` to `now` (unix seconds); never negative (a clock skew reads as 0)."""
    return max(0.0, (now - then) / DAY_S)


def parse_iso(text: str) -> float | None:
    """Unix time of an ISO 8601 timestamp ('Z' or an offset; naive counts as UTC), else None."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    # Python 3.10 reads at most 6 fractional digits; .NET's round-trip format writes 7.
    raw = re.sub(r"(\.\d{6})\d+", r"\1", raw)
    try:
        stamp = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.timestamp()


def iso_minute(unix: float) -> str:
    """A unix time as UTC date and minute, for details ("2026-11-23 10:40 UTC")."""
    return dt.datetime.fromtimestamp(unix, tz=dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
