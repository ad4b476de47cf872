"""Verified rows as compact JSON text, for sharded runs: stored by the shards, read by the render.

A row decodes to an equal row (tuples stay tuples, measured values keep their JSON types), so
the final step folds exactly what a single-machine run would have folded. A judgement's rule
list is the same for every report judged under one policy: it is stored once per policy
digest (`rules_text`) and shared again on decoding. Text is ASCII-escaped JSON, which any
database stores unchanged (no NUL bytes, no lone surrogates).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from wfhaudit.judge.rows import Accepted, Issue, Judgement, Rejected, Row, RuleMeta

_ISSUE = tuple(f.name for f in fields(Issue))
_REJECTED = tuple(f.name for f in fields(Rejected))
_ACCEPTED = tuple(f.name for f in fields(Accepted))
_JUDGED = ("own", "whatif")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)


def _judgement(j: Judgement) -> list[Any]:
    return [j.policy_id, j.policy_digest, j.verdict, j.score, j.codes,
            [[getattr(i, name) for name in _ISSUE] for i in j.issues]]


def rules_of(row: Row) -> dict[str, RuleMeta]:
    """The rule lists a row's judgements use, by policy digest."""
    if isinstance(row, Rejected):
        return {}
    return {j.policy_digest: j.rules for j in (row.own, row.whatif) if j is not None}


def rules_text(meta: RuleMeta) -> str:
    """A policy's rule list as stored."""
    return _dumps([list(m) for m in meta])


def parse_rules(text: str) -> RuleMeta:
    """A stored rule list."""
    return tuple((str(a), str(b), str(c)) for a, b, c in json.loads(text))


def encode(row: Row) -> str:
    """One row as JSON text."""
    if isinstance(row, Rejected):
        return _dumps(["r", *(getattr(row, name) for name in _REJECTED)])
    values: list[Any] = []
    for name in _ACCEPTED:
        value = getattr(row, name)
        if name in _JUDGED:
            value = None if value is None else _judgement(value)
        elif name == "evidence":
            value = [list(pair) for pair in value]
        values.append(value)
    return _dumps(["a", *values])


def _parse_judgement(data: list[Any], rules: Mapping[str, RuleMeta]) -> Judgement:
    policy_id, digest, verdict, score, codes, issues = data
    return Judgement(policy_id, digest, verdict, score, rules[digest], codes,
                     tuple(Issue(*values) for values in issues))


def decode(text: str, rules: Mapping[str, RuleMeta]) -> Row:
    """A stored row (rules: the stored rule lists by policy digest)."""
    kind, *values = json.loads(text)
    if kind == "r":
        return Rejected(*values)
    data = dict(zip(_ACCEPTED, values, strict=True))
    for name in _JUDGED:
        if data[name] is not None:
            data[name] = _parse_judgement(data[name], rules)
    data["evidence"] = tuple((str(k), str(v)) for k, v in data["evidence"])
    data["warnings"] = tuple(data["warnings"])
    return Accepted(**data)
