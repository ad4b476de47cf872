"""The rich console wfhaudit draws on, and whether output must stay plain (no colour, no redraw)."""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.console import Console


def plain_output(stream: IO[str] | None = None) -> bool:
    """True when output must have no colour or animation: not a TTY, NO_COLOR, or CI."""
    if os.environ.get("NO_COLOR"):
        return True
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    stream = stream if stream is not None else sys.stderr
    isatty = getattr(stream, "isatty", None)
    try:
        return not (isatty is not None and isatty())
    except ValueError:  # closed stream
        return True


def make_console(file: TextIO | None = None, width: int | None = None,
                 plain: bool | None = None) -> Console:
    """A rich console on stderr (or file) with markup, emoji and highlighting off."""
    from rich.console import Console

    stream = file if file is not None else sys.stderr
    plain = plain_output(stream) if plain is None else plain
    return Console(file=stream, width=width, highlight=False, markup=False, emoji=False,
                   force_terminal=False if plain else None, no_color=plain,
                   color_system=None if plain else "auto",
                   force_interactive=False if plain else None, soft_wrap=False)
