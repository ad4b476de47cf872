"""Resolved policy: rules, waivers and settings as frozen values, plus the policy digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfhaudit.crypto.canonical import digest

SEVERITIES = ("critical", "high", "medium", "low", "info")


@dataclass(frozen=True)
class Rule:
    """One check: a fact, what it must be, how much it matters and how to fix it."""

    id: str
    title: str
    fact: str
    expect: Mapping[str, Any]
    severity: str
    required: bool
    on_unknown: str = "fail"
    platforms: tuple[str, ...] | None = None
    when: Mapping[str, Any] | None = None
    remediation: Mapping[str, str] = field(default_factory=dict)
    rationale: str = ""
    references: tuple[str, ...] = ()

    def remediation_for(self, os_family: str) -> str:
        """The fix in words for this OS, falling back to the default text."""
        return self.remediation.get(os_family) or self.remediation.get("default", "")

    def to_dict(self) -> dict[str, Any]:
        """Serialise in policy.v1 rule form (every field explicit)."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "fact": self.fact,
                               "expect": dict(self.expect), "severity": self.severity,
                               "required": self.required, "on_unknown": self.on_unknown}
        if self.platforms is not None:
            out["platforms"] = list(self.platforms)
        if self.when is not None:
            out["when"] = dict(self.when)
        if self.remediation:
            out["remediation"] = dict(self.remediation)
        if self.rationale:
            out["rationale"] = self.rationale
        if self.references:
            out["references"] = list(self.references)
        return out


@dataclass(frozen=True)
class Waiver:
    """An accepted exception to a rule until a date, optionally for some devices only."""

    rule: str
    reason: str
    expires: dt.date
    devices: tuple[str, ...] | None = None
    approved_by: str = ""

    def applies_to(self, device_id: str) -> bool:
        """True when the waiver covers this device."""
        return self.devices is None or device_id in self.devices

    def to_dict(self) -> dict[str, Any]:
        """Serialise in policy.v1 waiver form."""
        out: dict[str, Any] = {"rule": self.rule, "reason": self.reason,
                               "expires": self.expires.isoformat()}
        if self.devices is not None:
            out["devices"] = list(self.devices)
        if self.approved_by:
            out["approved_by"] = self.approved_by
        return out


@dataclass(frozen=True)
class Policy:
    """A fully resolved policy (extends, overrides applied); its document is what gets digested."""

    id: str
    version: str
    title: str
    rules: tuple[Rule, ...]
    waivers: tuple[Waiver, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    chain: tuple[str, ...] = ()
    source: str = ""

    def document(self) -> dict[str, Any]:
        """The resolved policy as a self-contained policy.v1 document (no extends/overrides)."""
        doc: dict[str, Any] = {"id": self.id, "version": self.version, "title": self.title,
                               "settings": dict(self.settings),
                               "rules": [r.to_dict() for r in self.rules]}
        if self.description:
            doc["description"] = self.description
        if self.waivers:
            doc["waivers"] = [w.to_dict() for w in self.waivers]
        return doc

    @property
    def digest(self) -> str:
        """SHA-256 over the RFC 8785 form of the resolved document."""
        return digest(self.document())

    def needed_facts(self) -> set[str]:
        """Every fact key the rules (and their conditions) read."""
        keys = {r.fact for r in self.rules}
        keys.update(r.when["fact"] for r in self.rules if r.when)
        return keys

    def setting(self, *path: str, default: Any = None) -> Any:
        """Look up a nested setting, e.g. setting('network', 'deadline_s')."""
        return nested_get(self.settings, path, default)


def nested_get(tree: Mapping[str, Any], path: tuple[str, ...], default: Any = None) -> Any:
    """Follow keys into nested mappings; default when any step is missing."""
    node: Any = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node
