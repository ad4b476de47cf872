"""What the worker sees on stderr: live probe lines, the verdict in words, the rules table.

rich is imported only inside the functions that draw, so `check --quiet` starts fast. Every
device-supplied string goes through `for_terminal` and reaches rich as a `Text`, never as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from wfhaudit.cli.console import make_console
from wfhaudit.cli.terminal_live import ProbeDisplay
from wfhaudit.evaluate import SEVERITY_WEIGHT
from wfhaudit.facts import CATALOGUE
from wfhaudit.util.display import format_value as display_value
from wfhaudit.util.display import plural
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
SCORE_LINE = ("Score = weight of rules passed / weight of rules checked ("
              + ", ".join(f"{name} {weight}" for name, weight in SEVERITY_WEIGHT.items()
                          if weight) + ").")


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


def why_summary(evaluation: Evaluation) -> str:
    """Why the verdict is what it is, in one sentence or two."""
    failed = [f for f in evaluation.blocking if f.status.value == "FAIL"]
    unknown = [f for f in evaluation.blocking if f.status.value != "FAIL"]
    parts = []
    if failed:
        parts.append(f"{plural(len(failed), 'required rule')} failed: "
                     + "; ".join(for_terminal(f.title) for f in failed))
    if unknown:
        parts.append(f"{plural(len(unknown), 'required rule')} could not be checked: "
                     + "; ".join(for_terminal(f.title) for f in unknown))
    if parts:
        return ". ".join(parts) + "."
    others = [f for f in evaluation.findings if f.status.value in ("FAIL", "UNKNOWN")]
    if others:
        return (f"Every required rule passed; {plural(len(others), 'optional rule')} did not, "
                "see below.")
    return "Every rule that applies to this computer passed."


def print_verdict(evaluation: Evaluation, title: str, console: Console) -> None:
    """The verdict in words: READY / NOT READY, the score, and why."""
    from rich.text import Text

    ready = evaluation.verdict.value == "READY"
    head = Text()
    head.append(" READY " if ready else " NOT READY ",
                style="bold white on green" if ready else "bold white on red")
    head.append(f"  score {evaluation.score}/100 under the policy \u201c{for_terminal(title)}\u201d")
    console.print(head)
    console.print(Text(why_summary(evaluation)))
    console.print(Text(SCORE_LINE, style="dim"))


def measured_vs_expected(f: Finding) -> str:
    """The one wording for a rule's numbers: 'measured no, expected yes'."""
    measured = format_value(f.measured, f.unit) if f.status.value != "UNKNOWN" else "unknown"
    return f"measured {measured}, expected {for_terminal(f.expected)}"


def finding_lines(f: Finding, said: dict[str, str]) -> tuple[str, list[str]]:
    """What follows a rule's title on its first line, and the lines under it (device text cleaned).

    `said` remembers reasons already shown: a reason shared by several rules (three headset
    rules, one audio server) is printed once, the others point to it.
    """
    status = f.status.value
    if status == "NOT_APPLICABLE":
        return (f": {for_terminal(f.reason)}" if f.reason else ""), []
    if status == "PASS":
        return f": {measured_vs_expected(f)}", []
    lines = [measured_vs_expected(f)]
    if f.reason:
        first = said.setdefault(f.reason, f.title)
        why = f.reason if first == f.title else f"same as for \u201c{first}\u201d above"
        lines.append("Why: " + for_terminal(why))
    if f.remediation:
        lines.append("Fix: " + for_terminal(f.remediation))
    return ("  (blocks READY)" if f.blocking else ""), lines


def findings_table(evaluation: Evaluation) -> Table:
    """The rules table: status word (coloured), severity, and the rule with its numbers, why, fix.

    The rule cell takes the whole width left, so reasons and fixes read as sentences; a PASS
    or N/A rule is one line.
    """
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("Status", no_wrap=True, min_width=7)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Rule")
    said: dict[str, str] = {}  # reason -> title of the rule that showed it first
    for f in ordered(evaluation.findings):
        status = f.status.value
        head, lines = finding_lines(f, said)
        rule = Text(for_terminal(f.title))
        if status in ("NOT_APPLICABLE", "PASS"):
            rule.append(head, style="dim" if status == "NOT_APPLICABLE" else "")
        else:
            rule.append(head, style="bold")
            for line in lines:
                rule.append("\n" + line, style="italic" if line.startswith("Why: ") else "")
        table.add_row(Text(STATUS_WORD.get(status, for_terminal(status)),
                           style=STATUS_STYLE.get(status, "")),
                      Text(for_terminal(f.severity)), rule)
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
    """The check's outcome, then notes, then one last line for the worker: the report, what next."""
    if quiet:
        verdict_line(result.evaluation, console)
        if result.report_path:
            click.echo(f"Report: {for_terminal(result.report_path)}", err=True)
        return
    console = console or make_console()
    print_evaluation(result.evaluation, str(result.report["policy"].get("title", "")), console)
    from rich.text import Text

    for line in check_notes(result, html_path):  # never wrapped by us: paths copy whole
        console.print(Text(line), soft_wrap=True)


def check_notes(result: CheckResult, html_path: Path | None = None) -> list[str]:
    """The lines after the rules table; the last one tells the worker where the report is."""
    lines = []
    if result.needs_admin:
        count = len(result.needs_admin)
        lines.append(f"{plural(count, 'fact')} {'needs' if count == 1 else 'need'} admin rights "
                     f"to read ({', '.join(result.needs_admin)}): run `sudo wfhaudit check` to "
                     "check everything in one run.")
    if result.session_user:
        lines.append(f"Audio was read from the desktop audio session of "
                     f"{for_terminal(result.session_user)}.")
    if result.new_identity:
        lines.append(f"First run: this computer's identity was created (device "
                     f"{for_terminal(result.new_identity)}). Send its public key to IT once: "
                     "`wfhaudit keys export > dev.pub`, then send dev.pub.")
    if html_path:
        lines.append(f"HTML for the auditor: {for_terminal(html_path)}")
    if result.record_path:
        lines.append(f"Evidence recorded to {for_terminal(result.record_path)}")
    if result.report_path:
        lines.append(_last_line(result))
    return lines


def _last_line(result: CheckResult) -> str:
    assert result.report_path is not None  # noqa: S101 - checked by the caller
    path = for_terminal(result.report_path)
    if not _is_envelope(result.report_path):
        return (f"Your report is {path}; it is NOT signed (--no-sign), so IT will not accept "
                "it: run `wfhaudit check` without --no-sign for the report to send.")
    if result.evaluation.verdict.value == "READY":
        return f"Your signed report is {path}. Next: send it to IT."
    return (f"Your signed report is {path}. Next: fix what is marked \u201cblocks READY\u201d "
            "above (each says how), then run `wfhaudit check` again.")


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
