"""Refuse policy regular expressions whose backtracking can explode, before any report is judged.

Python's `re` backtracks and cannot be interrupted while it matches, so a pattern is checked
when the policy loads. Refused: a repetition inside an unbounded repetition (`(a+)+`, `(\\w*)*`,
exponential), an unbounded repetition of an alternation (`(a|ab)*`), lookarounds and
backreferences, patterns longer than 200 characters, and more than two unbounded repetitions
of a wide atom (`.`, a negated class, `\\S`, `\\w`...). What remains costs at most about
n^3 steps on a fact string of n characters; report fact strings are at most 4 KiB (4096
characters), which bounds one match to a fraction of a second (`Ubuntu.*22\\.04.*LTS`: 0.2 s
on 4096 characters of "Ubuntu 22.04 " on the reference machine) and the per-report CPU limit
of verify/aggregate catches the rest.
"""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
else:  # pragma: no cover - Python 3.10
    import sre_constants as sre
    import sre_parse

MAX_PATTERN = 200
MAX_WIDE_REPEATS = 2
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT}
_BANNED = {sre.ASSERT: "lookarounds", sre.ASSERT_NOT: "lookarounds",
           sre.GROUPREF: "backreferences", sre.GROUPREF_EXISTS: "backreferences"}
_WIDE_CATEGORIES = {sre.CATEGORY_NOT_DIGIT, sre.CATEGORY_NOT_SPACE, sre.CATEGORY_WORD,
                    sre.CATEGORY_NOT_WORD}


class RegexRisk(ValueError):
    """The pattern could take very long on some input; the message says why."""


def _children(op: Any, av: Any) -> list[Any]:
    if op in _REPEATS:
        return [av[2]]
    if op == sre.SUBPATTERN:
        return [av[-1]]
    if op == sre.BRANCH:
        return list(av[1])
    return []


def _has_branch(items: Any) -> bool:
    return any(op == sre.BRANCH or (op == sre.SUBPATTERN and _has_branch(av[-1]))
               for op, av in items)


def _is_wide(item: tuple[Any, Any]) -> bool:
    op, av = item
    if op in (sre.ANY, sre.NOT_LITERAL):
        return True
    if op == sre.IN:
        return any(o == sre.NEGATE or (o == sre.CATEGORY and a in _WIDE_CATEGORIES)
                   for o, a in av)
    return False


def _walk(items: Any, inside_unbounded: bool, counts: dict[str, int]) -> None:
    for op, av in items:
        if op in _BANNED:
            raise RegexRisk(f"{_BANNED[op]} are not allowed in policy patterns")
        if op in _REPEATS:
            unbounded = av[1] == sre.MAXREPEAT
            body = list(av[2])
            if av[1] > 1 and inside_unbounded:
                raise RegexRisk("a repetition inside an unbounded repetition (like (a+)+) can "
                                "take exponential time")
            if unbounded and _has_branch(body):
                raise RegexRisk("an unbounded repetition of alternatives (like (a|ab)*) can "
                                "take exponential time")
            if unbounded and len(body) == 1 and _is_wide(body[0]):
                counts["wide"] += 1
            _walk(body, inside_unbounded or unbounded, counts)
            continue
        for child in _children(op, av):
            _walk(child, inside_unbounded, counts)


def check_pattern(pattern: str) -> None:
    """Raise RegexRisk when a policy pattern can backtrack catastrophically (or re.error)."""
    if len(pattern) > MAX_PATTERN:
        raise RegexRisk(f"longer than {MAX_PATTERN} characters")
    counts = {"wide": 0}
    _walk(sre_parse.parse(pattern), False, counts)
    if counts["wide"] > MAX_WIDE_REPEATS:
        raise RegexRisk(f"{counts['wide']} unbounded repetitions of '.' or a wide class (at most "
                        f"{MAX_WIDE_REPEATS}): a match can take minutes on a 4 KiB string")
