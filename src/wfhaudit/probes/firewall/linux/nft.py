"""Parse `nft -j list ruleset` (JSON) and, where JSON is not compiled in, `nft list ruleset` text."""

from __future__ import annotations

import json
import re
from typing import Any

from wfhaudit.probes.firewall.decide import Chain, Rule, Ruleset

NFT_JSON = ("nft", "-j", "list", "ruleset")
NFT_TEXT = ("nft", "list", "ruleset")

VERDICTS = frozenset({"accept", "drop", "reject", "jump", "goto", "return", "continue", "queue"})
# Statements that neither match packets nor end their walk: a rule made only of these plus a
# verdict applies to every packet that reaches it.
NEUTRAL = frozenset({"counter", "log", "mangle"})

NO_JSON_MARKER = "JSON support not compiled-in"
_ROOT_MARKERS = ("Operation not permitted", "must be root", "Permission denied")


class NftParseError(ValueError):
    """The output is not an nftables ruleset we can read."""


def needs_root(stderr: str) -> bool:
    """True when nft (or iptables) refused because the caller is not root."""
    return any(marker in stderr for marker in _ROOT_MARKERS)


def _json_rule(expr: Any) -> Rule:
    """Reduce a JSON rule's expr list to verdict + conditional."""
    if not isinstance(expr, list):
        return Rule(None)
    conditional = False
    for stmt in expr:
        if not isinstance(stmt, dict) or len(stmt) != 1:
            conditional = True
            continue
        key, value = next(iter(stmt.items()))
        if key in VERDICTS:
            target = value.get("target") if isinstance(value, dict) else None
            return Rule(key, str(target) if isinstance(target, str) else None, conditional)
        if key not in NEUTRAL:
            conditional = True
    return Rule(None, None, conditional)


def parse_nft_json(text: str) -> Ruleset:
    """Build a Ruleset from `nft -j list ruleset`; NftParseError when it is not one."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise NftParseError(f"nft printed something that is not JSON ({exc})") from None
    items = data.get("nftables") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise NftParseError("nft JSON has no 'nftables' list")
    chains: dict[tuple[str, str, str], dict[str, Any]] = {}
    rules: dict[tuple[str, str, str], list[Rule]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("chain"), dict):
            c = item["chain"]
            key = (str(c.get("family", "")), str(c.get("table", "")), str(c.get("name", "")))
            chains[key] = c
        elif isinstance(item.get("rule"), dict):
            r = item["rule"]
            key = (str(r.get("family", "")), str(r.get("table", "")), str(r.get("chain", "")))
            rules.setdefault(key, []).append(_json_rule(r.get("expr")))
    ruleset = Ruleset("nftables")
    for key, c in chains.items():
        hook, ctype, policy = c.get("hook"), c.get("type"), c.get("policy")
        ruleset.chains.append(Chain(
            key[0], key[1], key[2],
            hook if isinstance(hook, str) else None,
            ctype if isinstance(ctype, str) else None,
            policy if isinstance(policy, str) else ("accept" if isinstance(hook, str) else None),
            tuple(rules.get(key, ()))))
    return ruleset


_COUNTER = re.compile(r"^counter(?: packets \d+ bytes \d+)?\s*")
_COMMENT = re.compile(r'\s*comment "[^"]*"$')
_VERDICT = re.compile(r"^(accept|drop|return|reject(?: with .+)?|(jump|goto) (\S+))$")
_BASE = re.compile(r"type (\w+) hook (\w+)")
_POLICY = re.compile(r"policy (\w+);")


def _text_rule(line: str) -> Rule:
    """Reduce one text rule; only `[counter] <verdict> [comment]` counts as unconditional."""
    body = _COMMENT.sub("", _COUNTER.sub("", line.strip()))
    m = _VERDICT.match(body)
    if m:
        verdict = m.group(1).split(" ", 1)[0]
        return Rule(verdict, m.group(3), False)
    last = line.split()[-1] if line.split() else ""
    return Rule(last if last in VERDICTS else None, None, True)


def parse_nft_text(text: str) -> Ruleset:
    """Build a Ruleset from `nft list ruleset` text; NftParseError when it is not one."""
    ruleset = Ruleset("nftables")
    depth = 0
    family = table = ""
    current: dict[str, Any] | None = None
    saw_table = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        opens, closes = line.count("{"), line.count("}")
        if depth == 0:
            words = line.split()
            if len(words) >= 3 and words[0] == "table" and opens:
                family, table = (words[1], words[2]) if len(words) >= 4 else ("ip", words[1])
                saw_table = True
            elif opens:
                raise NftParseError(f"unexpected top-level line in nft output: {line[:60]!r}")
        elif depth == 1 and line.startswith("chain ") and opens:
            current = {"name": line.split()[1], "hook": None, "type": None, "policy": None,
                       "rules": []}
        elif depth == 2 and current is not None and not opens and not closes:
            base = _BASE.search(line)
            if base:
                current["type"], current["hook"] = base.group(1), base.group(2)
                pol = _POLICY.search(line)
                current["policy"] = pol.group(1) if pol else "accept"
            elif not line.startswith(("policy ", "comment ", "devices ", "flags ")):
                current["rules"].append(_text_rule(line))
        elif depth == 2 and current is not None and (opens or closes) and opens == closes:
            current["rules"].append(_text_rule(line))  # inline anonymous set, e.g. { 22, 80 }
        depth += opens - closes
        if depth < 0:
            raise NftParseError("unbalanced braces in nft output")
        if depth == 1 and current is not None and closes > opens:
            ruleset.chains.append(Chain(family, table, current["name"], current["hook"],
                                        current["type"], current["policy"],
                                        tuple(current["rules"])))
            current = None
    if depth != 0:
        raise NftParseError("nft output ended inside a block (truncated?)")
    if not saw_table and text.strip():
        raise NftParseError("nft output has no table")
    return ruleset
