"""Re-derive a report's facts from the evidence it carries, and compare them with the signed ones.

A signature says which key signed; it does not say the facts are true. Probes are pure functions
of what the machine answered, and the evidence bundle is those answers, so the same probe code
run over the bundle through `RecordedHost` must give the facts the report claims. The device
does this before signing (its report facts are the ones its evidence gives), the verifier does
it again: a difference means the facts were edited after the probes ran.

Redacted evidence re-derives too: redaction keeps what the decisions read (see host/redact.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from wfhaudit.errors import EvidenceError
from wfhaudit.facts import CATALOGUE, Fact, FactType
from wfhaudit.host import Evidence
from wfhaudit.util.text import clip
from wfhaudit.verify.replaymemo import ReplayMemo


class EvidenceProblem(Exception):
    """The evidence is absent where required, unreadable, or gives other facts."""

    def __init__(self, missing: bool, detail: str) -> None:
        self.missing = missing
        self.detail = detail
        super().__init__(detail)


def probes_of(keys: Iterable[str]) -> list[str]:
    """The probes owning these fact keys, in a stable order."""
    return sorted({CATALOGUE[k].probe for k in keys if k in CATALOGUE})


def derive(evidence: Evidence, settings: Mapping[str, Any], probes: Iterable[str],
           memo: ReplayMemo | None = None) -> dict[str, Fact]:
    """Every fact the named probes give over the evidence (each probe on a fresh replay)."""
    memo = memo if memo is not None else ReplayMemo(0)
    out: dict[str, Fact] = {}
    for name in probes:
        for fact in memo.facts(name, evidence, settings):
            out[fact.key] = fact
    return out


def _same(spec_type: FactType, claimed: Any, derived: Any) -> bool:
    if spec_type is FactType.BOOL or type(claimed) is bool or type(derived) is bool:
        return type(claimed) is bool and claimed is derived
    if spec_type in (FactType.NUMBER, FactType.INT):
        return type(claimed) in (int, float) and claimed == derived
    return type(claimed) is type(derived) and claimed == derived


def _show(value: Any) -> str:
    return clip(json.dumps(value, ensure_ascii=False), 60)


def differences(signed: Mapping[str, Any], derived: Mapping[str, Fact]) -> list[str]:
    """One line per signed fact the evidence contradicts (status or value)."""
    out = []
    for key, fact in derived.items():
        claim = signed.get(key)
        if claim is None:
            continue
        if not isinstance(claim, Mapping):
            out.append(f"{key}: malformed")
            continue
        status = claim.get("status")
        if status != fact.status.value or (
                fact.is_known and not _same(CATALOGUE[key].type, claim.get("value"), fact.value)):
            said = _show(claim.get("value")) if status == "observed" else str(status)
            got = _show(fact.value) if fact.is_known else "unknown"
            out.append(f"{key}: signed {said}, evidence gives {got}")
    return out


def evidence_of(predicate: Mapping[str, Any]) -> Evidence | None:
    """The report's evidence bundle (None when it carries none); EvidenceProblem if unreadable."""
    raw = predicate.get("evidence")
    if raw is None or predicate.get("evidence_level") == "none":
        if raw is not None:
            raise EvidenceProblem(False, "evidence level 'none' but evidence is present")
        return None
    try:
        return Evidence.from_dict(raw)
    except (EvidenceError, AttributeError) as exc:
        raise EvidenceProblem(False, f"the evidence bundle is unreadable: {exc}") from None


def check_report(predicate: Mapping[str, Any], settings: Mapping[str, Any], required: bool,
                 memo: ReplayMemo | None = None) -> None:
    """Raise EvidenceProblem when the report's facts are not what its evidence gives."""
    evidence = evidence_of(predicate)
    facts = predicate.get("facts")
    if evidence is None:
        if required:
            raise EvidenceProblem(True, "the accepted policy requires evidence "
                                        "(settings.report.evidence_required) and the report "
                                        "carries none")
        return
    assert isinstance(facts, Mapping)  # noqa: S101 - the schema check ran first
    os_block = predicate.get("os")
    family = os_block.get("family") if isinstance(os_block, Mapping) else None
    if family != evidence.os.family:
        raise EvidenceProblem(False, f"os.family: report says {_show(family)}, evidence was "
                                     f"recorded on {_show(evidence.os.family)}")
    wrong = differences(facts, derive(evidence, settings, probes_of(facts), memo))
    if wrong:
        raise EvidenceProblem(False, f"{len(wrong)} fact(s) differ from what the evidence "
                                     f"gives: {'; '.join(wrong[:4])}")
