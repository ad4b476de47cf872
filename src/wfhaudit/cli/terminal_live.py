"""Live per-probe lines while `wfhaudit check` runs.

A bar and seconds left when a probe reports progress; plain one-line-per-event output when
colour and animation are off.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from wfhaudit.cli.console import make_console, plain_output
from wfhaudit.util.text import for_terminal

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, Task, TaskID


def seconds_left(elapsed: float, fraction: float | None) -> float | None:
    """Estimated seconds to go from the time spent and the fraction done (None if unknowable)."""
    # Too early to extrapolate: the first sliver of progress gives wild estimates.
    if fraction is None or fraction < 0.05 or elapsed < 1.0:
        return None
    fraction = min(fraction, 1.0)
    return elapsed * (1.0 - fraction) / fraction


class ProbeDisplay:
    """Shows one line per probe; use as a context manager and pass `.event` to collect_facts."""

    def __init__(self, quiet: bool = False, console: Console | None = None) -> None:
        self.quiet = quiet
        self.console = console or make_console()
        self.animated = not quiet and not plain_output(self.console.file) \
            and self.console.is_terminal and self.console.color_system is not None
        self._progress: Progress | None = None
        self._tasks: dict[str, TaskID] = {}
        self._started: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> ProbeDisplay:
        """Start the live area when animating."""
        if self.animated:
            self._progress = _make_progress(self.console)
            self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Stop the live area, leaving the final line of each probe on screen."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def event(self, probe: str, kind: str, message: str, fraction: float | None) -> None:
        """collect_facts callback: kind is start, progress or done; called from probe threads."""
        if self.quiet:
            return
        name, message = for_terminal(probe), for_terminal(message)
        with self._lock:
            now = time.monotonic()
            if kind == "start":
                self._started[name] = now
            elapsed = now - self._started.get(name, now)
            if self._progress is not None:
                self._live_event(name, kind, message, fraction)
            elif kind == "start":
                self.console.print(f"  {name}: {message} ...")
            elif kind == "done":
                word = "TIMED OUT" if "timed out" in message else "done"
                self.console.print(f"  {name}: {word} ({elapsed:.1f} s)")

    def _live_event(self, name: str, kind: str, message: str, fraction: float | None) -> None:
        progress = self._progress
        assert progress is not None  # noqa: S101 - only called while live
        if kind == "start":
            self._tasks[name] = progress.add_task(name, total=None, note=message, state="running")
            return
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = progress.add_task(name, total=None, note="", state="running")
        if kind == "progress":
            if fraction is None:
                progress.update(task, note=message)
            else:
                progress.update(task, total=1.0, completed=max(0.0, min(fraction, 1.0)),
                                note=message)
        elif kind == "done":
            state = "timed out" if "timed out" in message else "done"
            # Keep the last note (the probe's description or its last progress message).
            progress.update(task, total=1.0, completed=1.0, state=state)


def _make_progress(console: Console) -> Progress:
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn
    from rich.table import Column
    from rich.text import Text

    class StateColumn(ProgressColumn):
        """done / TIMED OUT / elapsed and seconds left, always as words."""

        def render(self, task: Task) -> Text:
            state = task.fields.get("state", "running")
            elapsed = task.elapsed or 0.0
            if state == "done":
                return Text(f"done in {elapsed:.1f} s", style="green")
            if state != "running":
                return Text(str(state).upper(), style="bold red")
            left = seconds_left(elapsed, task.completed if task.total else None)
            tail = f", about {left:.0f} s left" if left is not None else ""
            return Text(f"{elapsed:.0f} s{tail}")

    spinner = SpinnerColumn(finished_text=" ", table_column=Column(no_wrap=True, width=1))
    columns: list[Any] = [
        spinner, TextColumn("{task.description}", markup=False,
                            table_column=Column(no_wrap=True, min_width=9)),
        BarColumn(bar_width=20, table_column=Column(no_wrap=True, width=20)),
        StateColumn(table_column=Column(no_wrap=True, min_width=14)),
        TextColumn("{task.fields[note]}", markup=False,
                   table_column=Column(no_wrap=True, ratio=1, overflow="ellipsis"))]
    return Progress(*columns, console=console, transient=False, refresh_per_second=8,
                    expand=True)
