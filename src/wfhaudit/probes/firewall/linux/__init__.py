"""Linux firewall: the effective kernel ruleset decides; ufw/firewalld only name or explain it.

Order: `nft -j list ruleset` (sees native nftables, firewalld, ufw and iptables-nft rules;
text form when JSON is not compiled in), then legacy x_tables through iptables-legacy-save only
when /proc/net/ip*_tables_names lists tables, then iptables-save when nft is not installed.
Any input-hook chain that drops what it did not accept is enough (every base chain on the hook
is traversed and a drop is final). "Not enabled" needs every source read; whatever could not be
read makes the answer UNKNOWN, with the reason (usually: run with sudo).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wfhaudit.facts import Fact
from wfhaudit.host import CommandResult, Host
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall.decide import (
    Filtering,
    best_source,
    decided,
    filtering_chains,
    join_reasons,
    no_profiles,
    undecided,
)
from wfhaudit.probes.firewall.linux import frontends
from wfhaudit.probes.firewall.linux.iptables import (
    IP6_TABLES_NAMES,
    IP6T_LEGACY_SAVE,
    IP6T_SAVE,
    IP_TABLES_NAMES,
    IPT_LEGACY_SAVE,
    IPT_SAVE,
    IptablesParseError,
    parse_iptables_save,
    table_names,
)
from wfhaudit.probes.firewall.linux.nft import (
    NFT_JSON,
    NFT_TEXT,
    NO_JSON_MARKER,
    NftParseError,
    needs_root,
    parse_nft_json,
    parse_nft_text,
)

COMMANDS = [NFT_JSON, NFT_TEXT, IPT_LEGACY_SAVE, IP6T_LEGACY_SAVE, IPT_SAVE, IP6T_SAVE,
            frontends.UFW_STATUS, frontends.FIREWALLD_STATE]


@dataclass
class KernelView:
    """What the kernel rulesets showed, and what could not be read."""

    found: list[Filtering] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    nft_read: bool = False
    nft_missing: bool = False


def _program_problem(result: CommandResult, name: str) -> str:
    """Actionable reason for a ruleset command that gave nothing usable."""
    if result.error is None and needs_root(result.stderr + result.stdout):
        return f"{name} needs root: run with sudo"
    return result.failure()


def _read_nft(host: Host, view: KernelView) -> None:
    result = host.run(NFT_JSON, timeout=5)
    view.sources.append(result.source)
    if result.error == "not_found":
        view.nft_missing = True
        return
    parse = parse_nft_json
    if not result.ok and NO_JSON_MARKER in result.stderr + result.stdout:
        result = host.run(NFT_TEXT, timeout=5)
        view.sources.append(result.source)
        parse = parse_nft_text
    if not result.ok:
        view.problems.append(_program_problem(result, "nft"))
        return
    try:
        ruleset = parse(result.stdout)
    except NftParseError as exc:
        view.problems.append(f"`{result.source}` printed a ruleset wfhaudit cannot read: {exc}")
        return
    view.found.extend(filtering_chains(ruleset))
    view.read.append("the nftables ruleset")
    view.nft_read = True


def _read_save(host: Host, view: KernelView, argv: tuple[str, ...], family: str, label: str,
               fallback: tuple[str, ...] | None = None) -> None:
    result = host.run(argv, timeout=5)
    if result.error == "not_found" and fallback:
        result = host.run(fallback, timeout=5)
    view.sources.append(result.source)
    if not result.ok:
        view.problems.append(_program_problem(result, result.argv[0]))
        return
    try:
        ruleset = parse_iptables_save(result.stdout, family)
    except IptablesParseError as exc:
        view.problems.append(f"`{result.source}` printed rules wfhaudit cannot read: {exc}")
        return
    view.found.extend(filtering_chains(ruleset))
    view.read.append(label)


def read_kernel(host: Host) -> KernelView:
    """Read every kernel ruleset that can hold input filtering."""
    view = KernelView()
    _read_nft(host, view)
    legacy = ((IP_TABLES_NAMES, IPT_LEGACY_SAVE, IPT_SAVE, "ip", "legacy iptables rules"),
              (IP6_TABLES_NAMES, IP6T_LEGACY_SAVE, IP6T_SAVE, "ip6", "legacy ip6tables rules"))
    for path, legacy_cmd, plain_cmd, family, label in legacy:
        names = table_names(host.read_file(path))
        view.sources.append(path)
        # Before iptables 1.8 there is no -legacy name: the plain tool is the legacy one.
        if names:
            _read_save(host, view, legacy_cmd, family, label, fallback=plain_cmd)
    if view.nft_missing:
        for argv, family, label in ((IPT_SAVE, "ip", "the iptables rules"),
                                    (IP6T_SAVE, "ip6", "the ip6tables rules")):
            if " ".join(argv) not in view.sources:
                _read_save(host, view, argv, family, label)
        if not view.read and all(p.endswith("is not installed") for p in view.problems):
            view.problems = ["neither nft nor iptables is installed, so the kernel firewall "
                             "rules cannot be read: install nftables"]
    return view


def _coverage(view: KernelView) -> str:
    v4 = [f.describe() for f in view.found if f.covers_v4]
    v6 = [f.describe() for f in view.found if f.covers_v6]
    return (f"IPv4: {', '.join(v4) or 'not filtered'}; "
            f"IPv6: {', '.join(v6) or 'not filtered'}")


def _ufw_hint(host: Host, sources: list[str]) -> str | None:
    conf = frontends.parse_ufw_conf(host.read_file(frontends.UFW_CONF))
    sources.append(frontends.UFW_CONF)
    if conf is None:
        return None
    return "ufw is configured to start at boot" if conf else \
        "ufw is installed but configured off (ENABLED=no)"


def collect(ctx: ProbeContext) -> list[Fact]:
    """Facts firewall.enabled, firewall.source and firewall.profiles_off for Linux."""
    host = ctx.host
    view = read_kernel(host)
    sources = view.sources
    ufw_hint = _ufw_hint(host, sources)
    facts = [no_profiles("Linux")]
    if any(f.covers_v4 for f in view.found):
        v4 = [f for f in view.found if f.covers_v4]
        return [*decided(True, best_source(v4), sources, _coverage(view)), *facts]
    if not view.problems:
        read = ", ".join(view.read)
        detail = join_reasons([f"no input chain drops unmatched IPv4 packets ({_coverage(view)})",
                               f"read {read}", ufw_hint or ""])
        source = "nftables" if view.nft_read else "iptables"
        if view.nft_missing:
            firewalld = host.run(frontends.FIREWALLD_STATE, timeout=5)
            sources.append(firewalld.source)
            if firewalld.ok and firewalld.stdout.strip() == "running":
                reason = ("firewalld is running but nft is not installed, so its nftables rules "
                          "cannot be read: install nftables")
                return [*undecided(reason, sources), *facts]
        return [*decided(False, source, sources, detail), *facts]
    # Some ruleset could not be read: ask the front-ends what they know.
    ufw = frontends.parse_ufw_status(host.run(frontends.UFW_STATUS, timeout=10))
    sources.append(" ".join(frontends.UFW_STATUS))
    if ufw.active and ufw.default_incoming in ("deny", "reject"):
        detail = join_reasons([f"ufw status: active, default {ufw.default_incoming} incoming",
                               "kernel ruleset not read: " + join_reasons(view.problems)])
        return [*decided(True, "ufw", sources, detail), *facts]
    hints = [h for h in (
        frontends.describe_firewalld(host.run(frontends.FIREWALLD_STATE, timeout=5)),
        "ufw reports it is active" if ufw.active else None,
        "ufw reports it is inactive" if ufw.active is False else None,
        ufw.reason if ufw.reason and "root" not in ufw.reason
        and "not installed" not in ufw.reason else None,
        ufw_hint) if h]
    sources.append(" ".join(frontends.FIREWALLD_STATE))
    reason = join_reasons(view.problems)
    if hints:
        reason += f" (seen without the rules: {join_reasons(hints)})"
    return [*undecided(reason, sources), *facts]
