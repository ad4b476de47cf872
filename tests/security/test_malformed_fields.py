"""Every malformed field is a rejection with a reason code, never an exception.

A signed report from an enrolled key gets a random JSON value in one predicate field (or in one
member of a fact, a finding or a nested object). `verify` and aggregate's worker (the same
verifier, then the fleet row and a what-if judgement) must answer with a reason code; when the
predicate no longer matches the shipped report schema, that code is SCHEMA_INVALID.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from tests.security.pki import NOW, Pki
from tests.unit.report_schema import schema_valid

from wfhaudit.crypto import strictjson
from wfhaudit.crypto.strictjson import StrictJSONError
from wfhaudit.fleet.pool import Worker, WorkerConfig
from wfhaudit.judge.rows import Accepted, Rejected
from wfhaudit.policy.loader import load_policy
from wfhaudit.reasons import Reason
from wfhaudit.trust.index import compile_trust

REASONS = {r.value for r in Reason}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                  max_size=3),
    max_leaves=6)
# Values a schema rule cares about, mixed in so that near-misses are tried as often as junk.
SPECIAL = st.sampled_from([
    ["PASS"], {"verdict": "READY"}, "PASS", "READY", "NOT_READY", "observed", "unknown", True,
    1.0, 0, -1, "", "x" * 300, ["a", 1], [], {}, None, "2026-11-20T08:00:00Z",
    "2026-02-30T08:00:00Z", "sha256:" + "0" * 64, {"id": "x", "nonce": "y"}, [[[[["deep"]]]]]])
VALUES = st.one_of(JSON, SPECIAL)

TOP = ["format", "report_id", "sequence", "device", "tool", "policy", "campaign", "started_at",
       "finished_at", "os", "probes_run", "facts", "findings", "summary", "evidence_level",
       "evidence", "replayed_from"]
NESTED = {"device": ["id", "name"], "tool": ["name", "version"],
          "policy": ["id", "version", "title", "digest", "document"],
          "os": ["family", "version", "release", "machine"],
          "summary": ["verdict", "score", "counts", "blocking"]}
FACT_MEMBERS = ["status", "value", "reason", "sources", "detail", "unit"]
FINDING_MEMBERS = ["rule", "title", "fact", "status", "severity", "required", "blocking",
                   "measured", "unit", "expected", "reason", "remediation", "rationale",
                   "references", "waiver"]


def payload_of(envelope: bytes) -> bytes:
    return base64.b64decode(json.loads(envelope)["payload"])


def _paths(predicate: dict[str, Any]) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = [(k,) for k in TOP]
    paths += [(k, m) for k, members in NESTED.items() for m in members]
    paths += [("campaign", "id"), ("campaign", "nonce")]
    paths += [("facts", key, m) for key in predicate["facts"] for m in FACT_MEMBERS]
    paths += [("findings", i, m) for i in range(len(predicate["findings"]))
              for m in FINDING_MEMBERS]
    paths += [("facts", key) for key in predicate["facts"]]
    paths += [("findings", i) for i in range(len(predicate["findings"]))]
    return paths


def _put(predicate: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool) -> None:
    node: Any = predicate
    for step in path[:-1]:
        if isinstance(node, dict) and node.get(step) is None:
            node[step] = {}  # e.g. a campaign member when the report had no campaign
        node = node[step]
    if delete and isinstance(node, dict):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value


class Setup:
    """One PKI, a trust index for aggregate's worker, and a base report (dev-a)."""

    def __init__(self, folder: Path) -> None:
        self.pki = Pki()
        self.campaign = self.pki.open_campaign()
        self.base = self.pki.predicate(campaign=self.campaign,
                                       finished=NOW - dt.timedelta(hours=1))
        self.statement = self.pki.statement("dev-a", self.base)
        self.verifier = self.pki.verifier()
        index = folder / "trust.sqlite"
        compile_trust(self.pki.trust_bytes(), [self.pki.admin.public_key()], NOW, None,
                      "trust", index)
        whatif = load_policy("strict")
        self.worker = Worker(WorkerConfig(index, NOW, dt.timedelta(days=7), whatif))
        self.paths = _paths(self.base)

    def envelope(self, predicate: dict[str, Any]) -> bytes:
        """dev-a's signed Statement around any predicate (the subject stays dev-a's key)."""
        return self.pki.envelope(statement={**self.statement, "predicate": predicate})


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    return Setup(tmp_path_factory.mktemp("malformed"))


@settings(max_examples=600, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_value_in_any_field_gives_a_reason_code(setup: Setup, data: st.DataObject) -> None:
    predicate = copy.deepcopy(setup.base)
    path = data.draw(st.sampled_from(setup.paths), label="path")
    delete = data.draw(st.booleans(), label="delete") if len(path) > 1 else False
    value = data.draw(VALUES, label="value")
    _put(predicate, path, value, delete)
    envelope = setup.envelope(predicate)
    result = setup.verifier.check(envelope, "r.wfh.json")  # no state: every draw is fresh
    assert result.reason in REASONS
    if result.reason == "PAYLOAD_MALFORMED":  # e.g. a float that RFC 8785 writes as 2^53
        with pytest.raises(StrictJSONError):
            strictjson.loads(payload_of(envelope))
        return
    signed = json.loads(payload_of(envelope))["predicate"]  # what the device really signed
    valid = schema_valid(signed)
    event(f"schema {'valid' if valid else 'invalid'}: {result.reason}")
    if not valid:
        assert result.reason == "SCHEMA_INVALID", (path, value, result.detail)
    row = setup.worker.row("r.wfh.json", envelope)
    if isinstance(row, Accepted):
        assert result.accepted and row.own == result.judgement and row.whatif is not None
    else:  # the verifier's reason, or the what-if policy refusing a value it needs
        assert isinstance(row, Rejected)
        assert row.reason == result.reason or (result.accepted and row.reason == "SCHEMA_INVALID")


@pytest.mark.parametrize("path, value", [
    (("findings", 0, "status"), ["PASS"]),
    (("summary", "verdict"), ["READY"]),
    (("summary", "verdict"), {"x": 1}),
    (("facts", "firewall.enabled", "status"), ["observed"]),
    (("facts", "firewall.enabled", "value"), {"on": True}),
    (("findings", 0, "waiver"), [[[[[[[[[["too deep"]]]]]]]]]]),
    (("campaign", "id"), ["2026-W47"]),
])
def test_unhashable_values_where_a_word_is_expected_are_schema_invalid(
        setup: Setup, path: tuple[Any, ...], value: Any) -> None:
    predicate = copy.deepcopy(setup.base)
    _put(predicate, path, value, False)
    envelope = setup.envelope(predicate)
    assert setup.verifier.check(envelope).reason == "SCHEMA_INVALID"
    row = setup.worker.row("r.wfh.json", envelope)
    assert isinstance(row, Rejected) and row.reason == "SCHEMA_INVALID"


def test_the_base_report_verifies_in_both(setup: Setup) -> None:
    envelope = setup.envelope(setup.base)
    assert setup.verifier.check(envelope).reason == "VERIFIED"
    row = setup.worker.row("r.wfh.json", envelope)
    assert isinstance(row, Accepted) and row.own.verdict == "READY"
