"""macOS: State = 2 is not read as block-all; the detail says what --getblockall says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall import macos
from wfhaudit.probes.firewall.macos import parse_blockall

CASES = Path(__file__).parents[3] / "fixtures" / "cases" / "firewall" / "macos"


@pytest.mark.parametrize(("text", "value"), [
    ("Firewall has block all state set to disabled.\n", False),
    ("Firewall has block all state set to enabled.\n", True),
    ("Block all DISABLED! \n", False),
    ("Block all ENABLED! \n", True),
    ("Firewall is set to block all non-essential incoming connections\n", True),
    ("Firewall settings cannot be modified from command line on managed Mac computers.\n", None),
    ("Block all ENABLED!\nBlock all DISABLED!\n", None),
    ("", None),
])
def test_parse_blockall(text: str, value: bool | None) -> None:
    assert parse_blockall(text) is value


def _detail(case: str) -> str:
    data = json.loads((CASES / f"{case}.json").read_text(encoding="utf-8"))
    host = RecordedHost(Evidence.from_dict(data["evidence"]))
    facts = {f.key: f for f in macos.collect(ProbeContext(host=host))}
    fact = facts["firewall.enabled"]
    assert fact.value is True
    return fact.detail or ""


def test_state2_with_blockall_disabled_says_so() -> None:
    detail = _detail("alf-state2-blockall-disabled")
    assert "State = 2" in detail
    assert "block all incoming connections: off" in detail
    assert "blocking all" not in detail


def test_state2_with_blockall_enabled_says_so() -> None:
    assert "block all incoming connections: on" in _detail("alf-state2-blockall-enabled")


def test_state2_without_blockall_answer_claims_nothing() -> None:
    detail = _detail("alf-state2-enabled-wording")
    assert "block all incoming connections: not read" in detail
    assert "blocking all" not in detail
