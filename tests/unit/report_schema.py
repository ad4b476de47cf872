"""The shipped report schema as a test oracle: jsonschema plus the rules the schema text states
it cannot express (time order and real dates, evidence and waiver depth, integers without a
fraction)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

from wfhaudit.util.timefmt import parse_epoch


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    """The schema file as installed with the package."""
    text = resources.files("wfhaudit.report").joinpath("schema/report.v1.schema.json")
    return json.loads(text.read_text("utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def validator() -> Draft202012Validator:
    """A draft 2020-12 validator of the schema (itself checked against the metaschema)."""
    Draft202012Validator.check_schema(schema())
    return Draft202012Validator(schema())


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _integral_floats(value: Any, path: tuple[Any, ...] = ()) -> bool:
    """Whether a float with no fraction sits where the schema says integer."""
    if isinstance(value, dict):
        return any(_integral_floats(v, (*path, k)) for k, v in value.items())
    if isinstance(value, list):
        return any(_integral_floats(v, (*path, i)) for i, v in enumerate(value))
    integer_paths = (("sequence",), ("summary", "score"))
    return type(value) is float and value.is_integer() and (
        path in integer_paths or path[:2] == ("summary", "counts"))


def schema_valid(predicate: Any) -> bool:
    """True when the predicate matches the schema and the rules stated beside it."""
    if not validator().is_valid(predicate):
        return False
    started, finished = parse_epoch(predicate["started_at"]), parse_epoch(predicate["finished_at"])
    if started is None or finished is None or started > finished:
        return False
    if _depth(predicate.get("evidence")) > 24 or _integral_floats(predicate):
        return False
    return all(_depth(f.get("waiver")) <= 8 for f in predicate["findings"])
