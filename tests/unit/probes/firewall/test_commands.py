"""Every command the firewall backends run is declared in PROBE.commands, and fixtures run nothing else."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall import PROBE

CASES = Path(__file__).parents[3] / "fixtures" / "cases" / "firewall"


class LoggingHost(RecordedHost):
    """RecordedHost that remembers every argv asked for."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence)
        self.asked: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], timeout: float = 5.0) -> CommandResult:
        self.asked.append(tuple(argv))
        return super().run(argv, timeout)


@pytest.mark.parametrize("path", sorted(CASES.glob("*/*.json")), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_backends_run_only_declared_commands(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    host = LoggingHost(Evidence.from_dict(case["evidence"]))
    PROBE.collect(ProbeContext(host=host))
    declared = {tuple(argv) for argv in PROBE.commands(host.os.family)}
    assert set(host.asked) <= declared, set(host.asked) - declared
    # Every recorded command is one the probe asks for (a fixture cannot carry dead entries)...
    recorded = {tuple(c["argv"]) for c in case["evidence"]["commands"]}
    unused = recorded - set(host.asked)
    # ...except the ones recorded on purpose to prove they are NOT used.
    assert not unused or "NOT" in case["description"] or "not used" in case["description"], unused


def test_commands_have_absolute_or_plain_names() -> None:
    for os_name, argvs in ((f, PROBE.commands(f)) for f in PROBE.backends):
        assert argvs, os_name
        for argv in argvs:
            assert argv and all(isinstance(a, str) and a for a in argv)
