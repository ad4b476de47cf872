"""Plain text for output that is not a terminal (a log, a pipe, CI): no rich, no redraw.

Drawing with rich costs its import on every start; when nobody watches a screen, one line per
event and per rule carries the same information. Every device-supplied string still goes
through `for_terminal`.
"""

from __future__ import annotations

import shlex
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wfhaudit.cli.terminal import (
    STATUS_WORD,
    _is_envelope,
    format_value,
    ordered,
    verdict_summary,
)
from wfhaudit.util.text import for_terminal

if TYPE_CHECKING:
    from wfhaudit.app.check import CheckResult
    from wfhaudit.evaluate import Evaluation


def _echo(line: str) -> None:
    click.echo(line, err=True)


class PlainProbeDisplay:
    """One line when a probe starts and one when it ends (the collect_facts callback)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> PlainProbeDisplay:
        """Nothing to set up."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to tear down."""

    def event(self, probe: str, kind: str, message: str, fraction: float | None) -> None:
        """Print start and done lines; progress is not shown."""
        name = for_terminal(probe)
        with self._lock:
            now = time.monotonic()
            if kind == "start":
                self._started[name] = now
                _echo(f"  {name}: {for_terminal(message)} ...")
            elif kind == "done":
                word = "TIMED OUT" if "timed out" in message else "done"
                _echo(f"  {name}: {word} ({now - self._started.get(name, now):.1f} s)")


def print_evaluation(evaluation: Evaluation, title: str) -> None:
    """The verdict line, then one line per rule (problems first) with why and how to fix."""
    _echo(verdict_summary(evaluation))
    _echo(f"Policy: \u201c{for_terminal(title)}\u201d")
    _echo("Status    Severity  Rule: measured / expected")
    for f in ordered(evaluation.findings):
        status = f.status.value
        measured = format_value(f.measured, f.unit) if status != "UNKNOWN" else "unknown"
        blocks = "  (blocks READY)" if f.blocking else ""
        _echo(f"{STATUS_WORD.get(status, for_terminal(status)):<9} "
              f"{for_terminal(f.severity):<9} {for_terminal(f.title)}{blocks}: "
              f"{measured} / {for_terminal(f.expected)}")
        if f.reason and status != "PASS":
            _echo(f"{'':<20}Why: {for_terminal(f.reason)}")
        if f.remediation and status in ("FAIL", "UNKNOWN", "WAIVED"):
            _echo(f"{'':<20}Fix: {for_terminal(f.remediation)}")


def print_check_result(result: CheckResult, quiet: bool = False,
                       html_path: Path | None = None) -> None:
    """The check outcome, where the report and HTML went, and how IT verifies it."""
    if quiet:
        _echo(verdict_summary(result.evaluation))
        return
    print_evaluation(result.evaluation, str(result.report["policy"].get("title", "")))
    if result.report_path:
        path = for_terminal(result.report_path)
        if _is_envelope(result.report_path):
            _echo(f"Signed report: {path}")
            _echo(f"IT verifies it with: wfhaudit verify {shlex.quote(path)} --trust trust.json")
        else:
            _echo(f"Report (NOT signed, it will not pass verification): {path}")
    if html_path:
        _echo(f"HTML for the auditor: {for_terminal(html_path)}")
    if result.record_path:
        _echo(f"Evidence recorded to {for_terminal(result.record_path)}")
