"""Machine output: JSON goes to stdout, and only there, as ASCII whatever the locale."""

from __future__ import annotations

import json
import sys
from typing import Any, BinaryIO

import click


def emit_json(data: Any) -> None:
    """Print JSON to stdout (machine output only ever goes there).

    Non-ASCII text is written as \\u escapes: the same JSON value, and printable under any
    locale (a Latin-1 or EUC-JP terminal cannot encode '≥').
    """
    click.echo(json_line(data, indent=2))


def json_line(data: Any, indent: int | None = None) -> str:
    """JSON text that is pure ASCII, for stdout."""
    return json.dumps(data, indent=indent, ensure_ascii=True, sort_keys=indent is not None)


def emit_utf8(text: str) -> None:
    """Write a document (an HTML page) to stdout as UTF-8 bytes, whatever the locale."""
    sys.stdout.flush()
    stream: BinaryIO | None = getattr(sys.stdout, "buffer", None)
    if stream is None:  # a text-only stream: its own encoding is all there is
        sys.stdout.write(text)
        return
    stream.write(text.encode("utf-8"))
    stream.flush()
