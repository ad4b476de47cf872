"""Strict JSON at compiled speed: orjson, kept only when it round-trips to the same bytes.

The result of orjson is used only if it re-serialises to the very same bytes; otherwise the
strict parser answers. Signed payloads are RFC 8785 canonical (sorted names, no whitespace,
shortest numbers), so for them orjson's sorted output is byte-identical to the input. Anything
the strict parser would treat differently changes those bytes: a duplicate name (orjson keeps
one), unsorted names, whitespace, an escape where a plain character would do, an integer
outside ±(2^53-1) (refused by OPT_STRICT_INTEGER), a number in a form orjson does not write.
orjson itself refuses NaN, Infinity, lone surrogates, invalid UTF-8 and a BOM. Whenever the
round trip does not give the same bytes, the answer is the strict parser's, so this is never
more lenient than `strictjson.loads` (tested against it on generated and adversarial input).
Deep nesting, where the two parsers' limits differ, always goes to the strict parser.
"""

from __future__ import annotations

from typing import Any

import orjson

from wfhaudit.crypto import strictjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
_FAST_DEPTH = 256  # nesting the fast path takes; deeper input is the strict parser's to judge


def loads_canonical(data: bytes) -> tuple[bool, Any]:
    """(True, value) when data is exactly orjson's sorted form of value, else (False, None)."""
    try:
        value = orjson.loads(data)
        if orjson.dumps(value, option=_OPTIONS) != data:
            return False, None
        if data.count(b"[") + data.count(b"{") > _FAST_DEPTH:
            strictjson.check_depth(value, _FAST_DEPTH)
        return True, value
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, strictjson.StrictJSONError):
        return False, None


def loads(data: bytes) -> Any:
    """Parse strictly (see strictjson): the fast round trip first, the strict parser otherwise."""
    ok, value = loads_canonical(data)
    return value if ok else strictjson.loads(data)


def loads_envelope(data: bytes) -> Any:
    """Like loads, for envelope files, which end with one newline after the canonical JSON."""
    body = data[:-1] if data.endswith(b"\n") else data
    ok, value = loads_canonical(body)
    return value if ok else strictjson.loads(data, surrogates=False)


def dumps_sorted(value: Any) -> bytes:
    """The sorted orjson form of value (RFC 8785 bytes for data that loads took the fast way)."""
    return orjson.dumps(value, option=_OPTIONS)
