"""Windows updates: build and UBR, last installed update, pending reboot, pending security updates.

All locale-independent: the build numbers from the registry (CurrentVersion), hotfix install
dates formatted by PowerShell with the invariant culture, the two registry keys Windows
Update and servicing create while a restart is pending, and the Windows Update Agent's
offline search over its last scan (`Online = $false`: no download), where a security update
is one in the Security Updates category (a GUID) or with an MSRC severity. Definition updates
of Defender are a category of their own and are not counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import as_int, as_list, load_json
from wfhaudit.probes.updates.decide import days_fact, pending_fact
from wfhaudit.probes.wallclock import host_now

_PS = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command")
STATUS_SCRIPT = (
    "$ErrorActionPreference='Stop';try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    "$o=[ordered]@{};"
    "try{$k=Get-ItemProperty 'HKLM:\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';"
    "$o.build=[int]$k.CurrentBuild;$o.ubr=[int]$k.UBR;$o.display_version=[string]$k.DisplayVersion}"
    "catch{$o.version_error=[string]$_};"
    "try{$o.hotfixes=@(Get-HotFix|Where-Object{$_.InstalledOn}|ForEach-Object{[ordered]@{"
    "id=[string]$_.HotFixID;installed=$_.InstalledOn.ToString('yyyy-MM-dd',"
    "[Globalization.CultureInfo]::InvariantCulture)}})}catch{$o.hotfix_error=[string]$_};"
    "$o.reboot_wu=Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate"
    "\\Auto Update\\RebootRequired';"
    "$o.reboot_cbs=Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based "
    "Servicing\\RebootPending';"
    "ConvertTo-Json -InputObject $o -Compress -Depth 4"
)
SEARCH_SCRIPT = (
    "$ErrorActionPreference='Stop';try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    "$o=[ordered]@{};"
    "try{$s=(New-Object -ComObject Microsoft.Update.Session).CreateUpdateSearcher();"
    "$s.Online=$false;$r=$s.Search('IsInstalled=0 and IsHidden=0 and Type=''Software''');"
    "$o.updates=@($r.Updates|ForEach-Object{[ordered]@{kb=[string](@($_.KBArticleIDs) -join ',');"
    "severity=[string]$_.MsrcSeverity;categories=@($_.Categories|ForEach-Object{"
    "[string]$_.CategoryID})}})}catch{$o.search_error=[string]$_};"
    "ConvertTo-Json -InputObject $o -Compress -Depth 5"
)
PS_STATUS = (*_PS, STATUS_SCRIPT)
PS_SEARCH = (*_PS, SEARCH_SCRIPT)
COMMANDS = [PS_STATUS, PS_SEARCH]
SECURITY_UPDATES = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
DEFINITION_UPDATES = "e0789628-ce08-4437-be74-2495b842f43b"


def _name_only(result: CommandResult) -> CommandResult:
    return replace(result, argv=(result.argv[0],))


def parse_status(text: str) -> Mapping[str, Any] | None:
    """The STATUS_SCRIPT object, None when PowerShell printed no JSON object."""
    data = load_json(text)
    return data if isinstance(data, Mapping) else None


def last_hotfix(status: Mapping[str, Any]) -> tuple[dt.date, str] | None:
    """(date, KB) of the most recently installed hotfix."""
    best: tuple[dt.date, str] | None = None
    for item in as_list(status.get("hotfixes")):
        if not isinstance(item, Mapping):
            continue
        try:
            day = dt.date.fromisoformat(str(item.get("installed") or ""))
        except ValueError:
            continue
        if best is None or day > best[0]:
            best = (day, str(item.get("id") or "?"))
    return best


def security_updates(text: str) -> tuple[list[str] | None, str | None]:
    """(KBs of pending security updates, error) from the SEARCH_SCRIPT output."""
    data = load_json(text)
    if not isinstance(data, Mapping):
        return None, "PowerShell printed no JSON"
    if data.get("search_error"):
        return None, f"the Windows Update search failed: {data['search_error']}"
    found = []
    for item in as_list(data.get("updates")):
        if not isinstance(item, Mapping):
            continue
        cats = {str(c).lower() for c in as_list(item.get("categories"))}
        if DEFINITION_UPDATES in cats:
            continue
        if SECURITY_UPDATES in cats or str(item.get("severity") or "").strip():
            found.append("KB" + str(item.get("kb")) if item.get("kb") else "an update without KB")
    return found, None


def _build_fact(status: Mapping[str, Any] | None, problem: str, source: str) -> Fact:
    key = "updates.os_build"
    build = as_int(status.get("build")) if status else None
    if build is None:
        why = f"CurrentBuild unreadable: {status.get('version_error')}" if status and \
            status.get("version_error") else problem
        return Fact.unknown(key, why, [source])
    ubr = as_int(status.get("ubr")) if status else None
    version = str(status.get("display_version") or "") if status else ""
    detail = f"10.0.{build}" + (f".{ubr}" if ubr is not None else "") + \
        (f" (version {version})" if version else "")
    return Fact.observed(key, build, [source], detail=detail)


def _reboot_fact(status: Mapping[str, Any] | None, problem: str, source: str) -> Fact:
    key = "updates.reboot_pending"
    wu, cbs = (status.get("reboot_wu"), status.get("reboot_cbs")) if status else (None, None)
    if not isinstance(wu, bool) or not isinstance(cbs, bool):
        return Fact.unknown(key, problem or "the restart keys could not be read", [source])
    which = [n for n, v in (("Windows Update RebootRequired", wu),
                            ("servicing RebootPending", cbs)) if v]
    detail = "set: " + ", ".join(which) if which else "neither Windows Update's RebootRequired " \
        "nor servicing's RebootPending key exists"
    return Fact.observed(key, bool(which), [source], detail=detail)


def _pending(ctx: ProbeContext) -> Fact:
    key = "updates.security_pending"
    result = ctx.host.run(PS_SEARCH, timeout=90)
    source = result.source
    if not result.ok:
        return Fact.unknown(key, _name_only(result).failure(), [source])
    kbs, error = security_updates(result.stdout)
    if kbs is None:
        return Fact.unknown(key, error or "no result", [source])
    detail = (f"{', '.join(kbs)} " if kbs else "none ") + "pending, from Windows Update's " \
        "last scan"
    return pending_fact(len(kbs), [source], detail)


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts updates.* for Windows."""
    now = host_now(ctx.host)
    result = ctx.host.run(PS_STATUS, timeout=60)
    source = result.source
    status = parse_status(result.stdout) if result.ok else None
    problem = "" if status else (_name_only(result).failure() if not result.ok
                                 else "PowerShell printed no JSON")
    last = last_hotfix(status) if status else None
    if last is None:
        why = problem or (f"Get-HotFix failed: {status.get('hotfix_error')}"
                          if status and status.get("hotfix_error")
                          else "Get-HotFix lists no update with an install date")
        last_fact = Fact.unknown("updates.days_since_last", why, [source])
    else:
        day, kb = last
        then = dt.datetime.combine(day, dt.time(12), tzinfo=dt.timezone.utc).timestamp()
        last_fact = days_fact(now, then, [source], f"{kb} installed on {day} (Get-HotFix "
                              "gives the day only: counted from noon UTC)")
    return [_pending(ctx), last_fact, _reboot_fact(status, problem, source),
            _build_fact(status, problem, source)]
