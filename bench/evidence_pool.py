"""Consistent facts and evidence for benchmark reports, from the recorded Linux probe cases.

A report's evidence is a bundle merged from one recorded case per probe the policy needs
(tests/fixtures/cases/<probe>/linux/*.json), and its facts are what that bundle gives, exactly
as `wfhaudit check` signs them; so IT's verifier re-derives them and accepts the report. A fleet
then repeats each probe's evidence as often as real fleets repeat a ruleset or a disk layout
(one of 4 to 42 recorded cases per probe); `--no-memo` measures the case where nothing repeats.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from wfhaudit.facts import CATALOGUE, FactSet
from wfhaudit.host import Evidence
from wfhaudit.policy.model import Policy
from wfhaudit.verify.rederive import derive

CASES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "cases"


class EvidencePool:
    """Random (facts, evidence) pairs for a policy; facts cached per combination of cases."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.probes = sorted({CATALOGUE[k].probe for k in policy.needed_facts()
                              | {"os.family", "os.version"}})
        self.cases: dict[str, list[dict[str, Any]]] = {}
        for probe in self.probes:
            found = [json.loads(p.read_text(encoding="utf-8"))["evidence"]
                     for p in sorted((CASES / probe / "linux").glob("*.json"))]
            if found:
                self.cases[probe] = found
        self._facts: dict[tuple[int, ...], FactSet] = {}

    def pick(self, rng: random.Random) -> tuple[FactSet, dict[str, Any]]:
        """Facts and the evidence bundle they come from."""
        combo = tuple(rng.randrange(len(self.cases[p])) for p in self.cases)
        bundle: dict[str, Any] = {"format": "wfhaudit-evidence/1", "os": None, "commands": [],
                                  "files": {}, "dirs": {}, "snapshots": {}, "measurements": {}}
        for probe, index in zip(self.cases, combo, strict=True):
            evidence = self.cases[probe][index]
            bundle["os"] = bundle["os"] or evidence["os"]
            bundle["commands"].extend(evidence.get("commands", []))
            for part in ("files", "dirs", "snapshots", "measurements"):
                bundle[part].update(evidence.get(part, {}))
        facts = self._facts.get(combo)
        if facts is None:
            derived = derive(Evidence.from_dict(bundle), self.policy.settings, self.probes)
            facts = self._facts[combo] = FactSet(derived)
        return facts, bundle
