"""The probe interface: a probe collects facts through a Host, one backend per OS, never judges."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.facts import CATALOGUE, Fact
from wfhaudit.host import Host
from wfhaudit.policy.model import nested_get

log = logging.getLogger("wfhaudit.probes")

Progress = Callable[[str, float | None], None]


def _no_progress(message: str, fraction: float | None) -> None:
    """Default progress sink: ignore."""


@dataclass(frozen=True)
class ProbeContext:
    """What a backend gets: the host, the policy settings and a progress callback."""

    host: Host
    settings: Mapping[str, Any] = field(default_factory=dict)
    progress: Progress = _no_progress
    budget_s: float = 10.0

    def setting(self, *path: str, default: Any = None) -> Any:
        """Look up a nested policy setting, e.g. ctx.setting('network', 'stun_servers')."""
        return nested_get(self.settings, path, default)


Backend = Callable[[ProbeContext], Sequence[Fact]]


@dataclass(frozen=True)
class Probe:
    """A named collector of facts with one backend per OS family and its command list."""

    name: str
    description: str
    fact_keys: tuple[str, ...]
    backends: Mapping[str, Backend]
    commands: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=dict)
    budget_s: float = 10.0

    def collect(self, ctx: ProbeContext) -> list[Fact]:
        """Run the backend for the host's OS; every fact key comes back, unknown when unseen."""
        backend = self.backends.get(ctx.host.os.family)
        if backend is None:
            return [Fact.unknown(k, f"the {self.name} probe has no {ctx.host.os.family} backend")
                    for k in self.fact_keys]
        try:
            facts = list(backend(ctx))
        except Exception as exc:  # a probe bug must never crash the check or pass silently
            log.debug("probe %s failed", self.name, exc_info=True)
            reason = f"the {self.name} probe failed: {type(exc).__name__}: {exc}"
            return [Fact.unknown(k, reason) for k in self.fact_keys]
        got = {f.key: f for f in facts if f.key in self.fact_keys}
        return [got.get(k) or Fact.unknown(k, f"the {self.name} probe did not report it")
                for k in self.fact_keys]


def check_fact_keys(keys: Sequence[str]) -> tuple[str, ...]:
    """Validate that every key is in the catalogue (used when declaring a probe)."""
    missing = [k for k in keys if k not in CATALOGUE]
    if missing:
        raise KeyError(f"fact keys not in catalogue: {missing}")
    return tuple(keys)
