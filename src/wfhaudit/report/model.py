"""Build the report predicate (what a run observed and concluded) and read one back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from wfhaudit import __version__
from wfhaudit.errors import ReportError
from wfhaudit.evaluate import Evaluation
from wfhaudit.facts import FactSet
from wfhaudit.policy.model import Policy
from wfhaudit.util.timefmt import stamp

REPORT_FORMAT = "wfhaudit-report/1"


def build_report(*, policy: Policy, facts: FactSet, evaluation: Evaluation,
                 device: Mapping[str, Any], os_block: Mapping[str, Any],
                 started: dt.datetime, finished: dt.datetime,
                 evidence: Mapping[str, Any] | None, evidence_level: str,
                 sequence: int = 0, campaign: Mapping[str, Any] | None = None,
                 probes_run: list[str] | None = None) -> dict[str, Any]:
    """Assemble the report predicate; every value is JSON and RFC 8785 safe."""
    return {
        "format": REPORT_FORMAT,
        "report_id": str(uuid.uuid4()),
        "sequence": sequence,
        "device": dict(device),
        "tool": {"name": "wfhaudit", "version": __version__},
        "policy": {"id": policy.id, "version": policy.version, "title": policy.title,
                   "digest": policy.digest, "document": policy.document()},
        "campaign": dict(campaign) if campaign else None,
        "started_at": stamp(started),
        "finished_at": stamp(finished),
        "os": dict(os_block),
        "probes_run": probes_run or [],
        "facts": facts.to_dict(),
        "findings": [f.to_dict() for f in evaluation.findings],
        "summary": evaluation.summary(),
        "evidence_level": evidence_level,
        "evidence": dict(evidence) if evidence is not None else None,
    }


def check_predicate(data: Any, source: str) -> dict[str, Any]:
    """Minimal structural check of a predicate read from disk; ReportError names the problem."""
    if not isinstance(data, dict):
        raise ReportError(f"{source}: $: report must be a JSON object")
    if data.get("format") != REPORT_FORMAT:
        raise ReportError(f"{source}: $.format: expected {REPORT_FORMAT!r}")
    for key, kind in (("facts", dict), ("findings", list), ("summary", dict), ("policy", dict),
                      ("device", dict), ("os", dict), ("finished_at", str)):
        if not isinstance(data.get(key), kind):
            raise ReportError(f"{source}: $.{key}: missing or not a {kind.__name__}")
    return data
