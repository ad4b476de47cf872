"""Property tests: whatever the commands print, the vpn probe gives facts or UNKNOWN, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.facts import CATALOGUE, FactType
from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.vpn import PROBE, linux, macos, windows
from wfhaudit.probes.vpn.model import Observation

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks a bit like the real thing as well as plain noise.
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(
        ["dst", "dev", "type", "table", "ifname", "flags", "linkinfo", "info_kind", "info_data",
         "link_type", "master", "operstate", "fwmark", "routes", "adapters", "routetable", "vpn",
         "errors", "Destination", "InterfaceIndex", "InterfaceAlias", "Error", "Name",
         "InterfaceDescription", "ifIndex", "Status", "ConnectionStatus", "DestinationPrefix"]),
        inner, max_size=6)), max_leaves=20)
texts = st.one_of(st.text(max_size=300), json_values.map(json.dumps),
                  st.sampled_from(["   route to: 1.1.1.1\n  interface: utun4\n",
                                   "utun4: flags=8051<UP,RUNNING> mtu 1\n\tinet 10.0.0.1 x\n",
                                   "Destination Gateway Flags Netif\ndefault link#1 UCSg utun4\n",
                                   '* (Connected) X VPN (com.cisco.x) "a" [VPN:com.cisco.x]\n']))
results = st.builds(
    lambda out, rc, err, error: (out, None if error else rc, err, error),
    texts, st.sampled_from([0, 0, 0, 1, 2, 255]), st.text(max_size=80),
    st.sampled_from([None, None, None, "timeout", "not_found"]))
processes = st.one_of(st.none(), st.lists(st.fixed_dictionaries(
    {"pid": st.integers(1, 9999), "name": st.one_of(st.text(max_size=20), st.sampled_from(
        ["openvpn", "charon", "tailscaled", "vpnagent.exe", "PanGPS"])),
     "exe": st.one_of(st.none(), st.text(max_size=30))}), max_size=5), json_values)


def _check_facts(family: str, outputs: list[tuple[str, int | None, str, str | None]],
                 procs: Any, commands: tuple[tuple[str, ...], ...]) -> None:
    cmds = [CommandResult(argv, rc, out, err, 1, error)
            for argv, (out, rc, err, error) in zip(commands, outputs, strict=False)]
    evidence = Evidence(OsInfo(family), cmds, snapshots={"processes": procs})
    facts = PROBE.collect(ProbeContext(host=RecordedHost(evidence)))
    assert {f.key for f in facts} == set(PROBE.fact_keys)
    for fact in facts:
        assert not (fact.reason or "").startswith("the vpn probe failed"), fact.reason
        if fact.is_known:
            spec = CATALOGUE[fact.key]
            assert isinstance(fact.value, bool if spec.type is FactType.BOOL else str)
            if spec.choices:
                assert fact.value in spec.choices
        else:
            assert fact.reason


@FAST
@given(st.lists(results, min_size=len(linux.COMMANDS), max_size=len(linux.COMMANDS)), processes)
def test_linux_any_output_gives_facts_or_unknown(outputs: list[Any], procs: Any) -> None:
    _check_facts("linux", outputs, procs, linux.COMMANDS)


@FAST
@given(st.lists(results, min_size=len(macos.COMMANDS), max_size=len(macos.COMMANDS)), processes)
def test_macos_any_output_gives_facts_or_unknown(outputs: list[Any], procs: Any) -> None:
    _check_facts("macos", outputs, procs, macos.COMMANDS)


@FAST
@given(results, processes)
def test_windows_any_output_gives_facts_or_unknown(output: Any, procs: Any) -> None:
    _check_facts("windows", [output], procs, windows.COMMANDS)


@FAST
@given(texts)
def test_parsers_never_raise(text: str) -> None:
    argv = ("x",)
    linux.parse_route_get("1.1.1.1", CommandResult(argv, 0, text))
    linux.parse_route_get("1.1.1.1", CommandResult(argv, 2, "", text))
    linux.parse_links(text)
    linux.parse_routes(text)
    linux.describe_rules(text)
    macos.parse_route_get("1.1.1.1", CommandResult(argv, 0, text))
    macos.parse_ifconfig(text)
    macos.parse_netstat(text)
    macos.parse_nc_list(text)
    parsed = windows.parse_query(text)
    assert isinstance(parsed, (str, Observation))


CASES = sorted((Path(__file__).parents[3] / "fixtures" / "cases" / "vpn").glob("*/*.json"))


@st.composite
def damaged_case(draw: st.DrawFn) -> Evidence:
    """A recorded case with some outputs truncated, replaced or failed: deep parser paths."""
    case = json.loads(draw(st.sampled_from(CASES)).read_text(encoding="utf-8"))
    evidence = Evidence.from_dict(case["evidence"])
    cmds = []
    for cmd in evidence.commands:
        action = draw(st.sampled_from(["keep", "keep", "truncate", "replace", "rc"]))
        if action == "truncate":
            cut = draw(st.integers(0, max(0, len(cmd.stdout))))
            cmd = CommandResult(cmd.argv, cmd.returncode, cmd.stdout[:cut], cmd.stderr)
        elif action == "replace":
            cmd = CommandResult(cmd.argv, cmd.returncode, draw(texts), cmd.stderr)
        elif action == "rc":
            cmd = CommandResult(cmd.argv, draw(st.sampled_from([1, 2, 255])), cmd.stdout,
                                draw(st.text(max_size=40)))
        cmds.append(cmd)
    evidence.commands = cmds
    if draw(st.booleans()):
        evidence.snapshots["processes"] = draw(processes)
    return evidence


@FAST
@given(damaged_case())
def test_damaged_recordings_give_facts_or_unknown(evidence: Evidence) -> None:
    facts = PROBE.collect(ProbeContext(host=RecordedHost(evidence)))
    for fact in facts:
        assert not (fact.reason or "").startswith("the vpn probe failed"), fact.reason
        assert fact.is_known or fact.reason
