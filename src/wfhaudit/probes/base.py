"""The probe interface: a probe collects facts through a Host, one backend per OS, never judges."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from wfhaudit.facts import Fact, keys_of
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


OS_FAMILIES = ("linux", "macos", "windows")


def os_backends(package: str, families: Sequence[str] = OS_FAMILIES) -> dict[str, str]:
    """Backend module names of a probe package: `<package>.linux`, `.macos`, `.windows`."""
    return {family: f"{package}.{family}" for family in families}


@dataclass(frozen=True)
class Probe:
    """A named collector of facts with one backend module per OS family.

    A backend module has `COMMANDS` (every argv it may run) and `collect(ctx)`; it is imported
    only when its OS is probed or its commands are listed, so Linux never loads Windows code.
    """

    name: str
    description: str
    backends: Mapping[str, str]
    budget_s: float = 10.0

    @property
    def fact_keys(self) -> tuple[str, ...]:
        """The facts this probe owns, from the catalogue."""
        return keys_of(self.name)

    def backend(self, family: str) -> ModuleType | None:
        """The backend module for an OS family (imported now), None when there is none."""
        module = self.backends.get(family)
        return importlib.import_module(module) if module else None

    def commands(self, family: str) -> list[Sequence[str]]:
        """Every argv the backend for this OS family may run."""
        backend = self.backend(family)
        return list(backend.COMMANDS) if backend is not None else []

    def collect(self, ctx: ProbeContext) -> list[Fact]:
        """Run the backend for the host's OS; every fact key comes back, unknown when unseen."""
        backend = self.backend(ctx.host.os.family)
        if backend is None:
            return [Fact.unknown(k, f"the {self.name} probe has no {ctx.host.os.family} backend")
                    for k in self.fact_keys]
        try:
            facts = list(backend.collect(ctx))
        except Exception as exc:  # a probe bug must never crash the check or pass silently
            log.debug("probe %s failed", self.name, exc_info=True)
            reason = f"the {self.name} probe failed: {type(exc).__name__}: {exc}"
            return [Fact.unknown(k, reason) for k in self.fact_keys]
        got = {f.key: f for f in facts if f.key in self.fact_keys}
        return [got.get(k) or Fact.unknown(k, f"the {self.name} probe did not report it")
                for k in self.fact_keys]
