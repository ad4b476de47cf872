"""Fast structural validation of a report predicate (SCHEMA_INVALID when it fails)."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from wfhaudit.crypto.strictjson import StrictJSONError, check_depth
from wfhaudit.evaluate import Status
from wfhaudit.report.model import REPORT_FORMAT
from wfhaudit.util.timefmt import parse_epoch

MAX_FACTS = 1000
# Bounded work per report: a fact string (or list item) is at most 4 KiB (4096 characters) and
# a list at most 256 items, so no policy pattern can be made to run on a huge string.
MAX_FACT_STRING = 4096
MAX_FACT_ITEMS = 256
MAX_FINDINGS = 2000
EVIDENCE_MAX_DEPTH = 24
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_STATUSES = frozenset(s.value for s in Status)
_VERDICTS = frozenset({"READY", "NOT_READY"})
_EMPTY: list[str] = []
_SCALARS = frozenset({str, int, float, bool, type(None)})
# The fields wfhaudit defines; anything else a device adds is dropped, never shown as verified.
KNOWN_FIELDS = ("format", "report_id", "sequence", "device", "tool", "policy", "campaign",
                "started_at", "finished_at", "os", "probes_run", "facts", "findings", "summary",
                "evidence_level", "evidence", "replayed_from")


class SchemaProblem(ValueError):
    """The predicate does not have the wfhaudit report shape."""


class PredicateView(NamedTuple):
    """The fields verification needs, read once from a validated predicate."""

    device_id: str
    sequence: int
    report_id: str
    policy_digest: str
    finished: float
    tool_version: str
    campaign: dict[str, Any] | None
    os_family: str
    facts: dict[str, Any]
    reported: tuple[tuple[str, str], ...]
    reported_verdict: str


def _need(ok: bool, path: str, message: str) -> None:
    if not ok:
        raise SchemaProblem(f"$.predicate.{path}: {message}")


def _obj(p: dict[str, Any], key: str) -> dict[str, Any]:
    value = p.get(key)
    if type(value) is not dict:
        raise SchemaProblem(f"$.predicate.{key}: expected an object")
    return value


def _text(obj: dict[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if type(value) is not str or not 0 < len(value) <= 256:
        raise SchemaProblem(f"$.predicate.{path}: expected text")
    return value


def _value_ok(value: Any) -> bool:
    kind = type(value)
    if kind is list:
        return len(value) <= MAX_FACT_ITEMS and all(
            type(x) is str and len(x) <= MAX_FACT_STRING for x in value)
    return kind in _SCALARS and (kind is not str or len(value) <= MAX_FACT_STRING)


def check_predicate(p: Any) -> PredicateView:
    """Validate the report shape and limits; SchemaProblem names the first problem."""
    if type(p) is not dict:
        raise SchemaProblem("$.predicate: expected an object")
    if p.get("format") != REPORT_FORMAT:
        raise SchemaProblem(f"$.predicate.format: expected {REPORT_FORMAT!r}")
    seq = p.get("sequence")
    if type(seq) is not int or seq < 0:
        raise SchemaProblem("$.predicate.sequence: expected a non-negative integer")
    device, tool, policy, os_block = _obj(p, "device"), _obj(p, "tool"), _obj(p, "policy"), \
        _obj(p, "os")
    digest = policy.get("digest")
    if type(digest) is not str or _DIGEST.fullmatch(digest) is None:
        raise SchemaProblem("$.predicate.policy.digest: expected sha256:<64 lowercase hex>")
    if type(policy.get("document")) is not dict:
        raise SchemaProblem("$.predicate.policy.document: expected an object")
    campaign = p.get("campaign")
    if campaign is not None:
        _need(type(campaign) is dict, "campaign", "expected an object or null")
        _text(campaign, "id", "campaign.id")
        _text(campaign, "nonce", "campaign.nonce")
    started, finished = parse_epoch(p.get("started_at")), parse_epoch(p.get("finished_at"))
    if started is None or finished is None or started > finished:
        raise SchemaProblem("$.predicate.started_at/finished_at: expected UTC times like "
                            "2026-11-23T10:40:00Z, started before finished")
    facts = _obj(p, "facts")
    if len(facts) > MAX_FACTS:
        raise SchemaProblem(f"$.predicate.facts: more than {MAX_FACTS} facts")
    for key, fact in facts.items():
        if type(fact) is not dict or not _value_ok(fact.get("value")) \
                or type(fact.get("sources", _EMPTY)) is not list:
            raise SchemaProblem(f"$.predicate.facts.{key[:60]}: expected an object with a "
                                "scalar or string-list value and a list of sources (strings "
                                f"at most {MAX_FACT_STRING} characters)")
    findings = p.get("findings")
    if type(findings) is not list or len(findings) > MAX_FINDINGS:
        raise SchemaProblem(f"$.predicate.findings: expected a list of at most {MAX_FINDINGS}")
    reported = []
    for f in findings:
        if type(f) is not dict or type(f.get("rule")) is not str \
                or f.get("status") not in _STATUSES or not _value_ok(f.get("measured")):
            raise SchemaProblem(f"$.predicate.findings[{findings.index(f)}]: expected rule, a "
                                f"status in {sorted(_STATUSES)} and a scalar measured value")
        reported.append((f["rule"], f["status"]))
    summary = _obj(p, "summary")
    _need(summary.get("verdict") in _VERDICTS, "summary.verdict", "expected READY or NOT_READY")
    evidence = p.get("evidence")
    _need(evidence is None or type(evidence) is dict, "evidence", "expected an object or null")
    try:
        check_depth(evidence, EVIDENCE_MAX_DEPTH)
    except StrictJSONError as exc:
        raise SchemaProblem(f"$.predicate.evidence: {exc}") from None
    return PredicateView(_text(device, "id", "device.id"), seq, _text(p, "report_id", "report_id"),
                         digest, finished, _text(tool, "version", "tool.version"), campaign,
                         _text(os_block, "family", "os.family"), facts, tuple(reported),
                         summary["verdict"])
