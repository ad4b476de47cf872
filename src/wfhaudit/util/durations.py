"""Parse durations such as 90s, 15m, 12h, 7d."""

from __future__ import annotations

import re

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PATTERN = re.compile(r"^([0-9]{1,9})([smhd])$")


def parse_duration(text: str) -> int:
    """Return seconds for '<n><s|m|h|d>'; raise ValueError with the accepted form otherwise."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"invalid duration {text!r}: use a number and s, m, h or d (e.g. 7d)")
    return int(match.group(1)) * _UNITS[match.group(2)]
