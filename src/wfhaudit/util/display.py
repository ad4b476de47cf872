"""How a fact's value reads for people, shared by the terminal, the HTML report and the fleet page.

Numbers are rounded to what matters for a decision: milliseconds to one decimal under 10 and
whole above, throughput and percentages to one decimal. The report keeps the exact values.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

# Decimals by unit (ms is special: see round_for_display).
_DECIMALS = {"Mbit/s": 1, "%": 1, "dBm": 0, "Hz": 0}


def round_for_display(value: float, unit: Any = None) -> str:
    """12.3456 ms -> '12', 4.567 ms -> '4.6', 39.477 Mbit/s -> '39.5', 4.3123 -> '4.31'."""
    if isinstance(value, int) or not math.isfinite(value):
        return str(value)
    if unit == "ms":
        text = _half_up(value, 1 if abs(value) < 9.95 else 0)
    elif str(unit) in _DECIMALS:
        text = _half_up(value, _DECIMALS[str(unit)])
    else:  # a unitless figure such as a MOS: two decimals at most, no trailing zeros
        text = _half_up(value, 2).rstrip("0").rstrip(".")
    return "0" if text.lstrip("-").strip("0.") == "" else text


def _half_up(value: float, places: int) -> str:
    """12.5 -> '13' (as people round), not '12' (Python's round-half-even)."""
    try:
        return str(Decimal(repr(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
    except InvalidOperation:  # more digits than Decimal's context holds: plain formatting
        return f"{value:.{places}f}"


def format_value(value: Any, unit: Any = None) -> str:
    """yes/no, comma lists, a rounded number with its unit; '-' for no value, '(none)' for ''."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if value == "":
        return "(none)"  # e.g. vpn.interface when no VPN is up: observed, and empty
    text = round_for_display(value, unit) if isinstance(value, (int, float)) else str(value)
    return f"{text} {unit}" if unit else text


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 input', '2 inputs', '1 device', '0 devices' ('many' for irregular plurals)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def duration_words(seconds: float) -> str:
    """604800 -> '7 days', 129600 -> '36 hours', 90 -> '90 seconds', 5400 -> '90 minutes'."""
    whole = int(seconds)
    for size, noun in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if whole >= size and whole % size == 0:
            return plural(whole // size, noun)
    return plural(whole, "second")
