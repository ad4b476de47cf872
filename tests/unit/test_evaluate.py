"""Evaluation: every operator and combinator, unknown handling, scoping, waivers, verdict."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from wfhaudit.evaluate import Status, Verdict, check_expectation, describe_expectation, evaluate
from wfhaudit.facts import Fact, FactSet
from wfhaudit.policy.loader import load_policy_document

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(("expect", "value", "ok"), [
    ({"equals": True}, True, True),
    ({"equals": True}, False, False),
    ({"equals": True}, 1, False),            # bool never equals 1
    ({"equals": 1}, True, False),
    ({"not_equals": "ufw"}, "nftables", True),
    ({"not_equals": "ufw"}, "ufw", False),
    ({"in": ["wired", "wifi"]}, "wifi", True),
    ({"in": ["wired", "wifi"]}, "cellular", False),
    ({"not_in": ["cellular"]}, "wired", True),
    ({"not_in": ["cellular"]}, "cellular", False),
    ({"min": 4.0}, 4.0, True),
    ({"min": 4.0}, 3.99, False),
    ({"max": 100}, 100, True),
    ({"max": 100}, 100.5, False),
    ({"above": 0}, 0, False),
    ({"above": 0}, 0.001, True),
    ({"below": 100}, 99.9, True),
    ({"below": 100}, 100, False),
    ({"min": 1}, "5", False),                # a string is never a number
    ({"min": 0}, True, False),               # nor is a bool
    ({"matches": "^wg[0-9]+$"}, "wg0", True),
    ({"matches": "^wg[0-9]+$"}, "tun0", False),
    ({"matches": "x"}, 5, False),
    ({"equals": []}, [], True),
    ({"equals": []}, ["/dev/sdb1"], False),
    ({"all": [{"min": 1}, {"below": 10}]}, 5, True),
    ({"all": [{"min": 1}, {"below": 10}]}, 10, False),
    ({"any": [{"equals": "wired"}, {"equals": "wifi"}]}, "wifi", True),
    ({"any": [{"equals": "wired"}, {"equals": "wifi"}]}, "cellular", False),
    ({"not": {"equals": "cellular"}}, "wired", True),
    ({"not": {"equals": "cellular"}}, "cellular", False),
    ({"not": {"any": [{"below": 0}, {"above": 10}]}}, 5, True),
])
def test_operators(expect: dict[str, Any], value: Any, ok: bool) -> None:
    assert check_expectation(expect, value) is ok


def test_empty_expectation_never_passes() -> None:
    assert check_expectation({}, True) is False


def test_describe() -> None:
    assert describe_expectation({"min": 0.2}, "Mbit/s") == "≥ 0.2 Mbit/s"
    assert describe_expectation({"below": 100}, "ms") == "< 100 ms"
    assert describe_expectation({"in": ["wired", "wifi"]}) == "one of wired, wifi"
    # One wording with the measured value: measured "no", expected "yes".
    assert describe_expectation({"equals": True}) == "yes"
    assert describe_expectation({"equals": False}) == "no"
    assert describe_expectation({"equals": []}) == "none"
    assert describe_expectation({"equals": "wired"}) == "wired"
    assert describe_expectation({"not_equals": "wifi"}) == "not wifi"
    assert describe_expectation({"not": {"equals": "x"}}) == "not x"
    assert describe_expectation({"any": [{"min": 1}, {"max": 0}]}) == "(≥ 1 or ≤ 0)"


def _policy(rules: list[dict[str, Any]], waivers: list[dict[str, Any]] | None = None) -> Any:
    doc: dict[str, Any] = {"id": "t", "version": "1", "title": "T", "rules": rules}
    if waivers:
        doc["waivers"] = waivers
    return load_policy_document(doc, "test")


def _rule(rid: str, fact: str, expect: dict[str, Any], severity: str = "high", **kw: Any
          ) -> dict[str, Any]:
    return {"id": rid, "title": rid, "fact": fact, "expect": expect, "severity": severity, **kw}


def _facts(*facts: Fact) -> FactSet:
    fs = FactSet()
    for f in facts:
        fs.add(f)
    return fs


FW_ON = Fact.observed("firewall.enabled", True, ["ufw status"])
FW_OFF = Fact.observed("firewall.enabled", False, ["ufw status"])
FW_UNKNOWN = Fact.unknown("firewall.enabled", "ufw needs root")


def test_pass_fail_and_verdict() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True})])
    ok = evaluate(policy, _facts(FW_ON), "linux", "dev-a", TODAY)
    assert ok.findings[0].status is Status.PASS and ok.verdict is Verdict.READY
    bad = evaluate(policy, _facts(FW_OFF), "linux", "dev-a", TODAY)
    assert bad.findings[0].status is Status.FAIL and bad.verdict is Verdict.NOT_READY
    assert bad.findings[0].remediation == ""  # no remediation text in this policy
    assert bad.summary()["blocking"] == ["fw"]


def test_unknown_is_never_pass() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True})])
    ev = evaluate(policy, _facts(FW_UNKNOWN), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.UNKNOWN
    assert ev.findings[0].reason == "ufw needs root"
    assert ev.verdict is Verdict.NOT_READY
    # A fact no probe reported at all is unknown too.
    ev = evaluate(policy, FactSet(), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.UNKNOWN and ev.verdict is Verdict.NOT_READY


def test_unknown_on_optional_or_ignored_rule_does_not_block() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True}, severity="low"),
                      _rule("fw2", "firewall.source", {"equals": "ufw"}, on_unknown="ignore")])
    ev = evaluate(policy, _facts(FW_UNKNOWN), "linux", "dev-a", TODAY)
    assert [f.status for f in ev.findings] == [Status.UNKNOWN, Status.UNKNOWN]
    assert ev.verdict is Verdict.READY


def test_optional_failure_does_not_block_but_lowers_score() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True}, severity="low"),
                      _rule("disk", "disk.system_encrypted", {"equals": True})])
    ev = evaluate(policy, _facts(FW_OFF, Fact.observed("disk.system_encrypted", True)),
                  "linux", "dev-a", TODAY)
    assert ev.verdict is Verdict.READY
    assert ev.score == round(100 * 5 / 6)


def test_platform_scoping_is_not_applicable() -> None:
    policy = _policy([_rule("p", "firewall.profiles_off", {"equals": []}, platforms=["windows"])])
    ev = evaluate(policy, FactSet(), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.NOT_APPLICABLE
    assert ev.verdict is Verdict.READY


def test_when_condition() -> None:
    rule = _rule("vpn", "vpn.active", {"equals": True},
                 when={"fact": "location.office_network", "expect": {"equals": False}})
    policy = _policy([rule])
    office = Fact.observed("location.office_network", True)
    home = Fact.observed("location.office_network", False)
    vpn_off = Fact.observed("vpn.active", False)
    assert evaluate(policy, _facts(office, vpn_off), "linux", "d", TODAY).findings[0].status \
        is Status.NOT_APPLICABLE
    assert evaluate(policy, _facts(home, vpn_off), "linux", "d", TODAY).findings[0].status \
        is Status.FAIL
    # Cannot tell where the device is: the rule applies (fail closed) and says so.
    finding = evaluate(policy, _facts(vpn_off), "linux", "d", TODAY).findings[0]
    assert finding.status is Status.FAIL
    assert "location.office_network is unknown" in finding.reason


def test_waiver_valid_expired_and_device_scoped() -> None:
    rules = [_rule("fw", "firewall.enabled", {"equals": True})]
    valid = _policy(rules, [{"rule": "fw", "reason": "pilot", "expires": "2026-12-31"}])
    ev = evaluate(valid, _facts(FW_OFF), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.WAIVED and ev.verdict is Verdict.READY
    assert "waived until 2026-12-31: pilot" in ev.findings[0].reason
    # A waiver does not hide a pass.
    assert evaluate(valid, _facts(FW_ON), "linux", "dev-a", TODAY).findings[0].status is Status.PASS
    # Expires at the end of its day.
    last_day = evaluate(valid, _facts(FW_OFF), "linux", "dev-a", dt.date(2026, 12, 31))
    assert last_day.findings[0].status is Status.WAIVED

    expired = _policy(rules, [{"rule": "fw", "reason": "pilot", "expires": "2026-11-01"}])
    ev = evaluate(expired, _facts(FW_OFF), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.FAIL and ev.verdict is Verdict.NOT_READY
    assert "waiver expired on 2026-11-01 and no longer applies" in ev.findings[0].reason
    assert ev.findings[0].waiver is not None and ev.findings[0].waiver["expired"] is True

    scoped = _policy(rules, [{"rule": "fw", "reason": "r", "expires": "2027-01-01",
                              "devices": ["dev-b"]}])
    assert evaluate(scoped, _facts(FW_OFF), "linux", "dev-a", TODAY).findings[0].status \
        is Status.FAIL
    assert evaluate(scoped, _facts(FW_OFF), "linux", "dev-b", TODAY).findings[0].status \
        is Status.WAIVED


def test_waiver_covers_unknown_too() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True})],
                     [{"rule": "fw", "reason": "no root on kiosk", "expires": "2027-01-01"}])
    ev = evaluate(policy, _facts(FW_UNKNOWN), "linux", "dev-a", TODAY)
    assert ev.findings[0].status is Status.WAIVED
    assert ev.findings[0].reason.startswith("was UNKNOWN")


def test_evaluation_is_pure() -> None:
    policy = _policy([_rule("fw", "firewall.enabled", {"equals": True})])
    a = evaluate(policy, _facts(FW_OFF), "linux", "dev-a", TODAY)
    b = evaluate(policy, _facts(FW_OFF), "linux", "dev-a", TODAY)
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


def test_fact_values_are_type_checked() -> None:
    with pytest.raises(ValueError, match="not a valid boolean"):
        Fact.observed("firewall.enabled", "yes")
    with pytest.raises(ValueError, match="not a valid number"):
        Fact.observed("network.rtt_ms", float("nan"))
    assert Fact.observed("network.rtt_ms", 12.34567).value == 12.346
