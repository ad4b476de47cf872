"""Policy loading: bundled policies, every invalid case with its JSON path, digests, layering."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from wfhaudit.errors import InvalidInputError, PolicyError
from wfhaudit.policy.loader import (
    BUNDLED_DIR,
    bundled_names,
    load_policy,
    load_policy_document,
    schema_problems,
)

POLICIES = Path(__file__).parent.parent / "fixtures" / "policies"
INVALID = POLICIES / "invalid"
EXPECTED = json.loads((INVALID / "EXPECTED.json").read_text())


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_policy_loads(name: str) -> None:
    policy = load_policy(name)
    assert policy.rules
    assert policy.digest.startswith("sha256:")
    # The resolved document is itself a valid, self-contained policy with the same digest.
    again = load_policy_document(policy.document(), f"{name} (resolved)")
    assert again.digest == policy.digest


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_policy_is_valid_against_the_schema(name: str, tmp_path: Path) -> None:
    # At run time the bundled files skip schema validation (they are trusted): this is where
    # each one is proved valid, with the same checks a user's policy always gets.
    doc = json.loads((BUNDLED_DIR / f"{name}.json").read_text("utf-8"))
    assert schema_problems(doc) == []
    for path in BUNDLED_DIR.glob("*.json"):  # a copy outside the package: validated on load
        shutil.copy(path, tmp_path / path.name)
    assert load_policy(str(tmp_path / f"{name}.json")).digest == load_policy(name).digest


def test_user_policies_are_always_schema_checked(tmp_path: Path) -> None:
    doc = json.loads((BUNDLED_DIR / "baseline.json").read_text("utf-8"))
    doc["rules"][0]["severity"] = "urgent"
    (tmp_path / "mine.json").write_text(json.dumps(doc), "utf-8")
    with pytest.raises(PolicyError, match=r"\$\.rules\[0\]\.severity"):
        load_policy(str(tmp_path / "mine.json"))


def test_loading_a_bundled_policy_does_not_import_jsonschema() -> None:
    code = ("import sys; from wfhaudit.policy.loader import load_policy; "
            "load_policy('strict'); print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "False"


def test_bundled_set_and_default() -> None:
    assert {"baseline", "contact-center", "strict"} <= set(bundled_names())
    strict = load_policy("strict")
    assert strict.chain == ("baseline", "contact-center", "strict")
    ids = [r.id for r in strict.rules]
    assert "vpn-full-tunnel" in ids and "net-mos" in ids and "disk-encrypted" in ids
    assert next(r for r in strict.rules if r.id == "vpn-when-remote").severity == "critical"


def test_bundled_policies_name_hosts_not_ip_literals() -> None:
    import ipaddress

    for name in bundled_names():
        servers = load_policy(name).setting("network", "stun_servers", default=[])
        for server in servers:
            host = server.rsplit(":", 1)[0].strip("[]")
            with pytest.raises(ValueError):
                ipaddress.ip_address(host)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_policy_names_its_json_path(name: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        load_policy(str(INVALID / name))
    text = info.value.diagnostics()
    assert EXPECTED[name] in text
    assert name in text  # every problem names its file


def test_every_invalid_fixture_has_an_expectation() -> None:
    files = {p.name for p in INVALID.glob("*.json")} - {"EXPECTED.json"}
    assert files == set(EXPECTED)


def test_several_problems_reported_at_once(tmp_path: Path) -> None:
    doc = {"id": "t", "version": "1", "title": "T", "rules": [
        {"id": "a", "title": "A", "fact": "nope.x", "expect": {"equals": 1}, "severity": "high"},
        {"id": "b", "title": "B", "fact": "network.rtt_ms", "expect": {"equals": "x"},
         "severity": "high"}]}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(PolicyError) as info:
        load_policy(str(path))
    assert len(info.value.problems) == 2
    assert "$.rules[0].fact" in info.value.problems[0]
    assert "$.rules[1].expect.equals" in info.value.problems[1]


def test_digest_ignores_whitespace_and_key_order(tmp_path: Path) -> None:
    doc = json.loads((POLICIES / "layers" / "l1.json").read_text())
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(json.dumps(doc))
    b.write_text(json.dumps(doc, indent=7, sort_keys=True).replace(": ", " :  "))
    assert load_policy(str(a)).digest == load_policy(str(b)).digest
    doc["rules"][0]["expect"] = {"below": 101}
    b.write_text(json.dumps(doc))
    assert load_policy(str(a)).digest != load_policy(str(b)).digest


def test_digest_is_pinned_for_a_known_document(tmp_path: Path) -> None:
    # Pinned so the canonical form cannot drift silently between releases.
    policy = load_policy(str(POLICIES / "layers" / "l1.json"))
    assert policy.digest == PINNED_L1_DIGEST


def test_overrides_across_three_levels() -> None:
    policy = load_policy(str(POLICIES / "layers" / "l3.json"))
    rules = {r.id: r for r in policy.rules}
    assert rules["rtt"].expect == {"below": 80}          # from l2
    assert rules["rtt"].severity == "critical"           # from l3, on top of l2's medium
    assert rules["rtt"].required is True                 # l1 default for 'high' stays
    assert rules["fw"].required is True                  # medium is optional unless overridden
    assert policy.setting("network", "udp_probe") == {"count": 300, "interval_ms": 10}
    assert policy.chain == ("l1", "l2", "l3")
    assert [w.rule for w in policy.waivers] == ["fw"]


def test_parent_layers_are_not_mutated_by_children() -> None:
    load_policy(str(POLICIES / "layers" / "l3.json"))
    l1 = load_policy(str(POLICIES / "layers" / "l1.json"))
    assert {r.id: r.expect for r in l1.rules}["rtt"] == {"below": 100}


def test_unknown_bundled_name_lists_the_bundled_ones() -> None:
    with pytest.raises(InvalidInputError, match="bundled: baseline, contact-center, strict"):
        load_policy("contact-centre")


def test_missing_file_is_one_line() -> None:
    with pytest.raises(InvalidInputError, match="policy not found"):
        load_policy("/nonexistent/policy.json")


PINNED_L1_DIGEST = "sha256:f931419b0a0c8cb511ebe5011e2e5938cef76da4c65f792edeabdd110423efb3"
