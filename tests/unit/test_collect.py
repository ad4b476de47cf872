"""Probe orchestration: only needed probes run, concurrently, each within its own budget."""

from __future__ import annotations

import sys
import threading
import time
import types
from collections.abc import Iterator

import pytest

from wfhaudit.facts import Fact
from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes import PROBE_MODULES
from wfhaudit.probes.base import Probe, ProbeContext
from wfhaudit.probes.collect import collect_facts

RELEASE = threading.Event()


def _hang(ctx: ProbeContext) -> list[Fact]:
    RELEASE.wait(30)  # bounded: the test releases it in teardown
    return [Fact.observed("vpn.active", True)]


def _crash(ctx: ProbeContext) -> list[Fact]:
    raise RuntimeError("parser bug")


def _partial(ctx: ProbeContext) -> list[Fact]:
    return [Fact.observed("audio.headset_present", True)]


def _backend(monkeypatch: pytest.MonkeyPatch, collect: object) -> str:
    """A throw-away backend module (COMMANDS and collect) registered under a unique name."""
    module = types.ModuleType(f"wfhaudit_test_backend_{id(collect)}")
    module.COMMANDS = []  # type: ignore[attr-defined]
    module.collect = collect  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    return module.__name__


def _register(monkeypatch: pytest.MonkeyPatch, name: str, probe: Probe) -> None:
    module = types.ModuleType(f"wfhaudit_test_probe_{name}")
    module.PROBE = probe  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(PROBE_MODULES, name, module.__name__)


@pytest.fixture
def host() -> Iterator[RecordedHost]:
    RELEASE.clear()
    yield RecordedHost(Evidence(OsInfo("linux")))
    RELEASE.set()


def test_hanging_probe_cannot_stall_the_check(monkeypatch: pytest.MonkeyPatch,
                                              host: RecordedHost) -> None:
    _register(monkeypatch, "vpn", Probe("vpn", "hangs", {"linux": _backend(monkeypatch, _hang)},
                                        budget_s=0.3))
    start = time.monotonic()
    facts = collect_facts(host, ["vpn.active", "os.family"], {})
    assert time.monotonic() - start < 2
    assert facts.get("vpn.active").reason == "the vpn probe did not finish within its 0.3 s budget"
    assert facts.get("os.family").value == "linux"  # the other probe finished


def test_budget_from_policy_settings(monkeypatch: pytest.MonkeyPatch, host: RecordedHost) -> None:
    _register(monkeypatch, "vpn", Probe("vpn", "hangs", {"linux": _backend(monkeypatch, _hang)},
                                        budget_s=60))
    facts = collect_facts(host, ["vpn.active"], {"probes": {"vpn": {"budget_s": 0.2}}})
    assert "0.2 s budget" in (facts.get("vpn.active").reason or "")


def test_crashing_probe_gives_unknown_with_reason(monkeypatch: pytest.MonkeyPatch,
                                                   host: RecordedHost) -> None:
    _register(monkeypatch, "vpn", Probe("vpn", "crashes", {"linux": _backend(monkeypatch, _crash)}))
    fact = collect_facts(host, ["vpn.active"], {}).get("vpn.active")
    assert not fact.is_known
    assert fact.reason == "the vpn probe failed: RuntimeError: parser bug"


def test_missing_facts_and_missing_backend(monkeypatch: pytest.MonkeyPatch,
                                           host: RecordedHost) -> None:
    _register(monkeypatch, "audio", Probe("audio", "partial", {"linux": _backend(monkeypatch, _partial)}))
    facts = collect_facts(host, ["audio.headset_present", "audio.headset_name"], {})
    assert facts.get("audio.headset_present").value is True
    assert facts.get("audio.headset_name").reason == "the audio probe did not report it"
    _register(monkeypatch, "audio", Probe("audio", "mac only", {"macos": _backend(monkeypatch, _partial)}))
    fact = collect_facts(host, ["audio.headset_present"], {}).get("audio.headset_present")
    assert fact.reason == "the audio probe has no linux backend"


def test_only_needed_probes_run_and_skips_are_explained(monkeypatch: pytest.MonkeyPatch,
                                                        host: RecordedHost) -> None:
    started: list[str] = []
    _register(monkeypatch, "audio", Probe("audio", "x", {"linux": _backend(monkeypatch, _partial)}))
    facts = collect_facts(host, ["os.family", "vpn.active"], {}, {"vpn": "--skip"},
                          lambda name, event, msg, frac: started.append(name)
                          if event == "start" else None)
    assert started == ["os"]
    assert facts.get("vpn.active").reason == "the vpn probe was not run (--skip)"


def test_probe_without_implementation_says_so(monkeypatch: pytest.MonkeyPatch,
                                              host: RecordedHost) -> None:
    monkeypatch.delitem(PROBE_MODULES, "vpn", raising=False)
    assert collect_facts(host, ["vpn.active"], {}).get("vpn.active").reason == "no probe yet"


def test_done_is_reported_when_each_probe_ends_not_in_join_order(
        monkeypatch: pytest.MonkeyPatch, host: RecordedHost) -> None:
    """A slow first probe must not make the fast ones look slow (the display times `done`)."""
    slow_done = threading.Event()

    def slow(ctx: ProbeContext) -> list[Fact]:
        RELEASE.wait(0.6)  # never set: a bounded sleep that still ends with the test
        slow_done.set()
        return [Fact.observed("audio.headset_present", True)]

    def fast(ctx: ProbeContext) -> list[Fact]:
        return [Fact.observed("vpn.active", False)]

    _register(monkeypatch, "audio", Probe("audio", "slow", {"linux": _backend(monkeypatch, slow)}))
    _register(monkeypatch, "vpn", Probe("vpn", "fast", {"linux": _backend(monkeypatch, fast)}))
    seen: list[tuple[str, str, bool]] = []

    def events(name: str, event: str, message: str, fraction: float | None) -> None:
        if event == "done":
            seen.append((name, message, slow_done.is_set()))

    collect_facts(host, ["audio.headset_present", "vpn.active"], {}, None, events)
    # audio starts first (key order) but vpn's done arrives while audio is still running.
    assert seen == [("vpn", "finished", False), ("audio", "finished", True)]


def test_a_timed_out_probe_is_reported_once(monkeypatch: pytest.MonkeyPatch,
                                            host: RecordedHost) -> None:
    _register(monkeypatch, "vpn", Probe("vpn", "hangs", {"linux": _backend(monkeypatch, _hang)},
                                        budget_s=0.2))
    done: list[str] = []
    collect_facts(host, ["vpn.active"], {}, None,
                  lambda n, e, m, f: done.append(m) if e == "done" else None)
    RELEASE.set()  # the hung probe now ends; its late end must not be reported again
    for thread in threading.enumerate():
        if thread.name == "probe-vpn":
            thread.join(5)
    assert done == ["timed out"]
