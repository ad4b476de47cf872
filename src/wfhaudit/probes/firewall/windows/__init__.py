"""Windows firewall: effective profile states (Group Policy included), service, third-party products.

One PowerShell call reads `Get-NetFirewallProfile -PolicyStore ActiveStore` (the effective
policy: local settings merged with Group Policy; the default PersistentStore shows local
settings only), the active profile types (HNetCfg.FwPolicy2.CurrentProfileTypes), the MpsSvc
service state and Security Center's FirewallProduct list. Each part has its own try/catch, so
one failing part (no SecurityCenter2 on Windows Server, COM blocked in Constrained Language
Mode) leaves the others usable. When the profiles cannot be read that way, `netsh advfirewall`
is parsed by position with known state words, and failing that the registry (local values
overridden by Group Policy values; MDM-only settings are not visible there).
"""

from __future__ import annotations

from dataclasses import replace

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall.decide import decided, join_reasons, undecided
from wfhaudit.probes.firewall.windows.parse import (
    PROFILE_BITS,
    PROFILES,
    Profile,
    PsReport,
    parse_netsh,
    parse_ps_report,
    parse_reg_enable,
)

PS_SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    "$o=[ordered]@{};"
    "try{$o.profiles=@(Get-NetFirewallProfile -PolicyStore ActiveStore|ForEach-Object{"
    "[ordered]@{Name=[string]$_.Name;Enabled=[string]$_.Enabled;"
    "DefaultInboundAction=[string]$_.DefaultInboundAction}})}"
    "catch{$o.profiles_error=[string]$_};"
    "try{$o.current_profiles=[int](New-Object -ComObject HNetCfg.FwPolicy2).CurrentProfileTypes}"
    "catch{$o.current_profiles_error=[string]$_};"
    "try{$o.service=[string](Get-Service -Name MpsSvc).Status}catch{$o.service_error=[string]$_};"
    "try{$o.products=@(Get-CimInstance -Namespace root/SecurityCenter2 -ClassName FirewallProduct"
    "|ForEach-Object{[ordered]@{displayName=[string]$_.displayName;"
    "productState=[long]$_.productState}})}"
    "catch{$o.products_error=[string]$_};"
    "ConvertTo-Json -InputObject $o -Compress -Depth 4"
)
PS_FIREWALL = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", PS_SCRIPT)
NETSH_STATE = ("netsh", "advfirewall", "show", "allprofiles", "state")
REG_LOCAL = ("reg", "query",
             r"HKLM\SYSTEM\CurrentControlSet\Services\SharedAccess\Parameters\FirewallPolicy",
             "/s", "/v", "EnableFirewall")
REG_POLICY = ("reg", "query", r"HKLM\SOFTWARE\Policies\Microsoft\WindowsFirewall",
              "/s", "/v", "EnableFirewall")
COMMANDS = [PS_FIREWALL, NETSH_STATE, REG_LOCAL, REG_POLICY]


def _complete(profiles: dict[str, Profile] | None) -> bool:
    if not profiles:
        return False
    return all(n in profiles and profiles[n].enabled is not None for n in PROFILES)


def _from_netsh_or_registry(ctx: ProbeContext, sources: list[str], problems: list[str]
                            ) -> tuple[dict[str, Profile] | None, str]:
    """Fallbacks when PowerShell gave no complete profile states."""
    netsh = ctx.host.run(NETSH_STATE, timeout=15)
    sources.append(netsh.source)
    if not netsh.ok:
        # netsh also fails when the firewall service is stopped; registry values would then
        # claim a firewall that is not running, so they are not read.
        problems.append(netsh.failure())
        return None, ""
    states, why = parse_netsh(netsh.stdout)
    if states is not None:
        return {n: Profile(v) for n, v in states.items()}, "netsh advfirewall"
    problems.append(why)
    # netsh answered (so the service runs) in a language without known words: the registry
    # holds the same switches in a form that does not depend on the language.
    local = ctx.host.run(REG_LOCAL, timeout=10)
    policy = ctx.host.run(REG_POLICY, timeout=10)
    sources.extend([local.source, policy.source])
    if not local.ok:
        problems.append(local.failure())
        return None, ""
    merged = parse_reg_enable(local.stdout)
    # No policy key (the usual case at home) makes reg exit 1: then local values stand.
    merged.update(parse_reg_enable(policy.stdout) if policy.ok else {})
    if all(n in merged for n in PROFILES):
        return {n: Profile(merged[n]) for n in PROFILES}, \
            "the registry (local settings with Group Policy overrides)"
    problems.append("the registry has no EnableFirewall value for every profile")
    return None, ""


def _ps_problem(result: CommandResult, report: PsReport | None) -> str:
    if not result.ok:
        # Name the program, not the whole script, in the reason.
        return replace(result, argv=(result.argv[0],)).failure()
    if report is None:
        return "PowerShell printed no JSON"
    if report.profiles_error:
        return f"Get-NetFirewallProfile failed: {report.profiles_error}"
    return "Get-NetFirewallProfile gave no definite state for every profile"


def _third_party_on(report: PsReport | None) -> list[str]:
    if report is None or not report.products:
        return []
    # Windows' own firewall is not a third-party product even if a build lists it.
    return sorted(p.name for p in report.products
                  if p.status == "on" and not p.name.lower().startswith("windows"))


def _relevant(current: int | None) -> list[str]:
    """The active profiles (CurrentProfileTypes bitmask), or all three when unknown."""
    if current:
        active = [n for n in PROFILES if current & PROFILE_BITS[n]]
        if active:
            return active
    return list(PROFILES)


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts firewall.enabled, firewall.source and firewall.profiles_off for Windows."""
    sources: list[str] = []
    problems: list[str] = []
    result = ctx.host.run(PS_FIREWALL, timeout=30)
    sources.append("powershell Get-NetFirewallProfile -PolicyStore ActiveStore")
    report = parse_ps_report(result.stdout) if result.ok else None
    profiles = report.profiles if report else None
    how = "Get-NetFirewallProfile -PolicyStore ActiveStore"
    if not _complete(profiles):
        problems.append(_ps_problem(result, report))
        profiles, how = _from_netsh_or_registry(ctx, sources, problems)
    third = _third_party_on(report)
    if profiles is None or not _complete(profiles):
        reason = "the Windows firewall profiles could not be read: " + join_reasons(problems)
        off_fact = Fact.unknown("firewall.profiles_off", reason, sources)
        if third:
            detail = f"registered with Security Center and on: {', '.join(third)}"
            return [*decided(True, "third-party", sources, detail), off_fact]
        return [*undecided(reason, sources), off_fact]
    off = [n for n in PROFILES if profiles[n].enabled is False]
    off_fact = Fact.observed("firewall.profiles_off", off, sources, detail=f"from {how}")
    relevant = _relevant(report.current if report else None)
    service = report.service if report else None
    gaps = [f"{n} profile is off" for n in relevant if profiles[n].enabled is False]
    gaps += [f"{n} profile allows all inbound connections by default" for n in relevant
             if profiles[n].enabled and profiles[n].inbound == "Allow"]
    if service and service != "Running":
        gaps.append(f"the firewall service (MpsSvc) is {service}")
    scope = "active profile" if len(relevant) == 1 else "profiles"
    where = f"{scope} {', '.join(relevant)}; from {how}"
    if not gaps:
        return [*decided(True, "windows", sources, f"Windows Defender Firewall on ({where})"),
                off_fact]
    if third:
        detail = join_reasons([f"registered with Security Center and on: {', '.join(third)}",
                               *gaps])
        return [*decided(True, "third-party", sources, detail), off_fact]
    return [*decided(False, "windows", sources, join_reasons([*gaps, where])), off_fact]
