"""RFC 3339 UTC stamps ('2026-11-23T10:40:00Z') as written by wfhaudit, parsed fast and strictly."""

from __future__ import annotations

import datetime as dt
import re

_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1)


def parse_epoch(text: object) -> float | None:
    """Seconds since the epoch for a valid stamp, None for anything else (never raises)."""
    if type(text) is not str or _STAMP.fullmatch(text) is None:
        return None
    try:  # naive arithmetic from the epoch: the same seconds, four times faster
        return (dt.datetime.fromisoformat(text[:19]) - _EPOCH).total_seconds()
    except ValueError:
        return None


def stamp(when: dt.datetime | float) -> str:
    """Format a datetime or epoch seconds as a UTC stamp (second precision)."""
    if not isinstance(when, dt.datetime):
        when = dt.datetime.fromtimestamp(when, UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_stamp(text: str) -> dt.datetime:
    """The UTC datetime of a stamp; ValueError for anything that is not one."""
    epoch = parse_epoch(text)
    if epoch is None:
        raise ValueError(f"not a UTC time stamp like 2026-11-23T10:40:00Z: {text!r}")
    return to_datetime(epoch)


def to_datetime(epoch: float) -> dt.datetime:
    """UTC datetime for epoch seconds."""
    return dt.datetime.fromtimestamp(epoch, UTC)


def now_utc() -> dt.datetime:
    """The current time, UTC."""
    return dt.datetime.now(UTC)
