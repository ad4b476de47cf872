"""Parse `iptables-save` / `ip6tables-save` output (legacy x_tables or the nft shim) into a Ruleset."""

from __future__ import annotations

import shlex

from wfhaudit.probes.firewall.decide import Chain, Rule, Ruleset

IPT_SAVE = ("iptables-save",)
IP6T_SAVE = ("ip6tables-save",)
IPT_LEGACY_SAVE = ("iptables-legacy-save",)
IP6T_LEGACY_SAVE = ("ip6tables-legacy-save",)

# Reading these (mode 0440) tells whether legacy x_tables exist at all. Only then are the legacy
# tools run: listing a legacy table that does not exist creates it (seen with iptables 1.8.9).
IP_TABLES_NAMES = "/proc/net/ip_tables_names"
IP6_TABLES_NAMES = "/proc/net/ip6_tables_names"

_BUILTIN_TARGETS = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject", "RETURN": "return"}
# Base chains that see packets for this host, per x_tables table.
_INPUT_CHAIN = "INPUT"


class IptablesParseError(ValueError):
    """The output is not iptables-save format."""


def _rule(tokens: list[str], chains: set[str]) -> Rule:
    """Reduce `-A CHAIN ...` tokens to verdict + conditional."""
    conditional = False
    verdict: str | None = None
    target: str | None = None
    i = 2
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("-j", "--jump", "-g", "--goto") and i + 1 < len(tokens):
            name = tokens[i + 1]
            if name in _BUILTIN_TARGETS:
                verdict = _BUILTIN_TARGETS[name]
            elif name in chains:
                verdict, target = ("goto" if tok in ("-g", "--goto") else "jump"), name
            # Anything else (LOG, MARK, CT, ...) is a non-terminating target: no verdict.
            break  # the rest are the target's own options (e.g. --reject-with)
        if tok == "-m" and i + 1 < len(tokens) and tokens[i + 1] == "comment":
            i += 4 if i + 2 < len(tokens) and tokens[i + 2] == "--comment" else 2
            continue
        conditional = True
        i += 1
    return Rule(verdict, target, conditional)


def parse_iptables_save(text: str, family: str) -> Ruleset:
    """Build a Ruleset from iptables-save text (family 'ip' or 'ip6'); IptablesParseError if not."""
    ruleset = Ruleset("iptables")
    table: str | None = None
    policies: dict[str, str] = {}
    raw_rules: list[list[str]] = []

    def flush() -> None:
        names = set(policies) | {r[1] for r in raw_rules}
        for name in sorted(names):
            rules = tuple(_rule(r, names) for r in raw_rules if r[1] == name)
            policy = policies.get(name, "-")
            is_base = policy != "-"
            ruleset.chains.append(Chain(
                family, table or "", name,
                "input" if is_base and name == _INPUT_CHAIN else ("other" if is_base else None),
                "filter" if is_base else None,
                policy.lower() if is_base else None, rules))

    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            table, policies, raw_rules = line[1:].strip(), {}, []
        elif line == "COMMIT":
            if table is None:
                raise IptablesParseError("COMMIT outside a table")
            flush()
            table = None
        elif line.startswith(":") and table is not None:
            parts = line[1:].split()
            if len(parts) < 2:
                raise IptablesParseError(f"bad chain line: {line[:60]!r}")
            policies[parts[0]] = parts[1]
        elif line.startswith("-A ") and table is not None:
            try:
                tokens = shlex.split(line)
            except ValueError:
                tokens = line.split()
            if len(tokens) < 2:
                raise IptablesParseError(f"bad rule line: {line[:60]!r}")
            raw_rules.append(tokens)
        else:
            raise IptablesParseError(f"unexpected line in iptables-save output: {line[:60]!r}")
    if table is not None:
        raise IptablesParseError("iptables-save output ended without COMMIT (truncated?)")
    return ruleset


def table_names(text: str | None) -> list[str] | None:
    """Names listed in /proc/net/ip*_tables_names (None when the file could not be read)."""
    if text is None:
        return None
    return [w for w in text.split() if w.isidentifier()]
