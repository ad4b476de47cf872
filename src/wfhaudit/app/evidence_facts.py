"""The evidence a report carries, and report facts that are exactly what that evidence gives.

IT's verifier re-derives every fact from the carried evidence and rejects any difference, so
the device does the same before signing: it redacts the evidence (when the policy asks for
`redacted`), replays its probes over that bundle, and signs the facts the bundle gives. Where
they differ from what the live run saw (a probe skipped or out of time, a user name inside a
headset name that redaction replaced) the report says what the evidence shows.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from wfhaudit.crypto.identity import redaction_key
from wfhaudit.facts import Fact, FactSet
from wfhaudit.host import Evidence
from wfhaudit.host.redact import Redactor
from wfhaudit.verify.rederive import derive, differences, probes_of


@dataclass(frozen=True)
class Carried:
    """The evidence for the report, the facts it gives, and which live facts it corrected."""

    evidence: dict[str, Any] | None
    facts: FactSet
    corrected: tuple[str, ...]


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _reconcile(live: FactSet, evidence: dict[str, Any], settings: Mapping[str, Any],
               redactor: Redactor | None) -> tuple[FactSet, list[str]]:
    derived = derive(Evidence.from_dict(evidence), settings, probes_of(live.facts))
    wrong = [line.split(":", 1)[0] for line in differences(live.to_dict(), derived)]
    out = FactSet()
    for key, mine in live.facts.items():
        fact = derived.get(key)
        if fact is not None and (key in wrong or fact.is_known):
            out.add(fact)  # what the evidence gives, with its (redacted) detail and sources
        elif redactor is not None and mine.reason:
            out.add(Fact.unknown(key, redactor.text(mine.reason), mine.sources))
        else:
            out.add(mine)  # unknown either way: the live reason says more (e.g. --skip)
    return out, wrong


def carried_evidence(live: FactSet, raw: dict[str, Any], level: str,
                     settings: Mapping[str, Any], host_name: str,
                     other_names: Sequence[str] = ()) -> Carried:
    """Redact (or not) the raw evidence and make the facts agree with it."""
    if level == "none":
        return Carried(None, live, ())
    if level == "full":
        facts, corrected = _reconcile(live, raw, settings, None)
        return Carried(raw, facts, tuple(corrected))
    keep = list(_strings(settings))
    best: Carried | None = None
    # A user or host name that also appears as a word parsers read (a host called "debian")
    # would change a fact once replaced; the names are then left in (the host name is in the
    # report anyway) rather than signing facts the evidence does not give.
    for literals in ([host_name, _user(), *other_names], []):
        redactor = Redactor(redaction_key(), literals, keep)
        evidence = redactor.value(raw)
        facts, corrected = _reconcile(live, evidence, settings, redactor)
        changed = [k for k in corrected if type(live.get(k).value) is not str
                   or live.get(k).status is not facts.get(k).status]
        best = Carried(evidence, facts, tuple(corrected))
        if not changed:
            break
    assert best is not None  # noqa: S101 - the loop ran
    return best
