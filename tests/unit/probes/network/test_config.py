"""Network settings: defaults equal the contact-center policy, parsing, the budget clamp."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import wfhaudit
from wfhaudit.policy.loader import load_policy
from wfhaudit.probes.network import PROBE
from wfhaudit.probes.network.config import DEFAULTS, Endpoint, network_settings, parse_endpoint

BUNDLED = Path(wfhaudit.__file__).parent / "policies"


def test_defaults_match_the_contact_center_policy() -> None:
    doc = json.loads((BUNDLED / "contact-center.json").read_text())
    assert doc["settings"]["network"] == DEFAULTS
    assert load_policy("contact-center").setting("network") == DEFAULTS


def test_bundled_policies_name_hosts_not_ip_literals() -> None:
    for path in BUNDLED.glob("*.json"):
        net = json.loads(path.read_text()).get("settings", {}).get("network", {})
        for text in net.get("stun_servers", []) + net.get("tcp_fallback", []):
            assert not parse_endpoint(text).is_literal, f"{path.name}: {text}"


@pytest.mark.parametrize(("text", "want"), [
    ("stun.example.net:3478", Endpoint("stun.example.net", 3478)),
    ("127.0.0.1:19302", Endpoint("127.0.0.1", 19302)),
    ("[::1]:3478", Endpoint("::1", 3478)),
])
def test_parse_endpoint(text: str, want: Endpoint) -> None:
    assert parse_endpoint(text) == want
    assert str(want) == text


@pytest.mark.parametrize("bad", ["nohost", "host:", ":80", "host:0", "host:70000", "[::1]3478"])
def test_bad_endpoints(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_endpoint(bad)


def test_merge_and_budget_clamp() -> None:
    cfg = network_settings({"udp_probe": {"count": 100}, "deadline_s": 30}, budget_s=PROBE.budget_s)
    assert cfg.count == 100 and cfg.interval_ms == 20          # merged over the defaults
    assert cfg.deadline_s == PROBE.budget_s - 2.5               # never beyond the budget
    assert network_settings({}, budget_s=None).deadline_s == 12
    assert cfg.speed.mode == "public" and cfg.speed.secure is True
    assert cfg.stream_seconds == 2.0


@pytest.mark.parametrize("bad", [{"speedtest": {"mode": "mini"}}, {"speedtest": {"mode": "x"}},
                                 {"speedtest": {"mode": "server"}}])
def test_inconsistent_speedtest_settings(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        network_settings(bad)


def test_probe_budget_covers_the_default_deadline() -> None:
    assert PROBE.budget_s >= DEFAULTS["deadline_s"] + 2.5


@pytest.mark.parametrize(("speedtest", "problem"), [
    ({"mode": "mini"}, "'mini_url' is a required property"),
    ({"mode": "server"}, "'server_id' is a required property"),
    ({"mode": "mini", "mini_url": "ftp://x"}, "does not match"),
    ({"mode": "mini", "mini_url": "https://speedtest.example.net/mini/"}, None),
    ({"mode": "server", "server_id": 1234}, None),
])
def test_schema_requires_what_the_mode_needs(speedtest: dict[str, object],
                                             problem: str | None) -> None:
    from wfhaudit.policy.loader import schema_problems

    doc = {"id": "t", "version": "1", "title": "T",
           "rules": [{"id": "r", "title": "R", "fact": "network.rtt_ms",
                      "expect": {"below": 100}, "severity": "high"}],
           "settings": {"network": {"speedtest": speedtest}}}
    problems = schema_problems(doc)
    if problem is None:
        assert problems == []
    else:
        assert any(path.startswith("$.settings.network.speedtest") and problem in msg
                   for path, msg in problems), problems
