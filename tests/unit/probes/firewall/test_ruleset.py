"""The one judgement behind every Linux backend: does an input chain drop what it did not accept."""

from __future__ import annotations

from wfhaudit.probes.firewall.decide import (
    Chain,
    Filtering,
    Rule,
    Ruleset,
    best_source,
    filtering_chains,
)

ANY = Rule("accept", None, True)  # a conditional accept: an allowed exception


def base(name: str = "input", policy: str = "accept", rules: tuple[Rule, ...] = (),
         family: str = "inet", table: str = "filter", hook: str = "input",
         type_: str = "filter") -> Chain:
    return Chain(family, table, name, hook, type_, policy, rules)


def chain(name: str, rules: tuple[Rule, ...], family: str = "inet",
          table: str = "filter") -> Chain:
    return Chain(family, table, name, None, None, None, rules)


def judge(*chains: Chain, origin: str = "nftables") -> list[Filtering]:
    return filtering_chains(Ruleset(origin, list(chains)))


def test_policy_drop_with_exceptions_filters() -> None:
    found = judge(base(policy="drop", rules=(ANY, ANY)))
    assert [f.why for f in found] == ["has policy drop"]
    assert found[0].covers_v4 and found[0].covers_v6


def test_accept_policy_with_unconditional_reject_tail_filters() -> None:
    found = judge(base(rules=(ANY, Rule("reject", None, False))))
    assert [f.why for f in found] == ["ends in an unconditional drop/reject"]


def test_conditional_reject_is_not_a_catch_all() -> None:
    assert judge(base(rules=(Rule("reject", None, True),))) == []


def test_accept_policy_without_rules_is_open() -> None:
    assert judge(base(), base("forward", hook="forward", policy="drop")) == []


def test_unconditional_accept_before_drop_policy_opens_the_chain() -> None:
    assert judge(base(policy="drop", rules=(Rule("accept", None, False),))) == []


def test_drop_reached_through_unconditional_jump() -> None:
    found = judge(base(rules=(Rule("jump", "deny", False),)),
                  chain("deny", (ANY, Rule("drop", None, False))))
    assert len(found) == 1


def test_drop_that_conditional_returns_bypass_is_not_a_catch_all() -> None:
    # ufw's ufw-not-local shape: local packets return, the rest are dropped. Under an accept
    # policy the host-bound packets come back and are accepted, so this is not a firewall.
    not_local = chain("not-local", (Rule("return", None, True), Rule("drop", None, False)))
    assert judge(base(rules=(Rule("jump", "not-local", False),)), not_local) == []
    # ...but a later unconditional drop in the caller catches what came back.
    found = judge(base(rules=(Rule("jump", "not-local", False), Rule("drop", None, False))),
                  not_local)
    assert len(found) == 1
    # ...and a drop policy catches it too.
    assert len(judge(base(policy="drop", rules=(Rule("jump", "not-local", False),)),
                     not_local)) == 1


def test_jump_to_chain_accepting_everything_opens() -> None:
    allow = chain("allow", (Rule("return", None, True), Rule("accept", None, False)))
    assert judge(base(rules=(Rule("jump", "allow", False), Rule("drop", None, False))),
                 allow) == []


def test_goto_falls_back_to_policy_and_conditional_goto_may_return() -> None:
    empty = chain("zone", (ANY,))
    assert judge(base(policy="drop", rules=(Rule("goto", "zone", False),)), empty)
    assert judge(base(rules=(Rule("goto", "zone", False), Rule("drop", None, False))),
                 empty) == []  # goto never comes back: the drop is unreachable
    maybe = judge(base(rules=(Rule("goto", "zone", True), Rule("drop", None, False))), empty)
    assert maybe == []  # packets the goto took fall off the zone chain to the accept policy


def test_cycles_and_missing_targets_do_not_crash() -> None:
    loop = chain("loop", (Rule("jump", "loop", False),))
    assert judge(base(rules=(Rule("jump", "loop", False),)), loop) == []
    assert len(judge(base(rules=(Rule("jump", "missing", False), Rule("drop", None, False))))) == 1
    deep = [chain(f"c{i}", (Rule("jump", f"c{i + 1}", False),)) for i in range(40)]
    assert judge(base(rules=(Rule("jump", "c0", False), Rule("drop", None, False))), *deep)


def test_only_filter_type_input_hook_in_host_families_counts() -> None:
    assert judge(base(policy="drop", type_="nat")) == []
    assert judge(base(policy="drop", hook="forward")) == []
    assert judge(base(policy="drop", family="netdev", hook="ingress")) == []
    assert judge(base(policy="drop", family="bridge")) == []


def test_family_coverage() -> None:
    v4 = judge(base(policy="drop", family="ip"))[0]
    v6 = judge(base(policy="drop", family="ip6"))[0]
    assert (v4.covers_v4, v4.covers_v6, v6.covers_v4, v6.covers_v6) == (True, False, False, True)


def test_attribution() -> None:
    fw = judge(base("filter_INPUT", table="firewalld", rules=(Rule("reject", None, False),)))
    assert fw[0].source == "firewalld"
    ufw = judge(base("INPUT", family="ip", policy="drop"), chain("ufw-before-input", (),
                                                                family="ip"))
    assert ufw[0].source == "ufw"
    shim = judge(base("INPUT", family="ip", policy="drop"))
    assert shim[0].source == "iptables"
    native = judge(base("input", family="ip", policy="drop"))
    assert native[0].source == "nftables"
    legacy = judge(base("INPUT", family="ip", policy="drop"), origin="iptables")
    assert legacy[0].source == "iptables"
    old_firewalld = judge(base("INPUT", family="ip", policy="accept",
                               rules=(Rule("reject", None, False),)),
                          chain("INPUT_ZONES", (), family="ip"), origin="iptables")
    assert old_firewalld[0].source == "firewalld"


def test_best_source_prefers_front_ends() -> None:
    found = [Filtering("inet", "filter", "input", "x", "nftables"),
             Filtering("inet", "firewalld", "filter_INPUT", "x", "firewalld")]
    assert best_source(found) == "firewalld"
    assert best_source([]) == "nftables"
