"""Redacted evidence: names, addresses and MACs become keyed pseudonyms that parsers still read.

The property that matters for verification: every recorded case derives exactly the same facts
from its redacted evidence as from the raw one, so IT can re-derive a report's facts from the
redacted evidence it carries.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from wfhaudit.host import Evidence, RecordedHost
from wfhaudit.host.redact import Redactor
from wfhaudit.probes import load_probe
from wfhaudit.probes.base import ProbeContext

CASES = Path(__file__).parent.parent / "fixtures" / "cases"


def test_addresses_and_names_are_replaced() -> None:
    r = Redactor(b"k" * 32, ["alice", "alices-laptop"])
    text = ("default via 192.168.1.1 dev wlan0 src 192.168.1.23 uid 1000\n"
            "link/ether 3c:22:fb:12:34:56 brd ff:ff:ff:ff:ff:ff\n"
            "inet6 fe80::1c2b:3aff:fe4d:5e6f%wlan0 and 2001:db8::42\n"
            "public 81.2.69.160 and 2a00:1450:4001:80b::200e\n"
            "/home/alice on alices-laptop\n")
    out = r.text(text)
    for secret in ("192.168.1.1 ", "192.168.1.23", "3c:22:fb:12:34:56", "fe80::1c2b",
                   "2001:db8::42", "81.2.69.160", "2a00:1450", "alice"):
        assert secret not in out
    assert "<name:" in out and "ff:ff:ff:ff:ff:ff" in out  # broadcast identifies nobody


def _addresses(text: str) -> list[Any]:
    out = []
    for word in text.replace("%", " ").split():
        try:
            out.append(ipaddress.ip_address(word))
        except ValueError:
            continue
    return out


@pytest.mark.parametrize("addr", ["192.168.1.23", "10.200.3.4", "172.20.1.1", "100.101.5.6",
                                  "169.254.7.8", "81.2.69.160", "fe80::1c2b:3aff:fe4d:5e6f",
                                  "fd12:3456::9", "2a00:1450:4001:80b::200e", "224.0.0.251"])
def test_pseudonym_is_an_address_of_the_same_kind(addr: str) -> None:
    r = Redactor(b"k" * 32)
    (mapped,) = _addresses(r.text(f"x {addr} y"))
    real = ipaddress.ip_address(addr)
    assert mapped != real
    for kind in ("is_private", "is_global", "is_link_local", "is_multicast", "is_loopback"):
        assert getattr(mapped, kind) == getattr(real, kind), kind


def test_prefixes_and_routes_keep_their_relations() -> None:
    r = Redactor(b"k" * 32)
    out = r.text("10.8.0.0/24 dev tun0 src 10.8.0.6\n10.9.0.0/16 dev eth0")
    net_a, src, net_b = out.split()[0], out.split()[4], out.split()[5]
    assert ipaddress.ip_address(src) in ipaddress.ip_network(net_a)  # strict: host bits zero
    assert ipaddress.ip_address(src) not in ipaddress.ip_network(net_b)


def test_policy_networks_servers_and_probe_targets_are_kept() -> None:
    r = Redactor(b"k" * 32, keep=["10.20.0.0/16", "stun.example.net:3478", "198.51.100.7:3478"])
    out = r.text("10.20.1.5 10.21.1.5 198.51.100.7 1.1.1.1 149.112.112.112 255.255.255.0")
    words = out.split()
    assert words[0] == "10.20.1.5" and words[1] != "10.21.1.5"
    assert ipaddress.ip_address(words[1]) not in ipaddress.ip_network("10.20.0.0/16")
    assert words[2:] == ["198.51.100.7", "1.1.1.1", "149.112.112.112", "255.255.255.0"]


def test_pseudonyms_are_stable_per_key_and_differ_across_keys() -> None:
    a, b = Redactor(b"a" * 32), Redactor(b"b" * 32)
    assert a.text("10.0.0.5") == a.text("10.0.0.5")
    assert a.text("10.0.0.5") != b.text("10.0.0.5")
    assert a.text("10.0.0.5") != a.text("10.0.0.6")
    assert a.text("AA:BB:CC:DD:EE:01") == a.text("AA:BB:CC:DD:EE:01").upper()


def test_versions_and_times_are_not_mistaken_for_addresses() -> None:
    r = Redactor(b"k" * 32)
    for harmless in ("cryptsetup 2.6.1", "10:30:15", "version 1.2.3.4.5", "12:34"):
        assert r.text(harmless) == harmless


def test_json_values_walked_including_keys() -> None:
    r = Redactor(b"k" * 32, ["bob"])
    out = r.value({"bob": ["10.1.2.3", 5, None, {"x": "bob"}]})
    assert "bob" not in str(out) and "10.1.2.3" not in str(out)
    assert out[next(iter(out))][1:3] == [5, None]


def _cases() -> list[Any]:
    return [pytest.param(p, id=f"{p.parent.parent.name}/{p.parent.name}/{p.stem}")
            for p in sorted(CASES.glob("*/*/*.json"))]


@pytest.mark.parametrize("case_path", _cases())
def test_redacted_evidence_derives_the_same_facts(case_path: Path) -> None:
    case = json.loads(case_path.read_text(encoding="utf-8"))
    probe = load_probe(case_path.parent.parent.name)
    settings = case.get("settings", {})

    def derive(evidence: Any) -> dict[str, tuple[str, Any]]:
        host = RecordedHost(Evidence.from_dict(evidence))
        return {f.key: (f.status.value, f.value)
                for f in probe.collect(ProbeContext(host=host, settings=settings))}

    raw = derive(case["evidence"])
    redactor = Redactor(bytes(range(32)), ["jdoe", "jdoe-laptop"])
    assert derive(redactor.value(case["evidence"])) == raw
