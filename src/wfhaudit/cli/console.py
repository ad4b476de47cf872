"""The rich console wfhaudit draws on: colour, live redraw and width, each decided on its own.

Colour needs a terminal and neither NO_COLOR nor CI. Live redraw needs a terminal and no CI
(NO_COLOR means no colour, not no progress). Off a terminal (make run, CI logs) lines are
wrapped at 100 columns or more, never rich's default 80.
"""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console

MIN_PLAIN_WIDTH = 100


def _is_tty(stream: IO[str] | None) -> bool:
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is not None and bool(isatty())
    except ValueError:  # closed stream
        return False


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def plain_output(stream: IO[str] | None = None) -> bool:
    """True when output must have no colour: not a TTY, NO_COLOR, or CI."""
    return bool(os.environ.get("NO_COLOR")) or _in_ci() or not _is_tty(stream)


def live_output(stream: IO[str] | None = None) -> bool:
    """True when progress may redraw in place: a TTY, and not CI (NO_COLOR does not matter)."""
    return _is_tty(stream) and not _in_ci()


def plain_width() -> int:
    """Columns for output that is not a terminal: COLUMNS when wider, else 100."""
    try:
        asked = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        asked = 0
    return max(MIN_PLAIN_WIDTH, asked)


def make_console(file: TextIO | None = None, width: int | None = None,
                 plain: bool | None = None) -> Console:
    """A rich console on stderr (or file) with markup, emoji and highlighting off.

    `plain` forces no colour and no terminal control (tests); by default colour and redraw
    follow plain_output and live_output.
    """
    from rich.console import Console

    stream = file if file is not None else sys.stderr
    tty = _is_tty(stream) and plain is not True
    no_colour = plain_output(stream) if plain is None else plain
    if width is None and not tty:
        width = plain_width()
    return Console(file=stream, width=width, highlight=False, markup=False, emoji=False,
                   force_terminal=tty, no_color=no_colour,
                   color_system=None if no_colour else "auto",
                   force_interactive=tty and live_output(stream), soft_wrap=False)
