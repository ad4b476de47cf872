"""OS-neutral screen-lock decision: from the ways a screen can lock by itself, the three facts.

A backend describes every way the screen can lock after inactivity (an idle lock, a secure
screensaver, sleep with sign-in on wake...) as a LockPath, per power source when the timers
differ between battery and mains. The earliest proven path of a source is when that source
locks; the machine locks after the worst (longest) of its sources. A path whose timer is set
but whose lock is uncertain makes the answer UNKNOWN unless a proven path already exists, so
`idle_minutes` is always a proven upper bound, never a guess.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from wfhaudit.facts import Fact, keys_of

KEYS = keys_of("screenlock")


@dataclass(frozen=True)
class LockPath:
    """One way the screen locks by itself: after how long, and whether it needs the password."""

    what: str
    after_s: float | None  # seconds of inactivity; None when the timer is off (never)
    locks: bool | None  # True: the password is needed; False: it only blanks; None: not known
    note: str = ""  # why, in words, when it never locks or is uncertain
    timer_known: bool = True  # False: a timer may be set but could not be read


@dataclass(frozen=True)
class SourceState:
    """What one power source does: locks after some seconds, never, or unknown."""

    state: str  # locks | never | unknown
    after_s: float | None
    why: str


def fmt_duration(seconds: float) -> str:
    """'5 min', '90 s' or '1 h 30 min' for a detail text."""
    if seconds < 60 or seconds % 60:
        return f"{seconds:g} s" if seconds < 120 else f"{seconds / 60:.1f} min"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h" + (f" {rest} min" if rest else "")


def _join(notes: Sequence[str]) -> str:
    """Notes joined once each, in order."""
    return "; ".join(dict.fromkeys(n for n in notes if n))


def source_state(paths: Sequence[LockPath]) -> SourceState:
    """The earliest proven lock of one power source, or why there is none."""
    timed = [p for p in paths if p.after_s is not None and p.after_s > 0]
    proven = [p for p in timed if p.locks is True]
    if proven:
        best = min(proven, key=lambda p: p.after_s or 0.0)
        return SourceState("locks", best.after_s,
                           f"{best.what} after {fmt_duration(best.after_s or 0.0)}")
    unsure = [p for p in timed if p.locks is None] + [p for p in paths if not p.timer_known]
    if unsure:
        return SourceState("unknown", None, _join([p.note or p.what for p in unsure]))
    return SourceState("never", None, _join([p.note for p in paths]) or "no idle lock is set up")


def _why(states: Sequence[tuple[str, SourceState]]) -> str:
    """Each distinct reason once, naming the power sources it holds for when there are several."""
    by_why: dict[str, list[str]] = {}
    for name, state in states:
        by_why.setdefault(state.why, []).append(name)
    if len(by_why) == 1:
        return next(iter(by_why))
    return "; ".join(f"{why} ({' and '.join(n for n in names if n)})" if any(names) else why
                     for why, names in by_why.items())


def lock_facts(sources: Mapping[str, Sequence[LockPath]], evidence: Sequence[str]
               ) -> list[Fact]:
    """screenlock.enabled and screenlock.idle_minutes from the paths of every power source."""
    states = {name: source_state(paths) for name, paths in sources.items()}
    never = [(n, s) for n, s in states.items() if s.state == "never"]
    if never:
        why = _why(never)
        names = " or ".join(n for n, _ in never if n)
        when = f" when {names}" if names else ""
        reason = f"the screen never locks by itself{when}: {why}"
        return [Fact.observed("screenlock.enabled", False, evidence, detail=reason),
                Fact.unknown("screenlock.idle_minutes", reason, evidence)]
    unknown = [(n, s) for n, s in states.items() if s.state == "unknown"]
    if unknown or not states:
        why = _why(unknown) if unknown else "nothing was read"
        reason = f"whether the screen locks by itself is not known: {why}"
        return [Fact.unknown("screenlock.enabled", reason, evidence),
                Fact.unknown("screenlock.idle_minutes", reason, evidence)]
    worst = max(states.values(), key=lambda s: s.after_s or 0.0)
    detail = "; ".join(f"{s.why}{' (' + n + ')' if n else ''}" for n, s in states.items())
    return [Fact.observed("screenlock.enabled", True, evidence, detail=detail),
            Fact.observed("screenlock.idle_minutes", (worst.after_s or 0.0) / 60, evidence,
                          detail=detail)]


def password_fact(value: bool | None, why: str, evidence: Sequence[str]) -> Fact:
    """screenlock.password_required: observed with its reason, or UNKNOWN with it."""
    if value is None:
        return Fact.unknown("screenlock.password_required", why, evidence)
    return Fact.observed("screenlock.password_required", value, evidence, detail=why)


def all_unknown(reason: str, evidence: Sequence[str] = ()) -> list[Fact]:
    """Every screen-lock fact UNKNOWN for one reason."""
    return [Fact.unknown(k, reason, evidence) for k in KEYS]
