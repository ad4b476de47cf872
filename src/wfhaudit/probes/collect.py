"""Run the probes a policy needs, concurrently, each within its own time budget."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from wfhaudit.facts import CATALOGUE, Fact, FactSet
from wfhaudit.host import Host
from wfhaudit.host.runner import stop_commands_of
from wfhaudit.probes import has_probe, load_probe
from wfhaudit.probes.base import ProbeContext

# Called with (probe name, event, message, fraction) where event is start|progress|done.
ProbeEvents = Callable[[str, str, str, "float | None"], None]


def _ignore(name: str, event: str, message: str, fraction: float | None) -> None:
    """Default event sink."""


class _DoneOnce:
    """Reports each probe's "done" once: when the probe itself ends, or when its budget runs out.

    Reporting at the end of each probe (not when the loop joins it, in start order) is what
    lets the display show the time each probe really took.
    """

    def __init__(self, events: ProbeEvents) -> None:
        self.events = events
        self.ended: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, name: str, message: str, fraction: float | None) -> None:
        with self.lock:
            if name in self.ended:
                return
            self.ended.add(name)
        self.events(name, "done", message, fraction)


def _plan(keys: list[str], skipped: Mapping[str, str], facts: FactSet) -> list[str]:
    """Probes to run, in key order; facts of skipped or unbuilt probes become UNKNOWN."""
    wanted: list[str] = []
    for key in keys:
        probe = CATALOGUE[key].probe
        if probe in skipped:
            facts.add(Fact.unknown(key, f"the {probe} probe was not run ({skipped[probe]})"))
        elif not has_probe(probe):
            facts.add(Fact.unknown(key, "no probe yet"))
        elif probe not in wanted:
            wanted.append(probe)
    return wanted


def collect_facts(host: Host, fact_keys: Iterable[str], settings: Mapping[str, Any],
                  skipped: Mapping[str, str] | None = None,
                  events: ProbeEvents = _ignore) -> FactSet:
    """Run every built probe needed for fact_keys; unbuilt or skipped ones give UNKNOWN facts.

    `skipped` maps probe name to the reason it was not run (e.g. "--skip network").
    """
    keys = sorted(set(fact_keys))
    facts = FactSet()
    results: dict[str, list[Fact]] = {}
    threads: list[tuple[str, threading.Thread, float, float]] = []
    end = _DoneOnce(events)
    for name in _plan(keys, skipped or {}, facts):
        probe_obj = load_probe(name)
        budget = float(settings.get("probes", {}).get(name, {}).get("budget_s", probe_obj.budget_s))

        def progress(message: str, fraction: float | None, _n: str = name) -> None:
            events(_n, "progress", message, fraction)

        ctx = ProbeContext(host=host, settings=settings, progress=progress, budget_s=budget)

        def run(p: Any = probe_obj, c: ProbeContext = ctx, n: str = name) -> None:
            try:
                results[n] = p.collect(c)
            finally:
                end(n, "finished", 1.0)

        events(name, "start", probe_obj.description, None)
        # Daemon threads: a probe stuck past its budget must not keep the process alive.
        thread = threading.Thread(target=run, name=f"probe-{name}", daemon=True)
        thread.start()
        threads.append((name, thread, time.monotonic() + budget, budget))
    for name, thread, deadline, budget in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        probe_obj = load_probe(name)
        if thread.is_alive() or name not in results:
            stop_commands_of(thread)  # its commands end with its budget, and it starts no more
            reason = f"the {name} probe did not finish within its {budget:g} s budget"
            for key in probe_obj.fact_keys:
                facts.add(Fact.unknown(key, reason))
            end(name, "timed out", None)
            continue
        for fact in results[name]:
            if fact.key in keys or fact.key in probe_obj.fact_keys:
                facts.add(fact)
    return facts
