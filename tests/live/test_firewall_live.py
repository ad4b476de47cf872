"""Live firewall probe tests: real nftables, iptables (nft shim and legacy) and ufw, in namespaces.

Every scenario builds its own network namespace `wfh-fw-<pid>-<n>`, loads real rules with the
real tools, then runs the probe's Linux backend with a PrefixHost that executes the probe's own
commands (`nft -j list ruleset`, `iptables-legacy-save`, `cat /proc/net/ip_tables_names`, ...)
inside that namespace. The last test runs `wfhaudit probe firewall --json` on this machine and
compares it with the machine's state read independently.

Set WFH_FW_CAPTURE=DIR to also write each scenario's evidence bundle there (that is how
tests/fixtures/cases/firewall/linux was recorded).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_root_tool
from tests.live.firewall.netns import NOBODY, FwNetns, PrefixHost

from wfhaudit.facts import Fact
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall import linux
from wfhaudit.probes.firewall.decide import filtering_chains
from wfhaudit.probes.firewall.linux.nft import parse_nft_json, parse_nft_text

pytestmark = pytest.mark.live

DROP_POLICY = """
table inet filter {
  chain input {
    type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    tcp dport 22 accept
  }
}
"""
ACCEPT_NO_RULES = """
table inet filter {
  chain input { type filter hook input priority filter; policy accept; }
  chain forward { type filter hook forward priority filter; policy accept; }
  chain output { type filter hook output priority filter; policy accept; }
}
"""
# The shape firewalld (nftables backend, 1.x) loads: accept policy, a reject at the end.
FIREWALLD_STYLE = """
table inet firewalld {
  chain filter_INPUT {
    type filter hook input priority filter + 10; policy accept;
    ct state { established, related } accept
    ct status dnat accept
    iifname "lo" accept
    ct state invalid drop
    jump filter_INPUT_ZONES
    reject with icmpx admin-prohibited
  }
  chain filter_INPUT_ZONES {
    iifname "lo" goto filter_IN_trusted
    goto filter_IN_public
  }
  chain filter_IN_trusted { accept; }
  chain filter_IN_public {
    jump filter_IN_public_allow
    meta l4proto { icmp, ipv6-icmp } accept
  }
  chain filter_IN_public_allow {
    tcp dport 22 ct state { new, untracked } accept
  }
}
"""
CONDITIONAL_REJECT = """
table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
    tcp dport 23 reject
  }
}
"""


@pytest.fixture
def netns() -> Iterator[FwNetns]:
    """A fresh namespace, always deleted."""
    require_root_tool("ip", "nft", "iptables", "setpriv")
    ns = FwNetns()
    try:
        yield ns
    finally:
        ns.close()


def _probe(host: PrefixHost, scenario: str) -> dict[str, Fact]:
    facts = {f.key: f for f in linux.collect(ProbeContext(host=host))}
    capture = os.environ.get("WFH_FW_CAPTURE")
    if capture:
        Path(capture).mkdir(parents=True, exist_ok=True)
        Path(capture, f"{scenario}.json").write_text(
            json.dumps(host.evidence.to_dict(), indent=1) + "\n", encoding="utf-8")
    print(scenario, {k: (f.value if f.is_known else f.reason) for k, f in facts.items()})
    return facts


def _same_judgement_from_text(ns: FwNetns) -> None:
    """The text parser (for nft built without JSON) must agree with the JSON one."""
    from_json = filtering_chains(parse_nft_json(ns.exec("nft", "-j", "list", "ruleset")))
    from_text = filtering_chains(parse_nft_text(ns.exec("nft", "list", "ruleset")))
    assert from_text == from_json


def test_nft_drop_policy_input_chain_is_enabled(netns: FwNetns) -> None:
    netns.nft(DROP_POLICY)
    facts = _probe(netns.host(), "nft-inet-drop-policy")
    assert facts["firewall.enabled"].value is True
    assert facts["firewall.source"].value == "nftables"
    assert "IPv6: inet filter input has policy drop" in (facts["firewall.enabled"].detail or "")
    _same_judgement_from_text(netns)


def test_nft_accept_policy_without_rules_is_not_enabled(netns: FwNetns) -> None:
    netns.nft(ACCEPT_NO_RULES)
    facts = _probe(netns.host(), "nft-accept-no-rules")
    assert facts["firewall.enabled"].value is False
    assert facts["firewall.source"].value == "nftables"
    _same_judgement_from_text(netns)


def test_firewalld_style_accept_then_reject_is_enabled(netns: FwNetns) -> None:
    netns.nft(FIREWALLD_STYLE)
    facts = _probe(netns.host(), "nft-firewalld-accept-then-reject")
    assert facts["firewall.enabled"].value is True
    assert facts["firewall.source"].value == "firewalld"
    assert "unconditional drop/reject" in (facts["firewall.enabled"].detail or "")
    _same_judgement_from_text(netns)


def test_conditional_final_reject_is_not_a_catch_all(netns: FwNetns) -> None:
    netns.nft(CONDITIONAL_REJECT)
    facts = _probe(netns.host(), "nft-conditional-final-reject")
    assert facts["firewall.enabled"].value is False
    _same_judgement_from_text(netns)


def test_docker_style_forward_drop_is_not_host_protection(netns: FwNetns) -> None:
    for args in (["-N", "DOCKER-USER"], ["-A", "DOCKER-USER", "-j", "RETURN"],
                 ["-P", "FORWARD", "DROP"], ["-A", "FORWARD", "-j", "DOCKER-USER"]):
        netns.exec("iptables", *args)
    facts = _probe(netns.host(), "iptables-nft-docker-forward-drop")
    assert facts["firewall.enabled"].value is False
    assert facts["firewall.source"].value == "nftables"
    _same_judgement_from_text(netns)


def test_iptables_nft_input_drop_is_enabled_ipv4_only(netns: FwNetns) -> None:
    netns.exec("iptables", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT")
    netns.exec("iptables", "-P", "INPUT", "DROP")
    facts = _probe(netns.host(), "iptables-nft-input-drop-v4-only")
    assert facts["firewall.enabled"].value is True
    assert facts["firewall.source"].value == "iptables"
    assert "IPv6: not filtered" in (facts["firewall.enabled"].detail or "")
    _same_judgement_from_text(netns)


def test_legacy_iptables_drop_is_seen_although_nft_is_empty(netns: FwNetns) -> None:
    require_root_tool("iptables-legacy", "iptables-legacy-save", "ip6tables-legacy")
    netns.exec("iptables-legacy", "-P", "INPUT", "DROP")
    netns.exec("ip6tables-legacy", "-P", "INPUT", "DROP")
    assert '"table"' not in netns.exec("nft", "-j", "list", "ruleset")
    facts = _probe(netns.host(), "iptables-legacy-input-drop")
    assert facts["firewall.enabled"].value is True
    assert facts["firewall.source"].value == "iptables"
    assert {"iptables-legacy-save", "ip6tables-legacy-save"} <= set(
        facts["firewall.enabled"].sources)
    assert "IPv6: ip6 filter INPUT has policy drop" in (facts["firewall.enabled"].detail or "")


def test_ufw_installed_but_inactive_is_not_enabled(netns: FwNetns) -> None:
    require_root_tool("ufw")
    host = netns.host(netns.ufw_prefix())
    precondition = host.run(("ufw", "status", "verbose"))
    assert precondition.stdout.strip() == "Status: inactive", precondition.stdout
    host.evidence.commands.clear()
    facts = _probe(host, "ufw-installed-inactive")
    assert facts["firewall.enabled"].value is False
    assert facts["firewall.source"].value == "nftables"


def test_ufw_active_is_enabled_and_named(netns: FwNetns) -> None:
    require_root_tool("ufw")
    prefix = netns.ufw_prefix()
    subprocess.run([*prefix, "ufw", "--force", "enable"], check=True, capture_output=True,
                   timeout=60)
    facts = _probe(netns.host(prefix), "ufw-active")
    assert facts["firewall.enabled"].value is True
    assert facts["firewall.source"].value == "ufw"
    assert "IPv4: ip filter INPUT has policy drop" in (facts["firewall.enabled"].detail or "")
    _same_judgement_from_text(netns)


def test_without_root_says_what_could_not_be_read(netns: FwNetns) -> None:
    netns.nft(DROP_POLICY)
    host = netns.host(("ip", "netns", "exec", netns.name, *NOBODY))
    facts = _probe(host, "non-root")
    assert not facts["firewall.enabled"].is_known
    assert "nft needs root: run with sudo" in (facts["firewall.enabled"].reason or "")
    assert not facts["firewall.source"].is_known


def _machine_state() -> bool | None:
    """This machine's firewall read without wfhaudit: False when plainly open, True when an
    input chain has policy drop, None when it is something in between."""
    def out(*argv: str) -> str:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10,
                              check=True).stdout

    ruleset = out("nft", "list", "ruleset")
    ipt = out("iptables", "-S") + out("ip6tables", "-S")
    ufw = out("ufw", "status").strip() if shutil.which("ufw") else "Status: inactive"
    input_chains = [line for line in ruleset.splitlines() if "hook input" in line]
    if any("policy drop" in line for line in input_chains):
        return True
    rules = [line for line in ruleset.splitlines()
             if line.strip() and not line.strip().startswith(("table", "chain", "type", "}", "#"))]
    policies = [line for line in ipt.splitlines() if line.startswith("-P ")]
    if (not rules and all(p.endswith("ACCEPT") for p in policies)
            and not any(line.startswith("-A ") for line in ipt.splitlines())
            and ufw == "Status: inactive"):
        return False
    return None


def test_this_machine_matches_its_real_state() -> None:
    require_root_tool("nft", "iptables", "ip6tables")
    expected = _machine_state()
    if expected is None:
        pytest.skip("this machine's firewall is neither plainly open nor a plain drop policy; "
                    "no independent reading to compare with")
    proc = subprocess.run([sys.executable, "-m", "wfhaudit", "probe", "firewall", "--json"],
                          capture_output=True, text=True, timeout=60, check=True)
    facts = json.loads(proc.stdout)["facts"]
    print("machine expected", expected, "probe", facts["firewall.enabled"])
    assert facts["firewall.enabled"]["status"] == "observed", facts["firewall.enabled"]
    assert facts["firewall.enabled"]["value"] is expected
    if expected is False:
        # Today: all chains ACCEPT, ufw installed but inactive -> NOT enabled, judged by nft.
        assert facts["firewall.source"]["value"] == "nftables"
