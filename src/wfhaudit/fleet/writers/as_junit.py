"""`--junit`: JUnit XML for CI test viewers (a testsuite per rule, a testcase per device-rule)."""

from __future__ import annotations

import io
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from wfhaudit.fleet.context import RunContext, iso
from wfhaudit.fleet.summary import MISSING, STALE_DEVICE
from wfhaudit.judge.rows import Issue, RuleMeta
from wfhaudit.util.text import xml_chars

# Characters XML 1.0 cannot carry even escaped; device text may contain them.


def xml_text(value: object) -> str:
    """Untrusted text made safe for XML character data."""
    return escape(xml_chars(value))


def xml_attr(value: object) -> str:
    """Untrusted text as a quoted XML attribute value (newlines kept as character refs)."""
    text = xml_chars(value)
    return quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _case(classname: str, name: str, body: str = "") -> str:
    return _quoted_case(xml_attr(classname), xml_attr(name), body)


def _quoted_case(classname: str, name: str, body: str = "") -> str:
    # Attributes already quoted: a device's id is quoted once, not once per rule.
    head = f'<testcase classname={classname} name={name} time="0"'
    return f"{head}>{body}</testcase>" if body else f"{head}/>"


def _suite_head(name: str, tests: int, failures: int, errors: int, skipped: int,
                stamp: str, props: dict[str, str]) -> str:
    return (f'<testsuite name={xml_attr(name)} tests="{tests}" failures="{failures}" '
            f'errors="{errors}" skipped="{skipped}" time="0" timestamp="{stamp}">\n'
            "<properties>" + "".join(f"<property name={xml_attr(k)} value={xml_attr(v)}/>"
                                     for k, v in props.items()) + "</properties>\n")


def _issue_body(issue: Issue, evidence: dict[str, str]) -> tuple[str, str]:
    """(kind, element) for a non-passing rule."""
    if issue.status == "WAIVED":
        return "skipped", f"<skipped message={xml_attr('waived: ' + issue.reason)}/>"
    if issue.status == "UNKNOWN" and not issue.blocking:
        return "skipped", f"<skipped message={xml_attr('unknown, not blocking: ' + issue.reason)}/>"
    message = f"measured {issue.measured_text()}, expected {issue.expected}"
    detail = "\n".join(x for x in (issue.reason, evidence.get(issue.fact, "")) if x)
    return "failure", (f"<failure type={xml_attr(issue.status)} message={xml_attr(message)}>"
                       f"{xml_text(detail)}</failure>")


def _kind(code: str, issue: Issue | None) -> str:
    if code == "P":
        return "pass"
    if issue is None or code == "N" or issue.status == "WAIVED" or (
            issue.status == "UNKNOWN" and not issue.blocking):
        return "skipped"
    return "failure"


class _RuleIndex:
    """Position of each rule in a judgement's rule list, cached per rule list."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[RuleMeta, dict[str, int]]] = {}

    def find(self, rules: RuleMeta, rule: str) -> int | None:
        hit = self._cache.get(id(rules))
        if hit is None or hit[0] is not rules:
            hit = (rules, {m[0]: i for i, m in enumerate(rules)})
            self._cache[id(rules)] = hit
        return hit[1].get(rule)


def write_junit(ctx: RunContext, out: TextIO) -> None:
    """Stream the fleet as JUnit XML (validates against the common junit-10 schema)."""
    s = ctx.summary
    stamp = ctx.generated_at.rstrip("Z")
    judged = [d for d in s.devices if d.report is not None]
    index = _RuleIndex()
    tallies: dict[str, list[int]] = {r.rule: [0, 0, 0] for r in s.rules}  # tests, fail, skip
    for d in judged:
        assert d.report is not None  # noqa: S101
        j = d.report.active
        issues = {i.rule: i for i in j.issues}
        for (rule, _t, _s), code in zip(j.rules, j.codes, strict=True):
            t = tallies[rule]
            t[0] += 1
            kind = _kind(code, issues.get(rule))
            t[1] += kind == "failure"
            t[2] += kind == "skipped"
    ver_fail = sum(1 for d in s.devices if d.status in (MISSING, STALE_DEVICE))
    ver_tests = len(s.devices) + len(s.rejected)
    tests = ver_tests + sum(t[0] for t in tallies.values())
    failures = ver_fail + sum(t[1] for t in tallies.values())
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n'
              f'<testsuites name="wfhaudit fleet" tests="{tests}" failures="{failures}" '
              f'errors="{len(s.rejected)}" time="{ctx.elapsed_s:.3f}">\n')
    out.write(_suite_head("verification", ver_tests, ver_fail, len(s.rejected), 0, stamp,
                          {"rejected_total": str(s.rejected_total),
                           "ready_pct": f"{s.ready_pct:g}"}))
    names = {d.device_id: xml_attr(d.device_id) for d in judged}
    for d in s.devices:
        if d.status == MISSING:
            body = '<failure type="MISSING" message="no verified report"/>'
        elif d.status == STALE_DEVICE:
            msg = f"newest genuine report finished {iso(d.stale_ts)}, too old"
            body = f'<failure type="STALE" message={xml_attr(msg)}/>'
        else:
            body = ""
        out.write(_case("wfhaudit.crypto.identity", d.device_id, body) + "\n")
    for r in s.rejected:
        out.write(_case("wfhaudit.input", r.input,
                        f"<error type={xml_attr(r.reason)} message={xml_attr(r.detail)}/>") + "\n")
    out.write("</testsuite>\n")
    for rc in s.rules:
        t = tallies[rc.rule]
        out.write(_suite_head(f"rule {rc.rule}", t[0], t[1], 0, t[2], stamp,
                              {"title": rc.title, "severity": rc.severity}))
        classname = xml_attr(f"wfhaudit.rule.{rc.rule}")
        for d in judged:
            assert d.report is not None  # noqa: S101
            j = d.report.active
            at = index.find(j.rules, rc.rule)
            if at is None:
                continue
            code = j.codes[at]
            if code == "P":
                body = ""
            elif code == "N":
                body = '<skipped message="not applicable"/>'
            else:
                issue = next(i for i in j.issues if i.rule == rc.rule)
                body = _issue_body(issue, dict(d.report.evidence))[1]
            out.write(_quoted_case(classname, names[d.device_id], body) + "\n")
        out.write("</testsuite>\n")
    out.write("</testsuites>\n")


def render_junit(ctx: RunContext) -> str:
    """The JUnit XML as a string (see write_junit)."""
    buf = io.StringIO()
    write_junit(ctx, buf)
    return buf.getvalue()
