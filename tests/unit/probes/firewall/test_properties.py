"""Property tests: any text gives facts or UNKNOWN with a reason, never an exception.

Inputs mix arbitrary text with real recorded outputs (whole, truncated or spliced), so the
generated cases reach deep into the parsers instead of failing at the first character.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wfhaudit.facts import CATALOGUE
from wfhaudit.host import CommandResult, Evidence, RecordedHost
from wfhaudit.host.platform_info import OsInfo
from wfhaudit.probes.base import ProbeContext
from wfhaudit.probes.firewall import PROBE, linux, macos, windows
from wfhaudit.probes.firewall.decide import filtering_chains
from wfhaudit.probes.firewall.linux import frontends
from wfhaudit.probes.firewall.linux.iptables import IptablesParseError, parse_iptables_save
from wfhaudit.probes.firewall.linux.nft import NftParseError, parse_nft_json, parse_nft_text
from wfhaudit.probes.firewall.windows.parse import (
    decode_product_state,
    parse_netsh,
    parse_ps_report,
    parse_reg_enable,
)

CASES = Path(__file__).parents[3] / "fixtures" / "cases" / "firewall"
FAST = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _recorded_outputs(os_name: str) -> list[str]:
    outs: set[str] = set()
    for path in sorted((CASES / os_name).glob("*.json")):
        for command in json.loads(path.read_text(encoding="utf-8"))["evidence"]["commands"]:
            outs.update(s for s in (command["stdout"], command["stderr"]) if s)
    return sorted(outs)


ALL_REAL = _recorded_outputs("linux") + _recorded_outputs("macos") + _recorded_outputs("windows")


@st.composite
def texts(draw: st.DrawFn, real: list[str] = ALL_REAL) -> str:
    """Arbitrary text, a real output, a cut real output, or real lines spliced with noise."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return draw(st.text(max_size=300))
    base = draw(st.sampled_from(real))
    if kind == 1:
        return base
    if kind == 2:
        return base[:draw(st.integers(0, len(base)))]
    lines = base.splitlines()
    noise = draw(st.lists(st.text(max_size=40), max_size=4))
    picked = draw(st.lists(st.sampled_from(lines or [""]), max_size=8))
    mixed = picked + noise
    return "\n".join(draw(st.permutations(mixed)))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["chain", "rule", "family", "table", "name", "hook",
                                       "type", "policy", "expr", "chain", "target", "drop",
                                       "accept", "jump", "match", "counter", "Name", "Enabled",
                                       "profiles", "products", "value", "Count"]) | st.text(max_size=8),
                      children, max_size=5),
    max_leaves=25)


@FAST
@given(st.one_of(texts(), json_values.map(lambda v: json.dumps({"nftables": v}))))
def test_nft_parsers_only_raise_their_own_error(text: str) -> None:
    for parse in (parse_nft_json, parse_nft_text):
        with contextlib.suppress(NftParseError):
            filtering_chains(parse(text))


@FAST
@given(texts())
def test_iptables_parser_only_raises_its_own_error(text: str) -> None:
    for family in ("ip", "ip6"):
        with contextlib.suppress(IptablesParseError):
            filtering_chains(parse_iptables_save(text, family))


@FAST
@given(st.one_of(texts(), json_values.map(json.dumps)))
def test_total_parsers_never_raise(text: str) -> None:
    macos.parse_globalstate(text)
    macos.parse_sp_firewall(text)
    macos.parse_pf_status(text)
    macos.pf_blocks_inbound(text)
    parse_ps_report(text)
    parse_netsh(text)
    parse_reg_enable(text)
    frontends.parse_ufw_conf(text)
    frontends.parse_ufw_status(CommandResult(frontends.UFW_STATUS, 0, text))


@given(st.integers(min_value=-(2**40), max_value=2**40) | st.none())
def test_product_state_is_always_a_known_word(state: int | None) -> None:
    assert decode_product_state(state) in ("on", "off", "snoozed", "expired", "unknown")


def _result(draw: st.DrawFn, argv: tuple[str, ...], real: list[str]) -> dict[str, Any]:
    error = draw(st.sampled_from([None, None, None, "not_found", "timeout"]))
    rc = None if error else draw(st.sampled_from([0, 0, 0, 1, 4, 251, 252, 253]))
    return {"argv": list(argv), "returncode": rc, "stdout": draw(texts(real)),
            "stderr": draw(st.sampled_from(["", "Operation not permitted (you must be root)\n",
                                            "JSON support not compiled-in\n"]) | texts(real)),
            "duration_ms": 1, "error": error}


@st.composite
def evidence(draw: st.DrawFn, os_name: str) -> Evidence:
    real = _recorded_outputs(os_name)
    commands = [_result(draw, tuple(argv), real) for argv in PROBE.commands(os_name)
                if draw(st.booleans()) or argv == PROBE.commands(os_name)[0]]
    files = {path: draw(st.none() | st.sampled_from(["", "filter\n", "ENABLED=yes\n"]) | texts(real))
             for path in ("/proc/net/ip_tables_names", "/proc/net/ip6_tables_names",
                          "/etc/ufw/ufw.conf")}
    release = draw(st.sampled_from(["24.1.0", "23.6.0", "", "x.y", "6.18.44", "10"]))
    return Evidence(OsInfo(os_name, release, "x86_64"),
                    [CommandResult.from_dict(c) for c in commands], files)


def _check(facts: list[Any]) -> None:
    got = {f.key: f for f in facts}
    assert set(got) == set(PROBE.fact_keys)
    for fact in facts:
        if fact.is_known:
            spec = CATALOGUE[fact.key]
            assert spec.choices is None or fact.value in spec.choices
        else:
            assert fact.reason and fact.reason.strip()
    # A firewall state is never half-known: enabled and source stand or fall together.
    assert got["firewall.enabled"].is_known == got["firewall.source"].is_known


@FAST
@given(evidence("linux"))
def test_linux_backend_gives_facts_or_unknown(ev: Evidence) -> None:
    _check(linux.collect(ProbeContext(host=RecordedHost(ev))))


@FAST
@given(evidence("macos"))
def test_macos_backend_gives_facts_or_unknown(ev: Evidence) -> None:
    _check(macos.collect(ProbeContext(host=RecordedHost(ev))))


@FAST
@given(evidence("windows"))
def test_windows_backend_gives_facts_or_unknown(ev: Evidence) -> None:
    _check(windows.collect(ProbeContext(host=RecordedHost(ev))))
