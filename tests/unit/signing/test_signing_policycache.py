"""The verifier's memoised re-evaluation always equals a direct `evaluate` (property test)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wfhaudit.crypto.canonical import canonical_bytes, digest
from wfhaudit.evaluate import evaluate
from wfhaudit.facts import CATALOGUE, FactSet, FactType
from wfhaudit.judge.policies import PolicyEntry, judgement_of
from wfhaudit.policy.loader import load_policy, load_policy_document

RULES: list[dict[str, Any]] = [
    {"id": "rtt", "title": "RTT", "fact": "network.rtt_ms", "severity": "high",
     "expect": {"any": [{"below": 100}, {"in": [150, 150.5]}]},
     "when": {"fact": "network.jitter_ms", "expect": {"not": {"above": 30}}}},
    {"id": "mos", "title": "MOS", "fact": "network.mos", "severity": "medium", "required": True,
     "expect": {"all": [{"min": 3.6}, {"max": 4.5}, {"not_equals": 4.0}]}, "on_unknown": "ignore"},
    {"id": "loss", "title": "Loss", "fact": "network.loss_pct", "severity": "critical",
     "expect": {"below": 1}, "platforms": ["linux", "macos"]},
    {"id": "rate", "title": "Rate", "fact": "audio.input_sample_rate_hz", "severity": "low",
     "required": True, "expect": {"in": [44100, 48000]}},
    {"id": "fw", "title": "FW", "fact": "firewall.enabled", "severity": "high",
     "expect": {"equals": True}},
    {"id": "vpn", "title": "VPN", "fact": "vpn.client", "severity": "high",
     "expect": {"matches": "^(wireguard|openvpn)$"}},
    {"id": "vols", "title": "Vols", "fact": "disk.unencrypted_volumes", "severity": "high",
     "expect": {"equals": []}},
]
WAIVERS = [{"rule": "fw", "reason": "lab", "expires": "2026-11-20", "devices": ["dev-a"]},
           {"rule": "loss", "reason": "isp", "expires": "2026-11-21"}]
DOC = {"id": "memo", "version": "1", "title": "Memo test", "rules": RULES, "waivers": WAIVERS,
       "settings": {}}
POLICIES = [load_policy_document(DOC, "memo"), load_policy("contact-center"),
            load_policy("strict")]
ENTRIES = [PolicyEntry(p.digest, canonical_bytes(p.document()), p.document(), p)
           for p in POLICIES]


def _number(cuts: list[float]) -> st.SearchStrategy[Any]:
    near = st.sampled_from(cuts).flatmap(lambda c: st.sampled_from(
        [c, c + 0.001, c - 0.001, c + 0.0004, c - 0.0004, int(c)]))
    return st.one_of(near, st.floats(-1, 300, allow_nan=False).map(lambda x: round(x, 4)),
                     st.integers(-5, 300))


VALUES: dict[str, st.SearchStrategy[Any]] = {
    "network.rtt_ms": _number([100, 150, 150.5]), "network.jitter_ms": _number([30]),
    "network.mos": _number([3.6, 4.0, 4.5]), "network.loss_pct": _number([1]),
    "audio.input_sample_rate_hz": st.sampled_from([44100, 48000, 16000, 0]),
    "vpn.client": st.sampled_from(["wireguard", "openvpn", "cisco", ""]),
    "disk.unencrypted_volumes": st.lists(st.sampled_from(["D:", "E:"]), max_size=2),
}


def _fact(key: str) -> st.SearchStrategy[Any]:
    kind = CATALOGUE[key].type
    if key in VALUES:
        observed = VALUES[key]
    elif kind in (FactType.NUMBER, FactType.INT):
        observed = _number([0.2, 1, 4.0, 30, 100, 200])
    elif kind is FactType.STRING_LIST:
        observed = st.lists(st.sampled_from(["Public", "D:"]), max_size=2)
    elif kind is FactType.STRING:
        observed = st.sampled_from(["wired", "wifi", "x"])
    else:
        observed = st.booleans()
    wrong_type = st.sampled_from(["yes", 1, None, [1], 2.5])
    return st.one_of(
        observed.map(lambda v: {"status": "observed", "value": v, "sources": ["t"]}),
        st.just({"status": "unknown", "reason": "no idea", "sources": []}),
        st.none(),
        wrong_type.map(lambda v: {"status": "observed", "value": v}),
        st.just({"status": "maybe"}))


@settings(max_examples=400, deadline=None, database=None)
@given(st.data())
def test_memoised_judgement_equals_direct_evaluation(data: st.DataObject) -> None:
    entry = data.draw(st.sampled_from(ENTRIES))
    facts = {k: f for k in entry.needed if (f := data.draw(_fact(k), label=k)) is not None}
    os_family = data.draw(st.sampled_from(["linux", "windows", "macos"]))
    device = data.draw(st.sampled_from(["dev-a", "dev-b"]))
    day = data.draw(st.sampled_from([19, 20, 21, 22]))
    finished = dt.datetime(2026, 11, day, 12, tzinfo=dt.timezone.utc)
    try:
        ev = evaluate(entry.policy, FactSet.from_dict(facts), os_family, device, finished.date())
    except (KeyError, ValueError):
        with pytest.raises(ValueError):
            entry.judge(facts, os_family, device, finished.timestamp())
        return
    # The whole compact judgement: verdict, score, every status, and each non-pass in detail.
    direct = judgement_of(entry.policy, entry.digest, ev)
    assert entry.judge(facts, os_family, device, finished.timestamp()) == direct


def test_numbers_use_cut_points_and_the_memo_is_reused() -> None:
    entry = ENTRIES[0]
    assert entry.cuts["network.rtt_ms"] == (100, 150, 150.5)
    assert entry.cuts["network.mos"] == (3.6, 4.0, 4.5)
    assert digest(DOC) != ENTRIES[1].digest
    facts = {"network.rtt_ms": {"status": "observed", "value": 20.5, "sources": []}}
    when = dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc).timestamp()
    entry.memo.clear()
    first = entry.judge(facts, "linux", "dev-b", when)
    size = len(entry.memo)
    facts["network.rtt_ms"]["value"] = 99.25  # same side of every cut point
    assert entry.judge(facts, "linux", "dev-b", when) == first
    assert len(entry.memo) == size
