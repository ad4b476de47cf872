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


ENDPOINT = {"download_url": "https://edge.example.net/wfhaudit/blob.bin",
            "upload_url": "https://edge.example.net/wfhaudit/upload/probe.bin"}


def test_endpoint_and_codec_settings() -> None:
    cfg = network_settings({"throughput_endpoint": {**ENDPOINT, "ca_file": "/etc/ca.pem",
                                                    "max_bytes": 1_000_000},
                            "codec": "g729"})
    assert cfg.endpoint is not None and cfg.endpoint.upload_method == "PUT"
    assert (cfg.endpoint.ca_file, cfg.endpoint.max_bytes) == ("/etc/ca.pem", 1_000_000)
    assert cfg.codec.key == "g729"
    assert network_settings({}).endpoint is None                # speedtest-cli stays the default
    assert network_settings({}).codec.key == "g711"
    for bad in ({"throughput_endpoint": {**ENDPOINT, "download_url": "http://x/"}},
                {"throughput_endpoint": {**ENDPOINT, "upload_method": "PATCH"}},
                {"codec": "speex"}):
        with pytest.raises(ValueError):
            network_settings(bad)


@pytest.mark.parametrize(("network", "problem"), [
    ({"throughput_endpoint": ENDPOINT}, None),
    ({"throughput_endpoint": {**ENDPOINT, "upload_method": "POST", "ca_file": "/x.pem",
                              "max_seconds": 6, "max_bytes": 50_000_000}}, None),
    ({"throughput_endpoint": {"download_url": ENDPOINT["download_url"]}},
     "'upload_url' is a required property"),
    ({"throughput_endpoint": {**ENDPOINT, "upload_url": "http://plain/"}}, "does not match"),
    ({"codec": "g711"}, None),
    ({"codec": {"name": "opus-wb", "ie": 5, "bpl": 20}}, None),
    ({"codec": {"ie": 5}}, "is not valid under any of the given schemas"),
    ({"codec": "speex"}, "is not valid under any of the given schemas"),
])
def test_schema_for_endpoint_and_codec(network: dict[str, object], problem: str | None) -> None:
    from wfhaudit.policy.loader import schema_problems

    doc = {"id": "t", "version": "1", "title": "T",
           "rules": [{"id": "r", "title": "R", "fact": "network.jitter_oneway_ms",
                      "expect": {"below": 30}, "severity": "high"}],
           "settings": {"network": network}}
    problems = schema_problems(doc)
    if problem is None:
        assert problems == []
    else:
        assert any(path.startswith("$.settings.network") and problem in msg
                   for path, msg in problems), problems


def test_bundled_jitter_rule_uses_the_one_way_figure() -> None:
    doc = json.loads((BUNDLED / "contact-center.json").read_text())
    rule = next(r for r in doc["rules"] if r["id"] == "net-jitter")
    assert rule["fact"] == "network.jitter_oneway_ms" and rule["expect"] == {"below": 30}
