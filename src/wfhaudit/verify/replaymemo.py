"""A memo for replaying probes: facts keyed on exactly the answers a probe read, in order.

A probe is a pure function of what the host answered. Replaying it once over an evidence bundle
records the calls it made and a digest of each answer; the memo keeps these as a trie (node ->
the call the probe makes next, (node, answer digest) -> child node, leaf -> facts). Another
bundle walks the trie, asking its own RecordedHost each recorded call: if every answer matches,
the facts are the leaf's, without running the parsers. Fleets repeat a lot (the same ruleset,
the same disk layout, the same route table), so most walks end at a leaf after a few hashes.
The first answer that differs runs the probe for real and adds its path.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

Call = tuple[str, Any]  # (host method, its argument)


def _digest(value: Any) -> bytes:
    if isinstance(value, CommandResult):
        # duration_ms is not read by any parser: leaving it out lets runs that differ only in
        # timing share a path.
        data = (f"{value.returncode}\0{value.error}\0{len(value.stdout)}\0"
                f"{value.stdout}{value.stderr}").encode("utf-8", "surrogatepass")
    elif isinstance(value, str):
        data = b"s" + value.encode("utf-8", "surrogatepass")
    elif value is None:
        data = b"n"
    elif type(value) is list and all(type(v) is str for v in value):
        data = ("l" + "\0".join(value)).encode("utf-8", "surrogatepass") + b"\0%d" % len(value)
    else:
        data = json.dumps(value, sort_keys=True, default=str).encode()
    return hashlib.blake2b(data, digest_size=16).digest()


def _ask(host: RecordedHost, call: Call) -> Any:
    kind, arg = call
    if kind == "run":
        return host.run(arg)
    if kind == "read_file":
        return host.read_file(arg)
    if kind == "list_dir":
        return host.list_dir(arg)
    if kind == "snapshot":
        return host.snapshot(arg)
    return host.measure(arg, dict)


class _Tape:
    """A RecordedHost that notes every call and a digest of its answer, in order."""

    is_live = False

    def __init__(self, inner: RecordedHost) -> None:
        self.inner = inner
        self.os = inner.os
        self.session = inner.session
        self.evidence = inner.evidence
        self.calls: list[tuple[Call, bytes]] = []
        self._lock = threading.Lock()

    def _note(self, call: Call, answer: Any) -> Any:
        with self._lock:
            self.calls.append((call, _digest(answer)))
        return answer

    def run(self, argv: Sequence[str], timeout: float = 5.0,
            scrub: Callable[[str], str] | None = None,
            as_user: int | None = None) -> CommandResult:
        """Recorded result for argv, noted."""
        return self._note(("run", tuple(argv)), self.inner.run(argv))  # type: ignore[no-any-return]

    def read_file(self, path: str) -> str | None:
        """Recorded file content, noted."""
        return self._note(("read_file", path), self.inner.read_file(path))  # type: ignore[no-any-return]

    def list_dir(self, path: str) -> list[str] | None:
        """Recorded directory listing, noted."""
        return self._note(("list_dir", path), self.inner.list_dir(path))  # type: ignore[no-any-return]

    def snapshot(self, name: str) -> Any:
        """Recorded snapshot, noted."""
        return self._note(("snapshot", name), self.inner.snapshot(name))

    def measure(self, name: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
        """Recorded measurement, noted (fn never runs on replay)."""
        return self._note(("measure", name), self.inner.measure(name, fn))  # type: ignore[no-any-return]


class ReplayMemo:
    """Facts per probe over evidence bundles, memoised on the answers read (bounded)."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self.hits = self.misses = 0
        self._ids = itertools.count(1)
        self._roots: dict[tuple[Any, ...], int] = {}
        self._next: dict[int, Call] = {}
        self._child: dict[tuple[int, bytes], int] = {}
        self._leaf: dict[int, tuple[Fact, ...]] = {}
        self._settings: dict[int, tuple[Mapping[str, Any], str]] = {}

    def _settings_key(self, settings: Mapping[str, Any]) -> str:
        held = self._settings.get(id(settings))
        if held is None or held[0] is not settings:
            held = (settings, json.dumps(settings, sort_keys=True, default=str))
            self._settings[id(settings)] = held
        return held[1]

    def facts(self, probe: str, evidence: Evidence, settings: Mapping[str, Any]) -> list[Fact]:
        """The probe's facts over this evidence (replayed, or from the memo)."""
        if self.limit <= 0:
            return self._run(probe, RecordedHost(evidence), settings)
        base = (probe, tuple(sorted(evidence.os.to_dict().items())), self._settings_key(settings))
        node = self._roots.get(base)
        host = RecordedHost(evidence)
        while node is not None:
            leaf = self._leaf.get(node)
            if leaf is not None:
                self.hits += 1
                return list(leaf)
            call = self._next.get(node)
            if call is None:
                break
            node = self._child.get((node, _digest(_ask(host, call))))
        self.misses += 1
        tape = _Tape(RecordedHost(evidence))
        facts = self._run(probe, tape, settings)
        self._learn(base, tape.calls, tuple(facts))
        return facts

    @staticmethod
    def _run(probe: str, host: Any, settings: Mapping[str, Any]) -> list[Fact]:
        obj = load_probe(probe)
        ctx = ProbeContext(host=host, settings=settings,
                           budget_s=budget_of(settings, probe, obj.budget_s))
        return obj.collect(ctx)

    def _learn(self, base: tuple[Any, ...], calls: list[tuple[Call, bytes]],
               facts: tuple[Fact, ...]) -> None:
        if len(self._next) + len(self._leaf) + len(calls) > self.limit:
            for table in (self._roots, self._next, self._child, self._leaf):
                table.clear()
        node = self._roots.get(base)
        if node is None:
            node = self._roots[base] = next(self._ids)
        for call, answer in calls:
            known = self._next.setdefault(node, call)
            if known != call or node in self._leaf:
                return  # the probe asked in another order this time (threads): keep the first
            child = self._child.get((node, answer))
            if child is None:
                child = self._child[(node, answer)] = next(self._ids)
            node = child
        if node not in self._next:
            self._leaf[node] = facts


def budget_of(settings: Mapping[str, Any], probe: str, default: float) -> float:
    """The probe's time budget as the policy sets it (the check used the same)."""
    probes = settings.get("probes")
    entry = probes.get(probe) if isinstance(probes, Mapping) else None
    value = entry.get("budget_s") if isinstance(entry, Mapping) else None
    return float(value) if isinstance(value, (int, float)) else default
