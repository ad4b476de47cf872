"""macOS version from `sw_vers` (ProductName, ProductVersion, BuildVersion)."""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext

SW_VERS = ("sw_vers",)


COMMANDS = [SW_VERS]

def parse_sw_vers(text: str) -> str | None:
    """Return 'macOS 15.1 (24B83)' from sw_vers output, None when ProductVersion is missing."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    version = values.get("ProductVersion")
    if not version:
        return None
    name = values.get("ProductName") or "macOS"
    build = values.get("BuildVersion")
    return f"{name} {version}" + (f" ({build})" if build else "")


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts os.family and os.version for macOS."""
    result = ctx.host.run(SW_VERS)
    facts = [Fact.observed("os.family", "macos", ["platform"])]
    version = parse_sw_vers(result.stdout) if result.ok else None
    if version:
        return [*facts, Fact.observed("os.version", version, [result.source])]
    reason = result.failure() if not result.ok else "sw_vers printed no ProductVersion"
    return [*facts, Fact.unknown("os.version", reason, [result.source])]
