"""Redacted evidence: addresses and names replaced by stable keyed pseudonyms."""

from __future__ import annotations

from wfhaudit.host.redact import Redactor


def test_addresses_and_names_are_replaced() -> None:
    r = Redactor(b"k" * 32, ["alice", "alices-laptop"])
    text = ("default via 192.168.1.1 dev wlan0 src 192.168.1.23 uid 1000\n"
            "link/ether 3c:22:fb:12:34:56 brd ff:ff:ff:ff:ff:ff\n"
            "inet6 fe80::1c2b:3aff:fe4d:5e6f%wlan0 and 2001:db8::42\n"
            "/home/alice on alices-laptop\n")
    out = r.text(text)
    for secret in ("192.168.1.1 ", "192.168.1.23", "3c:22:fb:12:34:56", "fe80::1c2b",
                   "2001:db8::42", "alice"):
        assert secret not in out
    assert "<ip:" in out and "<mac:" in out and "<name:" in out
    assert "ff:ff:ff:ff:ff:ff" not in out  # broadcast MAC is harmless but still a MAC form


def test_pseudonyms_are_stable_per_key_and_differ_across_keys() -> None:
    a, b = Redactor(b"a" * 32), Redactor(b"b" * 32)
    assert a.text("10.0.0.5") == a.text("10.0.0.5")
    assert a.text("10.0.0.5") != b.text("10.0.0.5")
    assert a.text("10.0.0.5") != a.text("10.0.0.6")


def test_well_known_targets_kept_for_route_parsing() -> None:
    r = Redactor(b"k" * 32)
    assert r.text("1.1.1.1 via 10.8.0.1 dev tun0") .startswith("1.1.1.1 via <ip:")
    assert r.text("127.0.0.1 and ::1") == "127.0.0.1 and ::1"


def test_versions_and_times_are_not_mistaken_for_addresses() -> None:
    r = Redactor(b"k" * 32)
    for harmless in ("cryptsetup 2.6.1", "10:30:15", "version 1.2.3.4.5", "12:34"):
        assert r.text(harmless) == harmless


def test_json_values_walked_including_keys() -> None:
    r = Redactor(b"k" * 32, ["bob"])
    out = r.value({"bob": ["10.1.2.3", 5, None, {"x": "bob"}]})
    assert "bob" not in str(out) and "10.1.2.3" not in str(out)
    assert out[next(iter(out))][1:3] == [5, None]
