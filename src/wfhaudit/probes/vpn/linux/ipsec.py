"""Policy-based IPsec on Linux (strongSwan, Libreswan): no tunnel interface, only xfrm policies.

Routing cannot show these tunnels, so when no tunnel carries traffic but an IPsec daemon runs,
the kernel's xfrm policies decide; reading them needs root.
"""

from __future__ import annotations

from collections.abc import Callable

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn.model import OK, Lookup

XFRM = ("ip", "xfrm", "policy", "list")
IPSEC_CLIENTS = ("strongswan", "libreswan")


def outbound_tunnel_policies(text: str) -> list[str]:
    """Destination selectors of outbound tunnel-mode policies in `ip xfrm policy list` text."""
    found: list[str] = []
    dst, out, tunnel = "", False, False

    def flush() -> None:
        if dst and out and tunnel:
            found.append(dst)

    for raw in text.splitlines():
        parts = raw.split()
        if not parts:
            continue
        if not raw[:1].isspace() and parts[0] == "src":
            flush()
            dst = parts[parts.index("dst") + 1] if "dst" in parts[:-1] else ""
            out = tunnel = False
        elif parts[:2] == ["dir", "out"]:
            out = True
        elif "mode" in parts[:-1] and parts[parts.index("mode") + 1] == "tunnel":
            tunnel = True
    flush()
    return found


def check_ipsec(ctx: ProbeContext, facts: list[Fact], lookups: list[Lookup],
                processes: Callable[[], list[str] | None], sources: list[str]) -> list[Fact]:
    """Replace a 'no VPN' answer when an IPsec daemon runs: policies decide, or UNKNOWN."""
    active = next((f for f in facts if f.key == "vpn.active"), None)
    if active is None or not active.is_known or active.value is not False:
        return facts
    clients = [p for p in (processes() or []) if p in IPSEC_CLIENTS]
    if not clients:
        return facts
    client = clients[0]
    result: CommandResult = ctx.host.run(XFRM, timeout=3)
    src = [*sources, "snapshot:processes", result.source]
    if not result.ok:
        hint = ": run with sudo" if "not permitted" in (result.stderr + result.stdout).lower() \
            else f" ({result.failure()})"
        reason = (f"an IPsec client ({client}) is running; policy-based IPsec has no interface "
                  f"and its policies can only be read as root{hint}")
        return [Fact.unknown(k, reason, src) for k in
                ("vpn.active", "vpn.full_tunnel", "vpn.interface", "vpn.client")]
    dsts = outbound_tunnel_policies(result.stdout)
    if not dsts:
        return facts
    v6_leaks = any(lk.family == 6 and lk.status == OK for lk in lookups)
    full = "0.0.0.0/0" in dsts and ("::/0" in dsts or not v6_leaks)
    detail = (f"policy-based IPsec ({client}): outbound tunnel policies for "
              f"{', '.join(dsts[:5])}; it has no interface of its own")
    return [Fact.observed("vpn.active", True, src, detail=detail),
            Fact.observed("vpn.full_tunnel", full, src, detail=detail),
            Fact.observed("vpn.interface", "", src, detail="policy-based IPsec has no interface"),
            Fact.observed("vpn.client", client, src, detail=f"{client} process")]
