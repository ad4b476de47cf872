"""The report predicate as typed data: build it, validate and read it back, write it out.

`Report.from_dict` runs the one validator (report/validate.py) and then builds the typed
objects; `to_dict` gives the JSON form that is signed. `build_report` assembles a new report
from a run. The format is described by `report/schema/report.v1.schema.json`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit import __version__
from wfhaudit.evaluate import Evaluation
from wfhaudit.facts import FactSet
from wfhaudit.policy.model import Policy
from wfhaudit.report.validate import REPORT_FORMAT, check_predicate
from wfhaudit.util.jsonshape import as_dict, as_list
from wfhaudit.util.timefmt import stamp

__all__ = ["REPORT_FORMAT", "Report", "ReportFact", "ReportFinding", "build_report"]


def _word(value: Any) -> str:
    """Display text of an untrusted member: empty when it is missing or empty."""
    return str(value) if value else ""


def _unit(value: Any) -> str | None:
    return str(value) if value else None


@dataclass(frozen=True, slots=True)
class ReportFact:
    """One fact as the report carries it: observed with a value, or unknown with a reason."""

    status: str  # observed | unknown
    value: Any = None
    reason: str | None = None
    sources: tuple[str, ...] = ()
    detail: str | None = None
    unit: str | None = None

    @property
    def observed(self) -> bool:
        """True when the probe observed a value."""
        return self.status == "observed"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (as `Fact.to_dict` writes it)."""
        out: dict[str, Any] = {"status": self.status, "sources": list(self.sources)}
        if self.observed:
            out["value"] = self.value
        else:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        if self.unit:
            out["unit"] = self.unit
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportFact:
        """From a validated fact object."""
        return cls(data["status"], data.get("value"), data.get("reason"),
                   tuple(data.get("sources", ())), data.get("detail"), data.get("unit"))

    @classmethod
    def shown(cls, raw: Any) -> ReportFact:
        """Any JSON value as a fact to display as it is (never raises; nothing is validated)."""
        d = as_dict(raw)
        return cls(str(d.get("status")), d.get("value"), _word(d.get("reason")),
                   tuple(str(s) for s in as_list(d.get("sources"))), _word(d.get("detail")),
                   _unit(d.get("unit")))


@dataclass(frozen=True, slots=True)
class ReportFinding:
    """One rule's outcome as the device judged it."""

    rule: str
    status: str  # PASS | FAIL | UNKNOWN | NOT_APPLICABLE | WAIVED
    title: str = ""
    fact: str = ""
    severity: str = ""
    required: bool = False
    blocking: bool = False
    measured: Any = None
    unit: str | None = None
    expected: str = ""
    reason: str = ""
    remediation: str = ""
    rationale: str = ""
    references: tuple[str, ...] = ()
    waiver: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (as `Finding.to_dict` writes it)."""
        return {"rule": self.rule, "title": self.title, "fact": self.fact,
                "status": self.status, "severity": self.severity, "required": self.required,
                "blocking": self.blocking, "measured": self.measured, "unit": self.unit,
                "expected": self.expected, "reason": self.reason,
                "remediation": self.remediation, "rationale": self.rationale,
                "references": list(self.references), "waiver": self.waiver}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReportFinding:
        """From a validated finding object."""
        g = data.get
        return cls(data["rule"], data["status"], g("title", ""), g("fact", ""),
                   g("severity", ""), g("required", False), g("blocking", False), g("measured"),
                   g("unit"), g("expected", ""), g("reason", ""), g("remediation", ""),
                   g("rationale", ""), tuple(g("references", ())), g("waiver"))

    @classmethod
    def shown(cls, raw: Any) -> ReportFinding:
        """Any JSON value as a finding to display as it is (never raises; nothing is validated)."""
        g = as_dict(raw).get
        return cls(_word(g("rule")), str(g("status")), _word(g("title")), _word(g("fact")),
                   _word(g("severity")), g("required") is True, g("blocking") is True,
                   g("measured"), _unit(g("unit")), _word(g("expected")), _word(g("reason")),
                   _word(g("remediation")), _word(g("rationale")),
                   tuple(str(r) for r in as_list(g("references"))), as_dict(g("waiver")) or None)


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """The device's verdict, score and counts."""

    verdict: str  # READY | NOT_READY
    score: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    blocking: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (as `Evaluation.summary` writes it)."""
        return {"verdict": self.verdict, "score": self.score, "counts": dict(self.counts),
                "blocking": list(self.blocking)}


@dataclass(frozen=True, slots=True)
class ReportPolicy:
    """The policy the device judged under: its names, its digest and the resolved document."""

    digest: str
    document: dict[str, Any]
    id: str = ""
    version: str = ""
    title: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"id": self.id, "version": self.version, "title": self.title,
                "digest": self.digest, "document": self.document}


@dataclass(frozen=True, slots=True)
class ReportOs:
    """The operating system the report is about."""

    family: str
    version: str | None = None
    release: str | None = None
    machine: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"family": self.family, "version": self.version, "release": self.release,
                "machine": self.machine}


@dataclass(frozen=True, slots=True)
class Report:
    """A whole report predicate, typed."""

    report_id: str
    sequence: int
    device_id: str
    device_name: str
    tool_version: str
    policy: ReportPolicy
    started_at: str
    finished_at: str
    os: ReportOs
    facts: dict[str, ReportFact]
    findings: tuple[ReportFinding, ...]
    summary: ReportSummary
    campaign: dict[str, str] | None = None
    probes_run: tuple[str, ...] = ()
    evidence_level: str = "none"
    evidence: dict[str, Any] | None = None
    replayed_from: str | None = None
    tool_name: str = "wfhaudit"

    def to_dict(self) -> dict[str, Any]:
        """The predicate as JSON data (what is signed)."""
        out = {"format": REPORT_FORMAT, "report_id": self.report_id, "sequence": self.sequence,
               "device": {"id": self.device_id, "name": self.device_name},
               "tool": {"name": self.tool_name, "version": self.tool_version},
               "policy": self.policy.to_dict(), "campaign": self.campaign,
               "started_at": self.started_at, "finished_at": self.finished_at,
               "os": self.os.to_dict(), "probes_run": list(self.probes_run),
               "facts": {k: f.to_dict() for k, f in self.facts.items()},
               "findings": [f.to_dict() for f in self.findings],
               "summary": self.summary.to_dict(), "evidence_level": self.evidence_level,
               "evidence": self.evidence}
        if self.replayed_from is not None:
            out["replayed_from"] = self.replayed_from
        return out

    @classmethod
    def from_dict(cls, data: Any) -> Report:
        """Validate (SchemaProblem names the first problem) and build the typed report."""
        view = check_predicate(data)
        g = data.get
        policy, os_block, summary = g("policy"), g("os"), g("summary")
        return cls(
            view.report_id, view.sequence, view.device_id, view.device_name, view.tool_version,
            ReportPolicy(view.policy_digest, policy["document"], policy.get("id", ""),
                         policy.get("version", ""), policy.get("title", "")),
            g("started_at"), view.finished_at,
            ReportOs(view.os_family, os_block.get("version"), os_block.get("release"),
                     os_block.get("machine")),
            {k: ReportFact.from_dict(f) for k, f in view.facts.items()},
            tuple(ReportFinding.from_dict(f) for f in g("findings")),
            ReportSummary(view.reported_verdict, summary.get("score", 0),
                          dict(summary.get("counts", {})), tuple(summary.get("blocking", ()))),
            {"id": view.campaign["id"], "nonce": view.campaign["nonce"]} if view.campaign
            else None, tuple(g("probes_run", ())), g("evidence_level", "none"),
            g("evidence"), g("replayed_from"), g("tool").get("name", "wfhaudit"))

    @property
    def verdict(self) -> str:
        """The device's own verdict."""
        return self.summary.verdict

    def fact_set(self) -> FactSet:
        """The facts for evaluation; KeyError or ValueError for a key or value the catalogue refuses."""
        return FactSet.from_dict({k: f.to_dict() for k, f in self.facts.items()})


def build_report(*, policy: Policy, facts: FactSet, evaluation: Evaluation,
                 device: Mapping[str, Any], os_block: Mapping[str, Any],
                 started: dt.datetime, finished: dt.datetime,
                 evidence: Mapping[str, Any] | None, evidence_level: str,
                 sequence: int = 0, campaign: Mapping[str, Any] | None = None,
                 probes_run: list[str] | None = None) -> dict[str, Any]:
    """Assemble the report predicate; every value is JSON and RFC 8785 safe."""
    summary = evaluation.summary()
    return Report(
        report_id=str(uuid.uuid4()), sequence=sequence, device_id=device["id"],
        device_name=device["name"], tool_version=__version__,
        policy=ReportPolicy(policy.digest, policy.document(), policy.id, policy.version,
                            policy.title),
        started_at=stamp(started), finished_at=stamp(finished),
        os=ReportOs(os_block["family"], os_block.get("version"), os_block.get("release"),
                    os_block.get("machine")),
        facts={k: ReportFact.from_dict(v) for k, v in facts.to_dict().items()},
        findings=tuple(ReportFinding.from_dict(f.to_dict()) for f in evaluation.findings),
        summary=ReportSummary(summary["verdict"], summary["score"], summary["counts"],
                              tuple(summary["blocking"])),
        campaign=dict(campaign) if campaign else None, probes_run=tuple(probes_run or ()),
        evidence_level=evidence_level, evidence=dict(evidence) if evidence is not None else None,
    ).to_dict()
