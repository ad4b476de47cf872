"""Windows screen lock from registry values and power settings, read by one PowerShell call as JSON.

Three things lock a Windows session after inactivity: the machine inactivity limit (policy
`InactivityTimeoutSecs`, seconds, 0 = off), a screen saver with "On resume, display logon
screen" (`ScreenSaveActive`, `ScreenSaveTimeOut` seconds, `ScreenSaverIsSecure`; the Group
Policy copy under HKCU\\Software\\Policies wins over the user's own; Windows locks after the wait
even when no saver program is chosen), and sleep (`STANDBYIDLE`, seconds) when the active
power plan asks for sign-in on wake (`CONSOLELOCK` = 1). Power values come from
Win32_PowerSettingDataIndex of the active plan, overridden by Group Policy's
ACSettingIndex/DCSettingIndex; battery timers count only on a machine with a battery.
Everything read is a number or a registry string, so the display language does not matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.powershell import as_int, failure, load_json
from wfhaudit.probes.screenlock.decide import LockPath, all_unknown, lock_facts, password_fact

SLEEP_GUID = "29f6c1db-86da-48c5-9fdb-f2b67b1f44da"
CONSOLELOCK_GUID = "0e796bdb-100d-47d6-a2d5-f7d2daa51f51"
SCRIPT = (
    "$ErrorActionPreference='Stop';"
    "try{[Console]::OutputEncoding=[Text.Encoding]::UTF8}catch{};"
    "function V($p,$n){try{[string](Get-ItemProperty -LiteralPath $p -Name $n).$n}catch{$null}};"
    "$o=[ordered]@{};"
    r"$o.inactivity=V 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' "
    "'InactivityTimeoutSecs';"
    r"foreach($k in @(@('policy','HKCU:\Software\Policies\Microsoft\Windows\Control Panel\Desktop'),"
    r"@('user','HKCU:\Control Panel\Desktop'))){$d=[ordered]@{};"
    "foreach($n in @('ScreenSaveActive','ScreenSaverIsSecure','ScreenSaveTimeOut','SCRNSAVE.EXE'))"
    "{$d[$n]=V $k[1] $n};"
    "$o[$k[0]]=$d};"
    f"$g=[ordered]@{{sleep='{SLEEP_GUID}';lock='{CONSOLELOCK_GUID}'}};"
    "$pp=[ordered]@{};foreach($s in @($g.Keys)){foreach($c in @('AC','DC')){"
    r"$pp[$s+'_'+$c]=V ('HKLM:\SOFTWARE\Policies\Microsoft\Power\PowerSettings\'+$g[$s]) "
    "($c+'SettingIndex')}};$o.power_policy=$pp;"
    "try{$plan=[string](Get-CimInstance -Namespace root/cimv2/power -ClassName Win32_PowerPlan "
    "-Filter 'IsActive=True').InstanceID;$id=$plan.Substring($plan.IndexOf('{'));$o.plan=$id;"
    "$p=[ordered]@{};foreach($s in @($g.Keys)){foreach($c in @('AC','DC')){"
    r"""$f="InstanceID='Microsoft:PowerSettingDataIndex\\$id\\$c\\{$($g[$s])}'";"""
    "$i=@(Get-CimInstance -Namespace root/cimv2/power -ClassName Win32_PowerSettingDataIndex "
    "-Filter $f);$p[$s+'_'+$c]=if($i.Count){[long]$i[0].SettingIndexValue}else{$null}}};"
    "$o.power=$p}catch{$o.power_error=[string]$_};"
    "try{$o.battery=@(Get-CimInstance -ClassName Win32_Battery).Count}"
    "catch{$o.battery_error=[string]$_};"
    "ConvertTo-Json -InputObject $o -Compress -Depth 4"
)
QUERY = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", SCRIPT)
COMMANDS = [QUERY]
SOURCES = (("AC", "plugged in"), ("DC", "on battery"))


def _num(value: Any) -> int | None:
    """A registry or CIM number (DWORDs come as strings from the script)."""
    return as_int(value.strip() if isinstance(value, str) else value)


def effective(data: Mapping[str, Any], name: str) -> Any:
    """A screen-saver value: the Group Policy copy when set, else the user's own."""
    policy, user = data.get("policy") or {}, data.get("user") or {}
    value = policy.get(name) if isinstance(policy, dict) else None
    if value is None and isinstance(user, dict):
        value = user.get(name)
    return value


def power_value(data: Mapping[str, Any], key: str) -> int | None:
    """A power setting index for one source ('sleep_AC', 'lock_DC'): policy over the plan."""
    for block in ("power_policy", "power"):
        values = data.get(block)
        if isinstance(values, dict) and _num(values.get(key)) is not None:
            return _num(values.get(key))
    return None


def saver(data: Mapping[str, Any]) -> tuple[int | None, bool, bool]:
    """(wait in seconds when a screen saver is set to start, secure, a saver program is chosen)."""
    active, wait = str(effective(data, "ScreenSaveActive")), _num(effective(data, "ScreenSaveTimeOut"))
    secure = str(effective(data, "ScreenSaverIsSecure")) == "1"
    program = bool(str(effective(data, "SCRNSAVE.EXE") or "").strip())
    return (wait if active == "1" and wait and wait > 0 else None), secure, program


def source_paths(data: Mapping[str, Any], current: str) -> list[LockPath]:
    """Every lock path for one power source ('AC' or 'DC')."""
    paths: list[LockPath] = []
    limit = _num(data.get("inactivity"))
    if limit and limit > 0:
        paths.append(LockPath(f"the machine inactivity limit ({limit} s)", float(limit), True))
    wait, secure, program = saver(data)
    if wait is not None and (secure or program):
        # With no saver program but "On resume, display logon screen" ticked, Windows still
        # locks after the wait; without either nothing happens at all.
        paths.append(LockPath(f"the screen saver ({wait} s, sign-in on resume {secure})",
                              float(wait), secure,
                              "the screen saver starts but 'On resume, display logon screen' is off"))
    else:
        paths.append(LockPath("the screen saver", None, None,
                              "no screen saver is set to lock the screen"))
    sleep, lock = power_value(data, f"sleep_{current}"), power_value(data, f"lock_{current}")
    if data.get("power_error") and sleep is None:
        paths.append(LockPath("sleep", None, None, "the power plan could not be read: "
                              f"{str(data['power_error']).strip()[:160]}", False))
    elif sleep and sleep > 0:
        locks = None if lock is None else lock == 1
        paths.append(LockPath(f"sleep ({sleep} s, sign-in on wake {locks})", float(sleep), locks,
                              "the PC sleeps but does not ask for sign-in on wake"
                              if lock == 0 else "whether sign-in is asked on wake is not known"))
    else:
        paths.append(LockPath("sleep", None, None, "the PC never sleeps by itself"))
    return paths


def password(sources: Mapping[str, list[LockPath]], data: Mapping[str, Any], currents: list[str]
             ) -> tuple[bool | None, str]:
    """screenlock.password_required: every timer that blanks or locks asks for sign-in."""
    timed = [p for paths in sources.values() for p in paths if p.after_s]
    if any(p.locks is False for p in timed):
        bad = next(p for p in timed if p.locks is False)
        return False, f"{bad.what} does not ask for sign-in"
    if timed and all(p.locks for p in timed):
        return True, "every inactivity timer ends at the sign-in screen"
    locks = [power_value(data, f"lock_{c}") for c in currents]
    if not timed and locks and all(v is not None for v in locks):
        ok = all(v == 1 for v in locks)
        return ok, f"the power plan {'asks' if ok else 'does not ask'} for sign-in on wake"
    return None, "whether sign-in is asked after inactivity could not be read"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts screenlock.* for the signed-in Windows user."""
    result = ctx.host.run(QUERY, timeout=20)
    evidence = [result.source]
    data = load_json(result.stdout) if result.ok else None
    if not isinstance(data, dict):
        return all_unknown(failure(result) if not result.ok else
                           "the PowerShell screen-lock query printed no JSON", evidence)
    battery = _num(data.get("battery"))
    currents = ["AC", "DC"] if battery else ["AC"]
    if len(currents) == 1:
        sources = {"": source_paths(data, "AC")}
    else:
        sources = {label: source_paths(data, c) for c, label in SOURCES}
    value, why = password(sources, data, currents)
    return [*lock_facts(sources, evidence), password_fact(value, why, evidence)]
