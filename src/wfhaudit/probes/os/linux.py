"""Linux OS version from /etc/os-release (PRETTY_NAME), falling back to uname."""

from __future__ import annotations

import shlex

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext

OS_RELEASE = "/etc/os-release"
UNAME = ("uname", "-sr")


COMMANDS = [UNAME]

def parse_os_release(text: str) -> str | None:
    """Return PRETTY_NAME (or NAME VERSION_ID) from os-release text, None if absent."""
    values: dict[str, str] = {}
    # os-release(5) lines end in newline only; splitlines() would also break at U+2028 etc.
    for line in text.split("\n"):
        key, sep, raw = line.rstrip("\r").partition("=")
        if not sep or not key.strip().isidentifier():
            continue
        try:
            parts = shlex.split(raw, comments=False)
        except ValueError:
            continue
        values[key.strip()] = parts[0] if parts else ""
    if values.get("PRETTY_NAME"):
        return values["PRETTY_NAME"]
    name = " ".join(v for v in (values.get("NAME"), values.get("VERSION_ID")) if v)
    return name or None


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts os.family and os.version for Linux."""
    facts = [Fact.observed("os.family", "linux", ["platform"])]
    text = ctx.host.read_file(OS_RELEASE)
    version = parse_os_release(text) if text else None
    if version:
        return [*facts, Fact.observed("os.version", version, [OS_RELEASE])]
    result = ctx.host.run(UNAME)
    if result.ok and result.stdout.strip():
        return [*facts, Fact.observed("os.version", result.stdout.strip(), [result.source])]
    return [*facts, Fact.unknown("os.version", f"no {OS_RELEASE} and {result.failure()}",
                                 [OS_RELEASE, result.source])]
