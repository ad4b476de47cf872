"""Strict JSON at compiled speed: orjson, kept only when it round-trips to the same bytes.

The result of orjson is used only if orjson writes it back as the very same bytes; otherwise
the strict parser answers. Signed payloads are RFC 8785 canonical (no whitespace, minimal
escapes, shortest numbers), so for them the round trip is exact. Anything the strict parser
would read differently changes those bytes: a duplicate name (orjson keeps one), whitespace,
an escape where a plain character would do, an integer outside ±(2^53-1) (refused by
OPT_STRICT_INTEGER), a number in a form orjson does not write. orjson itself refuses NaN,
Infinity, lone surrogates, invalid UTF-8 and a BOM. Names are not re-sorted: their order does
not change the value, and keeping it saves the sort. Whenever the round trip does not give
the same bytes, the answer is the strict parser's, so a value taken the fast way is always
the value the strict parser gives (tested against it on generated and adversarial input).
Both refuse nesting deeper than about a thousand levels (orjson at 1024, the standard decoder
at the interpreter's recursion limit); no field wfhaudit reads may nest deeper than 24.
"""

from __future__ import annotations

from typing import Any

import orjson

from wfhaudit.crypto import strictjson

_ROUND_TRIP = orjson.OPT_STRICT_INTEGER
_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER


def loads_exact(data: bytes) -> tuple[bool, Any]:
    """(True, value) when orjson writes value back as exactly data, else (False, None)."""
    try:
        value = orjson.loads(data)
        return orjson.dumps(value, option=_ROUND_TRIP) == data, value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return False, None


def loads(data: bytes) -> Any:
    """Parse strictly (see strictjson): the fast round trip first, the strict parser otherwise."""
    ok, value = loads_exact(data)
    return value if ok else strictjson.loads(data)


def loads_envelope(data: bytes) -> Any:
    """Like loads, for envelope files, which end with one newline after the canonical JSON."""
    try:
        value = orjson.loads(data)  # a trailing newline is whitespace to both parsers
        out = orjson.dumps(value, option=_ROUND_TRIP)
        if out == data or (len(data) == len(out) + 1 and data.endswith(b"\n")
                           and data.startswith(out)):
            return value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        pass
    return strictjson.loads(data, surrogates=False)


def dumps_sorted(value: Any) -> bytes:
    """The orjson form of value with sorted names (equal to RFC 8785 for most data, see callers)."""
    return orjson.dumps(value, option=_SORTED)
