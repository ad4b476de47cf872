"""Semantic checks the JSON Schema cannot express: known facts, expectations that fit their type."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

from wfhaudit.facts import CATALOGUE, FactSpec, FactType
from wfhaudit.policy.regex_guard import RegexRisk, check_pattern

_NUMERIC_OPS = ("min", "max", "above", "below")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _value_fits(spec: FactSpec, value: Any) -> str | None:
    """Return a problem text when a literal cannot be a value of this fact, else None."""
    t = spec.type
    if t is FactType.BOOL and not isinstance(value, bool):
        return f"{spec.key} is a boolean; {value!r} can never match"
    if t in (FactType.INT, FactType.NUMBER) and not _is_number(value):
        return f"{spec.key} is a number; {value!r} can never match"
    if t is FactType.STRING:
        if not isinstance(value, str):
            return f"{spec.key} is a string; {value!r} can never match"
        if spec.choices and value not in spec.choices:
            return f"{spec.key} is one of {', '.join(spec.choices)}; {value!r} can never match"
    if t is FactType.STRING_LIST and not isinstance(value, list):
        return f"{spec.key} is a list of strings; compare it with a list"
    return None


def expectation_problems(spec: FactSpec, expect: Mapping[str, Any], path: str
                         ) -> Iterator[tuple[str, str]]:
    """Yield (json_path, message) for every way an expectation does not fit its fact."""
    for op, arg in expect.items():
        here = f"{path}.{op}"
        if op in ("all", "any"):
            for i, sub in enumerate(arg):
                yield from expectation_problems(spec, sub, f"{here}[{i}]")
        elif op == "not":
            yield from expectation_problems(spec, arg, here)
        elif op in ("equals", "not_equals"):
            problem = _value_fits(spec, arg)
            if problem:
                yield here, problem
        elif op in ("in", "not_in"):
            if spec.type is FactType.STRING_LIST:
                yield here, f"{spec.key} is a list; use equals/not_equals"
                continue
            for i, item in enumerate(arg):
                problem = _value_fits(spec, item)
                if problem:
                    yield f"{here}[{i}]", problem
        elif op in _NUMERIC_OPS:
            if spec.type not in (FactType.INT, FactType.NUMBER):
                yield here, f"'{op}' needs a numeric fact; {spec.key} is a {spec.type.value}"
        elif op == "matches":
            if spec.type is not FactType.STRING:
                yield here, f"'matches' needs a string fact; {spec.key} is a {spec.type.value}"
            else:
                try:
                    re.compile(arg)
                    check_pattern(arg)
                except re.error as exc:
                    yield here, f"invalid regular expression: {exc}"
                except RegexRisk as exc:
                    yield here, f"regular expression refused: {exc}"


def rule_problems(rule: Mapping[str, Any], path: str) -> Iterator[tuple[str, str]]:
    """Yield problems of one rule document: unknown facts and ill-typed expectations."""
    fact = rule.get("fact", "")
    spec = CATALOGUE.get(fact)
    if spec is None:
        yield f"{path}.fact", f"unknown fact {fact!r} (see `wfhaudit probe --list-facts`)"
    elif "expect" in rule:
        yield from expectation_problems(spec, rule["expect"], f"{path}.expect")
    when = rule.get("when")
    if when:
        wspec = CATALOGUE.get(when.get("fact", ""))
        if wspec is None:
            yield f"{path}.when.fact", f"unknown fact {when.get('fact')!r}"
        else:
            yield from expectation_problems(wspec, when["expect"], f"{path}.when.expect")


def parse_date(text: str) -> dt.date | None:
    """Parse YYYY-MM-DD, returning None for impossible dates like 2026-02-30."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
