"""Plain-text terminal output on stderr (verdict, findings, facts); device text is sanitised."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from wfhaudit.app import CheckResult
    from wfhaudit.evaluate import Evaluation
    from wfhaudit.facts import FactSet

# C0/C1 controls (ESC starts terminal sequences), DEL, and bidi overrides that reorder text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


def clean(value: Any) -> str:
    """Make device-supplied text safe to print on a terminal."""
    return _CONTROL.sub("\ufffd", str(value))


def _value(v: Any, unit: str | None) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, list):
        return ", ".join(clean(x) for x in v) or "none"
    return clean(v) + (f" {unit}" if unit else "")


def print_evaluation(evaluation: Evaluation, title: str) -> None:
    """Print the verdict and one line per finding, with remediation for failures."""
    err = True
    click.echo(f"Policy: {clean(title)}", err=err)
    for f in evaluation.findings:
        click.echo(f"  {f.status.value:<14} {f.severity:<8} {clean(f.title)}: "
                   f"{_value(f.measured, f.unit)} (expected {f.expected})", err=err)
        if f.reason and f.status.value != "PASS":
            click.echo(f"{'':27}{clean(f.reason)}", err=err)
        if f.remediation:
            click.echo(f"{'':27}Fix: {clean(f.remediation)}", err=err)
    verdict_line(evaluation)


def verdict_line(evaluation: Evaluation) -> None:
    """Print READY / NOT READY with the blocking rules."""
    if evaluation.verdict.value == "READY":
        click.echo(f"READY (score {evaluation.score})", err=True)
    else:
        why = ", ".join(f.rule_id for f in evaluation.blocking)
        click.echo(f"NOT READY (score {evaluation.score}): {why}", err=True)


def print_check_result(result: CheckResult, quiet: bool = False) -> None:
    """Print the check outcome and where the report went."""
    if quiet:
        verdict_line(result.evaluation)
        return
    print_evaluation(result.evaluation, result.report["policy"]["title"])
    if result.report_path:
        click.echo(f"Report written to {result.report_path}", err=True)
    if result.record_path:
        click.echo(f"Evidence recorded to {result.record_path}", err=True)


def print_facts(facts: FactSet) -> None:
    """Print raw facts, one per line."""
    for key, fact in sorted(facts.facts.items()):
        if fact.is_known:
            from wfhaudit.facts import CATALOGUE

            click.echo(f"{key:<34} {_value(fact.value, CATALOGUE[key].unit)}", err=True)
        else:
            click.echo(f"{key:<34} UNKNOWN: {clean(fact.reason)}", err=True)
