"""macOS firewall: the Application Layer Firewall (ALF), and pf when ALF is off.

ALF: `socketfilterfw --getglobalstate` (works as a normal user on every release); when that is
refused (managed Macs) or unreadable, the managed profile's EnableFirewall, then
`system_profiler SPFirewallDataType -json`, and only before macOS 15 (Darwin 24) the
com.apple.alf plist: from macOS 15 the ALF settings left that plist, and a leftover file can
hold a stale value, so it is never read there. When ALF is on, `--getblockall` reads the
separate block-all switch for the detail: State = 2 is published both with block-all on and
with it off, so the number alone is never read as block-all. pf is a separate packet filter that ALF does not
use; it counts only when enabled with an unconditional inbound block, and needs root to read.
"""

from __future__ import annotations

import json
import re

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall.decide import decided, join_reasons, no_profiles, undecided
from wfhaudit.probes.firewall.linux.nft import needs_root

SOCKETFILTERFW = ("/usr/libexec/ApplicationFirewall/socketfilterfw", "--getglobalstate")
BLOCKALL = ("/usr/libexec/ApplicationFirewall/socketfilterfw", "--getblockall")
MANAGED_FIREWALL = ("defaults", "read", "/Library/Managed Preferences/com.apple.security.firewall",
                    "EnableFirewall")
SP_FIREWALL = ("system_profiler", "SPFirewallDataType", "-json")
ALF_PLIST = ("defaults", "read", "/Library/Preferences/com.apple.alf", "globalstate")
PF_INFO = ("pfctl", "-s", "info")
PF_RULES = ("pfctl", "-s", "rules")
COMMANDS = [SOCKETFILTERFW, MANAGED_FIREWALL, SP_FIREWALL, ALF_PLIST, BLOCKALL, PF_INFO, PF_RULES]

MACOS_15_DARWIN = 24
# `--getblockall` wordings, newer then older releases; the "is set to" sentence is what
# releases print for an enabled block-all without a state word.
_BLOCKALL_ON = ("block all state set to enabled", "block all enabled",
                "is set to block all non-essential incoming connections")
_BLOCKALL_OFF = ("block all state set to disabled", "block all disabled")
_STATE = re.compile(r"\(State\s*=\s*([^)]*)\)")
_SP_STATES = {"spfirewall_globalstate_allow_all": 0,
              "spfirewall_globalstate_limit_connections": 1,
              "spfirewall_globalstate_block_all": 2}
_MANAGED_REFUSAL = "managed Mac"
_PF_STATUS = re.compile(r"^Status:\s*(Enabled|Disabled)\b", re.MULTILINE)
_PF_ANY = r"(?: log(?: \([^)]*\))?)?(?: quick)?(?: inet)?"
_PF_BLOCK = re.compile(r"^block(?: drop| return(?:-rst|-icmp6?)?)?(?: in)?" + _PF_ANY + r" all\b")
_PF_PASS = re.compile(r"^pass(?: in)?" + _PF_ANY + r" all\b")


def parse_globalstate(text: str) -> int | None:
    """ALF state 0/1/2 from `socketfilterfw --getglobalstate`, None when it cannot be read."""
    m = _STATE.search(text)
    if m:
        value = m.group(1).strip()
        return int(value) if value in ("0", "1", "2") else None
    # Some releases print the sentence without the "(State = N)" suffix.
    lowered = text.strip().lower()
    if lowered.startswith("firewall is disabled"):
        return 0
    if "blocking all" in lowered or "block all" in lowered:
        return 2
    if lowered.startswith("firewall is enabled"):
        return 1
    return None


def parse_blockall(text: str) -> bool | None:
    """Whether `socketfilterfw --getblockall` says block-all is on; None when it says neither."""
    lowered = " ".join(text.lower().split())
    on = any(w in lowered for w in _BLOCKALL_ON)
    off = any(w in lowered for w in _BLOCKALL_OFF)
    return on if on != off else None


def parse_defaults_int(result: CommandResult, allowed: tuple[int, ...]) -> int | None:
    """An integer printed by `defaults read DOMAIN KEY` (None when absent or not allowed)."""
    if not result.ok:
        return None
    value = result.stdout.strip()
    if value.lower() in ("true", "yes"):
        value = "1"
    elif value.lower() in ("false", "no"):
        value = "0"
    return int(value) if value.isdecimal() and int(value) in allowed else None


def parse_sp_firewall(text: str) -> int | None:
    """ALF state from `system_profiler SPFirewallDataType -json` (macOS 15 and later)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    items = data.get("SPFirewallDataType") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return None
    # `-json` lists the settings dicts directly; the plist form nests them under _items.
    candidates = [i for i in items if isinstance(i, dict)]
    candidates += [n for i in candidates if isinstance(i.get("_items"), list)
                   for n in i["_items"] if isinstance(n, dict)]
    for item in reversed(candidates):
        state = item.get("spfirewall_globalstate")
        if isinstance(state, str):
            return _SP_STATES.get(state)
    return None


def parse_pf_status(text: str) -> bool | None:
    """True/False from the `Status:` line of `pfctl -s info`."""
    m = _PF_STATUS.search(text)
    return m.group(1) == "Enabled" if m else None


def pf_blocks_inbound(text: str) -> bool:
    """True when pf's main ruleset ends unmatched inbound packets in a block (last match wins)."""
    decision = None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("block"):
            kind = "block" if _PF_BLOCK.match(line) else None
        elif line.startswith("pass"):
            kind = "pass" if _PF_PASS.match(line) else None
        else:
            continue
        if kind is None or " out " in f" {line} ":
            continue
        decision = kind
        if " quick" in line:
            break
    return decision == "block"


def _darwin_major(release: str) -> int | None:
    head = release.split(".", 1)[0]
    return int(head) if head.isdecimal() else None


def _alf_state(ctx: ProbeContext, sources: list[str]) -> tuple[int | None, str, list[str]]:
    """ALF state, how it was read, and why not when it could not be."""
    host = ctx.host
    problems: list[str] = []
    result = host.run(SOCKETFILTERFW, timeout=10)
    sources.append(result.source)
    output = result.stdout + "\n" + result.stderr
    state = parse_globalstate(result.stdout) if result.error is None else None
    if state is not None:
        return state, "socketfilterfw", problems
    if _MANAGED_REFUSAL in output:
        problems.append("socketfilterfw refused: the firewall is managed by a profile")
    elif result.error or result.returncode != 0:
        problems.append(result.failure())
    else:
        first = (result.stdout.strip().splitlines() or ["no output"])[0][:80]
        problems.append(f"socketfilterfw printed a state wfhaudit cannot read ({first!r})")
    managed = host.run(MANAGED_FIREWALL, timeout=5)
    sources.append(managed.source)
    state = parse_defaults_int(managed, (0, 1))
    if state is not None:
        return state, "the managed firewall profile (EnableFirewall)", problems
    sp = host.run(SP_FIREWALL, timeout=20)
    sources.append(sp.source)
    state = parse_sp_firewall(sp.stdout) if sp.ok else None
    if state is not None:
        return state, "system_profiler", problems
    problems.append(sp.failure() if not sp.ok else "system_profiler gave no firewall state")
    major = _darwin_major(host.os.release)
    if major is not None and major < MACOS_15_DARWIN:
        plist = host.run(ALF_PLIST, timeout=5)
        sources.append(plist.source)
        state = parse_defaults_int(plist, (0, 1, 2))
        if state is not None:
            return state, "the com.apple.alf plist", problems
        problems.append(plist.failure() if not plist.ok else "com.apple.alf globalstate unreadable")
    return None, "", problems


def _pf(ctx: ProbeContext, sources: list[str]) -> tuple[bool | None, str]:
    """Whether pf blocks inbound by default, or None with the reason it could not be read."""
    info = ctx.host.run(PF_INFO, timeout=5)
    sources.append(info.source)
    if info.error is None and needs_root(info.stderr + info.stdout):
        return None, "pf could not be checked (pfctl needs root: run with sudo)"
    enabled = parse_pf_status(info.stdout) if info.ok else None
    if enabled is None:
        return None, f"pf could not be checked ({info.failure() if not info.ok else 'no Status line'})"
    if not enabled:
        return False, "pf is disabled"
    rules = ctx.host.run(PF_RULES, timeout=5)
    sources.append(rules.source)
    if not rules.ok:
        return None, f"pf is enabled but its rules could not be read ({rules.failure()})"
    if pf_blocks_inbound(rules.stdout):
        return True, "pf is enabled and blocks unmatched inbound packets"
    return False, "pf is enabled but has no unconditional inbound block"


def _blockall(ctx: ProbeContext, sources: list[str]) -> str:
    """The block-all setting as socketfilterfw reports it, for the detail.

    Block-all is a separate switch: State = 2 is published both with block-all on and with it
    off (and with only stealth mode on), so the state number alone is never read as block-all.
    """
    result = ctx.host.run(BLOCKALL, timeout=10)
    sources.append(result.source)
    value = parse_blockall(result.stdout) if result.ok else None
    if value is not None:
        return f"block all incoming connections: {'on' if value else 'off'} (--getblockall)"
    why = result.failure() if not result.ok else "--getblockall said neither on nor off"
    return f"block all incoming connections: not read ({why})"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts firewall.enabled, firewall.source and firewall.profiles_off for macOS."""
    sources: list[str] = []
    state, how, problems = _alf_state(ctx, sources)
    extra = [no_profiles("macOS")]
    if state is not None and state >= 1:
        detail = (f"application firewall on (State = {state}, from {how}); "
                  + _blockall(ctx, sources))
        return [*decided(True, "alf", sources, detail), *extra]
    pf, pf_why = _pf(ctx, sources)
    if pf:
        alf = "application firewall off" if state == 0 else "application firewall state unknown"
        return [*decided(True, "pf", sources, join_reasons([pf_why, alf])), *extra]
    if state == 0 and pf is False:
        detail = f"application firewall off (State = 0, from {how}); {pf_why}"
        return [*decided(False, "alf", sources, detail), *extra]
    if state == 0:
        reason = ("the application firewall is off, and " + pf_why +
                  "; turn the firewall on in System Settings > Network > Firewall")
    else:
        reason = join_reasons(["the application firewall state could not be read: "
                               + join_reasons(problems), pf_why])
    return [*undecided(reason, sources), *extra]
