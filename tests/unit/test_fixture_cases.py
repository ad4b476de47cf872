"""Drive every recorded case under tests/fixtures/cases/<probe>/<os>/<case>.json through its probe.

A case file holds: description, source (where the recorded output came from), evidence (an
evidence bundle: os, commands with exact argv, files, dirs, snapshots, measurements), settings
(optional policy settings) and expect: fact key -> expected value, or {"unknown": "substring of
the reason"} for facts that must be UNKNOWN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

CASES = Path(__file__).parent.parent / "fixtures" / "cases"


def _cases() -> list[Any]:
    return [pytest.param(path, id=f"{path.parent.parent.name}/{path.parent.name}/{path.stem}")
            for path in sorted(CASES.glob("*/*/*.json"))]


@pytest.mark.parametrize("case_path", _cases())
def test_recorded_case(case_path: Path) -> None:
    case = json.loads(case_path.read_text(encoding="utf-8"))
    assert case.get("source"), f"{case_path}: every case must say where its output came from"
    assert case.get("expect"), f"{case_path}: a case must expect at least one fact"
    probe_name = case_path.parent.parent.name
    evidence = Evidence.from_dict(case["evidence"])
    assert evidence.os.family == case_path.parent.name
    host = RecordedHost(evidence)
    probe = load_probe(probe_name)
    facts = {f.key: f for f in probe.collect(ProbeContext(host=host, settings=case.get("settings", {})))}
    for key, want in case["expect"].items():
        fact = facts[key]
        if isinstance(want, dict) and "unknown" in want:
            assert not fact.is_known, f"{key} should be UNKNOWN, got {fact.value!r}"
            assert want["unknown"].lower() in (fact.reason or "").lower(), fact.reason
        else:
            assert fact.is_known, f"{key} should be {want!r}, is UNKNOWN: {fact.reason}"
            assert fact.value == want, f"{key}: {fact.value!r} != {want!r}"
