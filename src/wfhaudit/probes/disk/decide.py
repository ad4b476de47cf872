"""Encryption verdicts shared by the disk backends: encrypted, plain or unknown, with why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from wfhaudit.facts import Fact, keys_of

State = Literal["encrypted", "plain", "unknown"]
KEYS = keys_of("disk")


@dataclass(frozen=True)
class Verdict:
    """What protects one volume (or device chain) at rest, and how we know."""

    state: State
    methods: tuple[str, ...] = ()
    reason: str = ""
    in_progress: bool = False

    @classmethod
    def encrypted(cls, method: str, reason: str = "", in_progress: bool = False) -> Verdict:
        """A volume protected by `method` (luks2, zfs, fscrypt...)."""
        return cls("encrypted", (method,), reason, in_progress)

    @classmethod
    def plain(cls, reason: str, in_progress: bool = False) -> Verdict:
        """A volume that is readable without any key."""
        return cls("plain", (), reason, in_progress)

    @classmethod
    def unknown(cls, reason: str) -> Verdict:
        """We could not tell; the reason says what to do about it."""
        return cls("unknown", (), reason)


def _merge_methods(verdicts: Iterable[Verdict]) -> tuple[str, ...]:
    out: list[str] = []
    for v in verdicts:
        for m in v.methods:
            if m not in out:
                out.append(m)
    return tuple(out)


def all_of(verdicts: Sequence[Verdict], what: str) -> Verdict:
    """Data spread over every part: encrypted only if every part is; one plain part is plain."""
    if not verdicts:
        return Verdict.unknown(f"{what}: nothing to look at")
    in_progress = any(v.in_progress for v in verdicts)
    plain = [v for v in verdicts if v.state == "plain"]
    if plain:
        return Verdict.plain(plain[0].reason, in_progress)
    unknown = [v for v in verdicts if v.state == "unknown"]
    if unknown:
        return Verdict.unknown(unknown[0].reason)
    reasons = "; ".join(dict.fromkeys(v.reason for v in verdicts if v.reason))
    return Verdict("encrypted", _merge_methods(verdicts), reasons, in_progress)


def system_facts(parts: Sequence[tuple[str, Verdict]], sources: Sequence[str]) -> list[Fact]:
    """disk.system_encrypted, disk.method and disk.encryption_in_progress from labelled parts.

    `parts` is e.g. [("the root filesystem /", v1), ("your home /home/ann", v2)]; both must be
    encrypted for the system to count as encrypted.
    """
    src = list(dict.fromkeys(sources))
    detail = "; ".join(f"{label}: {_describe(v)}" for label, v in parts)
    plain = [(label, v) for label, v in parts if v.state == "plain"]
    unknown = [(label, v) for label, v in parts if v.state == "unknown"]
    in_progress = any(v.in_progress for _, v in parts)
    facts: list[Fact] = []
    if plain:
        facts.append(Fact.observed("disk.system_encrypted", False, src, detail))
    elif unknown:
        label, v = unknown[0]
        facts.append(Fact.unknown("disk.system_encrypted", f"{label}: {v.reason}", src))
    else:
        facts.append(Fact.observed("disk.system_encrypted", True, src, detail))
    methods = _merge_methods(v for _, v in parts)
    if unknown and not methods:
        label, v = unknown[0]
        facts.append(Fact.unknown("disk.method", f"{label}: {v.reason}", src))
    else:
        facts.append(Fact.observed("disk.method", "+".join(methods) or "none", src, detail))
    if unknown and not in_progress:
        label, v = unknown[0]
        facts.append(Fact.unknown("disk.encryption_in_progress", f"{label}: {v.reason}", src))
    else:
        facts.append(Fact.observed("disk.encryption_in_progress", in_progress, src, detail))
    return facts


def _describe(v: Verdict) -> str:
    head = {"encrypted": "encrypted", "plain": "not encrypted", "unknown": "unknown"}[v.state]
    if v.methods:
        head += f" ({'+'.join(v.methods)})"
    return f"{head}, {v.reason}" if v.reason else head


def unknown_all(reason: str, sources: Sequence[str] = ()) -> list[Fact]:
    """Every disk fact unknown for one reason."""
    return [Fact.unknown(k, reason, sources) for k in KEYS]
