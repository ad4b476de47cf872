"""The one report validator: every field of a predicate type-checked (SCHEMA_INVALID when not).

It agrees with the shipped JSON Schema (`report/schema/report.v1.schema.json`, tested on
generated valid and invalid predicates) but runs as plain compiled checks, because verify runs
it on every report. It is total: any JSON value in any field gives a SchemaProblem, never
another exception (types are checked before anything is hashed, compared or iterated), so one
device's malformed report can never stop a fleet run.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, NamedTuple

from wfhaudit.crypto.strictjson import MAX_SAFE_INT, StrictJSONError, check_depth
from wfhaudit.util.timefmt import parse_epoch

REPORT_FORMAT = "wfhaudit-report/1"
MAX_FACTS = 1000
# Bounded work per report: a fact string (or list item) is at most 4 KiB (4096 characters) and
# a list at most 256 items, so no policy pattern can be made to run on a huge string.
MAX_FACT_STRING = 4096
MAX_FACT_ITEMS = 256
MAX_FINDINGS = 2000
MAX_TEXT = 256
EVIDENCE_MAX_DEPTH = 24
STATUS_CODE = {"PASS": "P", "FAIL": "F", "UNKNOWN": "U", "NOT_APPLICABLE": "N", "WAIVED": "W"}
FACT_STATUSES = ("observed", "unknown")
VERDICTS = ("READY", "NOT_READY")
# The fields wfhaudit defines; anything else a device adds is dropped, never shown as verified.
KNOWN_FIELDS = ("format", "report_id", "sequence", "device", "tool", "policy", "campaign",
                "started_at", "finished_at", "os", "probes_run", "facts", "findings", "summary",
                "evidence_level", "evidence", "replayed_from")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_NULL: type = type(None)
_SCALARS: tuple[type, ...] = (str, int, float, bool, _NULL)
_TEXT_OR_NULL: frozenset[type] = frozenset({str, _NULL})
_VALUE: frozenset[type] = frozenset({*_SCALARS, list})
# Allowed Python types of each member (a list must hold only text). Checked in one pass per
# object with no call per member: this runs for every fact and finding of every report.
_FACT_TYPES: dict[str, frozenset[type]] = {
    "reason": _TEXT_OR_NULL, "detail": _TEXT_OR_NULL, "unit": _TEXT_OR_NULL,
    "sources": frozenset({list}), "value": _VALUE, "status": frozenset({str})}
_FINDING_TYPES: dict[str, frozenset[type]] = {
    **dict.fromkeys(("rule", "status", "title", "fact", "severity", "expected", "reason",
                     "remediation", "rationale"), frozenset({str})),
    "required": frozenset({bool}), "blocking": frozenset({bool}), "unit": _TEXT_OR_NULL,
    "measured": _VALUE, "references": frozenset({list}), "waiver": frozenset({dict, _NULL})}
_NAMES: dict[type, str] = {str: "text", int: "an integer", float: "a number", bool: "true or false",
          _NULL: "null", dict: "an object", list: "a list"}
WAIVER_MAX_DEPTH = 8


class SchemaProblem(ValueError):
    """The predicate does not have the wfhaudit report shape."""


class PredicateView(NamedTuple):
    """The fields verification and judging need, read once from a validated predicate."""

    device_id: str
    device_name: str
    sequence: int
    report_id: str
    policy_digest: str
    started: float
    finished: float
    finished_at: str
    tool_version: str
    campaign: dict[str, Any] | None
    os_family: str
    os_version: str
    facts: dict[str, Any]
    reported_rules: tuple[str, ...]
    reported_codes: str  # one letter of STATUS_CODE per finding, in report order
    reported_verdict: str

    @property
    def reported(self) -> tuple[tuple[str, str], ...]:
        """(rule, status) of every finding the device reported."""
        names = {code: status for status, code in STATUS_CODE.items()}
        return tuple(zip(self.reported_rules, (names[c] for c in self.reported_codes),
                         strict=True))


def _fail(path: str, message: str) -> SchemaProblem:
    return SchemaProblem(f"$.predicate.{path}: {message}")


def _obj(p: dict[str, Any], key: str) -> dict[str, Any]:
    value = p.get(key)
    if type(value) is not dict:
        raise _fail(key, "expected an object")
    return value


def _text(obj: dict[str, Any], key: str, path: str) -> str:
    value = obj.get(key)
    if type(value) is not str or not 0 < len(value) <= MAX_TEXT:
        raise _fail(path, f"expected text of 1 to {MAX_TEXT} characters")
    return value


def _optional(obj: dict[str, Any], key: str, path: str, kinds: Collection[type]) -> Any:
    value = obj.get(key)
    if key in obj and type(value) not in kinds:
        raise _fail(path, f"expected {' or '.join(sorted(_NAMES[k] for k in kinds))}")
    return value


def _value_ok(value: Any) -> bool:
    """A fact value within the limits (the types are checked elsewhere)."""
    if type(value) is list:
        return len(value) <= MAX_FACT_ITEMS and all(len(x) <= MAX_FACT_STRING for x in value)
    return type(value) is not str or len(value) <= MAX_FACT_STRING


def _strings(value: Any) -> bool:
    return type(value) is list and all(type(x) is str for x in value)


def _member_problem(obj: Any, types: dict[str, frozenset[type]], path: str
                    ) -> SchemaProblem | None:
    """The first badly typed member of an object, or None (the slow path, for messages)."""
    if type(obj) is not dict:
        return _fail(path, "expected an object")
    for key, value in obj.items():
        kinds = types.get(key)
        if kinds is None:
            continue
        if type(value) not in kinds:
            names = " or ".join(sorted(_NAMES[k] for k in kinds))
            return _fail(f"{path}.{key}", f"expected {names}")
        if type(value) is list and not _strings(value):
            return _fail(f"{path}.{key}", "expected a list of text")
    return None


def _typed(obj: dict[str, Any], types: dict[str, frozenset[type]]) -> bool:
    """Whether every member wfhaudit defines has an allowed type (a list holding only text)."""
    get = types.get
    for name, value in obj.items():
        kinds = get(name)
        if kinds is None:
            continue
        kind = type(value)
        if kind not in kinds:
            return False
        if kind is list:
            for x in value:  # a loop, not all(): no generator per list
                if type(x) is not str:
                    return False
    return True


def _facts(p: dict[str, Any]) -> dict[str, Any]:
    facts = _obj(p, "facts")
    if len(facts) > MAX_FACTS:
        raise _fail("facts", f"more than {MAX_FACTS} facts")
    types = _FACT_TYPES
    get = types.get
    for key, fact in facts.items():
        ok = type(fact) is dict
        if ok:  # _typed, inlined: this loop runs for every fact of every report
            for name, value in fact.items():
                kinds = get(name)
                if kinds is None:
                    continue
                kind = type(value)
                if kind not in kinds:
                    ok = False
                elif kind is list:
                    for x in value:
                        if type(x) is not str:
                            ok = False
                            break
            status = fact.get("status")
            ok = ok and (status == "unknown" or (status == "observed" and "value" in fact))
            if ok and not _value_ok(fact.get("value")):
                raise _fail(f"facts.{str(key)[:60]}.value", f"text longer than "
                            f"{MAX_FACT_STRING} characters or more than {MAX_FACT_ITEMS} items")
        if not ok:
            path = f"facts.{str(key)[:60]}"
            problem = _member_problem(fact, types, path)
            if problem is None and fact.get("status") not in FACT_STATUSES:
                problem = _fail(f"{path}.status", "expected 'observed' or 'unknown'")
            raise problem or _fail(f"{path}.value", "an observed fact needs a value")
    return facts


def _findings(p: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    findings = p.get("findings")
    if type(findings) is not list or len(findings) > MAX_FINDINGS:
        raise _fail("findings", f"expected a list of at most {MAX_FINDINGS}")
    types, codes_of = _FINDING_TYPES, STATUS_CODE
    rules: list[str] = []
    codes: list[str] = []
    for i, f in enumerate(findings):
        rule = code = None
        if type(f) is dict and _typed(f, types):
            rule = f.get("rule")
            code = codes_of.get(f["status"]) if "status" in f else None  # typed: a str
        if rule is None or code is None:
            path = f"findings[{i}]"
            raise _member_problem(f, types, path) or _fail(
                path, f"expected a rule and a status in {sorted(STATUS_CODE)}")
        if f.get("waiver") is not None:
            _depth(f["waiver"], WAIVER_MAX_DEPTH, f"findings[{i}].waiver")
        rules.append(rule)
        codes.append(code)
    return tuple(rules), "".join(codes)


def _depth(value: Any, limit: int, path: str) -> None:
    try:
        check_depth(value, limit)
    except StrictJSONError as exc:
        raise _fail(path, str(exc)) from None


def _summary(p: dict[str, Any]) -> str:
    summary = _obj(p, "summary")
    verdict = summary.get("verdict")
    if type(verdict) is not str or verdict not in VERDICTS:
        raise _fail("summary.verdict", "expected READY or NOT_READY")
    _optional(summary, "score", "summary.score", (int,))
    counts = _optional(summary, "counts", "summary.counts", (dict,))
    if counts is not None and any(type(n) is not int for n in counts.values()):
        raise _fail("summary.counts", "expected integers")
    if "blocking" in summary and not _strings(summary["blocking"]):
        raise _fail("summary.blocking", "expected a list of text")
    return verdict


def _campaign(p: dict[str, Any]) -> dict[str, Any] | None:
    campaign = p.get("campaign")
    if campaign is None:
        return None
    if type(campaign) is not dict:
        raise _fail("campaign", "expected an object or null")
    _text(campaign, "id", "campaign.id")
    _text(campaign, "nonce", "campaign.nonce")
    return campaign


def _header(p: dict[str, Any]) -> tuple[str, str, str, str, str]:
    """(device id, device name, tool version, os family, os version) after their checks."""
    device, tool, os_block = _obj(p, "device"), _obj(p, "tool"), _obj(p, "os")
    name = _optional(device, "name", "device.name", (str,))
    _optional(tool, "name", "tool.name", (str,))
    for key in ("version", "release", "machine"):
        _optional(os_block, key, f"os.{key}", _TEXT_OR_NULL)
    for key in ("evidence_level", "replayed_from"):
        _optional(p, key, key, (str,))
    if "probes_run" in p and not _strings(p["probes_run"]):
        raise _fail("probes_run", "expected a list of text")
    return (_text(device, "id", "device.id"), name or "", _text(tool, "version", "tool.version"),
            _text(os_block, "family", "os.family"), os_block.get("version") or "")


def _policy(p: dict[str, Any]) -> str:
    policy = _obj(p, "policy")
    digest = policy.get("digest")
    if type(digest) is not str or _DIGEST.fullmatch(digest) is None:
        raise _fail("policy.digest", "expected sha256:<64 lowercase hex>")
    if type(policy.get("document")) is not dict:
        raise _fail("policy.document", "expected an object")
    for key in ("id", "version", "title"):
        _optional(policy, key, f"policy.{key}", (str,))
    return digest


def check_predicate(p: Any) -> PredicateView:
    """Validate the report shape and limits; SchemaProblem names the first problem."""
    if type(p) is not dict:
        raise SchemaProblem("$.predicate: expected an object")
    if p.get("format") != REPORT_FORMAT:  # compared with a str: safe for any value
        raise _fail("format", f"expected {REPORT_FORMAT!r}")
    seq = p.get("sequence")
    if type(seq) is not int or not 0 <= seq <= MAX_SAFE_INT:
        raise _fail("sequence", "expected a non-negative integer")
    report_id = _text(p, "report_id", "report_id")
    device_id, device_name, tool_version, os_family, os_version = _header(p)
    digest = _policy(p)
    campaign = _campaign(p)
    finished_at = p.get("finished_at")
    started, finished = parse_epoch(p.get("started_at")), parse_epoch(finished_at)
    if started is None or finished is None or started > finished:
        raise _fail("started_at/finished_at", "expected UTC times like 2026-11-23T10:40:00Z, "
                                              "started before finished")
    facts = _facts(p)
    rules, codes = _findings(p)
    verdict = _summary(p)
    evidence = p.get("evidence")
    if evidence is not None and type(evidence) is not dict:
        raise _fail("evidence", "expected an object or null")
    _depth(evidence, EVIDENCE_MAX_DEPTH, "evidence")
    return PredicateView(device_id, device_name, seq, report_id, digest, started, finished,
                         str(finished_at), tool_version, campaign, os_family, os_version, facts,
                         rules, codes, verdict)
