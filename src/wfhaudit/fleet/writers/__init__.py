"""Fleet outputs: JSON, JUnit XML, CSV, Markdown and the HTML page, each a function of the run."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from wfhaudit.fleet.context import RunContext
from wfhaudit.fleet.writers import as_csv, as_html, as_json, as_junit, as_markdown

Writer = Callable[[RunContext, TextIO], None]
FORMATS = ("json", "junit", "csv", "markdown", "html")


def writers() -> dict[str, Writer]:
    """Each output format's writer, looked up when called (so a test can replace one)."""
    return {"json": as_json.write_json, "junit": as_junit.write_junit, "csv": as_csv.write_csv,
            "markdown": as_markdown.write_markdown, "html": as_html.write_html}
