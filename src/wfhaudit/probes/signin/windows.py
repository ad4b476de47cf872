"""Windows automatic sign-in: Winlogon's AutoAdminLogon, read from the registry as JSON.

AutoAdminLogon "1" makes Windows sign DefaultUserName in at start-up (the password either in
DefaultPassword, in plain text, or as an LSA secret set by Sysinternals Autologon). The script
reports only whether the user name and a plain-text password are present, never their values.
Registry strings do not depend on the display language.
"""

from __future__ import annotations

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import as_int, failure, load_json
from wfhaudit.probes.signin.decide import Findings, autologin_fact

SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    r"$w=Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon';"
    "[ordered]@{AutoAdminLogon=[string]$w.AutoAdminLogon;"
    "HasDefaultUserName=[bool][string]$w.DefaultUserName;"
    "HasDefaultPassword=($null -ne $w.DefaultPassword);"
    "AutoLogonCount=$w.AutoLogonCount;ForceAutoLogon=[string]$w.ForceAutoLogon}"
    "|ConvertTo-Json -Compress"
)
QUERY = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", SCRIPT)
COMMANDS = [QUERY]


def collect(ctx: ProbeContext) -> list[Fact]:
    """Fact signin.autologin_enabled for this Windows machine."""
    result = ctx.host.run(QUERY, timeout=15)
    found = Findings(evidence=[result.source])
    data = load_json(result.stdout) if result.ok else None
    if not isinstance(data, dict) or "AutoAdminLogon" not in data:
        found.problems.append(failure(result) if not result.ok
                              else "the Winlogon query printed no AutoAdminLogon")
        return [autologin_fact(found)]
    value = str(data.get("AutoAdminLogon") or "").strip()
    count = as_int(data.get("AutoLogonCount"))
    if value == "1":
        extra = []
        if data.get("HasDefaultPassword") is True:
            extra.append("the password is stored in plain text (DefaultPassword)")
        if count is not None:
            extra.append(f"for {count} more start-ups (AutoLogonCount)")
        found.enabled_by.append("Winlogon AutoAdminLogon is 1" + (
            f" ({'; '.join(extra)})" if extra else ""))
    return [autologin_fact(found, f"Winlogon AutoAdminLogon is {value or 'not set'}")]
