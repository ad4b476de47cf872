"""The updates, malware and wifi backends run only declared commands, and their cases carry no others."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

PROBES = ("updates", "malware", "wifi")
CASES = Path(__file__).parents[2] / "fixtures" / "cases"


class LoggingHost(RecordedHost):
    """RecordedHost that remembers every argv asked for."""

    def __init__(self, evidence: Evidence) -> None:
        super().__init__(evidence)
        self.asked: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None) -> CommandResult:
        self.asked.append(tuple(argv))
        return super().run(argv, timeout, scrub)


def _declared(argv: tuple[str, ...], templates: list[tuple[str, ...]]) -> bool:
    """argv equals a declared command, where `{name}` in a template stands for one argument."""
    for template in templates:
        if len(template) == len(argv) and all(
                re.fullmatch(re.sub(r"\\\{\w+\\\}", ".+", re.escape(t)), a)
                for t, a in zip(template, argv, strict=True)):
            return True
    return False


@pytest.mark.parametrize("path", sorted(p for name in PROBES for p in (CASES / name).glob("*/*.json")),
                         ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
def test_cases_use_only_declared_commands(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    probe = load_probe(path.parent.parent.name)
    host = LoggingHost(Evidence.from_dict(case["evidence"]))
    probe.collect(ProbeContext(host=host, settings=case.get("settings", {})))
    templates = [tuple(a) for a in probe.commands(host.os.family)]
    assert all(_declared(argv, templates) for argv in host.asked), host.asked
    recorded = {tuple(c["argv"]) for c in case["evidence"]["commands"]}
    assert recorded <= set(host.asked), recorded - set(host.asked)


@pytest.mark.parametrize("name", PROBES)
def test_every_os_has_commands_and_timeouts_are_bounded(name: str) -> None:
    probe = load_probe(name)
    assert set(probe.backends) == {"linux", "macos", "windows"}
    for family in ("linux", "macos", "windows"):
        assert probe.commands(family), family
    assert probe.budget_s <= 120
