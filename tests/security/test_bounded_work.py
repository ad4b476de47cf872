"""Bounded work per report: risky policy patterns refused at load, 4 KiB fact strings, CPU limit."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.security.pki import GOOD_FACTS, Pki

from wfhaudit.cli import cli
from wfhaudit.policy.regex_guard import RegexRisk, check_pattern
from wfhaudit.verify.cpulimit import CpuLimitExceeded, cpu_limit


@pytest.mark.parametrize(("pattern", "why"), [
    ("(a+)+$", "inside an unbounded repetition"),
    ("(\\w*)*x", "inside an unbounded repetition"),
    ("(a{1,3})+b", "inside an unbounded repetition"),
    ("(a|ab)*c", "repetition of alternatives"),
    (".*a.*b.*c", "3 unbounded repetitions"),
    ("(?=x)y", "lookarounds"),
    ("(a)\\1", "backreferences"),
    ("x" * 201, "longer than 200"),
])
def test_risky_patterns_are_refused(pattern: str, why: str) -> None:
    with pytest.raises(RegexRisk, match=why):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", ["Ubuntu.*22\\.04.*LTS", "^Debian GNU/Linux 1[2-9]",
                                     "(Ubuntu|Debian) \\d+", "(?:x|y)+", "(ab?)+c"])
def test_ordinary_patterns_load(pattern: str) -> None:
    check_pattern(pattern)


def test_policy_with_a_nested_quantifier_is_refused_at_load(tmp_path: Path) -> None:
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"id": "t", "version": "1", "title": "T", "rules": [
        {"id": "v", "title": "V", "fact": "os.version", "expect": {"matches": "(a+)+$"},
         "severity": "low"}]}))
    res = CliRunner().invoke(cli, ["policy", "validate", str(policy)])
    assert res.exit_code == 3
    assert "$.rules[0].expect.matches: regular expression refused" in res.stderr


def test_allowed_pattern_on_a_4_kib_string_stays_well_under_a_second() -> None:
    import re

    text = ("Ubuntu 22.04 " * 400)[:4096]
    start = time.process_time()
    assert re.search("Ubuntu.*22\\.04.*LTS", text) is None
    assert time.process_time() - start < 1.0


def test_fact_string_over_4_kib_is_schema_invalid() -> None:
    pki = Pki()
    predicate = pki.predicate()
    predicate["facts"]["os.version"]["value"] = "x" * 4097
    result = pki.verifier().verify(pki.envelope(predicate=predicate))
    assert result.reason == "SCHEMA_INVALID" and "4096" in result.detail
    predicate = pki.predicate()
    predicate["facts"]["os.version"]["value"] = "x" * 4096
    assert pki.verifier().verify(pki.envelope(predicate=predicate)).reason == "VERIFIED"


def test_cpu_limit_interrupts_python_work() -> None:
    start = time.process_time()
    with pytest.raises(CpuLimitExceeded), cpu_limit(0.2):
        while True:
            sum(range(1000))
    assert time.process_time() - start < 2.0
    with cpu_limit(5.0):
        sum(range(1000))  # finishing in time leaves no timer behind


def test_report_over_its_cpu_limit_is_rejected_and_the_next_one_verifies(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pki = Pki()
    verifier = pki.verifier(cpu_limit_s=0.2)
    slow = pki.envelope(predicate=pki.predicate())
    real = verifier._judge

    def stalls(entry: Any, view: Any) -> Any:
        if view.sequence == 1:
            while True:
                sum(range(1000))
        return real(entry, view)

    monkeypatch.setattr(verifier, "_judge", stalls)
    start = time.monotonic()
    result = verifier.verify(slow)
    assert result.reason == "CPU_LIMIT" and time.monotonic() - start < 5
    assert verifier.verify(pki.envelope(predicate=pki.predicate(facts=GOOD_FACTS))).accepted
