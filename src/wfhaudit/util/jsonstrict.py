"""Strict JSON for files people and devices write: duplicate member names and deep nesting refused.

`{"equals": true, "equals": false}` would otherwise quietly mean `false` to Python and `true` to
another reader of the same reviewed file. Nesting is capped so that no later recursive step
(schema validation, merging, redaction) can run out of stack on a hostile file.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JSONProblem(ValueError):
    """The text is not strict JSON; the message names the JSON path when it can."""


class _Duplicated(dict[str, Any]):
    """An object that repeated a member name (kept only to find where it sits)."""

    name = ""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = _Duplicated(pairs)
        dup.name = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        return dup
    return obj


_DECODER = json.JSONDecoder(object_pairs_hook=_reject_duplicates)


def _path(parts: list[Any]) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)


def _walk(doc: Any, max_depth: int) -> None:
    """Raise JSONProblem for the first duplicated name or the first too-deep container."""
    stack: list[tuple[Any, list[Any]]] = [(doc, [])]
    while stack:
        node, where = stack.pop()
        if len(where) >= max_depth:
            raise JSONProblem(f"{_path(where[:8])}…: nested deeper than {max_depth} levels")
        if isinstance(node, _Duplicated):
            raise JSONProblem(f"{_path(where)}: duplicate member name {node.name[:60]!r} (a "
                              "reader could take either value)")
        if isinstance(node, dict):
            stack.extend((v, [*where, k[:60]]) for k, v in reversed(node.items())
                         if isinstance(v, (dict, list)))
        elif type(node) is list:
            stack.extend((v, [*where, i]) for i, v in reversed(list(enumerate(node)))
                         if isinstance(v, (dict, list)))


def loads(data: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON text strictly; JSONProblem says what is wrong and where."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise JSONProblem(f"not UTF-8 text (byte {exc.start})") from None
    try:
        doc = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise JSONProblem(f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}") \
            from None
    except RecursionError:
        raise JSONProblem(f"$: nested deeper than {max_depth} levels") from None
    except ValueError as exc:  # e.g. an integer with more digits than int() accepts
        raise JSONProblem(str(exc)[:160]) from None
    _walk(doc, max_depth)
    return doc
