"""The firewall decision for every backend: does the packet filter drop unsolicited inbound traffic.

A small model of a packet-filter ruleset (nftables JSON and text and iptables-save are parsed
into it) and the judgement over it: a base chain on the input hook filters when packets that no
earlier rule accepted end in a drop: either its policy is drop, or a rule with no condition
drops/rejects (firewalld's `reject with icmpx admin-prohibited` tail). A rule with no condition
that accepts first makes the chain open again, whatever the policy. Then the fact builders every
OS backend uses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from wfhaudit.facts import Fact, keys_of

KEYS = keys_of("firewall")


def decided(enabled: bool, source: str, sources: Sequence[str], detail: str) -> list[Fact]:
    """firewall.enabled and firewall.source, both observed."""
    return [Fact.observed("firewall.enabled", enabled, sources, detail=detail),
            Fact.observed("firewall.source", source, sources, detail=detail)]


def undecided(reason: str, sources: Sequence[str]) -> list[Fact]:
    """firewall.enabled and firewall.source, both unknown for the same reason."""
    return [Fact.unknown("firewall.enabled", reason, sources),
            Fact.unknown("firewall.source", reason, sources)]


def no_profiles(os_name: str) -> Fact:
    """firewall.profiles_off off Windows.

    Profiles (Domain/Private/Public) are a Windows Defender Firewall concept. Reporting [] here
    would claim an observation that was never made, so the fact is UNKNOWN with a reason that
    says why; policies scope their profile rule with "platforms": ["windows"].
    """
    return Fact.unknown("firewall.profiles_off",
                        f"firewall profiles exist only on Windows (this is {os_name})")


def join_reasons(parts: Sequence[str]) -> str:
    """Join reason fragments into one sentence-like line without duplicates."""
    seen: list[str] = []
    for part in parts:
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)


DROP, ACCEPT = "drop", "accept"
# Verdicts that end a packet's walk; "reject" is a drop that answers.
TERMINAL_DROP = frozenset({"drop", "reject"})
MAX_DEPTH = 16  # jump nesting; netfilter itself allows more, but real rulesets are shallow

# Where the filtering came from, strongest name first: a front-end beats the raw mechanism.
SOURCE_PRIORITY = ("firewalld", "ufw", "iptables", "nftables")


@dataclass(frozen=True)
class Rule:
    """One rule reduced to what matters here: its verdict and whether it has any condition."""

    verdict: str | None  # accept, drop, reject, jump, goto, return, or None (no verdict)
    target: str | None = None  # chain name for jump/goto
    conditional: bool = True


@dataclass(frozen=True)
class Chain:
    """A chain; base chains carry hook, type and policy."""

    family: str
    table: str
    name: str
    hook: str | None = None
    type: str | None = None
    policy: str | None = None
    rules: tuple[Rule, ...] = ()


@dataclass
class Ruleset:
    """Every chain of a ruleset, plus where it was read from (nftables or iptables)."""

    origin: str  # "nftables" or "iptables"
    chains: list[Chain] = field(default_factory=list)

    def find(self, family: str, table: str, name: str) -> Chain | None:
        """The chain with this name in the same table, or None."""
        for chain in self.chains:
            if chain.family == family and chain.table == table and chain.name == name:
                return chain
        return None

    def table_chain_names(self, family: str, table: str) -> list[str]:
        """Names of every chain in one table."""
        return [c.name for c in self.chains if c.family == family and c.table == table]


@dataclass(frozen=True)
class Filtering:
    """A base chain that filters inbound traffic, and why."""

    family: str
    table: str
    chain: str
    why: str
    source: str

    @property
    def covers_v4(self) -> bool:
        """True when this chain sees IPv4 packets."""
        return self.family in ("ip", "inet")

    @property
    def covers_v6(self) -> bool:
        """True when this chain sees IPv6 packets."""
        return self.family in ("ip6", "inet")

    def describe(self) -> str:
        """Human summary, e.g. 'inet firewalld filter_INPUT ends in reject'."""
        return f"{self.family} {self.table} {self.chain} {self.why}"


FALL = "fall"  # reached the end of the chain (or an unconditional return)


@dataclass(frozen=True)
class Walk:
    """Where a chain sends packets that no conditional accept/drop took.

    outcome: drop, accept or fall (end of chain / unconditional return). may_return: some
    packets left early through a conditional return (or a conditional goto that can fall
    through), so they continue in the caller whatever the outcome; a drop that such packets
    bypass is not a catch-all (ufw's `ufw-not-local` chain drops only non-local packets).
    """

    outcome: str
    may_return: bool = False


_UNKNOWN_WALK = Walk(FALL, True)  # a cycle or too deep: assume packets can come back


def _walk(ruleset: Ruleset, chain: Chain, depth: int, seen: frozenset[str]) -> Walk:
    """Follow one chain's unconditional verdicts and jumps (bounded by MAX_DEPTH)."""
    may_return = False
    for rule in chain.rules:
        if rule.verdict is None:
            continue
        if rule.verdict in ("jump", "goto"):
            target = ruleset.find(chain.family, chain.table, rule.target or "")
            if target is None:
                continue
            sub = (_UNKNOWN_WALK if depth >= MAX_DEPTH or target.name in seen
                   else _walk(ruleset, target, depth + 1, seen | {target.name}))
            if rule.verdict == "goto":
                if not rule.conditional:
                    return Walk(sub.outcome, may_return or sub.may_return)
                may_return = may_return or sub.may_return or sub.outcome == FALL
                continue
            # jump: packets that come back continue here. An accept for the packets no
            # condition took opens the chain; a drop counts only when nothing can come back.
            if not rule.conditional and (sub.outcome == ACCEPT or
                                         (sub.outcome == DROP and not sub.may_return)):
                return Walk(sub.outcome, may_return)
            continue
        if rule.conditional:
            may_return = may_return or rule.verdict == "return"
            continue
        if rule.verdict in TERMINAL_DROP:
            return Walk(DROP, may_return)
        if rule.verdict == ACCEPT:
            return Walk(ACCEPT, may_return)
        if rule.verdict == "return":
            return Walk(FALL, may_return)
    return Walk(FALL, may_return)


def attribute(ruleset: Ruleset, chain: Chain) -> str:
    """Name the mechanism that owns a chain: firewalld, ufw, iptables or nftables."""
    names = ruleset.table_chain_names(chain.family, chain.table)
    if chain.table == "firewalld" or any(n.endswith("INPUT_ZONES") for n in names):
        return "firewalld"
    if any(n.startswith(("ufw-", "ufw6-")) for n in names):
        return "ufw"
    if ruleset.origin == "iptables":
        return "iptables"
    # iptables-nft writes tables named like the x_tables ones, with upper-case base chains.
    if chain.family in ("ip", "ip6") and chain.table in ("filter", "mangle", "raw", "security") \
            and chain.name.isupper():
        return "iptables"
    return "nftables"


def filtering_chains(ruleset: Ruleset) -> list[Filtering]:
    """Every input-hook filter chain that drops what its rules did not accept."""
    found = []
    for chain in ruleset.chains:
        if chain.hook != "input" or chain.type != "filter":
            continue
        if chain.family not in ("ip", "ip6", "inet"):
            continue
        walk = _walk(ruleset, chain, 0, frozenset({chain.name}))
        # In a base chain, packets that return or fall off the end meet the policy.
        if walk.outcome == FALL and chain.policy == DROP:
            why = "has policy drop"
        elif walk.outcome == DROP and (not walk.may_return or chain.policy == DROP):
            why = "ends in an unconditional drop/reject"
        else:
            continue
        found.append(Filtering(chain.family, chain.table, chain.name, why,
                               attribute(ruleset, chain)))
    return found


def input_chain_count(ruleset: Ruleset) -> int:
    """How many input-hook base chains the ruleset has (for the detail text)."""
    return sum(1 for c in ruleset.chains if c.hook == "input")


def best_source(found: list[Filtering]) -> str:
    """The name to report for a set of filtering chains: a front-end before the raw mechanism."""
    sources = {f.source for f in found}
    for name in SOURCE_PRIORITY:
        if name in sources:
            return name
    return "nftables"
