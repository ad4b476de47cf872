"""Every source an updates, malware or wifi fact names is found in its evidence (what the HTML shows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext
from wfhaudit.report.html.evidence import evidence_for

CASES = Path(__file__).parents[2] / "fixtures" / "cases"


@pytest.mark.parametrize("path", sorted(p for n in ("updates", "malware", "wifi")
                                        for p in (CASES / n).glob("*/*.json")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_fact_sources_resolve_to_recorded_evidence(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    bundle = case["evidence"]
    host = RecordedHost(Evidence.from_dict(bundle))
    facts = load_probe(path.parent.parent.name).collect(
        ProbeContext(host=host, settings=case.get("settings", {})))
    for fact in facts:
        items = evidence_for(list(fact.sources), bundle)
        missing = [i.source for i in items if i.kind == "missing"
                   # a case may leave out what the probe did not need (no process list given)
                   and not (i.source.startswith("snapshot:") and not bundle["snapshots"])
                   and not (i.source.startswith("measurement:") and not bundle["measurements"])]
        assert not missing, (fact.key, missing)
