"""Strict JSON for signed data: no duplicate names, NaN/Infinity, lone surrogates, huge ints.

The standard decoder is used with hooks (C speed for everything else); the depth limit is
checked on containers only where data is free-form.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_SAFE_INT = 2**53 - 1
# Lone surrogates can only arrive as \uD800-\uDFFF escapes (strict UTF-8 decoding rejects
# encoded ones), so the full check runs only when such an escape is present.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
DEFAULT_MAX_DEPTH = 32


class StrictJSONError(ValueError):
    """The bytes are not strict I-JSON (RFC 7493) as wfhaudit signs it."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise StrictJSONError(f"duplicate member name {dup[:40]!r}")
    return obj


def _int(text: str) -> int:
    if len(text) < 16:  # at most 15 digits (and a sign): always inside ±(2^53-1)
        return int(text)
    if len(text) > 17:
        raise StrictJSONError(f"integer with {len(text)} digits is outside ±(2^53-1)")
    value = int(text)
    if -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        return value
    raise StrictJSONError("integer outside ±(2^53-1)")


def _float(text: str) -> float:
    value = float(text)
    if math.isfinite(value):
        return value
    raise StrictJSONError(f"number {text[:20]} overflows a double")


def _constant(text: str) -> Any:
    raise StrictJSONError(f"{text} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_int=_int, parse_float=_float,
                            parse_constant=_constant)


def loads(data: bytes, surrogates: bool = True) -> Any:
    """Parse UTF-8 JSON bytes strictly; StrictJSONError says what is wrong."""
    try:
        text = data.decode("utf-8")
        obj = _DECODER.decode(text)
    except StrictJSONError:
        raise
    except UnicodeDecodeError as exc:
        raise StrictJSONError(f"invalid UTF-8 at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"invalid JSON at line {exc.lineno} column {exc.colno}: "
                              f"{exc.msg}") from None
    except RecursionError:
        raise StrictJSONError("nesting too deep") from None
    except ValueError as exc:  # e.g. int() digit limit
        raise StrictJSONError(str(exc)[:120]) from None
    if surrogates and _SURROGATE_ESCAPE.search(data) is not None:
        check_no_lone_surrogates(obj)
    return obj


def check_no_lone_surrogates(obj: Any) -> None:
    """Raise StrictJSONError when any string or name holds an unpaired UTF-16 surrogate."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise StrictJSONError("lone UTF-16 surrogate in a string") from None


def check_depth(obj: Any, limit: int = DEFAULT_MAX_DEPTH) -> None:
    """Raise StrictJSONError when containers nest deeper than limit."""
    if type(obj) is dict or type(obj) is list:
        if limit <= _RECURSIVE_LIMIT:
            _descend(obj, limit, 1)
        else:
            _levels(obj, limit)


_RECURSIVE_LIMIT = 64  # up to this limit a plain recursion is safe (and twice as fast)


def _descend(node: Any, limit: int, depth: int) -> None:
    if depth > limit:
        raise StrictJSONError(f"nesting deeper than {limit}")
    for child in node.values() if type(node) is dict else node:
        kind = type(child)
        if kind is dict or kind is list:
            _descend(child, limit, depth + 1)


def _levels(obj: Any, limit: int) -> None:
    """Level by level, for large limits (no recursion)."""
    level = [obj]
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            raise StrictJSONError(f"nesting deeper than {limit}")
        below: list[Any] = []
        for node in level:
            below.extend(child for child in (node.values() if type(node) is dict else node)
                         if type(child) is dict or type(child) is list)
        level = below
