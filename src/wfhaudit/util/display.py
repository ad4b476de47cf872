"""How a fact's value reads for people, shared by the terminal and the HTML report."""

from __future__ import annotations

from typing import Any


def format_value(value: Any, unit: Any = None) -> str:
    """yes/no, comma lists, a number with its unit; '-' for no value, '(none)' for empty text."""
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
    return f"{value} {unit}" if unit else str(value)
