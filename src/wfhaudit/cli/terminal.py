"""What the worker sees on stderr: live probe lines, the verdict in words, the rules table.

rich is imported only inside the functions that draw, so `check --quiet` starts fast. Every
device-supplied string goes through `for_terminal` and reaches rich as a `Text`, never as markup.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wfhaudit.cli.console import make_console
from wfhaudit.cli.terminal_live import ProbeDisplay
from wfhaudit.facts import CATALOGUE
from wfhaudit.util.display import format_value as display_value
from wfhaudit.util.text import for_terminal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from wfhaudit.app.check import CheckResult
    from wfhaudit.evaluate import Evaluation, Finding
    from wfhaudit.facts import FactSet

STATUS_WORD = {"PASS": "PASS", "FAIL": "FAIL", "UNKNOWN": "UNKNOWN", "WAIVED": "WAIVED",
               "NOT_APPLICABLE": "N/A"}
STATUS_STYLE = {"PASS": "bold green", "FAIL": "bold red", "UNKNOWN": "bold yellow",
                "WAIVED": "bold blue", "NOT_APPLICABLE": "dim"}
# Problems first: what blocks, then what else failed, then the rest in policy order.
_RANK = {"FAIL": 1, "UNKNOWN": 2, "WAIVED": 3, "PASS": 4, "NOT_APPLICABLE": 5}


def format_value(value: Any, unit: str | None = None) -> str:
    """A measured value for people (see wfhaudit.util.display), safe for a terminal."""
    return for_terminal(display_value(value, unit))


def ordered(findings: Iterable[Finding]) -> list[Finding]:
    """Findings with blocking ones first, then by status, keeping policy order within each."""
    return sorted(findings, key=lambda f: (not f.blocking, _RANK.get(f.status.value, 9)))


def verdict_line(evaluation: Evaluation, console: Console | None = None) -> None:
    """Print the one-line verdict (what --quiet prints): READY / NOT READY with blocking rules."""
    text = verdict_summary(evaluation)
    if console is None:

        click.echo(text, err=True)
    else:
        console.print(text, style=None)


def verdict_summary(evaluation: Evaluation) -> str:
    """`READY (score 100)` or `NOT READY (score 40): rule-a, rule-b`."""
    if evaluation.verdict.value == "READY":
        return f"READY (score {evaluation.score})"
    why = ", ".join(for_terminal(f.rule_id) for f in evaluation.blocking)
    return f"NOT READY (score {evaluation.score}): {why}"


def _why(evaluation: Evaluation) -> str:
    failed = [f for f in evaluation.blocking if f.status.value == "FAIL"]
    unknown = [f for f in evaluation.blocking if f.status.value != "FAIL"]
    parts = []
    if failed:
        parts.append(f"{_n(len(failed), 'required rule')} failed: "
                     + "; ".join(for_terminal(f.title) for f in failed))
    if unknown:
        parts.append(f"{_n(len(unknown), 'required rule')} could not be checked: "
                     + "; ".join(for_terminal(f.title) for f in unknown))
    if parts:
        return ". ".join(parts) + "."
    others = [f for f in evaluation.findings if f.status.value in ("FAIL", "UNKNOWN")]
    if others:
        return (f"Every required rule passed; {_n(len(others), 'optional rule')} did not, "
                "see below.")
    return "Every rule that applies to this computer passed."


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def print_verdict(evaluation: Evaluation, title: str, console: Console) -> None:
    """The verdict in words: READY / NOT READY, the score, and why."""
    from rich.text import Text

    ready = evaluation.verdict.value == "READY"
    head = Text()
    head.append(" READY " if ready else " NOT READY ",
                style="bold white on green" if ready else "bold white on red")
    head.append(f"  score {evaluation.score}/100 under the policy \u201c{for_terminal(title)}\u201d")
    console.print(head)
    console.print(Text(_why(evaluation)))


def findings_table(evaluation: Evaluation) -> Table:
    """The rules table: status word (coloured), rule with reason and fix, measured, expected."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=True)
    table.add_column("Status", no_wrap=True, min_width=7)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Rule", ratio=1)
    table.add_column("Measured", max_width=24)
    table.add_column("Expected", max_width=24)
    for f in ordered(evaluation.findings):
        status = f.status.value
        rule = Text(for_terminal(f.title))
        if f.blocking:
            rule.append("  (blocks READY)", style="bold")
        if f.reason and status != "PASS":
            rule.append("\nWhy: " + for_terminal(f.reason), style="italic")
        if f.remediation and status in ("FAIL", "UNKNOWN", "WAIVED"):
            rule.append("\nFix: " + for_terminal(f.remediation))
        table.add_row(Text(STATUS_WORD.get(status, for_terminal(status)), style=STATUS_STYLE.get(status, "")),
                      Text(for_terminal(f.severity)), rule,
                      Text(format_value(f.measured, f.unit) if status != "UNKNOWN" else "unknown"),
                      Text(for_terminal(f.expected)))
    return table


def print_evaluation(evaluation: Evaluation, title: str, console: Console | None = None) -> None:
    """Print the verdict in words, then the rules table."""
    console = console or make_console()
    print_verdict(evaluation, title, console)
    console.print(findings_table(evaluation))


def _is_envelope(path: Path) -> bool:

    try:
        with path.open("rb") as fh:
            data = json.loads(fh.read(16 * 1024 * 1024))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "payloadType" in data and bool(data.get("signatures"))


def print_check_result(result: CheckResult, quiet: bool = False, html_path: Path | None = None,
                       console: Console | None = None) -> None:
    """Print the check outcome, where the report and HTML went, and how IT verifies it."""
    if quiet:
        verdict_line(result.evaluation, console)
        return
    console = console or make_console()
    print_evaluation(result.evaluation, str(result.report["policy"].get("title", "")), console)
    from rich.text import Text

    lines = []
    if result.report_path:
        path = for_terminal(result.report_path)
        if _is_envelope(result.report_path):
            lines += [f"Signed report: {path}",
                      f"IT verifies it with: wfhaudit verify {shlex.quote(path)} --trust trust.json"]
        else:
            lines.append(f"Report (NOT signed, it will not pass verification): {path}")
    if html_path:
        lines.append(f"HTML for the auditor: {for_terminal(html_path)}")
    if result.record_path:
        lines.append(f"Evidence recorded to {for_terminal(result.record_path)}")
    for line in lines:  # never wrapped by us, so a path or command copies whole
        console.print(Text(line), soft_wrap=True)


def print_facts(facts: FactSet, console: Console | None = None) -> None:
    """Print raw facts (no judging): key, value with unit or UNKNOWN with the reason."""
    from rich import box
    from rich.table import Table
    from rich.text import Text


    console = console or make_console()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Fact", no_wrap=True)
    table.add_column("Value")
    for key, fact in sorted(facts.facts.items()):
        if fact.is_known:
            table.add_row(Text(key), Text(format_value(fact.value, CATALOGUE[key].unit)))
        else:
            table.add_row(Text(key), Text("UNKNOWN: " + for_terminal(fact.reason), style="yellow"))
    console.print(table)


class _Silent:
    """The --quiet display: no probe lines, and rich is never imported."""

    def __enter__(self) -> _Silent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def event(self, probe: str, kind: str, message: str, fraction: float | None) -> None:
        """Ignore probe events."""


def probe_display(quiet: bool = False, console: Console | None = None) -> Any:
    """A context manager whose `.event` is the collect_facts callback (see terminal_live)."""
    if quiet:
        return _Silent()

    return ProbeDisplay(console=console)
