"""Reading PowerShell output: ConvertTo-Json text and its shapes, as every Windows backend sees them."""

from __future__ import annotations

import json
from typing import Any


def clean_text(text: str) -> str:
    """Strip what wraps PowerShell's JSON on some hosts.

    A UTF-8 byte-order mark, and UTF-16 output decoded as UTF-8 (a console set to Unicode):
    NULs between the letters and a BOM that decodes to replacement characters.
    """
    return text.replace("\x00", "").lstrip("\ufeff\ufffd").strip()


def load_json(text: str) -> Any | None:
    """Parse PowerShell's JSON; None when there is none (empty, garbage, too deep)."""
    cleaned = clean_text(text)
    if not cleaned:
        return None
    try:
        return json.loads(cleaned)
    except (ValueError, RecursionError):
        return None


def as_list(value: Any) -> list[Any]:
    """Normalise ConvertTo-Json's shapes to a list.

    One item gives a bare object, none gives null, several an array, and Windows PowerShell 5.1
    sometimes wraps an array as {"value": [...], "Count": n}.
    """
    if value is None:
        return []
    if isinstance(value, dict) and isinstance(value.get("value"), list) and "Count" in value:
        return list(value["value"])
    return value if isinstance(value, list) else [value]


def as_int(value: Any) -> int | None:
    """An integer from a JSON number or a digit string; None for booleans and anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def failure(result: Any) -> str:
    """Why a PowerShell call gave nothing, without repeating its (long) script."""
    if result.error is not None or result.returncode == 0:
        return str(result.failure()) if result.error is not None else "PowerShell printed no JSON"
    lines = (result.stderr or result.stdout).strip().splitlines()
    return f"PowerShell exited with status {result.returncode}" + (
        f": {lines[0][:160]}" if lines else "")
