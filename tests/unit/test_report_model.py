"""The typed report model and the one validator, checked against the shipped JSON Schema.

The verifier validates with compiled checks (report/validate.py); the schema file documents the
format. Generated valid and invalid predicates must get the same answer from both.
"""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests.security.pki import GOOD_FACTS, Pki
from tests.unit.report_schema import schema_valid, validator

from wfhaudit.errors import ReportError
from wfhaudit.report.model import Report, ReportFact, ReportFinding
from wfhaudit.report.reading import read_report
from wfhaudit.report.validate import SchemaProblem, check_predicate

REPORTS = Path(__file__).resolve().parent.parent / "fixtures" / "reports"
SCALARS = (st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
           | st.floats(-1e12, 1e12).map(lambda x: x + 0.5 if x.is_integer() else x)
           | st.text(max_size=6))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=5)
WORDS = st.sampled_from(["PASS", "FAIL", "READY", "NOT_READY", "observed", "unknown", "", "x",
                         "2026-11-20T08:00:00Z", "2026-13-01T00:00:00Z", "sha256:" + "a" * 64])
VALUES = st.one_of(JSON, WORDS, st.lists(WORDS, max_size=2), st.just([[[[[[[[[[1]]]]]]]]]]))


def _fast_valid(predicate: Any) -> bool:
    try:
        check_predicate(predicate)
    except SchemaProblem:
        return False
    return True


def _base(**overrides: Any) -> dict[str, Any]:
    pki = Pki()
    facts = {**GOOD_FACTS, "firewall.enabled": False}
    predicate = pki.predicate(facts=facts, campaign={"id": "c1", "nonce": "n1"})
    predicate["facts"]["vpn.active"] = {"status": "unknown", "reason": "no route", "sources": [],
                                        "detail": "ip route failed"}
    predicate.update(overrides)
    return predicate


BASE = _base()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into the predicate (the policy document and evidence only at their top)."""
    out = [prefix] if prefix else []
    if isinstance(node, dict) and prefix[-1:] not in (("document",), ("evidence",)):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:2]):
            out += _paths(value, (*prefix, i))
    return out


PATHS = _paths(BASE)


@settings(max_examples=1000, deadline=None, database=None)
@given(path=st.sampled_from(PATHS), value=VALUES, delete=st.booleans())
def test_fast_validator_agrees_with_the_schema(path: tuple[Any, ...], value: Any,
                                               delete: bool) -> None:
    predicate = copy.deepcopy(BASE)
    node: Any = predicate
    for step in path[:-1]:
        node = node[step]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    expected = schema_valid(predicate)
    event("valid" if expected else "invalid")
    assert _fast_valid(predicate) == expected, (path, value)


def test_every_committed_and_built_report_is_valid_for_both() -> None:
    predicates = [BASE]
    for path in sorted(REPORTS.glob("*.wfh.json")):
        data = json.loads(path.read_text("utf-8"))
        if "payload" in data:
            data = json.loads(base64.b64decode(data["payload"]))["predicate"]
        if path.name != "forged.wfh.json":  # the forged sample is broken on purpose
            predicates.append(data)
    for predicate in predicates:
        assert validator().is_valid(predicate)
        assert schema_valid(predicate) and _fast_valid(predicate)


def test_an_integer_with_a_fraction_is_refused_though_json_schema_allows_it() -> None:
    # Documented in the schema's description: JSON Schema counts 1.0 as an integer; wfhaudit
    # reads a sequence as a whole number only.
    predicate = copy.deepcopy(BASE)
    predicate["sequence"] = 1.0
    assert validator().is_valid(predicate)
    assert not schema_valid(predicate) and not _fast_valid(predicate)


def test_typed_model_round_trips_what_build_report_writes() -> None:
    report = Report.from_dict(BASE)
    assert report.to_dict() == BASE
    assert report.device_id == "dev-a" and report.verdict == BASE["summary"]["verdict"]
    assert report.facts["vpn.active"] == ReportFact("unknown", None, "no route", (),
                                                    "ip route failed")
    assert isinstance(report.findings[0], ReportFinding)
    assert report.fact_set().get("firewall.enabled").value is False
    assert report.campaign == {"id": "c1", "nonce": "n1"}


def test_typed_model_drops_members_it_does_not_define() -> None:
    predicate = copy.deepcopy(BASE)
    predicate["device"]["x_vendor"] = {"deep": [1, 2]}
    predicate["campaign"]["x"] = 1
    predicate["x_top"] = True
    out = Report.from_dict(predicate).to_dict()
    assert out == BASE


@pytest.mark.parametrize("change, where", [
    ({"summary": {"verdict": ["READY"]}}, "summary.verdict"),
    ({"findings": [{"rule": "r", "status": ["PASS"]}]}, "findings[0].status"),
    ({"facts": {"x.y": {"status": "observed"}}}, "facts.x.y.value"),
    ({"sequence": -1}, "sequence"),
    ({"started_at": "2026-11-21T00:00:00Z"}, "started_at/finished_at"),
])
def test_from_dict_names_the_first_problem(change: dict[str, Any], where: str) -> None:
    predicate = {**copy.deepcopy(BASE), **change}
    with pytest.raises(SchemaProblem) as info:
        Report.from_dict(predicate)
    assert f"$.predicate.{where}" in str(info.value)
    with pytest.raises(ReportError, match=r"r\.json"):
        read_report(predicate, "r.json")
