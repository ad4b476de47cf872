"""Machine output: JSON goes to stdout, and only there."""

from __future__ import annotations

import json
from typing import Any

import click


def emit_json(data: Any) -> None:
    """Print JSON to stdout (machine output only ever goes there)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True))
