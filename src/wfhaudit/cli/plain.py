"""Plain text for output that is not a terminal (a log, a pipe, CI): no rich, no redraw.

Drawing with rich costs its import on every start; when nobody watches a screen, one line per
event and per rule carries the same information. Every device-supplied string still goes
through `for_terminal`.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from wfhaudit.cli.terminal import (
    SCORE_LINE,
    STATUS_WORD,
    check_notes,
    finding_lines,
    ordered,
    verdict_summary,
    why_summary,
)
from wfhaudit.cli.terminal_live import finished_line
from wfhaudit.util.text import for_terminal

if TYPE_CHECKING:
    from wfhaudit.app.check import CheckResult
    from wfhaudit.evaluate import Evaluation


def _echo(line: str) -> None:
    click.echo(line, err=True)


class PlainProbeDisplay:
    """One line per finished probe, as the terminal prints it when not live (no redraw)."""

    def __init__(self) -> None:
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> PlainProbeDisplay:
        """Nothing to set up."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to tear down."""

    def event(self, probe: str, kind: str, message: str, fraction: float | None) -> None:
        """Note when a probe starts; print its line when it ends, with the time it took."""
        name = for_terminal(probe)
        with self._lock:
            now = time.monotonic()
            if kind == "start":
                self._started[name] = now
            elif kind == "done":
                _echo(finished_line(name, message, now - self._started.get(name, now)))


def print_evaluation(evaluation: Evaluation, title: str) -> None:
    """The verdict in words, then one line per rule (problems first) with why and how to fix."""
    word = "READY" if evaluation.verdict.value == "READY" else "NOT READY"
    _echo(f"{word}  score {evaluation.score}/100 under the policy "
          f"\u201c{for_terminal(title)}\u201d")
    _echo(why_summary(evaluation))
    _echo(SCORE_LINE)
    _echo(f"{'Status':<9} {'Severity':<9} Rule")
    said: dict[str, str] = {}
    for f in ordered(evaluation.findings):
        status = f.status.value
        head, lines = finding_lines(f, said)
        _echo(f"{STATUS_WORD.get(status, for_terminal(status)):<9} "
              f"{for_terminal(f.severity):<9} {for_terminal(f.title)}{head}")
        for line in lines:
            _echo(f"{'':<20}{line}")


def print_check_result(result: CheckResult, quiet: bool = False,
                       html_path: Path | None = None) -> None:
    """The check's outcome, then notes, then one last line for the worker: the report, what next."""
    if quiet:
        _echo(verdict_summary(result.evaluation))
        if result.report_path:
            _echo(f"Report: {for_terminal(result.report_path)}")
        return
    print_evaluation(result.evaluation, str(result.report["policy"].get("title", "")))
    for line in check_notes(result, html_path):
        _echo(line)
