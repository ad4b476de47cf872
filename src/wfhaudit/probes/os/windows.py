"""Windows version from Win32_OperatingSystem via PowerShell CIM, as JSON."""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import load_json

OS_CIM = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
          "Get-CimInstance Win32_OperatingSystem | Select-Object Caption,Version,BuildNumber "
          "| ConvertTo-Json -Compress")


COMMANDS = [OS_CIM]

def parse_os_cim(text: str) -> str | None:
    """Return 'Microsoft Windows 11 Pro 10.0.22631' from the CIM JSON, None when unusable."""
    data = load_json(text)
    if not isinstance(data, dict):
        return None
    caption, version = data.get("Caption"), data.get("Version")
    if not isinstance(version, str) or not version:
        return None
    return f"{caption} {version}".strip() if isinstance(caption, str) else version


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts os.family and os.version for Windows."""
    result = ctx.host.run(OS_CIM, timeout=15)
    facts = [Fact.observed("os.family", "windows", ["platform"])]
    version = parse_os_cim(result.stdout) if result.ok else None
    if version:
        return [*facts, Fact.observed("os.version", version, [result.source])]
    reason = result.failure() if not result.ok else "Win32_OperatingSystem gave no Version"
    return [*facts, Fact.unknown("os.version", reason, [result.source])]
