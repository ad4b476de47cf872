"""Per-probe progress while `wfhaudit check` runs.

On a terminal: one live line per probe with a bar, the phase it is in and the time left, and
the time it took frozen when it ends (without colour under NO_COLOR). Anywhere else (CI logs,
pipes): no redraw, one line per probe as it finishes.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any

from wfhaudit.cli.console import live_output, make_console
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


def finished_line(name: str, message: str, took: float) -> str:
    """'  network   done in 10.3 s' or '  disk      TIMED OUT after 25.0 s'."""
    word = "TIMED OUT after" if "timed out" in message else "done in"
    return f"  {name:<9} {word} {took:.1f} s"


class ProbeDisplay:
    """Shows one line per probe; use as a context manager and pass `.event` to collect_facts."""

    def __init__(self, quiet: bool = False, console: Console | None = None,
                 live: bool | None = None) -> None:
        self.quiet = quiet
        self.console = console or make_console()
        if live is None:
            live = self.console.is_terminal and live_output(self.console.file)
        self.animated = not quiet and live
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
        """collect_facts callback: kind is start, progress or done; called from probe threads.

        `done` arrives when the probe itself ends, so the time it took is measured here.
        """
        if self.quiet:
            return
        name, message = for_terminal(probe), for_terminal(message)
        with self._lock:
            now = time.monotonic()
            if kind == "start":
                self._started[name] = now
            took = now - self._started.get(name, now)
            if self._progress is not None:
                self._live_event(name, kind, message, fraction, took)
            elif kind == "done":
                self.console.print(finished_line(name, message, took), soft_wrap=True)

    def _live_event(self, name: str, kind: str, message: str, fraction: float | None,
                    took: float) -> None:
        progress = self._progress
        assert progress is not None  # noqa: S101 - only called while live
        task = self._tasks.get(name)
        if task is None:
            task = self._tasks[name] = progress.add_task(name, total=None, note="",
                                                         state="running", took=0.0)
        if kind == "start":
            progress.update(task, note=message)
        elif kind == "progress":
            if fraction is None:
                progress.update(task, note=message)
            else:
                progress.update(task, total=1.0, completed=max(0.0, min(fraction, 1.0)),
                                note=message)
        elif kind == "done":
            state = "timed out" if "timed out" in message else "done"
            # Freeze the line: its clock stops and the time it took is ours, not rich's.
            progress.update(task, total=1.0, completed=1.0, state=state, took=took)
            progress.stop_task(task)


def _make_progress(console: Console) -> Progress:
    from rich.progress import BarColumn, Progress, ProgressColumn, SpinnerColumn, TextColumn
    from rich.table import Column
    from rich.text import Text

    class StateColumn(ProgressColumn):
        """done in / TIMED OUT after / elapsed and seconds left, always as words."""

        def render(self, task: Task) -> Text:
            state = task.fields.get("state", "running")
            took = float(task.fields.get("took") or 0.0)
            if state == "done":
                return Text(f"done in {took:.1f} s", style="green")
            if state != "running":
                return Text(f"TIMED OUT after {took:.0f} s", style="bold red")
            elapsed = task.elapsed or 0.0
            left = seconds_left(elapsed, task.completed if task.total else None)
            tail = f", about {left:.0f} s left" if left is not None else ""
            return Text(f"{elapsed:.0f} s{tail}")

    spinner = SpinnerColumn(finished_text=" ", table_column=Column(no_wrap=True, width=1))
    columns: list[Any] = [
        spinner, TextColumn("{task.description}", markup=False,
                            table_column=Column(no_wrap=True, min_width=9)),
        BarColumn(bar_width=20, table_column=Column(no_wrap=True, width=20)),
        StateColumn(table_column=Column(no_wrap=True, min_width=20)),
        TextColumn("{task.fields[note]}", markup=False,
                   table_column=Column(no_wrap=True, ratio=1, overflow="ellipsis"))]
    return Progress(*columns, console=console, transient=False, refresh_per_second=8,
                    expand=True)
